//! Users (admins) and the audit log.

use super::*;

/// GET /api/users (admins)
pub(super) async fn list_users(
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::ListUsers).map_err(reject)?;
    let users = state.db.run(auth::list_users).await.map_err(reject)?;
    Ok(json(&users))
}

/// POST /api/users (admins)
pub(super) async fn add_user(
    access: Access,
    addr: Option<SocketAddr>,
    new: NewUser,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::AddUser).map_err(reject)?;
    let units = state.units();
    let request = new.clone();
    let user = state
        .db
        .run(move |c| auth::add_user(c, &request, &units))
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "user_added",
        format!(
            "{} as {} of {}",
            user.name,
            user.role.as_str(),
            user.home_unit.as_deref().unwrap_or("every unit")
        ),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&user), StatusCode::CREATED))
}

/// POST /api/users/{name}/password (admins)
pub(super) async fn reset_password(
    name: String,
    access: Access,
    addr: Option<SocketAddr>,
    reset: PasswordReset,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::ResetPassword).map_err(reject)?;
    let target = name.clone();
    state
        .db
        .run(move |c| auth::reset_password(c, &target, &reset.password))
        .await
        .map_err(reject)?;
    state.sessions.forget_user(&name);
    record(
        &state,
        Some(access.user),
        "password_reset",
        format!("password of {name} reset; their sessions ended"),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(
        warp::reply(),
        StatusCode::NO_CONTENT,
    ))
}

/// GET /api/audit?limit=N (admins), newest first.
pub(super) async fn audit_log(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::AuditLog).map_err(reject)?;
    only_params(&params, &["limit"]).map_err(reject)?;
    let limit = match params.get("limit") {
        None => 200,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_AUDIT_ENTRIES).contains(n))
            .ok_or_else(|| {
                reject(Error::bad_parameter(
                    "limit",
                    format!("'{text}' is not a number from 1 to {MAX_AUDIT_ENTRIES}"),
                ))
            })?,
    };
    let entries = state
        .db
        .run(move |c| audit::recent(c, limit))
        .await
        .map_err(reject)?;
    Ok(json(&entries))
}
