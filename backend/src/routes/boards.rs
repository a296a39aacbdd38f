//! Boards of KPI tiles.

use super::*;

/// GET /api/boards/{id}
pub(super) async fn get_board(
    id: String,
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let summary = state
        .boards()
        .iter()
        .find(|b| b.id == id)
        .cloned()
        .ok_or_else(|| reject(Error::NotFound(format!("no board with id '{id}'"))))?;
    let req = ViewParams::parse(&state, &access, &params).map_err(reject)?;
    let board = crate::boards::board(
        &state,
        &summary,
        req.unit,
        (req.calendar, req.grain),
        req.from,
        req.to,
        &access.jurisdiction(),
    )
    .await
    .map_err(reject)?;
    Ok(conditional.reply(&board))
}

/// GET /api/agenda?unit=&from=&to= — a review meeting's agenda: the KPIs red or worse than the
/// period before, in the unit and every unit under it the caller may see.
pub(super) async fn get_agenda(
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let req = ViewParams::parse(&state, &access, &params).map_err(reject)?;
    let period = (req.calendar, req.from, req.to);
    let agenda = crate::agenda::agenda(&state, &access, req.unit, period)
        .await
        .map_err(reject)?;
    Ok(conditional.reply(&agenda))
}

/// GET /api/annotations?unit= — the dated events that concern the unit (everywhere's, its own
/// and those of the units above it), for its charts.
pub(super) async fn get_annotations(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["unit"]).map_err(reject)?;
    let unit = params
        .get("unit")
        .ok_or_else(|| reject(Error::bad_parameter("unit", "required")))?;
    let unit = state.unit_for(&access, unit).map_err(reject)?;
    let units = state.units();
    let parents = crate::auth::Parents::of(&units);
    let mut all = state.catalog().annotations.clone();
    all.extend(
        state
            .db
            .run(crate::annotations::stored)
            .await
            .map_err(reject)?,
    );
    let list = crate::annotations::for_unit(&all, &unit.id, &parents);
    Ok(json(&list))
}

/// POST /api/annotations — an event entered in the app, for a unit wholly inside the caller's
/// jurisdiction; shown on every chart of that unit and the units under it.
pub(super) async fn post_annotation(
    access: Access,
    addr: Option<SocketAddr>,
    new: kpi_api::NewAnnotation,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let unit = state.unit_for(&access, &new.unit).map_err(reject)?;
    if access.reach(&state.units(), &unit.id) != Reach::Inside {
        return Err(reject(Error::Forbidden(format!(
            "{} is above your jurisdiction: mark events for your own units",
            unit.id
        ))));
    }
    let by = access.user.clone();
    let added = state
        .db
        .run(move |c| crate::annotations::add(c, &by, &new))
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "annotation_added",
        format!(
            "{} for {} {}..{}: {}",
            added.id.as_deref().unwrap_or_default(),
            unit.id,
            added.from,
            added.to,
            added.title
        ),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&added), StatusCode::CREATED))
}

/// DELETE /api/annotations/{id} — removes an event entered in the app: its author's, or any for
/// an admin.
pub(super) async fn delete_annotation(
    id: String,
    access: Access,
    addr: Option<SocketAddr>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let (user, admin) = (access.user.clone(), access.role == kpi_api::UserRole::Admin);
    let removed = state
        .db
        .run(move |c| {
            crate::annotations::remove(c, &id, &|a| {
                if admin || a.by.as_deref() == Some(user.as_str()) {
                    Ok(())
                } else {
                    Err(Error::Forbidden(
                        "an event is removed by whoever entered it, or an admin".to_string(),
                    ))
                }
            })
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "annotation_removed",
        format!(
            "{}: {}",
            removed.id.as_deref().unwrap_or_default(),
            removed.title
        ),
        client_ip(addr),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// GET /api/evaluations — the evaluation schemes the caller may open, each at the unit they
/// would read it at.
pub(super) async fn get_evaluations(
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let schemes = crate::evaluations::readable(&state, &access);
    Ok(json(&kpi_api::evaluation::SchemeList { schemes }))
}

/// GET /api/evaluations/{id}?unit=&from= — a scheme's scorecards at a unit for the period of its
/// grain that holds `from` (the last whole one with data when absent).
pub(super) async fn get_evaluation(
    id: String,
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["unit", "from"]).map_err(reject)?;
    let scheme = state
        .catalog()
        .evaluations
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| reject(Error::NotFound(format!("no evaluation scheme '{id}'"))))?;
    let unit = crate::evaluations::unit_of(
        &state,
        &access,
        &scheme,
        params
            .get("unit")
            .map(String::as_str)
            .filter(|u| !u.is_empty()),
    )
    .map_err(reject)?;
    let from = params
        .get("from")
        .map(|t| parse_date("from", t))
        .transpose()
        .map_err(reject)?;
    let period = crate::evaluations::period_of(&state, &scheme, from);
    let evaluation = crate::evaluations::evaluate(&state, &access, &scheme, unit, period)
        .await
        .map_err(reject)?;
    Ok(conditional.reply(&evaluation))
}
