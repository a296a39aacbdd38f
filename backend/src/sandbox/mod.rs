//! The sandbox that analysts' SQL (KPI files, previews, validation and ad-hoc queries) runs in.
//! Four layers, each enough on its own for the escapes it covers:
//!
//! 1. **Which rows exist** ([`pool`]): the SQL runs in a worker process over a snapshot file that
//!    holds the caller's jurisdiction's rows and nothing else, never over the database itself.
//!    No plan DuckDB's optimiser picks, no error message and no function can reach a row that is
//!    not in the file. A KPI being validated runs over a snapshot with no rows at all.
//! 2. **What the text may say** ([`check`]): one SELECT, read from DuckDB's own syntax tree,
//!    reading only the scoped tables and its own CTEs, calling only the functions, table
//!    functions and types of the allow-lists in [`functions`], with no parameters.
//! 3. **What the engine may do**: the worker's engine opens its snapshot read-only with external
//!    access off (no files, no network, no extension installs or loads, no spilling), settings
//!    locked; the server's own engine is locked down the same way ([`lock_down`]), files only in
//!    the import staging folder.
//! 4. **How long and how much** ([`pool`], [`worker`]): a worker runs one query at a time, is
//!    killed at the query's time limit (DuckDB cannot interrupt a function building one value),
//!    has its address space capped so an allocation past the memory limit fails inside it, and
//!    sends back at most a row cap and a byte cap.

pub mod check;
pub mod functions;
pub mod pool;
pub mod worker;

use std::path::Path;

use duckdb::Connection;

pub use check::{check, SCOPED_TABLES};
pub use pool::{Cancel, Launch, Rows, Sandbox, SandboxConfig};
pub use worker::{Request, Table};

use crate::error::Result;

/// What the server's own database may do once it serves: external access off except the import
/// staging folder (where snapshots are written too), no extension installs or loads, a memory
/// limit, and settings locked.
pub fn lock_down(conn: &Connection, staging: &Path, memory_limit: &str) -> Result<()> {
    let staging = staging
        .canonicalize()
        .unwrap_or_else(|_| staging.to_path_buf());
    let quote = |s: &str| s.replace('\'', "''");
    conn.execute_batch(&format!(
        "SET memory_limit = '{memory}';
         SET max_temp_directory_size = '8GiB';
         SET autoinstall_known_extensions = false;
         SET autoload_known_extensions = false;
         SET allow_community_extensions = false;
         SET allowed_directories = ['{staging}'];
         SET enable_external_access = false;
         SET lock_configuration = true;",
        memory = quote(memory_limit),
        staging = quote(&staging.display().to_string()),
    ))?;
    Ok(())
}
