//! The server's JSON API: one typed async function per endpoint, all over [`get_json`],
//! [`post_json`] and [`put_json`].
//!
//! Paths are relative to the page's origin (the backend serves both, and `trunk serve` proxies
//! `/api`). The session rides in an HttpOnly cookie the browser sends by itself; this module never
//! sees it. What it does carry is the session's CSRF token, which every POST and PUT but the
//! sign-in itself sends back in the `kpi_api::CSRF_HEADER` header: callers pass it in, from the
//! session they hold.

mod admin;
mod boards;
mod experiments;
mod health;
mod imports;
mod kpis;
mod plans;
mod query;
mod session;
mod units;

pub use admin::{add_user, audit, reset_password, users};
pub use boards::{
    add_annotation, agenda, annotations, board, boards, evaluation, evaluations, remove_annotation,
};
pub use experiments::{
    create_experiment, edit_experiment, experiment, experiment_analysis, experiment_as_written,
    experiment_headlines, experiment_history, experiments, experiments_href, import_experiments,
    suggest_comparison,
};
pub use health::health;
pub use imports::import_file;
pub use kpis::{kpi_children, kpi_league, kpi_passport, kpi_values, kpis, preview_kpi, save_kpi};
pub use plans::{add_tactic, change_tactic, check_in, create_plan, export_href, plan, plans};
pub use query::cancel_query;
pub use session::{login, logout, session};
pub use units::units;

use gloo::net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::i18n;
use crate::logic::url::encode_component;

/// Why a request gave no data. Components hold it in state, so it is `Clone + PartialEq`.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The request never got an answer (offline, server down, CORS).
    Network(String),
    /// The server answered with an error and said why (its `kpi_api::ApiError` body).
    Server {
        status: u16,
        code: String,
        /// The server's sentence, in English.
        message: String,
        /// Its arguments by name (`kpi_api::ApiError::args`), for wording it in the app's language.
        args: std::collections::BTreeMap<String, String>,
    },
    /// The server answered with an error status and no readable explanation.
    Status(u16),
    /// The answer was not the JSON this app expects.
    Decode(String),
}

impl FetchError {
    /// What to tell the person looking at the screen.
    pub fn message(&self) -> String {
        match self {
            FetchError::Network(detail) => i18n::network_error(detail),
            FetchError::Server {
                code,
                message,
                args,
                ..
            } => i18n::server_error(code, args, message),
            FetchError::Status(status) => i18n::http_error(*status),
            FetchError::Decode(detail) => i18n::decode_error(detail),
        }
    }

    /// The server's machine code, when it gave one (`not_found`, `bad_request`, `invalid_kpi`,
    /// `query_timeout`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            FetchError::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Server { status, .. } | FetchError::Status(status) => Some(*status),
            _ => None,
        }
    }

    /// A 401: no session, or it has expired, so the person must sign in (again). The sign-in
    /// request's own 401 (`bad_credentials`) means a wrong password instead; its page reads it
    /// before this question is asked.
    pub fn is_unauthenticated(&self) -> bool {
        self.status() == Some(401)
    }

    /// A 403 `forbidden`: the unit asked for is outside the user's jurisdiction, or the role may
    /// not do this. (A 403 `csrf` is a request this app built wrong, not a matter of rights.)
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(403) && self.code() == Some("forbidden")
    }
}

/// `/api/{segments joined by /}`, each segment escaped.
fn api_path(segments: &[&str]) -> String {
    let mut path = String::from("/api");
    for segment in segments {
        path.push('/');
        path.push_str(&encode_component(segment));
    }
    path
}

/// GETs `path` with `query` and decodes the JSON answer; an error status becomes a [`FetchError`],
/// with the server's own message when its body is an `ApiError`.
/// `query` with `calendar=persian` for the Solar Hijri calendar (the interface's in Persian), so
/// the server groups by Solar Hijri months and Saturday weeks and compares with the Solar Hijri
/// year before.
fn in_calendar<'a>(
    query: &[(&'a str, String)],
    calendar: kpi_api::calendar::Calendar,
) -> Vec<(&'a str, String)> {
    let mut query = query.to_vec();
    if calendar != kpi_api::calendar::Calendar::Gregorian {
        query.push(("calendar", calendar.as_str().to_string()));
    }
    query
}

async fn get_json<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, String)],
) -> Result<T, FetchError> {
    get_json_in(path, query, true).await
}

async fn get_json_in<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, String)],
    localized: bool,
) -> Result<T, FetchError> {
    let request = Request::get(path)
        .query(query.iter().map(|(k, v)| (*k, v.as_str())))
        .header("Accept", "application/json")
        .build()
        .map_err(|e| FetchError::Network(e.to_string()))?;
    read(request.send().await, localized).await
}

