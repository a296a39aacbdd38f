//! The API through the real server over HTTP: one test binary for all of it (it links DuckDB once),
//! a module per concern. The browser tests are the other binary (`tests/browser.rs`).
//!
//! # Layout
//! - [`agenda`]: the review meeting's agenda under a unit.
//! - [`access`]: sign-in, sessions, CSRF, every role on every endpoint family, jurisdictions.
//! - [`attacks`]: the attack suite for jurisdictions (the sandbox, imports, sign-in, limits).
//! - [`check`]: `kpiboard check` and the KPI files' expectations.
//! - [`durability`]: an answered check-in survives `kill -9`; workers end with their server.
//! - [`evaluations`]: scorecards of unit heads and staff, inside the reader's jurisdiction.
//! - [`editor`]: the KPI editor's preview, cancel, save and passport.
//! - [`imports`]: exports in and out, bad files refused without loss.
//! - [`kpis_on_seed`]: every KPI on the seed; entity tags and an import shown at once.
//! - [`lake`]: servers over a read-only Parquet lake answer as the file-mode server does.
//! - [`languages`]: what an app needs to speak Russian and Persian; plan weeks in Iran.
//! - [`plans`]: 12-week plans, their check-ins and their files.
//! - [`reload`]: KPI files added, edited, broken and deleted while the server runs.
//! - [`rollups`]: a ratio, a median and a volume at every level against the export files.
//! - [`targets`]: targets that change by unit and date.

mod access;
mod agenda;
mod attacks;
mod check;
mod durability;
mod editor;
mod evaluations;
mod experiments;
mod imports;
mod kpis_on_seed;
mod lake;
mod languages;
mod plans;
mod reload;
mod rollups;
mod targets;
