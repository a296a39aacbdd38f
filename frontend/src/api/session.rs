use kpi_api::{LoginRequest, SessionInfo};

use super::{api_path, get_json, post_json, FetchError};

/// `GET /api/session`: who is signed in; a 401 when nobody is (or the session expired).
pub async fn session() -> Result<SessionInfo, FetchError> {
    get_json(&api_path(&["session"]), &[]).await
}

/// `POST /api/login`: the only POST without a CSRF token, since there is no session yet. The
/// server sets the session cookie; the answer says who signed in.
pub async fn login(request: &LoginRequest) -> Result<SessionInfo, FetchError> {
    post_json(&api_path(&["login"]), None, request).await
}

/// `POST /api/logout`: ends the session on the server (204).
pub async fn logout(csrf: &str) -> Result<(), FetchError> {
    // No body is needed; an empty object keeps the request JSON like every other POST.
    post_json(
        &api_path(&["logout"]),
        Some(csrf),
        &serde_json::Map::<String, serde_json::Value>::new(),
    )
    .await
}
