//! HTTP: every route's filter in one place, one plain async handler per route, and one `recover`
//! that turns every rejection into the same JSON error body.
//!
//! Access is decided here once, by filters: [`signed_in`] turns the session cookie into an
//! [`Access`] (401 without one, 403 when a state-changing request lacks the CSRF token), and
//! every data handler takes that `Access`: units come through [`Access::unit`] (403 outside the
//! jurisdiction) and every KPI evaluation takes its [`Jurisdiction`].

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Buf;
use chrono::NaiveDate;
use futures_util::StreamExt;
use kpi_api::{
    ApiError, CancelRequest, ChildValue, Children, Grain, Health, KpiList, KpiPassport,
    KpiPreviewRequest, KpiSave, LoginRequest, NewUser, PasswordReset, QueryRequest, Series,
    TableRows, Unit, UserRole, CSRF_HEADER, SESSION_COOKIE,
};
use tokio::io::AsyncWriteExt;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection, Reply};

use crate::app::AppState;
use crate::audit;
use crate::auth::{self, Access, Jurisdiction, Reach};
use crate::boards;
use crate::error::{Error, Result};
use crate::import::{ImportKinds, Importer};
use crate::kpi::{self, Periods, Scope};
use crate::plans::exchange::PlanFile;
use crate::sandbox::Cancel;
use crate::transfer;

/// The largest export `POST /api/imports` accepts.
const MAX_UPLOAD_BYTES: u64 = 2 << 30;
/// The largest JSON body any other POST accepts.
const MAX_JSON_BYTES: u64 = 256 * 1024;
/// The largest sign-in request: a user name and a password, with room to spare.
const MAX_LOGIN_BYTES: u64 = 16 * 1024;
/// The most audit entries one request returns.
const MAX_AUDIT_ENTRIES: usize = 1000;

fn with_state(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    warp::any().map(move || Arc::clone(&state))
}

type Params = HashMap<String, String>;

/// The caller's address as text, for the audit log and the sign-in limit.
fn client_ip(addr: Option<SocketAddr>) -> Option<String> {
    addr.map(|a| a.ip().to_string())
}

/// Equal strings, compared in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A request from another site is refused outright when the browser says so.
fn cross_site(fetch_site: &Option<String>) -> bool {
    fetch_site.as_deref() == Some("cross-site")
}

/// The signed-in caller. 401 without a live session; for any method but GET and HEAD, 403 unless
/// the request carries the session's CSRF token in the `x-csrf-token` header.
fn signed_in(state: Arc<AppState>) -> impl Filter<Extract = (Access,), Error = Rejection> + Clone {
    warp::cookie::optional::<String>(SESSION_COOKIE)
        .and(warp::method())
        .and(warp::header::optional::<String>(CSRF_HEADER))
        .and(warp::header::optional::<String>("sec-fetch-site"))
        .and(with_state(state))
        .and_then(
            |token: Option<String>,
             method: Method,
             csrf: Option<String>,
             fetch_site: Option<String>,
             state: Arc<AppState>| async move {
                let token = token.filter(|t| !t.is_empty()).ok_or_else(|| {
                    reject(Error::Unauthenticated(
                        "sign in first: POST /api/login".to_string(),
                    ))
                })?;
                let access = match state.sessions.cached(&token) {
                    Some(access) => Ok(Some(access)),
                    None => {
                        let asked = token.clone();
                        let found = state.db.run(move |c| auth::session(c, &asked)).await;
                        if let Ok(found) = &found {
                            state.sessions.remember(&token, found.as_ref());
                        }
                        found
                    }
                }
                .map_err(reject)?
                .ok_or_else(|| {
                    reject(Error::Unauthenticated(
                        "your session has ended or expired; sign in again".to_string(),
                    ))
                })?;
                if method != Method::GET && method != Method::HEAD {
                    if cross_site(&fetch_site) {
                        return Err(reject(Error::Csrf(
                            "a request from another site is refused".to_string(),
                        )));
                    }
                    match csrf {
                        Some(given) if same_secret(&given, &access.csrf_token) => {}
                        Some(_) => {
                            return Err(reject(Error::Csrf(format!(
                                "the {CSRF_HEADER} header does not match this session"
                            ))))
                        }
                        None => {
                            return Err(reject(Error::Csrf(format!(
                            "a {method} needs the session's CSRF token in the {CSRF_HEADER} header"
                        ))))
                        }
                    }
                }
                Ok::<_, Rejection>(access)
            },
        )
}

/// What every JSON write takes: the signed-in caller, its address (for the audit log), the body
/// (at most [`MAX_JSON_BYTES`]) and the state.
fn json_write<T>(
    user: impl Filter<Extract = (Access,), Error = Rejection> + Clone,
    state: Arc<AppState>,
) -> impl Filter<Extract = (Access, Option<SocketAddr>, T, Arc<AppState>), Error = Rejection> + Clone
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    user.and(warp::addr::remote())
        .and(warp::body::content_length_limit(MAX_JSON_BYTES))
        .and(warp::body::json())
        .and(with_state(state))
}

