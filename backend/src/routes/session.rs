//! Signing in and out, the session, and the health check.

use super::*;
use kpi_api::CacheFigures;

/// GET /api/health
pub(super) async fn health(
    token: Option<String>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let key = state.config.limits.session_key.clone();
    let access = match token {
        Some(token) => state
            .db
            .run(move |c| auth::session(c, &token, key.as_ref()))
            .await
            .map_err(reject)?,
        None => None,
    };
    let cache = access
        .as_ref()
        .filter(|a| a.may(Action::ServerFigures).is_ok())
        .map(|_| {
            let stats = state.sandbox.cache_stats();
            CacheFigures {
                computed: stats.computed,
                from_cache: stats.hits,
                data_version: state.sandbox.data_version(),
                catalog_version: state.catalog_version(),
            }
        });
    let counts = match access {
        Some(access) => {
            let state2 = Arc::clone(&state);
            tokio::task::spawn_blocking(move || state2.scoped_counts(&access.jurisdiction()))
                .await
                .map_err(|e| reject(Error::Internal(e.to_string())))?
                .map_err(reject)?
        }
        None => crate::state::ScopedCounts {
            rows: Vec::new(),
            from: None,
            to: None,
        },
    };
    let (rows, data_from, data_to) = (counts.rows, counts.from, counts.to);
    Ok(json(&Health {
        data_from,
        data_to,
        today: state.clock.today(),
        cache,
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        rows: rows
            .into_iter()
            .map(|(table, rows)| TableRows { table, rows })
            .collect(),
    }))
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it),
/// and gone after `max_age` seconds.
pub(super) fn session_cookie(value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    )
}

/// POST /api/login
#[allow(clippy::too_many_arguments)]
pub(super) async fn login(
    content_type: Option<String>,
    origin: Option<String>,
    host: Option<String>,
    fetch_site: Option<String>,
    addr: Option<SocketAddr>,
    body: bytes::Bytes,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    // Sign-in changes who the browser is: only this site's own page may ask. A form on another
    // site cannot send JSON, and a browser names the page's origin.
    if !content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return Err(reject(Error::bad_parameter(
            "content-type",
            "send the credentials as application/json",
        )));
    }
    let foreign_origin = match (&origin, &host) {
        (Some(origin), Some(host)) => {
            origin != "null" && origin.split("://").nth(1) != Some(host.as_str())
        }
        (Some(origin), None) => origin != "null",
        _ => false,
    };
    if foreign_origin || cross_site(&fetch_site) {
        return Err(reject(Error::Csrf(
            "a sign-in from another site is refused".to_string(),
        )));
    }
    let request: LoginRequest = serde_json::from_slice(&body).map_err(|e| {
        reject(Error::bad_parameter(
            "body",
            format!("expected {{\"user\": ..., \"password\": ...}}: {e}"),
        ))
    })?;
    let ip = client_ip(addr);
    let name = request.user.trim().to_string();
    // What the audit log and the limiter keep of the name: a real one whole, junk cut short.
    let shown = auth::bounded(&name, auth::MAX_NAME_CHARS);
    let attempt = match state.login_limiter.begin(&name, ip.as_deref()) {
        Ok(attempt) => attempt,
        Err(e) => {
            record(
                &state,
                Some(shown),
                "login_refused",
                e.to_string(),
                ip.clone(),
            )
            .await;
            return Err(reject(e));
        }
    };
    let ttl = state.config.limits.session_ttl;
    let key = state.config.limits.session_key.clone();
    let signed_in = if name.chars().count() > auth::MAX_NAME_CHARS {
        // No user has such a name: not worth a database lookup (the limiter counted it).
        Err(Error::BadCredentials)
    } else {
        let name = name.clone();
        state
            .db
            .run(move |c| auth::login(c, &name, &request.password, ttl, key.as_ref()))
            .await
    };
    match signed_in {
        Ok((token, access)) => {
            attempt.succeeded();
            record(
                &state,
                Some(shown),
                "login",
                format!(
                    "signed in as {} of {}",
                    access.role.as_str(),
                    access.home.as_deref().unwrap_or("every unit")
                ),
                ip,
            )
            .await;
            Ok(warp::reply::with_header(
                json(&access.session_info(&state.units())),
                "set-cookie",
                session_cookie(&token, ttl.as_secs(), state.config.limits.secure_cookies),
            ))
        }
        Err(e) => {
            if matches!(e, Error::BadCredentials) {
                attempt.failed();
                record(
                    &state,
                    Some(shown),
                    "login_failed",
                    "wrong user name or password".to_string(),
                    ip,
                )
                .await;
            }
            Err(reject(e))
        }
    }
}

/// POST /api/logout
pub(super) async fn logout(
    access: Access,
    token: String,
    addr: Option<SocketAddr>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    state.sessions.forget(&token);
    state
        .db
        .run(move |c| auth::logout(c, &token))
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "logout",
        "signed out".to_string(),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_header(
        warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT),
        "set-cookie",
        session_cookie("", 0, state.config.limits.secure_cookies),
    ))
}
