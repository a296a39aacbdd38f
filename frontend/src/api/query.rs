use kpi_api::CancelRequest;

use super::{api_path, post_json, FetchError};

/// `POST /api/query/cancel`: stops the caller's preview or query sent with `run_id` (204; 404 when
/// nothing runs under it any more).
pub async fn cancel_query(csrf: &str, run_id: &str) -> Result<(), FetchError> {
    let request = CancelRequest {
        run_id: run_id.to_string(),
    };
    post_json(&api_path(&["query", "cancel"]), Some(csrf), &request).await
}
