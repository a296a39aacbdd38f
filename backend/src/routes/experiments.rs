//! Management experiments: the list under a unit, one experiment, its analysis per KPI, and
//! creating and changing them.

use kpi_api::experiment::{Experiment, ExperimentEdit, ExperimentHistory, StoredExperiment};

use super::*;
use crate::experiments;

/// GET /api/experiments?unit= — the experiments the caller may read (every unit inside their
/// jurisdiction) that name a unit under `unit` (default: any).
pub(super) async fn list_experiments(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let list = visible(&state, &access, &params).await.map_err(reject)?;
    Ok(json(&list))
}

/// The stored experiments the caller may read that name a unit under `?unit=` (default: any).
async fn visible(
    state: &Arc<AppState>,
    access: &Access,
    params: &Params,
) -> Result<Vec<StoredExperiment>> {
    only_params(params, &["unit"])?;
    if let Some(unit) = params.get("unit") {
        state.unit_for(access, unit)?;
    }
    let all = state.db.run(experiments::store::list).await?;
    let units = state.units();
    let parents = auth::Parents::of(&units);
    Ok(all
        .into_iter()
        .filter(|s| experiments::readable(state, access, &s.experiment).is_ok())
        .filter(|s| match params.get("unit") {
            Some(unit) => experiments::units(&s.experiment).any(|u| parents.is_within(u, unit)),
            None => true,
        })
        .collect())
}

/// The stored experiment `id`, refused (403) when the caller may not read it.
async fn readable(state: &Arc<AppState>, access: &Access, id: &str) -> Result<StoredExperiment> {
    let asked = id.to_string();
    let stored = state
        .db
        .run(move |c| experiments::store::get(c, &asked))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no experiment '{id}'")))?;
    experiments::readable(state, access, &stored.experiment)?;
    Ok(stored)
}

/// GET /api/experiments/{id}
pub(super) async fn get_experiment(
    id: String,
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let stored = readable(&state, &access, &id).await.map_err(reject)?;
    Ok(json(&stored))
}

/// GET /api/experiments/{id}/history — every version (who changed it, when, to what), newest
/// first. A version that named a unit outside the caller's jurisdiction is left out and counted.
pub(super) async fn experiment_history(
    id: String,
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    readable(&state, &access, &id).await.map_err(reject)?;
    let versions = state
        .db
        .run(move |c| experiments::store::history(c, &id))
        .await
        .map_err(reject)?;
    let total = versions.len();
    let versions: Vec<StoredExperiment> = versions
        .into_iter()
        .filter(|v| experiments::readable(&state, &access, &v.experiment).is_ok())
        .collect();
    Ok(json(&ExperimentHistory {
        hidden: (total - versions.len()) as u32,
        versions,
    }))
}

/// GET /api/experiments/{id}/analysis?kpi= — the analysis of one KPI (default: the first the
/// experiment watches), from the caller's rows.
pub(super) async fn experiment_analysis(
    id: String,
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["kpi"]).map_err(reject)?;
    let stored = readable(&state, &access, &id).await.map_err(reject)?;
    let kpi = match params.get("kpi") {
        Some(kpi) => kpi.clone(),
        None => stored.experiment.kpis.first().cloned().unwrap_or_default(),
    };
    let jurisdiction = access.jurisdiction();
    let shared = Arc::clone(&state);
    let answer = tokio::task::spawn_blocking(move || {
        experiments::analyse_or_start(&shared, &jurisdiction, &stored.experiment, &kpi)
    })
    .await
    .map_err(|e| reject(Error::Internal(format!("an analysis failed: {e}"))))?
    .map_err(reject)?;
    Ok(match answer {
        experiments::Answer::Ready(analysis) => conditional.reply(analysis.as_ref()),
        experiments::Answer::Running { done, total } => warp::reply::with_status(
            json(&kpi_api::experiment::AnalysisProgress { done, total }),
            StatusCode::ACCEPTED,
        )
        .into_response(),
    })
}

/// POST /api/experiments — a new experiment (mayors, governors, analysts and admins, with every
/// unit inside their jurisdiction).
pub(super) async fn create_experiment(
    access: Access,
    addr: Option<SocketAddr>,
    experiment: Experiment,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::EditExperiments).map_err(reject)?;
    experiments::validate(&state, &experiment).map_err(reject)?;
    experiments::readable(&state, &access, &experiment).map_err(reject)?;
    let by = access.user.clone();
    let saved = experiment.clone();
    let stored = state
        .db
        .run(move |c| {
            experiments::store::save(c, &saved, &by, None)?;
            experiments::store::get(c, &saved.id)
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "experiment_created",
        format!("{}: {}", experiment.id, experiment.title),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&stored), StatusCode::CREATED))
}

