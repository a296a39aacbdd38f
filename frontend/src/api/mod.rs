//! The server's JSON API: one typed async function per endpoint, all over [`get_json`].
//!
//! Paths are relative to the page's origin (the backend serves both, and `trunk serve` proxies
//! `/api`).

mod boards;
mod health;
mod kpis;
mod units;

pub use boards::{board, boards};
pub use health::health;
pub use kpis::{kpi_children, kpi_values, kpis};
pub use units::units;

use gloo::net::http::Request;
use serde::de::DeserializeOwned;

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
        message: String,
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
            FetchError::Server { message, .. } => message.clone(),
            FetchError::Status(status) => i18n::http_error(*status),
            FetchError::Decode(detail) => i18n::decode_error(detail),
        }
    }

    /// The server's machine code, when it gave one (`not_found`, `bad_request`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            FetchError::Server { code, .. } => Some(code),
            _ => None,
        }
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
async fn get_json<T: DeserializeOwned>(
    path: &str,
    query: &[(&str, String)],
) -> Result<T, FetchError> {
    let response = Request::get(path)
        .query(query.iter().map(|(k, v)| (*k, v.as_str())))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| FetchError::Network(e.to_string()))?;
    let status = response.status();
    if !response.ok() {
        return Err(match response.json::<kpi_api::ApiError>().await {
            Ok(body) => FetchError::Server {
                status,
                code: body.code,
                message: body.message,
            },
            Err(_) => FetchError::Status(status),
        });
    }
    response
        .json::<T>()
        .await
        .map_err(|e| FetchError::Decode(e.to_string()))
}
