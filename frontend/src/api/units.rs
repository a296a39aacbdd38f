use kpi_api::Unit;

use super::{api_path, get_json, FetchError};

/// `GET /api/units`: the whole org tree, parents before children.
pub async fn units() -> Result<Vec<Unit>, FetchError> {
    get_json(&api_path(&["units"]), &[]).await
}
