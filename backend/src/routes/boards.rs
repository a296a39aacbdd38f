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
        req.grain,
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
    let agenda = crate::agenda::agenda(&state, &access, req.unit, req.from, req.to)
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
    let list = crate::annotations::for_unit(&state.catalog().annotations, &unit.id, &parents);
    Ok(json(&list))
}