/// PUT /api/experiments/{id} — a changed definition, replacing the revision it names (409 if it
/// changed since); the earlier version stays in the history.
pub(super) async fn edit_experiment(
    id: String,
    access: Access,
    addr: Option<SocketAddr>,
    edit: ExperimentEdit,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::EditExperiments).map_err(reject)?;
    if edit.experiment.id != id {
        return Err(reject(Error::BadParameter {
            param: "id".into(),
            message: format!(
                "the body is experiment '{}', the path '{id}'",
                edit.experiment.id
            ),
        }));
    }
    readable(&state, &access, &id).await.map_err(reject)?;
    experiments::validate(&state, &edit.experiment).map_err(reject)?;
    experiments::readable(&state, &access, &edit.experiment).map_err(reject)?;
    let by = access.user.clone();
    let saved = edit.experiment.clone();
    let stored = state
        .db
        .run(move |c| {
            experiments::store::save(c, &saved, &by, Some(edit.revision))?;
            experiments::store::get(c, &saved.id)
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "experiment_changed",
        format!("{id}: {}", edit.experiment.title),
        client_ip(addr),
    )
    .await;
    Ok(json(&stored))
}

/// GET /api/exports/experiments?unit= — the definitions the caller may read (under `unit`), as a
/// JSON file that `POST /api/experiments/import` takes back.
pub(super) async fn export_experiments(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let file: Vec<Experiment> = visible(&state, &access, &params)
        .await
        .map_err(reject)?
        .into_iter()
        .map(|s| s.experiment)
        .collect();
    let body =
        serde_json::to_string_pretty(&file).map_err(|e| reject(Error::Internal(e.to_string())))?;
    Ok(warp::reply::with_header(
        warp::reply::with_header(body, "content-type", "application/json"),
        "content-disposition",
        "attachment; filename=\"experiments.json\"",
    ))
}

/// POST /api/experiments/import — an experiments file (as exported): every definition checked
/// first (400 names the experiment and field, 403 a unit outside the jurisdiction), then all
/// stored in one transaction; a changed one gets a new revision, an identical one stays.
pub(super) async fn import_experiments(
    access: Access,
    addr: Option<SocketAddr>,
    file: Vec<Experiment>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::EditExperiments).map_err(reject)?;
    let mut seen = std::collections::HashSet::new();
    for (i, e) in file.iter().enumerate() {
        let at = |error: Error| match error {
            Error::BadParameter { param, message } => Error::BadParameter {
                param: format!("[{i}] {}: {param}", e.id),
                message,
            },
            Error::Forbidden(message) => Error::Forbidden(format!("[{i}] {}: {message}", e.id)),
            other => other,
        };
        experiments::validate(&state, e).map_err(|x| reject(at(x)))?;
        experiments::readable(&state, &access, e).map_err(|x| reject(at(x)))?;
        if !seen.insert(e.id.clone()) {
            return Err(reject(at(Error::BadParameter {
                param: "id".into(),
                message: "the file holds this experiment twice".into(),
            })));
        }
    }
    // A stored experiment the file replaces must be the caller's to read, too.
    for e in &file {
        let id = e.id.clone();
        let stored = state
            .db
            .run(move |c| experiments::store::get(c, &id))
            .await
            .map_err(reject)?;
        if let Some(stored) = stored {
            experiments::readable(&state, &access, &stored.experiment).map_err(reject)?;
        }
    }
    let by = access.user.clone();
    let count = file.len();
    let done = state
        .db
        .run(move |c| experiments::store::import(c, &file, &by))
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "experiments_imported",
        format!(
            "{count} experiments: {} new, {} changed, {} unchanged",
            done.created, done.changed, done.unchanged
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&done))
}

/// GET /api/experiments/suggest?kpi=&treated=a,b&start=&grain= — units to compare with: those of
/// the treated units' kind in the caller's jurisdiction whose KPI moved most like theirs before
/// the start.
pub(super) async fn suggest_comparison(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["kpi", "treated", "start", "grain"]).map_err(reject)?;
    let need = |name: &str| {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| reject(Error::bad_parameter(name, "required")))
    };
    let kpi = need("kpi")?;
    let treated: Vec<String> = need("treated")?.split(',').map(str::to_string).collect();
    for unit in &treated {
        state.unit_for(&access, unit).map_err(reject)?;
    }
    let start: NaiveDate = need("start")?
        .parse()
        .map_err(|_| reject(Error::bad_parameter("start", "a date YYYY-MM-DD")))?;
    let grain = match params.get("grain").map(String::as_str) {
        None | Some("month") => Grain::Month,
        Some("week") => Grain::Week,
        Some(_) => return Err(reject(Error::bad_parameter("grain", "week or month"))),
    };
    let visible = access.visible_units(&state.units());
    let jurisdiction = access.jurisdiction();
    let shared = Arc::clone(&state);
    let list = tokio::task::spawn_blocking(move || {
        experiments::suggest(
            &shared,
            &jurisdiction,
            &visible,
            &kpi,
            &treated,
            start,
            grain,
        )
    })
    .await
    .map_err(|e| reject(Error::Internal(format!("a suggestion failed: {e}"))))?
    .map_err(reject)?;
    Ok(json(&list))
}