/// All routes: the API under /api, the frontend for everything else.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let params = warp::query::<Params>();
    let user = signed_in(state.clone());
    let json_body = || warp::body::content_length_limit(MAX_JSON_BYTES);

    // GET /api/health (no session needed; row counts only with one)
    let health = warp::path!("health")
        .and(warp::get())
        .and(warp::cookie::optional::<String>(SESSION_COOKIE))
        .and(with_state(state.clone()))
        .and_then(health);
    // POST /api/login
    let login = warp::path!("login")
        .and(warp::post())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::header::optional::<String>("origin"))
        .and(warp::header::optional::<String>("host"))
        .and(warp::header::optional::<String>("sec-fetch-site"))
        .and(warp::addr::remote())
        .and(warp::body::content_length_limit(MAX_LOGIN_BYTES))
        .and(warp::body::bytes())
        .and(with_state(state.clone()))
        .and_then(login);
    // POST /api/logout
    let logout = warp::path!("logout")
        .and(warp::post())
        .and(user.clone())
        .and(warp::cookie::<String>(SESSION_COOKIE))
        .and(warp::addr::remote())
        .and(with_state(state.clone()))
        .and_then(logout);
    // GET /api/session
    let session = warp::path!("session")
        .and(warp::get())
        .and(user.clone())
        .map(|access: Access| json(&access.session_info()));
    // GET /api/openapi.json
    let openapi = warp::path!("openapi.json")
        .and(warp::get())
        .and(user.clone())
        .map(|_: Access| json(&crate::openapi::document()));
    // GET /api/units
    let units = warp::path!("units")
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .map(|access: Access, state: Arc<AppState>| json(&access.visible_units(&state.units())));
    // GET /api/kpis
    let kpis = warp::path!("kpis")
        .and(warp::get())
        .and(user.clone())
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::header::optional::<String>("accept-encoding"))
        .and(with_state(state.clone()))
        .and_then(kpis);
    // GET /api/kpis/{id}/values
    let values = warp::path!("kpis" / String / "values")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::header::optional::<String>("accept-encoding"))
        .and(with_state(state.clone()))
        .and_then(kpi_values);
    // GET /api/kpis/{id}/children
    let children = warp::path!("kpis" / String / "children")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::header::optional::<String>("accept-encoding"))
        .and(with_state(state.clone()))
        .and_then(kpi_children);
    // GET /api/boards
    let boards = warp::path!("boards")
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .map(|_: Access, state: Arc<AppState>| json(&*state.boards()));
    // GET /api/boards/{id}
    let board = warp::path!("boards" / String)
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::header::optional::<String>("accept-encoding"))
        .and(with_state(state.clone()))
        .and_then(get_board);
    // POST /api/imports?file=
    let import = warp::path!("imports")
        .and(warp::post())
        .and(user.clone())
        .and(params)
        .and(warp::addr::remote())
        .and(warp::body::stream())
        .and(with_state(state.clone()))
        .and_then(post_import);
    // GET /api/imports
    let imports = warp::path!("imports")
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(list_imports);
    // POST /api/query
    let query = warp::path!("query")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(post_query);
    // GET /api/kpis/{id}
    let passport = warp::path!("kpis" / String)
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(kpi_passport);
    // PUT /api/kpis/{id}
    let save = warp::path!("kpis" / String)
        .and(warp::put())
        .and(json_write(user.clone(), state.clone()))
        .and_then(save_kpi);
    // POST /api/kpis/preview
    let preview = warp::path!("kpis" / "preview")
        .and(warp::post())
        .and(user.clone())
        .and(json_body())
        .and(warp::body::json())
        .and(with_state(state.clone()))
        .and_then(preview_kpi);
    // POST /api/query/cancel
    let cancel = warp::path!("query" / "cancel")
        .and(warp::post())
        .and(user.clone())
        .and(json_body())
        .and(warp::body::json())
        .and(with_state(state.clone()))
        .and_then(cancel_query);
    // GET /api/plans?unit=
    let plans = warp::path!("plans")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(list_plans);
    // POST /api/plans
    let new_plan = warp::path!("plans")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(create_plan);
    // GET /api/plans/{id}
    let plan = warp::path!("plans" / String)
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(get_plan);
    // PUT /api/plans/{id}/checkins/{tactic}/{week}
    let check_in = warp::path!("plans" / String / "checkins" / String / u32)
        .and(warp::put())
        .and(json_write(user.clone(), state.clone()))
        .and_then(put_check_in);
    // POST /api/plans/{id}/tactics
    let add_tactic = warp::path!("plans" / String / "tactics")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(add_tactic);
    // PUT /api/plans/{id}/tactics/{tactic}
    let change_tactic = warp::path!("plans" / String / "tactics" / String)
        .and(warp::put())
        .and(json_write(user.clone(), state.clone()))
        .and_then(change_tactic);
    // GET /api/exports/plans?unit=&plan=
    let export_plans = warp::path!("exports" / "plans")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(|access, params, state| export_plan_file(PlanFile::Plans, access, params, state));
    // GET /api/exports/plan_checkins?unit=&plan=
    let export_checkins = warp::path!("exports" / "plan_checkins")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(|access, params, state| {
            export_plan_file(PlanFile::CheckIns, access, params, state)
        });
    // GET /api/users
    let users = warp::path!("users")
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(list_users);
    // POST /api/users
    let add_user = warp::path!("users")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(add_user);
    // POST /api/users/{name}/password
    let reset = warp::path!("users" / String / "password")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(reset_password);
    // GET /api/audit?limit=
    let audit_log = warp::path!("audit")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(audit_log);
    // Anything else under /api is a JSON 404, never the frontend's page.
    let api_unknown =
        warp::any().and_then(|| async { Err::<String, _>(warp::reject::not_found()) });
    // Every answer under /api is JSON: its rejections are recovered here, inside the prefix, so a
    // refused API request can never fall through to the frontend's index.html.
    // Grouped and boxed: one chain of every route is a type too deep for the compiler.
    let sessions = health
        .or(login)
        .or(logout)
        .or(session)
        .or(openapi)
        .or(users)
        .or(add_user)
        .or(reset)
        .or(audit_log)
        .map(Reply::into_response)
        .boxed();
    let data = units
        .or(kpis)
        .or(values)
        .or(children)
        .or(boards)
        .or(board)
        .or(import)
        .or(imports)
        .map(Reply::into_response)
        .boxed();
    let authoring = query
        .or(passport)
        .or(save)
        .or(preview)
        .or(cancel)
        .or(plans)
        .or(new_plan)
        .or(plan)
        .or(check_in)
        .or(add_tactic)
        .or(change_tactic)
        .or(export_plans)
        .or(export_checkins)
        .map(Reply::into_response)
        .boxed();
    let api = warp::path("api").and(
        sessions
            .or(data)
            .or(authoring)
            .or(api_unknown)
            .recover(recover),
    );

    // The frontend: files from dist/, and index.html for every client-side route.
    let dist = state.config.dist.clone();
    let frontend = warp::get()
        .and(warp::path::tail())
        .and(warp::header::optional::<String>("accept-encoding"))
        .and(warp::header::optional::<String>("if-none-match"))
        .then(
            move |tail: warp::path::Tail, accept: Option<String>, seen: Option<String>| {
                let dist = dist.clone();
                async move {
                    transfer::frontend_file(
                        &dist,
                        tail.as_str(),
                        accept.as_deref(),
                        seen.as_deref(),
                    )
                    .await
                }
            },
        );

    api.or(frontend)
        .recover(recover)
        .with(warp::reply::with::header(
            "x-content-type-options",
            "nosniff",
        ))
        .with(warp::reply::with::header("x-frame-options", "DENY"))
        .with(warp::reply::with::header("referrer-policy", "same-origin"))
        .with(warp::log("kpiboard"))
}

fn json<T: serde::Serialize>(value: &T) -> warp::reply::Json {
    warp::reply::json(value)
}

fn reject(e: Error) -> Rejection {
    warp::reject::custom(e)
}

/// Writes the audit entry; a failure to write it is logged, never the request's failure.
async fn record(
    state: &Arc<AppState>,
    actor: Option<String>,
    action: &'static str,
    detail: String,
    ip: Option<String>,
) {
    let result = state
        .db
        .run(move |c| audit::record(c, actor.as_deref(), action, &detail, ip.as_deref()))
        .await;
    if let Err(e) = result {
        tracing::warn!("cannot write the audit log: {e}");
    }
}

