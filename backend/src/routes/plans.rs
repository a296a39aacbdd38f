//! 12-week plans: the overview, one plan, check-ins, tactics, and the plan files out.

use super::*;

/// GET /api/plans?unit= — the plans of the units inside the caller's jurisdiction under `unit`.
pub(super) async fn list_plans(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["unit"]).map_err(reject)?;
    let under = plan_units(&state, &access, params.get("unit")).map_err(reject)?;
    let today = state.clock.today();
    let list = state
        .db
        .run(move |c| crate::plans::list(c, &under, today))
        .await
        .map_err(reject)?;
    Ok(json(&list))
}

/// The units whose plans the caller reads under `unit`: the whole jurisdiction when None.
pub(super) fn plan_units(
    state: &AppState,
    access: &Access,
    unit: Option<&String>,
) -> Result<Vec<String>> {
    let units = state.units();
    let visible = access.visible_units(&units);
    Ok(match unit {
        Some(unit) => {
            state.unit_for(access, unit)?;
            let parents = auth::Parents::of(&units);
            visible
                .iter()
                .filter(|u| parents.is_within(&u.id, unit))
                .map(|u| u.id.clone())
                .collect()
        }
        None => visible.iter().map(|u| u.id.clone()).collect(),
    })
}

/// GET /api/exports/plans, GET /api/exports/plan_checkins — the plans under `unit` (the whole
/// jurisdiction by default), or the one plan `plan`, as a CSV file that imports back.
pub(super) async fn export_plan_file(
    file: PlanFile,
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["unit", "plan"]).map_err(reject)?;
    let under = plan_units(&state, &access, params.get("unit")).map_err(reject)?;
    let only = match params.get("plan") {
        Some(plan) => {
            readable_plan(&state, &access, plan).await.map_err(reject)?;
            Some(plan.clone())
        }
        None => None,
    };
    let scope = only
        .clone()
        .or_else(|| params.get("unit").cloned())
        .unwrap_or_else(|| access.home.clone().unwrap_or_else(|| "all".to_string()));
    let text = state
        .db
        .run(move |c| {
            let ids = match only {
                Some(plan) => vec![plan],
                None => crate::plans::exchange::plan_ids(c, &under)?,
            };
            file.write(c, &ids)
        })
        .await
        .map_err(reject)?;
    let name = file.name();
    warp::http::Response::builder()
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}-{scope}.csv\""),
        )
        .body(text)
        .map_err(|e| reject(Error::Internal(e.to_string())))
}

/// POST /api/plans — department heads (for their units) and admins.
pub(super) async fn create_plan(
    access: Access,
    addr: Option<SocketAddr>,
    new: kpi_api::plan::NewPlan,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let units = state.units();
    state.unit_for(&access, &new.unit).map_err(reject)?;
    crate::plans::may_edit(&access, access.reach(&units, &new.unit) == Reach::Inside)
        .map_err(reject)?;
    let catalog = state.catalog();
    let owner = access.user.clone();
    let request = new.clone();
    let now = state.clock.now();
    let calendar = kpi_api::unit_calendar(&units, &new.unit);
    let view = state
        .db
        .run(move |c| {
            let known = |k: &str| catalog.kpis.contains_key(k);
            let id = crate::plans::create(c, &request, &owner, (&known, calendar), now)?;
            crate::plans::load(c, &id, now.date())
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_created",
        format!(
            "{} for {} from {}: {}",
            view.id, view.unit, view.start, view.title
        ),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&view), StatusCode::CREATED))
}

/// The plan's unit, refused unless the caller may read it.
pub(super) async fn readable_plan(
    state: &Arc<AppState>,
    access: &Access,
    id: &str,
) -> Result<Reach> {
    let plan_id = id.to_string();
    let unit = state
        .db
        .run(move |c| crate::plans::unit_of(c, &plan_id))
        .await?;
    let reach = access.reach(&state.units(), &unit);
    if reach == Reach::Inside {
        Ok(reach)
    } else {
        Err(Error::Forbidden(format!(
            "plan {id} belongs to {unit}, outside your jurisdiction"
        )))
    }
}

/// GET /api/plans/{id}
pub(super) async fn get_plan(
    id: String,
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    readable_plan(&state, &access, &id).await.map_err(reject)?;
    let today = state.clock.today();
    let view = state
        .db
        .run(move |c| crate::plans::load(c, &id, today))
        .await
        .map_err(reject)?;
    Ok(json(&view))
}

/// PUT /api/plans/{id}/checkins/{tactic}/{week}
pub(super) async fn put_check_in(
    id: String,
    tactic: String,
    week: u32,
    access: Access,
    addr: Option<SocketAddr>,
    request: kpi_api::plan::CheckInRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let reach = readable_plan(&state, &access, &id).await.map_err(reject)?;
    crate::plans::may_edit(&access, reach == Reach::Inside).map_err(reject)?;
    let (plan_id, tactic_id, by) = (id.clone(), tactic.clone(), access.user.clone());
    let done = request.done;
    let now = state.clock.now();
    let stored = state
        .db
        .run(move |c| crate::plans::check_in(c, &plan_id, &tactic_id, week, &request, &by, now))
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_check_in",
        format!(
            "{id} tactic {tactic} week {week}: {} (revision {}{})",
            if done { "done" } else { "not done" },
            stored.revision,
            if stored.check_in.late { ", late" } else { "" }
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&stored))
}

/// POST /api/plans/{id}/tactics — a tactic added to a running plan, due from this week on.
pub(super) async fn add_tactic(
    id: String,
    access: Access,
    addr: Option<SocketAddr>,
    add: kpi_api::plan::TacticAdd,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let reach = readable_plan(&state, &access, &id).await.map_err(reject)?;
    crate::plans::may_edit(&access, reach == Reach::Inside).map_err(reject)?;
    let (plan_id, by, title) = (id.clone(), access.user.clone(), add.title.clone());
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| {
            crate::plans::add_tactic(c, &plan_id, &add, &by, now)?;
            crate::plans::load(c, &plan_id, now.date())
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_edited",
        format!("{id}: tactic '{title}' added"),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&view), StatusCode::CREATED))
}

/// PUT /api/plans/{id}/tactics/{tactic} — a new schedule from this week on.
pub(super) async fn change_tactic(
    id: String,
    tactic: String,
    access: Access,
    addr: Option<SocketAddr>,
    change: kpi_api::plan::TacticChange,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let reach = readable_plan(&state, &access, &id).await.map_err(reject)?;
    crate::plans::may_edit(&access, reach == Reach::Inside).map_err(reject)?;
    let (plan_id, tactic_id, by) = (id.clone(), tactic.clone(), access.user.clone());
    let withdrawn = change.due.is_none();
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| {
            crate::plans::change_tactic(c, &plan_id, &tactic_id, &change, &by, now)?;
            crate::plans::load(c, &plan_id, now.date())
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_edited",
        format!(
            "{id}: tactic {tactic} {}",
            if withdrawn {
                "withdrawn"
            } else {
                "rescheduled"
            }
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&view))
}
