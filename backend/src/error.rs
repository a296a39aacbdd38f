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
        }
    }
}

impl warp::reject::Reject for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
