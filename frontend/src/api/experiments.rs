use kpi_api::experiment::{
    AnalysisAnswer, ComparisonSuggestion, Experiment, ExperimentEdit, ExperimentHistory,
    StoredExperiment,
};

use super::{api_path, get_json, post_json, put_json, FetchError};

/// `GET /api/experiments?unit=`: the experiments the user may read, naming a unit under `unit`.
pub async fn experiments(unit: Option<&str>) -> Result<Vec<StoredExperiment>, FetchError> {
    let query: Vec<(&str, String)> = unit.map(|u| ("unit", u.to_string())).into_iter().collect();
    get_json(&api_path(&["experiments"]), &query).await
}

/// `GET /api/experiments/{id}`: one experiment (403 outside the user's jurisdiction).
pub async fn experiment(id: &str) -> Result<StoredExperiment, FetchError> {
    get_json(&api_path(&["experiments", id]), &[]).await
}

/// [`experiment`] as written, for the form that changes it: its texts in their own language, not
/// the interface's, so saving keeps each language's text where it was.
pub async fn experiment_as_written(id: &str) -> Result<StoredExperiment, FetchError> {
    super::get_json_as_written(&api_path(&["experiments", id]), &[]).await
}

/// `GET /api/experiments/{id}/history`: every version the user may read, newest first.
pub async fn experiment_history(id: &str) -> Result<ExperimentHistory, FetchError> {
    get_json(&api_path(&["experiments", id, "history"]), &[]).await
}

/// `GET /api/experiments/{id}/analysis?kpi=`: did the change move the KPI? A long analysis
/// (many units) answers its progress until it is done.
pub async fn experiment_analysis(id: &str, kpi: &str) -> Result<AnalysisAnswer, FetchError> {
    get_json(
        &api_path(&["experiments", id, "analysis"]),
        &[("kpi", kpi.to_string())],
    )
    .await
}

/// `POST /api/experiments`: a new experiment (mayors, governors, analysts, admins). 400 names the
/// field the server refused (`treated[1].unit`, `kpis[0]`, ...); 403 a unit outside the
/// jurisdiction; 409 an id that is taken.
pub async fn create_experiment(
    csrf: &str,
    experiment: &Experiment,
) -> Result<StoredExperiment, FetchError> {
    post_json(&api_path(&["experiments"]), Some(csrf), experiment).await
}

/// `PUT /api/experiments/{id}`: a changed definition replacing `revision` (409 when it changed
/// since).
pub async fn edit_experiment(
    csrf: &str,
    experiment: &Experiment,
    revision: u32,
) -> Result<StoredExperiment, FetchError> {
    put_json(
        &api_path(&["experiments", &experiment.id]),
        csrf,
        &ExperimentEdit {
            experiment: experiment.clone(),
            revision,
        },
    )
    .await
}

/// What `POST /api/experiments/import` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct ExperimentsImported {
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// `POST /api/experiments/import`: an experiments file as downloaded, sent as it is; 400 names
/// the experiment and field, 403 a unit outside the jurisdiction, and nothing is stored then.
pub async fn import_experiments(
    csrf: &str,
    file: &web_sys::File,
) -> Result<ExperimentsImported, FetchError> {
    let request = gloo::net::http::Request::post(&api_path(&["experiments", "import"]))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header(kpi_api::CSRF_HEADER, csrf)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| FetchError::Network(e.to_string()))?;
    super::read(request.send().await, true).await
}

/// The address of the experiments file to download.
pub fn experiments_href() -> String {
    api_path(&["exports", "experiments"])
}

/// `GET /api/experiments/suggest`: units whose KPI moved most like the treated units' before the
/// start, closest first.
pub async fn suggest_comparison(
    kpi: &str,
    treated: &[String],
    start: &str,
    grain: kpi_api::Grain,
) -> Result<Vec<ComparisonSuggestion>, FetchError> {
    get_json(
        &api_path(&["experiments", "suggest"]),
        &[
            ("kpi", kpi.to_string()),
            ("treated", treated.join(",")),
            ("start", start.to_string()),
            ("grain", grain.as_str().to_string()),
        ],
    )
    .await
}

/// The headline effect of each of `experiments` on each KPI it watches (an analysis that fails
/// is left out: a tile is no place for its error).
pub async fn experiment_headlines(
    experiments: &[StoredExperiment],
) -> Result<Vec<crate::components::ExperimentHeadline>, FetchError> {
    let mut out = Vec::new();
    for stored in experiments {
        let e = &stored.experiment;
        for kpi in &e.kpis {
            // One still running has no headline yet.
            let Ok(AnalysisAnswer::Ready(a)) = experiment_analysis(&e.id, kpi).await else {
                continue;
            };
            let measure = kpi_api::Measure::ALL
                .into_iter()
                .find(|m| m.as_str() == a.measure);
            let effect = a.conclusive.then(|| match (a.relative, measure) {
                (Some(r), Some(m)) if m != kpi_api::Measure::Percent => {
                    let sign = if r.estimate < 0.0 { "−" } else { "+" };
                    format!(
                        "{sign}{}%",
                        crate::i18n::format::decimal(r.estimate.abs(), 1)
                    )
                }
                (_, m) => crate::i18n::format::change(
                    Some(a.absolute.estimate),
                    m.unwrap_or(kpi_api::Measure::Count),
                ),
            });
            out.push(crate::components::ExperimentHeadline {
                kpi: kpi.clone(),
                experiment: e.id.clone(),
                title: e.title.clone(),
                effect,
            });
        }
    }
    Ok(out)
}
