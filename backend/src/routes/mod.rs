//! HTTP: every route's filter in one place ([`routes`]), one plain async handler per route in a
//! module per resource, and one `recover` that turns every rejection into the same JSON body.
//!
//! # Layout
//! - this module: the filters (session, CSRF, bounded JSON bodies), the route table, the shared
//!   view parameters (unit, period, grain) and the error recovery.
//! - [`session`]: sign-in and out, the session, the health check.
//! - [`kpis`]: the KPI list, series, comparisons, passports, the editor and ad-hoc queries.
//! - [`boards`]: boards of tiles.
//! - [`imports`]: export files in.
//! - [`plans`]: 12-week plans and their files out.
//! - [`experiments`]: management experiments and their analyses.
//! - [`users`]: users and the audit log.
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
    TableRows, Unit, CSRF_HEADER, SESSION_COOKIE,
};
use tokio::io::AsyncWriteExt;
use warp::http::{Method, StatusCode};
use warp::{Filter, Rejection, Reply};

use crate::audit;
use crate::auth::{self, Access, Jurisdiction, Reach};
use crate::error::{Error, Result};
use crate::kpi::{self, Periods, Scope};
use crate::plans::exchange::PlanFile;
use crate::policy::{self, Action};
use crate::sandbox::Cancel;
use crate::state::AppState;
use crate::transfer;

mod boards;
mod experiments;
mod imports;
mod kpis;
mod plans;
mod session;
mod users;

use self::boards::*;
use self::experiments::*;
use self::imports::*;
use self::kpis::*;
use self::plans::*;
use self::session::*;
use self::users::*;

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
                        let key = state.config.limits.session_key.clone();
                        let found = state
                            .db
                            .run(move |c| auth::session(c, &asked, key.as_ref()))
                            .await;
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
        .and(with_state(state.clone()))
        .map(|access: Access, state: Arc<AppState>| json(&access.session_info(&state.units())));
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
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(kpis);
    // GET /api/kpis/{id}/values
    let values = warp::path!("kpis" / String / "values")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(kpi_values);
    // GET /api/kpis/{id}/children
    let children = warp::path!("kpis" / String / "children")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(kpi_children);
    // GET /api/kpis/{id}/league?unit=&from=&to=
    let league = warp::path!("kpis" / String / "league")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(kpi_league);
    // GET /api/agenda?unit=&from=&to=
    let agenda = warp::path!("agenda")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(get_agenda);
    // POST /api/annotations
    let add_annotation = warp::path!("annotations")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(post_annotation);
    // DELETE /api/annotations/{id}
    let remove_annotation = warp::path!("annotations" / String)
        .and(warp::delete())
        .and(user.clone())
        .and(warp::addr::remote())
        .and(with_state(state.clone()))
        .and_then(delete_annotation);
    // GET /api/evaluations
    let evaluations = warp::path!("evaluations")
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(get_evaluations);
    // GET /api/evaluations/{id}?unit=&from=
    let evaluation = warp::path!("evaluations" / String)
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(get_evaluation);
    // GET /api/annotations?unit=
    let annotations = warp::path!("annotations")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(get_annotations);
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
        .and(conditional())
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
    // GET /api/experiments?unit=
    let experiment_list = warp::path!("experiments")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(list_experiments);
    // POST /api/experiments
    let new_experiment = warp::path!("experiments")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(create_experiment);
    // GET /api/exports/experiments?unit=
    let export_experiment_file = warp::path!("exports" / "experiments")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(export_experiments);
    // GET /api/experiments/suggest?kpi=&treated=&start=&grain=
    let suggest = warp::path!("experiments" / "suggest")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(suggest_comparison);
    // POST /api/experiments/import
    let import_experiment_file = warp::path!("experiments" / "import")
        .and(warp::post())
        .and(json_write(user.clone(), state.clone()))
        .and_then(import_experiments);
    // GET /api/experiments/{id}
    // (Not `suggest`: a refused suggestion must not fall through to "no experiment 'suggest'".)
    let experiment = warp::path!("experiments" / String)
        .and_then(|id: String| async move {
            if id == "suggest" {
                Err(warp::reject::not_found())
            } else {
                Ok(id)
            }
        })
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(get_experiment);
    // PUT /api/experiments/{id}
    let change_experiment = warp::path!("experiments" / String)
        .and(warp::put())
        .and(json_write(user.clone(), state.clone()))
        .and_then(edit_experiment);
    // GET /api/experiments/{id}/analysis?kpi=
    let analysis = warp::path!("experiments" / String / "analysis")
        .and(warp::get())
        .and(user.clone())
        .and(params)
        .and(conditional())
        .and(with_state(state.clone()))
        .and_then(experiment_analysis);
    // GET /api/experiments/{id}/history
    let history = warp::path!("experiments" / String / "history")
        .and(warp::get())
        .and(user.clone())
        .and(with_state(state.clone()))
        .and_then(experiment_history);
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
        .or(league)
        .or(agenda)
        .or(evaluations)
        .or(evaluation)
        .or(annotations)
        .or(add_annotation)
        .or(remove_annotation)
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
    let trials = experiment_list
        .or(export_experiment_file)
        .or(suggest)
        .or(import_experiment_file)
        .or(new_experiment)
        .or(experiment)
        .or(change_experiment)
        .or(analysis)
        .or(history)
        .map(Reply::into_response)
        .boxed();
    let api = warp::path("api").and(
        sessions
            .or(data)
            .or(authoring)
            .or(trials)
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

/// The parameters of a KPI or board request, checked; each error names its parameter.
struct ViewParams {
    unit: Unit,
    from: NaiveDate,
    to: NaiveDate,
    grain: Grain,
    calendar: kpi_api::calendar::Calendar,
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

impl ViewParams {
    /// `unit` (required, inside the caller's reach), `from` and `to` (the last full quarter
    /// with data when absent) and `grain` (week when absent); any other parameter is refused.
    fn parse(state: &AppState, access: &Access, params: &Params) -> Result<ViewParams> {
        only_params(params, &["unit", "from", "to", "grain", "calendar"])?;
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
        let calendar = match params.get("calendar") {
            None => kpi_api::calendar::Calendar::Gregorian,
            Some(c) => kpi_api::calendar::Calendar::parse(c).ok_or_else(|| {
                Error::bad_parameter(
                    "calendar",
                    format!("'{c}' is not one of gregorian, persian"),
                )
            })?,
        };
        Ok(ViewParams {
            unit,
            from,
            to,
            grain,
            calendar,
        })
    }
}

/// What the client already holds and how it takes answers (`If-None-Match`, `Accept-Encoding`).
struct Conditional {
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
}

impl Conditional {
    /// `value` as JSON with its entity tag, compressed as accepted, or a 304 (see [`transfer`]).
    fn reply<T: serde::Serialize>(&self, value: &T) -> warp::reply::Response {
        transfer::tagged_json(
            value,
            self.if_none_match.as_deref(),
            self.accept_encoding.as_deref(),
        )
    }
}

fn conditional() -> impl Filter<Extract = (Conditional,), Error = Rejection> + Clone {
    warp::header::optional::<String>("if-none-match")
        .and(warp::header::optional::<String>("accept-encoding"))
        .map(|if_none_match, accept_encoding| Conditional {
            if_none_match,
            accept_encoding,
        })
}

/// Every rejection becomes `{"code", "message"}` with a fitting status.
async fn recover(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    let mut retry_after = None;
    let mut args = std::collections::BTreeMap::new();
    let (status, code, message) = if let Some(e) = rejection.find::<Error>() {
        args = e.args();
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
            args,
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
mod tests;
