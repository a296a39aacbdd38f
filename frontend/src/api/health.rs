use kpi_api::Health;

use super::{api_path, get_json, FetchError};

/// `GET /api/health`
pub async fn health() -> Result<Health, FetchError> {
    get_json(&api_path(&["health"]), &[]).await
}
