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