/// POSTs `body` as JSON to `path` with the session's `csrf` token (None only for signing in, when
/// there is no session yet) and decodes the answer like [`get_json`]. A 204 answer has no body: ask
/// for `T = ()`.
async fn post_json<B, T>(path: &str, csrf: Option<&str>, body: &B) -> Result<T, FetchError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    send_json(Request::post(path), csrf, body).await
}

/// PUTs `body` as JSON to `path` with the session's `csrf` token, like [`post_json`].
async fn put_json<B, T>(path: &str, csrf: &str, body: &B) -> Result<T, FetchError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    send_json(Request::put(path), Some(csrf), body).await
}

/// DELETEs `path` with the session's `csrf` token; the answer is a 204.
async fn delete(path: &str, csrf: &str) -> Result<(), FetchError> {
    let request = Request::delete(path)
        .header("Accept", "application/json")
        .header(kpi_api::CSRF_HEADER, csrf)
        .build()
        .map_err(|e| FetchError::Network(e.to_string()))?;
    read(request.send().await, true).await
}

/// Sends `body` as JSON with the request `builder` started, and the CSRF token when given.
async fn send_json<B, T>(
    builder: RequestBuilder,
    csrf: Option<&str>,
    body: &B,
) -> Result<T, FetchError>
where
    B: Serialize + ?Sized,
    T: DeserializeOwned,
{
    let mut builder = builder.header("Accept", "application/json");
    if let Some(token) = csrf {
        builder = builder.header(kpi_api::CSRF_HEADER, token);
    }
    // `json` also sets `Content-Type: application/json`.
    let request = builder
        .json(body)
        .map_err(|e| FetchError::Network(e.to_string()))?;
    read(request.send().await, true).await
}

/// The answer to a request, read as `T`, or why there is none.
/// [`get_json`] without putting names and titles into the interface's language: for a form that
/// sends what it read back to the server, which must get the texts as they were written.
async fn get_json_as_written<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, String)],
) -> Result<T, FetchError> {
    get_json_in(path, query, false).await
}

async fn read<T: DeserializeOwned>(
    sent: Result<Response, gloo::net::Error>,
    localized: bool,
) -> Result<T, FetchError> {
    let response = sent.map_err(|e| FetchError::Network(e.to_string()))?;
    let status = response.status();
    if !response.ok() {
        return Err(match response.json::<kpi_api::ApiError>().await {
            Ok(body) => FetchError::Server {
                status,
                code: body.code,
                message: body.message,
                args: body.args,
            },
            Err(_) => FetchError::Status(status),
        });
    }
    if status == 204 {
        return serde_json::from_str("null").map_err(|e| FetchError::Decode(e.to_string()));
    }
    let text = response
        .text()
        .await
        .map_err(|e| FetchError::Decode(e.to_string()))?;
    let decode = |e: serde_json::Error| FetchError::Decode(e.to_string());
    match crate::i18n::lang() {
        lang if !localized || lang == crate::i18n::Lang::En => {
            serde_json::from_str(&text).map_err(decode)
        }
        // Units' own names and translated titles (see `logic::localize`).
        // Rewritten as text and read as any answer is: `from_value` would add a second reader
        // of every answer type to the download.
        lang => {
            let mut value: serde_json::Value = serde_json::from_str(&text).map_err(decode)?;
            crate::logic::localize::localize(&mut value, lang.locale());
            serde_json::from_str(&value.to_string()).map_err(decode)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16, code: &str) -> FetchError {
        FetchError::Server {
            status,
            code: code.to_string(),
            message: String::new(),
            args: Default::default(),
        }
    }

    #[test]
    fn a_401_with_or_without_a_body_means_signing_in_again() {
        assert!(server(401, "unauthenticated").is_unauthenticated());
        assert!(FetchError::Status(401).is_unauthenticated());
        assert!(!server(403, "forbidden").is_unauthenticated());
        assert!(!FetchError::Network("offline".to_string()).is_unauthenticated());
    }

    #[test]
    fn only_a_403_forbidden_is_a_matter_of_jurisdiction() {
        assert!(server(403, "forbidden").is_forbidden());
        assert!(!server(403, "csrf").is_forbidden());
        assert!(!FetchError::Status(403).is_forbidden());
        assert!(!server(404, "forbidden").is_forbidden());
    }

    #[test]
    fn api_paths_escape_each_segment() {
        assert_eq!(
            api_path(&["users", "a b/c", "password"]),
            "/api/users/a%20b%2Fc/password"
        );
    }
}
