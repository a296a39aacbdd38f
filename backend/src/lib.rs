//! The KPI board server. It imports the operational exports of city and regional administrations
//! (appeals, public-service cases, staffing) into an embedded DuckDB file, evaluates KPIs written
//! as one SQL file each, and serves them as JSON under `/api` next to the yew web app.
//!
//! # Layout
//! - [`config`]: where things are, the port, and what one request may take.
//! - [`state`]: what every request shares.
//! - [`server`]: the server bound to its port, and the queries folder watched.
//! - [`routes`]: the route table and its filters, a module of handlers per resource, and the one
//!   error recovery.
//! - [`db`]: the database file, its schema, and a pool of blocking connections.
//! - [`tables`]: the registry of the imported tables (columns, keys, checks, scoping,
//!   freshness) and who may bring which.
//! - [`import`]: CSV and Parquet exports into tables, one transaction per file.
//! - [`kpi`]: KPI files: header, validation, and evaluation at any level of the org tree.
//! - [`targets`]: targets that change by unit and date (`queries/targets.csv`).
//! - [`annotations`]: dated events shown on the charts (`queries/annotations.csv`).
//! - [`boards`]: boards of KPI tiles and their evaluation.
//! - [`agenda`]: a review meeting's agenda: what is red or got worse under a unit.
//! - [`evaluations`]: scorecards of unit heads and staff from scheme files beside the KPIs.
//! - [`league`]: fair league tables: the children of a unit ranked with intervals and a funnel.
//! - [`experiments`]: management experiments: a KPI's panel by unit and period from the engine,
//!   analysed by `kpi-stats` and put into words.
//! - [`cli`]: what each `kpiboard` command does (`main.rs` parses the command line and calls it).
//! - [`check`]: `kpiboard check`: every KPI file validated and its expectations run.
//! - [`seed`]: the embedded default: generated seed exports and demo accounts, imported into an
//!   empty database.
//! - [`auth`]: users, Argon2id passwords, sessions, the sign-in rate limit, and jurisdictions.
//! - [`sandbox`]: where analysts' SQL runs: worker processes over snapshots of one jurisdiction's
//!   rows, the allow-list its text is checked against, and the limits it runs under.
//! - [`audit`]: the audit log.
//! - [`plans`]: 12-week plans and their weekly check-ins; [`plans::exchange`]: their export files.
//! - [`clock`]: the plans' calendar (the system's, or moved for training and tests).
//! - [`transfer`]: compressed answers, entity tags, and the web app's precompressed files.
//! - [`openapi`]: the description of the API served at `/api/openapi.json`.
//! - [`error`]: the error type and its HTTP status.

#![recursion_limit = "256"] // the OpenAPI document is one large `json!`

pub mod agenda;
pub mod annotations;
pub mod audit;
pub mod auth;
pub mod boards;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod evaluations;
pub mod experiments;
pub mod import;
pub mod kpi;
pub mod lake;
pub mod league;
pub mod openapi;
pub mod plans;
pub mod policy;
pub mod prune;
pub mod rollup;
pub mod routes;
pub mod sandbox;
pub mod seed;
pub mod server;
pub mod state;
pub mod tables;
pub mod targets;
pub mod transfer;

pub use config::{Config, Limits};
pub use error::{Error, Result};
pub use server::Application;
pub use state::AppState;

#[cfg(test)]
pub(crate) mod testkit;
