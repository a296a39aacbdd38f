//! The configuration: where things are, which port to bind, and what one request may take.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;

use crate::auth;
use crate::sandbox::Launch;

/// Where things are and which port to bind. Tests pass port 0 and read the real port back.
#[derive(Debug, Clone)]
pub struct Config {
    /// The DuckDB file; None keeps the database in memory (tests).
    pub database: Option<PathBuf>,
    /// A read-only lake the data comes from (`serve --lake`); `database` then holds the rest.
    pub lake: Option<PathBuf>,
    pub queries: PathBuf,
    /// The built frontend (trunk's dist/); when absent the API is still served.
    pub dist: PathBuf,
    pub host: String,
    pub port: u16,
    pub limits: Limits,
    /// The plans' today, when it is not the system's (`serve --today`; see [`Clock`]).
    pub today: Option<NaiveDate>,
    /// How the sandbox starts its workers (the server's own binary; a thread in unit tests).
    pub sandbox: Launch,
}

/// What one request may take and how sessions work: the sandbox's bounds and the session's terms.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A KPI evaluation or an ad-hoc query is stopped after this long.
    pub query_time: Duration,
    /// The most rows an ad-hoc query returns.
    pub query_rows: usize,
    /// The memory one query may use (`2GB`, `512MB`): its sandbox worker's engine limit; the
    /// worker's address space is capped a little above it.
    pub memory: String,
    /// The most analysts' queries and previews one user may have running at once.
    pub queries_per_user: usize,
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (sent over HTTPS only): set it behind a TLS proxy.
    pub secure_cookies: bool,
    /// A key servers share, so that a session opened on one is good on every one of them
    /// (`serve --session-key`: replicas over one lake behind a load balancer).
    pub session_key: Option<auth::SessionKey>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            query_time: Duration::from_secs(10),
            query_rows: 10_000,
            memory: DEFAULT_QUERY_MEMORY.to_string(),
            queries_per_user: 2,
            session_ttl: auth::DEFAULT_SESSION_TTL,
            secure_cookies: false,
            session_key: None,
        }
    }
}

/// The memory one query may use unless the configuration says otherwise.
pub const DEFAULT_QUERY_MEMORY: &str = "2GB";
