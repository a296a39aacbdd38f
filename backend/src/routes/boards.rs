//! Boards of KPI tiles.

use super::*;

/// GET /api/boards/{id}
pub(super) async fn get_board(
    id: String,
    access: Access,
    params: Params,
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let summary = state
        .boards()
        .iter()
        .find(|b| b.id == id)
        .cloned()
        .ok_or_else(|| reject(Error::NotFound(format!("no board with id '{id}'"))))?;
    let req = parse_request(&state, &access, &params, &["unit", "from", "to", "grain"])
        .map_err(reject)?;
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
    Ok(transfer::tagged_json(
        &board,
        if_none_match.as_deref(),
        accept_encoding.as_deref(),
    ))
}