/// GET /api/health
async fn health(token: Option<String>, state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    let access = match token {
        Some(token) => state
            .db
            .run(move |c| auth::session(c, &token))
            .await
            .map_err(reject)?,
        None => None,
    };
    let counts = match access {
        Some(access) => {
            let state2 = Arc::clone(&state);
            tokio::task::spawn_blocking(move || state2.scoped_counts(&access.jurisdiction()))
                .await
                .map_err(|e| reject(Error::Internal(e.to_string())))?
                .map_err(reject)?
        }
        None => crate::app::ScopedCounts {
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
fn session_cookie(value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    )
}

/// POST /api/login
#[allow(clippy::too_many_arguments)]
async fn login(
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
    let signed_in = if name.chars().count() > auth::MAX_NAME_CHARS {
        // No user has such a name: not worth a database lookup (the limiter counted it).
        Err(Error::BadCredentials)
    } else {
        let name = name.clone();
        state
            .db
            .run(move |c| auth::login(c, &name, &request.password, ttl))
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
                json(&access.session_info()),
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
async fn logout(
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

/// GET /api/kpis
///
/// Open boards ask for it every second to see whether the KPI files changed: it carries an ETag
/// of the load (this process and its load count), so a browser that has it gets an empty 304.
async fn kpis(
    _: Access,
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
    state: Arc<AppState>,
) -> Result<warp::reply::Response, Rejection> {
    let catalog = state.catalog();
    let list = KpiList {
        kpis: catalog.kpis.values().map(|k| k.def.clone()).collect(),
        errors: catalog.errors.clone(),
        version: state.catalog_version(),
    };
    Ok(transfer::tagged_json(
        &list,
        if_none_match.as_deref(),
        accept_encoding.as_deref(),
    ))
}

/// The parameters of a KPI or board request, checked; each error names its parameter.
struct Request {
    unit: Unit,
    from: NaiveDate,
    to: NaiveDate,
    grain: Grain,
}

fn parse_date(name: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Error::bad_parameter(name, format!("'{text}' is not a date YYYY-MM-DD")))
}

/// The period asked for (defaulting to the last full quarter with data), checked.
fn period(
    state: &AppState,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate)> {
    let (default_from, default_to) = state.default_period();
    let from = from.unwrap_or(default_from);
    let to = to.unwrap_or(default_to);
    if from > to {
        return Err(Error::bad_parameter(
            "from",
            format!("{from} is after to={to}"),
        ));
    }
    if kpi_api::period::days(from, to) > 366 * 20 {
        return Err(Error::bad_parameter(
            "from",
            "the period may span at most 20 years",
        ));
    }
    Ok((from, to))
}

fn parse_grain(text: &str) -> Result<Grain> {
    Grain::parse(text).ok_or_else(|| {
        Error::bad_parameter(
            "grain",
            format!("'{text}' is not one of week, month, quarter, year"),
        )
    })
}

/// Refuses a query parameter that is not `allowed`, naming it.
fn only_params(params: &Params, allowed: &[&str]) -> Result<()> {
    match params.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(Error::bad_parameter(
            unknown,
            format!("unknown parameter; expected {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn parse_request(
    state: &AppState,
    access: &Access,
    params: &Params,
    allowed: &[&str],
) -> Result<Request> {
    only_params(params, allowed)?;
    let unit_id = params
        .get("unit")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::bad_parameter("unit", "required, e.g. unit=perm"))?;
    let unit = state.unit_for(access, unit_id)?;
    let from = params
        .get("from")
        .map(|t| parse_date("from", t))
        .transpose()?;
    let to = params.get("to").map(|t| parse_date("to", t)).transpose()?;
    let (from, to) = period(state, from, to)?;
    let grain = match params.get("grain") {
        None => Grain::Week,
        Some(g) => parse_grain(g)?,
    };
    Ok(Request {
        unit,
        from,
        to,
        grain,
    })
}

fn find_kpi(state: &AppState, id: &str) -> Result<kpi::Kpi> {
    state.catalog().kpis.get(id).cloned().ok_or_else(|| {
        let broken = state
            .catalog()
            .errors
            .iter()
            .any(|e| e.file == format!("{id}.sql"));
        if broken {
            Error::NotFound(format!(
                "KPI '{id}' failed to load; see GET /api/kpis for its error"
            ))
        } else {
            Error::NotFound(format!("no KPI with id '{id}'"))
        }
    })
}

/// GET /api/kpis/{id}/values
async fn kpi_values(
    id: String,
    access: Access,
    params: Params,
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let req = parse_request(&state, &access, &params, &["unit", "from", "to", "grain"])
        .map_err(reject)?;
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let points = boards::series(
        &state,
        kpi,
        &req.unit.id,
        req.grain,
        req.from,
        req.to,
        &access.jurisdiction(),
    )
    .await
    .map_err(reject)?;
    let series = Series {
        kpi: id,
        unit: req.unit.id,
        grain: req.grain,
        from: req.from,
        to: req.to,
        points,
    };
    Ok(transfer::tagged_json(
        &series,
        if_none_match.as_deref(),
        accept_encoding.as_deref(),
    ))
}

/// GET /api/kpis/{id}/children
async fn kpi_children(
    id: String,
    access: Access,
    params: Params,
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let req = parse_request(&state, &access, &params, &["unit", "from", "to", "grain"])
        .map_err(reject)?;
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let whole = Periods::whole(req.from, req.to);
    let unit_id = req.unit.id.clone();
    let def = kpi.def.clone();
    let jurisdiction: Jurisdiction = access.jurisdiction();
    let limit = state.config.limits.query_time;
    let cached = kpi::evaluate_cached(
        &state.sandbox,
        &kpi,
        Scope::ChildrenOf(&unit_id),
        &whole,
        &jurisdiction,
    )
    .zip(kpi::evaluate_cached(
        &state.sandbox,
        &kpi,
        Scope::Unit(&unit_id),
        &whole,
        &jurisdiction,
    ));
    let (cells, total) = match cached {
        Some((cells, total)) => (
            cells.map_err(reject)?,
            total.map_err(reject)?.first().and_then(|t| t.value),
        ),
        None => state
            .sandboxed(move |s| {
                let cells = kpi::evaluate(
                    s,
                    &kpi,
                    Scope::ChildrenOf(&unit_id),
                    &whole,
                    &jurisdiction,
                    limit,
                )?;
                let total =
                    kpi::evaluate(s, &kpi, Scope::Unit(&unit_id), &whole, &jurisdiction, limit)?;
                Ok((cells, total.first().and_then(|t| t.value)))
            })
            .await
            .map_err(reject)?,
    };
    let units = state.units();
    let children = units
        .iter()
        .filter(|u| u.parent_id.as_deref() == Some(req.unit.id.as_str()))
        .filter(|u| access.reach(&units, &u.id) != Reach::Outside)
        .map(|u| {
            let value = cells.iter().find(|c| c.grp == u.id).and_then(|c| c.value);
            ChildValue {
                unit: u.clone(),
                value,
                status: kpi_api::status::status(value, def.target, def.amber, def.direction),
            }
        })
        .collect();
    let answer = Children {
        kpi: id,
        unit: req.unit.id,
        from: req.from,
        to: req.to,
        total,
        children,
    };
    Ok(transfer::tagged_json(
        &answer,
        if_none_match.as_deref(),
        accept_encoding.as_deref(),
    ))
}

/// GET /api/boards/{id}
async fn get_board(
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
    let board = boards::board(
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

/// POST /api/imports?file=NAME — the body is the export file, CSV or Parquet. Admins import
/// anything; analysts import data rows of their own jurisdiction's units, department heads the
/// plans and check-ins of theirs.
async fn post_import(
    access: Access,
    params: Params,
    addr: Option<SocketAddr>,
    mut body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>> + Unpin + Send,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(
            &[UserRole::Admin, UserRole::Analyst, UserRole::DepartmentHead],
            "importing exports",
        )
        .map_err(reject)?;
    let name = params
        .get("file")
        .filter(|f| !f.is_empty())
        .cloned()
        .ok_or_else(|| {
            reject(Error::bad_parameter(
                "file",
                "required: the export's file name, e.g. file=appeals_2021.csv",
            ))
        })?;
    if name.len() > 255 || name.contains(['/', '\\', '\0']) {
        return Err(reject(Error::bad_parameter(
            "file",
            "a plain file name, without folders",
        )));
    }
    // The upload goes to a temporary file first: the import reads it twice (hash, then rows).
    let tmp = tempfile_path(&state);
    let written = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        // Counted while streaming, so that a chunked upload without a length is bounded too.
        let mut received: u64 = 0;
        while let Some(chunk) = body.next().await {
            let mut chunk =
                chunk.map_err(|e| Error::bad_parameter("body", format!("upload failed: {e}")))?;
            received += chunk.remaining() as u64;
            if received > MAX_UPLOAD_BYTES {
                return Err(Error::TooLarge(format!(
                    "the upload is larger than {MAX_UPLOAD_BYTES} bytes; split the export"
                )));
            }
            while chunk.has_remaining() {
                let part = chunk.chunk();
                file.write_all(part).await?;
                let n = part.len();
                chunk.advance(n);
            }
        }
        file.flush().await?;
        Ok::<_, Error>(())
    }
    .await;
    let result = match written {
        Ok(()) => {
            let state2 = Arc::clone(&state);
            let path = tmp.clone();
            let ip = client_ip(addr);
            tokio::task::spawn_blocking(move || {
                let by = Importer {
                    user: Some(&access.user),
                    jurisdiction: match access.role {
                        UserRole::Admin => None,
                        _ => access.home.as_deref(),
                    },
                    kinds: match access.role {
                        UserRole::Admin => ImportKinds::All,
                        UserRole::DepartmentHead => ImportKinds::Plans,
                        _ => ImportKinds::Data,
                    },
                    now: Some(state2.clock.now()),
                };
                state2.import_by(&path, &name, by, ip.as_deref())
            })
            .await
            .map_err(|e| Error::Internal(e.to_string()))
            .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&tmp).await;
    let report = result.map_err(reject)?;
    let status = if report.already_imported {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(warp::reply::with_status(json(&report), status))
}

/// A fresh file in the staging folder: the only folder the engine may read (for Parquet).
fn tempfile_path(state: &AppState) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    state.db.staging_dir().join(format!(
        ".upload-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// GET /api/imports — admins see every import, analysts and department heads their own.
async fn list_imports(access: Access, state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    access
        .require(
            &[UserRole::Admin, UserRole::Analyst, UserRole::DepartmentHead],
            "the import history",
        )
        .map_err(reject)?;
    let only = (access.role != UserRole::Admin).then(|| access.user.clone());
    let rows = state
        .db
        .run(move |c| {
            let mut stmt = c.prepare(
                "SELECT file, table_name, sha256, rows, inserted, updated, CAST(imported_at AS VARCHAR), imported_by
                 FROM main.imports WHERE CAST($1 AS VARCHAR) IS NULL OR imported_by = CAST($1 AS VARCHAR)
                 ORDER BY imported_at DESC",
            )?;
            let rows = stmt
                .query_map([&only], |r| {
                    Ok(serde_json::json!({
                        "file": r.get::<_, String>(0)?,
                        "table": r.get::<_, String>(1)?,
                        "sha256": r.get::<_, String>(2)?,
                        "rows": r.get::<_, i64>(3)?,
                        "inserted": r.get::<_, i64>(4)?,
                        "updated": r.get::<_, i64>(5)?,
                        "imported_at": r.get::<_, String>(6)?,
                        "imported_by": r.get::<_, Option<String>>(7)?,
                    }))
                })?
                .collect::<duckdb::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
        .map_err(reject)?;
    Ok(json(&rows))
}

/// POST /api/query — an analyst's SELECT over the jurisdiction, in the sandbox.
async fn post_query(
    access: Access,
    addr: Option<SocketAddr>,
    request: QueryRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Analyst, UserRole::Admin], "running SQL")
        .map_err(reject)?;
    let unit = state.unit_for(&access, &request.unit).map_err(reject)?;
    let (from, to) = period(&state, request.from, request.to).map_err(reject)?;
    let periods = Periods::grain(request.grain.unwrap_or(Grain::Week), from, to);
    let limits = state.config.limits.clone();
    let jurisdiction = access.jurisdiction();
    let sql = request.sql.clone();
    let result = state
        .analysts_query(&access.user, move |s| {
            kpi::run_query(
                s,
                &sql,
                &periods,
                &kpi::Ask {
                    unit: &unit.id,
                    jurisdiction: &jurisdiction,
                    row_limit: limits.query_rows,
                    limit: limits.query_time,
                    cancel: None,
                },
            )
        })
        .await;
    let excerpt: String = request.sql.chars().take(500).collect();
    let (action, detail) = match &result {
        Ok(r) => (
            "query_run",
            format!(
                "unit {}: {} rows in {} ms: {excerpt}",
                request.unit,
                r.rows.len(),
                r.millis
            ),
        ),
        Err(e) => (
            "query_refused",
            format!("unit {}: {e}: {excerpt}", request.unit),
        ),
    };
    record(&state, Some(access.user), action, detail, client_ip(addr)).await;
    Ok(json(&result.map_err(reject)?))
}

/// GET /api/kpis/{id} — the KPI's passport.
async fn kpi_passport(
    id: String,
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let path = state.config.queries.join(&kpi.def.file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| kpi.def.sql.clone());
    let error = state
        .catalog()
        .errors
        .iter()
        .find(|e| e.file == kpi.def.file)
        .cloned();
    let boards = state
        .boards()
        .iter()
        .filter(|b| b.kpis.contains(&id))
        .cloned()
        .collect();
    let home = access.jurisdiction().home().map(str::to_string);
    let def = kpi.def.clone();
    let (tables, freshest) = state
        .db
        .run_limited(state.config.limits.query_time, move |c| {
            let tables = kpi::tables_read(c, &kpi)?;
            let mut freshest: Option<String> = None;
            for (table, column) in [
                ("appeals", "received_at"),
                ("service_cases", "submitted_at"),
                ("staffing", "month"),
            ] {
                if !tables.iter().any(|t| t == table) {
                    continue;
                }
                // RFC 3339 in UTC (a staffing month is its first midnight).
                let newest: Option<String> = c.query_row(
                    &format!(
                        "SELECT strftime(CAST(max(x.{column}) AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ') FROM main.{table} x
                         WHERE CAST($1 AS VARCHAR) IS NULL OR x.unit_id IN
                           (SELECT j.unit_id FROM main.unit_closure j WHERE j.ancestor_id = CAST($1 AS VARCHAR))"
                    ),
                    [&home],
                    |r| r.get(0),
                )?;
                if newest > freshest {
                    freshest = newest;
                }
            }
            Ok((tables, freshest))
        })
        .await
        .map_err(reject)?;
    Ok(json(&KpiPassport {
        def,
        text,
        tables,
        freshest,
        boards,
        error,
    }))
}

/// Where a text's error points, as one line: "FILE, line N, column C: message".
fn located(e: &kpi_api::KpiLoadError) -> String {
    let mut at = e.file.clone();
    if let Some(line) = e.line {
        at.push_str(&format!(", line {line}"));
    }
    if let Some(column) = e.column {
        at.push_str(&format!(", column {column}"));
    }
    format!("{at}: {}", e.message)
}

/// PUT /api/kpis/{id} — the editor's Save: validate, write queries/{id}.sql, load.
async fn save_kpi(
    id: String,
    access: Access,
    addr: Option<SocketAddr>,
    save: KpiSave,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Analyst, UserRole::Admin], "saving KPIs")
        .map_err(reject)?;
    match kpi::header_id(&save.text) {
        Some(given) if given == id => {}
        Some(given) => {
            return Err(reject(Error::bad_parameter(
                "id",
                format!("the address names '{id}' but the header says '-- id: {given}'"),
            )))
        }
        None => {
            return Err(reject(Error::bad_parameter(
                "text",
                "the header needs an '-- id:' line",
            )))
        }
    }
    let existed = state.catalog().kpis.contains_key(&id);
    let file = format!("{id}.sql");
    let text = save.text.clone();
    let limit = state.config.limits.query_time;
    let loaded = state
        .sandboxed(move |s| Ok(kpi::load_text(s, &file, &text, limit)))
        .await
        .map_err(reject)?;
    let kpi = match loaded {
        Ok(kpi) => kpi,
        Err(e) => {
            let message = located(&e);
            record(
                &state,
                Some(access.user),
                "kpi_refused",
                message.clone(),
                client_ip(addr),
            )
            .await;
            return Err(reject(Error::InvalidKpi(message)));
        }
    };
    let def = kpi.def.clone();
    {
        let state = Arc::clone(&state);
        let board = save.board.clone();
        tokio::task::spawn_blocking(move || state.save_kpi(&kpi, &save.text, board.as_deref()))
            .await
            .map_err(|e| reject(Error::Internal(e.to_string())))?
            .map_err(reject)?;
    }
    record(
        &state,
        Some(access.user),
        "kpi_saved",
        format!(
            "{} {} from the editor{}",
            if existed { "changed" } else { "added" },
            def.file,
            save.board
                .as_deref()
                .map(|b| format!(", on board {b}"))
                .unwrap_or_default()
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&def))
}

/// POST /api/kpis/preview — a KPI file's text run in the sandbox, not saved.
async fn preview_kpi(
    access: Access,
    request: KpiPreviewRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Analyst, UserRole::Admin], "previewing KPIs")
        .map_err(reject)?;
    let unit = state.unit_for(&access, &request.unit).map_err(reject)?;
    let (from, to) = period(&state, request.from, request.to).map_err(reject)?;
    let grain = request.grain.unwrap_or(Grain::Week);
    let limits = state.config.limits.clone();
    let jurisdiction = access.jurisdiction();
    let key = request.run_id.clone().map(|run| (access.user.clone(), run));
    let cancel = key.as_ref().map(|key| {
        let cancel = Cancel::new();
        state
            .running
            .lock()
            .expect("running lock")
            .insert(key.clone(), Arc::clone(&cancel));
        cancel
    });
    let text = request.text.clone();
    let result = state
        .analysts_query(&access.user, move |s| {
            kpi::preview(
                s,
                &text,
                grain,
                (from, to),
                &kpi::Ask {
                    unit: &unit.id,
                    jurisdiction: &jurisdiction,
                    row_limit: limits.query_rows.min(200),
                    limit: limits.query_time,
                    cancel: cancel.as_deref(),
                },
            )
        })
        .await;
    if let Some(key) = key {
        state.running.lock().expect("running lock").remove(&key);
    }
    Ok(json(&result.map_err(reject)?))
}

/// POST /api/query/cancel — stops the caller's own run with this id.
async fn cancel_query(
    access: Access,
    request: CancelRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let running = state
        .running
        .lock()
        .expect("running lock")
        .get(&(access.user.clone(), request.run_id.clone()))
        .cloned();
    match running {
        Some(cancel) => {
            cancel.cancel();
            Ok(warp::reply::with_status(
                warp::reply(),
                StatusCode::NO_CONTENT,
            ))
        }
        None => Err(reject(Error::NotFound(format!(
            "nothing of yours is running as '{}'",
            request.run_id
        )))),
    }
}

/// GET /api/plans?unit= — the plans of the units inside the caller's jurisdiction under `unit`.
async fn list_plans(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["unit"]).map_err(reject)?;
    let under = plan_units(&state, &access, params.get("unit")).map_err(reject)?;
    let today = state.clock.today();
    let list = state
        .db
        .run(move |c| crate::plans::list(c, &under, today))
        .await
        .map_err(reject)?;
    Ok(json(&list))
}

/// The units whose plans the caller reads under `unit`: the whole jurisdiction when None.
fn plan_units(state: &AppState, access: &Access, unit: Option<&String>) -> Result<Vec<String>> {
    let units = state.units();
    let visible = access.visible_units(&units);
    Ok(match unit {
        Some(unit) => {
            state.unit_for(access, unit)?;
            let parents = auth::Parents::of(&units);
            visible
                .iter()
                .filter(|u| parents.is_within(&u.id, unit))
                .map(|u| u.id.clone())
                .collect()
        }
        None => visible.iter().map(|u| u.id.clone()).collect(),
    })
}

/// GET /api/exports/plans, GET /api/exports/plan_checkins — the plans under `unit` (the whole
/// jurisdiction by default), or the one plan `plan`, as a CSV file that imports back.
async fn export_plan_file(
    file: PlanFile,
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    only_params(&params, &["unit", "plan"]).map_err(reject)?;
    let under = plan_units(&state, &access, params.get("unit")).map_err(reject)?;
    let only = match params.get("plan") {
        Some(plan) => {
            readable_plan(&state, &access, plan).await.map_err(reject)?;
            Some(plan.clone())
        }
        None => None,
    };
    let scope = only
        .clone()
        .or_else(|| params.get("unit").cloned())
        .unwrap_or_else(|| access.home.clone().unwrap_or_else(|| "all".to_string()));
    let text = state
        .db
        .run(move |c| {
            let ids = match only {
                Some(plan) => vec![plan],
                None => crate::plans::exchange::plan_ids(c, &under)?,
            };
            file.write(c, &ids)
        })
        .await
        .map_err(reject)?;
    let name = file.name();
    warp::http::Response::builder()
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}-{scope}.csv\""),
        )
        .body(text)
        .map_err(|e| reject(Error::Internal(e.to_string())))
}

/// POST /api/plans — department heads (for their units) and admins.
async fn create_plan(
    access: Access,
    addr: Option<SocketAddr>,
    new: kpi_api::plan::NewPlan,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let units = state.units();
    state.unit_for(&access, &new.unit).map_err(reject)?;
    crate::plans::may_edit(&access, access.reach(&units, &new.unit) == Reach::Inside)
        .map_err(reject)?;
    let catalog = state.catalog();
    let owner = access.user.clone();
    let request = new.clone();
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| {
            let id =
                crate::plans::create(c, &request, &owner, &|k| catalog.kpis.contains_key(k), now)?;
            crate::plans::load(c, &id, now.date())
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_created",
        format!(
            "{} for {} from {}: {}",
            view.id, view.unit, view.start, view.title
        ),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&view), StatusCode::CREATED))
}

/// The plan's unit, refused unless the caller may read it.
async fn readable_plan(state: &Arc<AppState>, access: &Access, id: &str) -> Result<Reach> {
    let plan_id = id.to_string();
    let unit = state
        .db
        .run(move |c| crate::plans::unit_of(c, &plan_id))
        .await?;
    let reach = access.reach(&state.units(), &unit);
    if reach == Reach::Inside {
        Ok(reach)
    } else {
        Err(Error::Forbidden(format!(
            "plan {id} belongs to {unit}, outside your jurisdiction"
        )))
    }
}

/// GET /api/plans/{id}
async fn get_plan(
    id: String,
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    readable_plan(&state, &access, &id).await.map_err(reject)?;
    let today = state.clock.today();
    let view = state
        .db
        .run(move |c| crate::plans::load(c, &id, today))
        .await
        .map_err(reject)?;
    Ok(json(&view))
}

/// PUT /api/plans/{id}/checkins/{tactic}/{week}
async fn put_check_in(
    id: String,
    tactic: String,
    week: u32,
    access: Access,
    addr: Option<SocketAddr>,
    request: kpi_api::plan::CheckInRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let reach = readable_plan(&state, &access, &id).await.map_err(reject)?;
    crate::plans::may_edit(&access, reach == Reach::Inside).map_err(reject)?;
    let (plan_id, tactic_id, by) = (id.clone(), tactic.clone(), access.user.clone());
    let done = request.done;
    let now = state.clock.now();
    let stored = state
        .db
        .run(move |c| crate::plans::check_in(c, &plan_id, &tactic_id, week, &request, &by, now))
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_check_in",
        format!(
            "{id} tactic {tactic} week {week}: {} (revision {}{})",
            if done { "done" } else { "not done" },
            stored.revision,
            if stored.check_in.late { ", late" } else { "" }
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&stored))
}

