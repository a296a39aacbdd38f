use kpi_api::{AuditEntry, NewUser, PasswordReset, UserInfo};

use super::{api_path, get_json, post_json, FetchError};

/// `GET /api/users` (administrators)
pub async fn users() -> Result<Vec<UserInfo>, FetchError> {
    get_json(&api_path(&["users"]), &[]).await
}

/// `POST /api/users` (administrators): 201 with the user as stored.
pub async fn add_user(csrf: &str, user: &NewUser) -> Result<UserInfo, FetchError> {
    post_json(&api_path(&["users"]), Some(csrf), user).await
}

/// `POST /api/users/{name}/password` (administrators): 204.
pub async fn reset_password(
    csrf: &str,
    name: &str,
    reset: &PasswordReset,
) -> Result<(), FetchError> {
    post_json(&api_path(&["users", name, "password"]), Some(csrf), reset).await
}

/// `GET /api/audit?limit=N` (administrators): newest first.
pub async fn audit(limit: usize) -> Result<Vec<AuditEntry>, FetchError> {
    get_json(&api_path(&["audit"]), &[("limit", limit.to_string())]).await
}
