//! The one error type of the server. Every failure an endpoint can meet is a variant here, each
//! with its HTTP status and a stable code, so that `routes::recover` writes one JSON body for all.

use warp::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A query parameter is missing or wrong; `param` names it.
    #[error("{param}: {message}")]
    BadParameter { param: String, message: String },
    #[error("{0}")]
    NotFound(String),
    /// An export file was refused; the message says file, line, column and reason.
    #[error("{0}")]
    InvalidFile(String),
    #[error("{0}")]
    TooLarge(String),
    /// A KPI failed to evaluate (its SQL is broken against the data, for example).
    #[error("KPI {kpi}: {message}")]
    Kpi { kpi: String, message: String },
    #[error("database: {0}")]
    Database(#[from] duckdb::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Internal(String),
    /// No session, or it expired.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("wrong user name or password")]
    BadCredentials,
    /// Too many failed sign-ins; try again after `retry_after` seconds.
    #[error("too many failed sign-ins; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// The caller already has as many queries running as one user may.
    #[error("{0}")]
    TooMany(String),
    /// Outside the caller's jurisdiction, or not for the caller's role.
    #[error("{0}")]
    Forbidden(String),
    /// A state-changing request without the session's CSRF token.
    #[error("{0}")]
    Csrf(String),
    #[error("{0}")]
    Conflict(String),
    /// The SQL sandbox refused a text (a statement other than SELECT, a file, a catalog table...).
    #[error("{0}")]
    Refused(String),
    /// The engine refused or failed a query's SQL; the message is DuckDB's, from the sandbox
    /// (it can only speak of rows the caller may see).
    #[error("{0}")]
    Sql(String),
    /// A query ran past its time limit and was interrupted.
    #[error("{0}")]
    Timeout(String),
    /// A query needed more memory than the database's limit.
    #[error("{0}")]
    OutOfMemory(String),
    /// The caller stopped its own query.
    #[error("the query was cancelled")]
    Cancelled,
    /// A KPI file sent to be saved does not validate: "FILE, line N, column C: message".
    #[error("{0}")]
    InvalidKpi(String),
}

impl Error {
    pub fn bad_parameter(param: &str, message: impl Into<String>) -> Error {
        Error::BadParameter {
            param: param.to_string(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadParameter { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::InvalidFile(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unauthenticated(_) | Error::BadCredentials => StatusCode::UNAUTHORIZED,
            Error::RateLimited { .. } | Error::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Forbidden(_) | Error::Csrf(_) => StatusCode::FORBIDDEN,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Refused(_)
            | Error::Sql(_)
            | Error::Timeout(_)
            | Error::OutOfMemory(_)
            | Error::Cancelled
            | Error::InvalidKpi(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Kpi { .. } | Error::Database(_) | Error::Io(_) | Error::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::BadParameter { .. } => "bad_parameter",
            Error::NotFound(_) => "not_found",
            Error::InvalidFile(_) => "invalid_file",
            Error::TooLarge(_) => "too_large",
            Error::Kpi { .. } => "kpi_failed",
            Error::Database(_) => "database",
            Error::Io(_) => "io",
            Error::Internal(_) => "internal",
            Error::Unauthenticated(_) => "unauthenticated",
            Error::BadCredentials => "bad_credentials",
            Error::RateLimited { .. } => "rate_limited",
            Error::TooMany(_) => "too_many_queries",
            Error::Forbidden(_) => "forbidden",
            Error::Csrf(_) => "csrf",
            Error::Conflict(_) => "conflict",
            Error::Refused(_) => "query_refused",
            Error::Sql(_) => "query_failed",
            Error::Timeout(_) => "query_timeout",
            Error::OutOfMemory(_) => "query_memory",
            Error::Cancelled => "query_cancelled",
            Error::InvalidKpi(_) => "invalid_kpi",
        }
    }
}

impl Error {
    /// The arguments of [`Error::code`]'s sentence, for an app that words it in its own language.
    /// The server's own failures carry none: their text is for the log.
    pub fn args(&self) -> std::collections::BTreeMap<String, String> {
        let pairs: Vec<(&str, String)> = match self {
            Error::BadParameter { param, message } => {
                vec![("param", param.clone()), ("detail", message.clone())]
            }
            Error::Kpi { kpi, message } => vec![("kpi", kpi.clone()), ("detail", message.clone())],
            Error::RateLimited { retry_after } => vec![("retry_after", retry_after.to_string())],
            Error::NotFound(m)
            | Error::InvalidFile(m)
            | Error::TooLarge(m)
            | Error::Unauthenticated(m)
            | Error::TooMany(m)
            | Error::Forbidden(m)
            | Error::Csrf(m)
            | Error::Conflict(m)
            | Error::Refused(m)
            | Error::Sql(m)
            | Error::Timeout(m)
            | Error::OutOfMemory(m)
            | Error::InvalidKpi(m) => vec![("detail", m.clone())],
            Error::Database(_)
            | Error::Io(_)
            | Error::Internal(_)
            | Error::BadCredentials
            | Error::Cancelled => vec![],
        };
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

impl warp::reject::Reject for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