/// POST /api/plans/{id}/tactics — a tactic added to a running plan, due from this week on.
async fn add_tactic(
    id: String,
    access: Access,
    addr: Option<SocketAddr>,
    add: kpi_api::plan::TacticAdd,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let reach = readable_plan(&state, &access, &id).await.map_err(reject)?;
    crate::plans::may_edit(&access, reach == Reach::Inside).map_err(reject)?;
    let (plan_id, by, title) = (id.clone(), access.user.clone(), add.title.clone());
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| {
            crate::plans::add_tactic(c, &plan_id, &add, &by, now)?;
            crate::plans::load(c, &plan_id, now.date())
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_edited",
        format!("{id}: tactic '{title}' added"),
        client_ip(addr),
    )
    .await;
    Ok(warp::reply::with_status(json(&view), StatusCode::CREATED))
}

/// PUT /api/plans/{id}/tactics/{tactic} — a new schedule from this week on.
async fn change_tactic(
    id: String,
    tactic: String,
    access: Access,
    addr: Option<SocketAddr>,
    change: kpi_api::plan::TacticChange,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let reach = readable_plan(&state, &access, &id).await.map_err(reject)?;
    crate::plans::may_edit(&access, reach == Reach::Inside).map_err(reject)?;
    let (plan_id, tactic_id, by) = (id.clone(), tactic.clone(), access.user.clone());
    let withdrawn = change.due.is_none();
    let now = state.clock.now();
    let view = state
        .db
        .run(move |c| {
            crate::plans::change_tactic(c, &plan_id, &tactic_id, &change, &by, now)?;
            crate::plans::load(c, &plan_id, now.date())
        })
        .await
        .map_err(reject)?;
    record(
        &state,
        Some(access.user),
        "plan_edited",
        format!(
            "{id}: tactic {tactic} {}",
            if withdrawn {
                "withdrawn"
            } else {
                "rescheduled"
            }
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&view))
}

/// GET /api/users (admins)
async fn list_users(access: Access, state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Admin], "the user list")
        .map_err(reject)?;
    let users = state.db.run(auth::list_users).await.map_err(reject)?;
    Ok(json(&users))
}

/// POST /api/users (admins)
async fn add_user(
    access: Access,
    addr: Option<SocketAddr>,
    new: NewUser,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Admin], "adding users")
        .map_err(reject)?;
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
async fn reset_password(
    name: String,
    access: Access,
    addr: Option<SocketAddr>,
    reset: PasswordReset,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Admin], "resetting passwords")
        .map_err(reject)?;
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
async fn audit_log(
    access: Access,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access
        .require(&[UserRole::Admin], "the audit log")
        .map_err(reject)?;
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

/// Every rejection becomes `{"code", "message"}` with a fitting status.
async fn recover(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let mut retry_after = None;
    let (status, code, message) = if let Some(e) = rejection.find::<Error>() {
        if e.status().is_server_error() {
            tracing::error!("{e}");
        }
        if let Error::RateLimited { retry_after: s } = e {
            retry_after = Some(*s);
        }
        // The server's own failures say so and no more: their text (a path, a table, a value)
        // is for the log, not for whoever sent the request.
        let message = match e {
            Error::Database(_) | Error::Io(_) | Error::Internal(_) => {
                "the server failed to answer; the failure is in its log".to_string()
            }
            other => other.to_string(),
        };
        (e.status(), e.code(), message)
    } else if rejection.is_not_found() {
        (
            StatusCode::NOT_FOUND,
            "not_found",
            "no such resource".to_string(),
        )
    } else if let Some(e) = rejection.find::<warp::reject::InvalidQuery>() {
        (StatusCode::BAD_REQUEST, "bad_parameter", e.to_string())
    } else if let Some(e) = rejection.find::<warp::filters::body::BodyDeserializeError>() {
        (
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            format!("body: {e}"),
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is larger than this request may send".to_string(),
        )
    } else if let Some(e) = rejection.find::<warp::reject::MissingCookie>() {
        (StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed here".to_string(),
        )
    } else {
        tracing::warn!("unhandled rejection: {rejection:?}");
        (
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{rejection:?}"),
        )
    };
    let mut response = warp::reply::with_status(
        warp::reply::json(&ApiError {
            code: code.to_string(),
            message,
        }),
        status,
    )
    .into_response();
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(
            "retry-after",
            warp::http::HeaderValue::from_str(&seconds.to_string())
                .expect("digits are a valid header"),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{session, tiny_state, APPEALS};
    use serde_json::Value;

    /// GET as the test admin.
    async fn get(state: &Arc<AppState>, path: &str) -> (StatusCode, Value) {
        get_as(state, "root", path).await
    }

    async fn get_as(state: &Arc<AppState>, user: &str, path: &str) -> (StatusCode, Value) {
        let (cookie, _) = session(state, user);
        let res = warp::test::request()
            .method("GET")
            .path(path)
            .header("cookie", cookie)
            .reply(&routes(Arc::clone(state)))
            .await;
        let body = serde_json::from_slice(res.body()).unwrap_or(Value::Null);
        (res.status(), body)
    }

    const WEEK: &str = "unit=c&from=2021-03-01&to=2021-03-07";

    #[tokio::test]
    async fn health_reports_rows_per_table() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(&state, "/api/health").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["status"], "ok");
        let appeals = body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["table"] == "appeals")
            .unwrap();
        assert_eq!(appeals["rows"], 5);
        assert_eq!(body["data_from"], "2021-03-01");
        assert_eq!(body["data_to"], "2021-03-01");
    }

    #[tokio::test]
    async fn units_come_parents_first() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(&state, "/api/units").await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<&str> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 6);
        assert_eq!(ids[0], "r");
        assert!(
            ids.iter().position(|i| *i == "d1").unwrap()
                < ids.iter().position(|i| *i == "d1-x").unwrap()
        );
    }

    #[tokio::test]
    async fn the_kpi_list_answers_304_while_the_files_have_not_changed() {
        let (state, _dir) = tiny_state();
        let (cookie, _) = session(&state, "root");
        let filter = routes(Arc::clone(&state));
        let ask = |etag: Option<String>| {
            let mut req = warp::test::request()
                .path("/api/kpis")
                .header("cookie", cookie.clone());
            if let Some(etag) = etag {
                req = req.header("if-none-match", etag);
            }
            let filter = filter.clone();
            async move { req.reply(&filter).await }
        };
        let first = ask(None).await;
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(
            ask(Some(etag.clone())).await.status(),
            StatusCode::NOT_MODIFIED
        );
        state.reload_queries();
        let after = ask(Some(etag.clone())).await;
        assert_eq!(after.status(), StatusCode::OK);
        assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    }

    #[tokio::test]
    async fn kpis_list_definitions_and_no_errors() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(&state, "/api/kpis").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["kpis"].as_array().unwrap().len() >= 8);
        assert_eq!(body["errors"].as_array().unwrap().len(), 0);
    }

    #[tokio::test]
    async fn values_are_a_series_at_the_grain_asked() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(
            &state,
            &format!("/api/kpis/appeal_on_time_share/values?{WEEK}&grain=week"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["kpi"], "appeal_on_time_share");
        assert_eq!(body["grain"], "week");
        assert_eq!(
            body["points"],
            serde_json::json!([{"period": "2021-03-01", "value": 80.0}])
        );
        let (_, body) = get(&state, "/api/kpis/appeal_on_time_share/values?unit=c&from=2021-02-01&to=2021-04-30&grain=month").await;
        let values: Vec<Value> = body["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].clone())
            .collect();
        assert_eq!(
            values,
            vec![Value::Null, serde_json::json!(80.0), Value::Null]
        );
    }

    #[tokio::test]
    async fn bad_parameters_are_400s_that_name_the_parameter() {
        let (state, _dir) = tiny_state();
        for (query, param) in [
            ("unit=atlantis&from=2021-03-01&to=2021-03-07", "unit"),
            ("from=2021-03-01&to=2021-03-07", "unit"),
            ("unit=c&from=2021-03-08&to=2021-03-01", "from"),
            ("unit=c&from=2021-02-30&to=2021-03-07", "from"),
            ("unit=c&from=2021-03-01&to=soon", "to"),
            ("unit=c&grain=fortnight", "grain"),
            ("unit=c&color=red", "color"),
        ] {
            let (status, body) = get(
                &state,
                &format!("/api/kpis/appeal_on_time_share/values?{query}"),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["code"], "bad_parameter");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{param}:")),
                "{query}: {body}"
            );
        }
    }

    #[tokio::test]
    async fn unknown_kpis_boards_and_paths_are_json_404s() {
        let (state, _dir) = tiny_state();
        for path in [
            "/api/kpis/nope/values?unit=c",
            "/api/boards/nope?unit=c",
            "/api/nothing/here",
        ] {
            let (status, body) = get(&state, path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(body["code"], "not_found", "{path}");
        }
    }

    #[tokio::test]
    async fn with_the_web_app_built_api_errors_stay_json_and_pages_get_the_app() {
        let (state, dir) = tiny_state();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        std::fs::write(dir.path().join("dist/index.html"), "<html>app</html>").unwrap();
        let (status, body) = get(&state, "/api/boards/overview?unit=atlantis").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["code"], "bad_parameter");
        let (status, body) = get(&state, "/api/no/such/thing").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
        let page = warp::test::request()
            .path("/boards/overview?unit=c")
            .reply(&routes(Arc::clone(&state)))
            .await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.body().as_ref(), b"<html>app</html>");
    }

    #[tokio::test]
    async fn the_web_apps_files_go_precompressed_with_the_caching_their_names_allow() {
        let (state, dir) = tiny_state();
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        let script = "console.log('boards');\n".repeat(200);
        std::fs::write(dist.join("index.html"), "<html>app</html>".repeat(100)).unwrap();
        std::fs::write(dist.join("app-0123456789abcdef.js"), &script).unwrap();
        crate::transfer::precompress(&dist).unwrap();
        let routes = routes(Arc::clone(&state));
        let js = warp::test::request()
            .path("/app-0123456789abcdef.js")
            .header("accept-encoding", "gzip, br")
            .reply(&routes)
            .await;
        assert_eq!(js.status(), StatusCode::OK);
        assert_eq!(js.headers()["content-encoding"], "br");
        assert_eq!(
            js.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            js.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut js.body().as_ref(), &mut unpacked).unwrap();
        assert_eq!(unpacked, script.as_bytes());
        assert!(js.body().len() < script.len() / 10);
        // Without brotli, gzip; without either, the file as it is.
        let gz = warp::test::request()
            .path("/app-0123456789abcdef.js")
            .header("accept-encoding", "gzip")
            .reply(&routes)
            .await;
        assert_eq!(gz.headers()["content-encoding"], "gzip");
        let plain = warp::test::request()
            .path("/app-0123456789abcdef.js")
            .reply(&routes)
            .await;
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(plain.body().as_ref(), script.as_bytes());
        // The page itself is checked every time, and a client route gets it too.
        let page = warp::test::request()
            .path("/boards/overview")
            .header("accept-encoding", "br")
            .reply(&routes)
            .await;
        assert_eq!(page.headers()["cache-control"], "no-cache");
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        let etag = page.headers()["etag"].to_str().unwrap().to_string();
        let again = warp::test::request()
            .path("/")
            .header("accept-encoding", "br")
            .header("if-none-match", &etag)
            .reply(&routes)
            .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        // Nothing outside dist/, and no dot-files.
        for path in ["/../Cargo.toml", "/.hidden", "/%2e%2e/Cargo.toml"] {
            let r = warp::test::request().path(path).reply(&routes).await;
            assert!(
                !String::from_utf8_lossy(r.body()).contains("[package]"),
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn a_board_is_compressed_when_asked_and_tagged() {
        let (state, _dir) = tiny_state();
        let (cookie, _) = session(&state, "root");
        let routes = routes(Arc::clone(&state));
        let path = format!("/api/boards/overview?{WEEK}");
        let plain = warp::test::request()
            .path(&path)
            .header("cookie", &cookie)
            .reply(&routes)
            .await;
        let packed = warp::test::request()
            .path(&path)
            .header("cookie", &cookie)
            .header("accept-encoding", "br")
            .reply(&routes)
            .await;
        assert_eq!(packed.headers()["content-encoding"], "br");
        assert_eq!(packed.headers()["vary"], "accept-encoding");
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut packed.body().as_ref(), &mut unpacked).unwrap();
        assert_eq!(unpacked, plain.body().as_ref());
        assert_ne!(packed.headers()["etag"], plain.headers()["etag"]);
        let again = warp::test::request()
            .path(&path)
            .header("cookie", &cookie)
            .header("accept-encoding", "br")
            .header("if-none-match", packed.headers()["etag"].to_str().unwrap())
            .reply(&routes)
            .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.body().is_empty());
    }

    #[tokio::test]
    async fn children_compare_the_units_below_with_a_total() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(
            &state,
            &format!("/api/kpis/appeal_response_hours_median/children?{WEEK}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 3.0);
        let rows = body["children"].as_array().unwrap();
        let d1 = rows.iter().find(|r| r["unit"]["id"] == "d1").unwrap();
        assert_eq!(d1["value"], 2.0);
        assert_eq!(d1["status"], "green");
    }

    #[tokio::test]
    async fn a_board_has_a_tile_per_kpi_with_value_previous_and_status() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(&state, &format!("/api/boards/overview?{WEEK}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let tiles = body["tiles"].as_array().unwrap();
        assert_eq!(tiles.len(), 8);
        let on_time = tiles
            .iter()
            .find(|t| t["kpi"]["id"] == "appeal_on_time_share")
            .unwrap();
        assert_eq!(on_time["value"], 80.0);
        assert_eq!(on_time["previous"], Value::Null);
        assert_eq!(on_time["status"], "red");
        assert_eq!(on_time["error"], Value::Null);
        assert_eq!(body["previous_from"], "2021-02-22");
        let (_, list) = get(&state, "/api/boards").await;
        assert!(list
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == "overview"));
    }

    #[tokio::test]
    async fn an_upload_is_imported_once_and_a_bad_one_loses_nothing() {
        let (state, _dir) = tiny_state();
        let filter = routes(Arc::clone(&state));
        let more = format!(
            "{}\nn1,d1-x,portal,housing,2021-05-03 09:00:00,,,2021-05-13 09:00:00,\n",
            APPEALS.lines().next().unwrap()
        );
        let (cookie, csrf) = session(&state, "root");
        let post = |body: String| {
            warp::test::request()
                .method("POST")
                .path("/api/imports?file=may.csv")
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("content-length", body.len())
                .body(body)
        };
        let res = post(more.clone()).reply(&filter).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.body());
        let res = post(more.clone()).reply(&filter).await;
        assert_eq!(res.status(), StatusCode::OK);
        let report: Value = serde_json::from_slice(res.body()).unwrap();
        assert_eq!(report["already_imported"], true);
        let res = post(more.replace("2021-05-13 09:00:00", "13/05/2021"))
            .reply(&filter)
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let err: Value = serde_json::from_slice(res.body()).unwrap();
        assert_eq!(err["code"], "invalid_file");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .starts_with("may.csv, line 2, column due_at"),
            "{err}"
        );
        let (_, health) = get(&state, "/api/health").await;
        let appeals = health["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["table"] == "appeals")
            .unwrap();
        assert_eq!(appeals["rows"], 6);
    }

    #[tokio::test]
    async fn every_route_is_described_and_every_described_operation_is_routed() {
        let (state, _dir) = tiny_state();
        let doc = crate::openapi::document();
        for op in crate::openapi::OPERATIONS {
            let path = op
                .path
                .replace(
                    "{id}",
                    if op.path.starts_with("/api/boards") {
                        "overview"
                    } else {
                        "appeal_on_time_share"
                    },
                )
                .replace("{name}", "mayor")
                .replace("{tactic}", "t1")
                .replace("{week}", "1");
            let query = if op.query.iter().any(|(name, _, _)| *name == "unit") {
                "?unit=c"
            } else if op.query.iter().any(|(name, _, _)| *name == "file") {
                "?file=x.csv"
            } else {
                ""
            };
            let body = match op.body {
                Some("LoginRequest") => r#"{"user":"root","password":"test-password-1"}"#,
                Some("QueryRequest") => r#"{"sql":"SELECT 1","unit":"c"}"#,
                Some("NewUser") => {
                    r#"{"name":"new.one","role":"admin","password":"long-enough-1"}"#
                }
                Some("PasswordReset") => r#"{"password":"long-enough-2"}"#,
                Some(_) => "staffing,x\n",
                None => "",
            };
            // A fresh session each time: the logout operation ends its own.
            let (cookie, csrf) = session(&state, "root");
            let res = warp::test::request()
                .method(&op.method.to_uppercase())
                .path(&format!("{path}{query}"))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/json")
                .header("content-length", body.len())
                .body(body)
                .reply(&routes(Arc::clone(&state)))
                .await;
            let status = res.status();
            // A 404 from a handler names what is missing; the router's own says "no such resource".
            let unrouted = status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND
                    && String::from_utf8_lossy(res.body()).contains("no such resource"));
            assert!(!unrouted, "{} {path}: {status} {:?}", op.method, res.body());
            let missing_plan = op.path.starts_with("/api/plans/");
            if (op.body.is_none() || op.body == Some("LoginRequest") || op.path == "/api/logout")
                && !missing_plan
            {
                assert_eq!(
                    status.as_u16(),
                    op.status,
                    "{} {path}: {:?}",
                    op.method,
                    res.body()
                );
            }
            assert!(doc["paths"][op.path][op.method]["responses"].is_object());
        }
        // And the other way: every route this file serves (each has its `// METHOD /api/...`
        // line above its filter) is described, and nothing else is.
        let served: std::collections::BTreeSet<String> = include_str!("routes.rs")
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// "))
            .filter_map(|l| {
                let (method, rest) = l.split_once(' ')?;
                let path = rest.split([' ', '?']).next()?;
                (["GET", "POST", "PUT", "DELETE"].contains(&method) && path.starts_with("/api/"))
                    .then(|| format!("{} {path}", method.to_lowercase()))
            })
            .collect();
        let described: std::collections::BTreeSet<String> = crate::openapi::OPERATIONS
            .iter()
            .map(|op| format!("{} {}", op.method, op.path))
            .collect();
        assert_eq!(
            served, described,
            "routes served and routes described differ"
        );
        let in_document: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|methods| methods.as_object().unwrap().len())
            .sum();
        assert_eq!(
            in_document,
            described.len(),
            "the served document holds each operation once"
        );
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_expiring_and_secure_when_asked() {
        let plain = session_cookie("abc", 60, false);
        assert_eq!(
            plain,
            "kpi_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"
        );
        assert!(session_cookie("abc", 60, true).ends_with("; Secure"));
    }
}
