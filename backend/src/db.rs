//! The embedded DuckDB database: its schema, and a small pool of connections that the async server
//! uses from blocking threads (DuckDB calls block; they never run on the executor).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use duckdb::Connection;

use crate::error::{Error, Result};

/// The tables that exports are imported into, plus the bookkeeping the server keeps.
/// `unit_closure` holds every (ancestor, descendant) pair of the org tree, itself included, so that
/// "everything under a unit" is one join whatever the depth.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS org_units (
    id          VARCHAR PRIMARY KEY,
    parent_id   VARCHAR,
    kind        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    population  BIGINT
);
CREATE TABLE IF NOT EXISTS unit_closure (
    ancestor_id VARCHAR NOT NULL,
    unit_id     VARCHAR NOT NULL,
    depth       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS appeals (
    appeal_id         VARCHAR NOT NULL,
    unit_id           VARCHAR NOT NULL,
    channel           VARCHAR NOT NULL,
    category          VARCHAR NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    closed_at         TIMESTAMP,
    due_at            TIMESTAMP NOT NULL,
    rating            TINYINT
);
CREATE TABLE IF NOT EXISTS service_cases (
    case_id      VARCHAR NOT NULL,
    unit_id      VARCHAR NOT NULL,
    service_code VARCHAR NOT NULL,
    channel      VARCHAR NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    due_at       TIMESTAMP NOT NULL,
    outcome      VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS staffing (
    month          DATE NOT NULL,
    unit_id        VARCHAR NOT NULL,
    headcount      INTEGER NOT NULL,
    vacancies      INTEGER NOT NULL,
    training_hours DOUBLE NOT NULL,
    PRIMARY KEY (month, unit_id)
);
CREATE TABLE IF NOT EXISTS users (
    name                VARCHAR PRIMARY KEY,
    display_name        VARCHAR NOT NULL,
    role                VARCHAR NOT NULL,
    home_unit           VARCHAR,
    password_hash       VARCHAR NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 VARCHAR PRIMARY KEY,
    user_name    VARCHAR NOT NULL,
    csrf_token   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS audit_ids;
CREATE TABLE IF NOT EXISTS audit_log (
    id     BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
    happened_at TIMESTAMP NOT NULL,
    actor  VARCHAR,
    action VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    ip     VARCHAR
);
CREATE TABLE IF NOT EXISTS experiments (
    id         VARCHAR PRIMARY KEY,
    definition VARCHAR NOT NULL,
    revision   INTEGER NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS experiment_versions (
    id         VARCHAR NOT NULL,
    revision   INTEGER NOT NULL,
    definition VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE TABLE IF NOT EXISTS plans (
    id         VARCHAR PRIMARY KEY,
    unit_id    VARCHAR NOT NULL,
    owner      VARCHAR NOT NULL,
    title      VARCHAR NOT NULL,
    start      DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_goals (
    plan_id VARCHAR NOT NULL,
    goal_no INTEGER NOT NULL,
    title   VARCHAR NOT NULL,
    kpi_id  VARCHAR NOT NULL,
    target  DOUBLE NOT NULL,
    PRIMARY KEY (plan_id, goal_no)
);
CREATE TABLE IF NOT EXISTS plan_tactics (
    plan_id   VARCHAR NOT NULL,
    tactic_id VARCHAR NOT NULL,
    goal_no   INTEGER NOT NULL,
    title     VARCHAR NOT NULL,
    owner     VARCHAR NOT NULL,
    PRIMARY KEY (plan_id, tactic_id)
);
-- Each change of a tactic's schedule (seq 1, 2, ...), in force from a week on (due NULL:
-- withdrawn); of two changes in force from the same week, the later one rules.
CREATE TABLE IF NOT EXISTS plan_tactic_versions (
    plan_id   VARCHAR NOT NULL,
    tactic_id VARCHAR NOT NULL,
    seq       INTEGER NOT NULL,
    from_week INTEGER NOT NULL,
    due       VARCHAR,
    made_by   VARCHAR NOT NULL,
    made_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, tactic_id, seq)
);
CREATE TABLE IF NOT EXISTS plan_checkins (
    plan_id   VARCHAR NOT NULL,
    tactic_id VARCHAR NOT NULL,
    week      INTEGER NOT NULL,
    done      BOOLEAN NOT NULL,
    note      VARCHAR,
    late      BOOLEAN NOT NULL,
    revision  INTEGER NOT NULL,
    by_user   VARCHAR NOT NULL,
    given_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (plan_id, tactic_id, week)
);
CREATE TABLE IF NOT EXISTS imports (
    sha256      VARCHAR PRIMARY KEY,
    file        VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    rows        BIGINT NOT NULL,
    inserted    BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
ALTER TABLE imports ADD COLUMN IF NOT EXISTS imported_by VARCHAR;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS employee VARCHAR;
ALTER TABLE org_units ADD COLUMN IF NOT EXISTS local_name VARCHAR;
CREATE TABLE IF NOT EXISTS ended_sessions (
    token_sha256 VARCHAR PRIMARY KEY,
    expires_at   TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_days (
    kpi         VARCHAR NOT NULL,
    unit_id     VARCHAR NOT NULL,
    day         DATE NOT NULL,
    numerator   DOUBLE,
    denominator DOUBLE
);
CREATE TABLE IF NOT EXISTS rollup_kpis (
    kpi         VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    body        VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS annotation_ids;
CREATE TABLE IF NOT EXISTS annotations (
    id         VARCHAR PRIMARY KEY,
    from_day   DATE NOT NULL,
    to_day     DATE NOT NULL,
    unit_id    VARCHAR NOT NULL,
    title      VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);
"#;

/// The tables of many rows, kept without a primary-key index: an index over 100 million ids
/// costs gigabytes of memory and most of an import's time, while the import alone writes these
/// tables and keeps each key once (a file's duplicates are refused, and a key it brings replaces
/// the stored row: deleted, then inserted, in one transaction).
const UNINDEXED: &[&str] = &["appeals", "service_cases"];

/// Whether `table` is one of [`UNINDEXED`].
pub fn unindexed(table: &str) -> bool {
    UNINDEXED.contains(&table)
}

/// Rebuilds, once, a table of [`UNINDEXED`] that a database made before still indexes: the
/// same columns and rows, without the index.
fn drop_row_indexes(conn: &Connection) -> Result<()> {
    for table in UNINDEXED {
        let indexed: i64 = conn.query_row(
            "SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'main' AND table_name = ? AND constraint_type = 'PRIMARY KEY'",
            [table],
            |r| r.get(0),
        )?;
        if indexed == 0 {
            continue;
        }
        tracing::info!(
            table,
            "dropping the primary-key index of a large table (once)"
        );
        in_transaction(conn, || {
            let columns: Vec<(String, String, bool)> = conn
                .prepare(
                    "SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns \
                     WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                )?
                .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<duckdb::Result<_>>()?;
            let ddl: Vec<String> = columns
                .iter()
                .map(|(name, ty, required)| {
                    format!(
                        "\"{name}\" {ty}{}",
                        if *required { " NOT NULL" } else { "" }
                    )
                })
                .collect();
            conn.execute_batch(&format!(
                "ALTER TABLE main.{table} RENAME TO {table}_indexed;
                 CREATE TABLE main.{table} ({});
                 INSERT INTO main.{table} SELECT * FROM main.{table}_indexed;
                 DROP TABLE main.{table}_indexed;",
                ddl.join(", ")
            ))?;
            Ok(())
        })?;
    }
    Ok(())
}

/// The memory the server's own engine may use for its buffers (imports, snapshots, the lake's
/// views). With 4 GB, writing the admin's snapshot of 100 million appeals took the server to
/// 5.0 GB; what runs analysts' SQL is the workers', each with its own limit.
pub const DEFAULT_MEMORY_LIMIT: &str = "2500MB";

/// One open database and the idle connections to it.
pub struct Db {
    root: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
    /// Imports write; one at a time keeps "one file = one transaction" free of write conflicts.
    import_lock: Mutex<()>,
    /// The only folder the engine may read files from (imports stage their files here).
    staging: PathBuf,
    /// An in-memory database's staging folder is its own, removed when it closes.
    remove_staging: bool,
    /// The read-only lake the data tables are views over (`serve --lake`).
    lake: Option<PathBuf>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if self.remove_staging {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

impl Db {
    /// Opens (creating if needed) the database file, brings its schema up to date and locks the
    /// engine down (see [`lock_down`]). Imports stage files in `<file>.staging/`.
    pub fn open(path: &Path, memory_limit: &str) -> Result<Arc<Db>> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let mut staging = path.as_os_str().to_owned();
        staging.push(".staging");
        Self::from_connection(
            Connection::open(path)?,
            PathBuf::from(staging),
            false,
            memory_limit,
            None,
        )
    }

    /// Opens the server's own small database (users, sessions, plans, experiments, the audit)
    /// over a read-only lake (see [`crate::lake`]): the data tables are views the server defines
    /// over the lake's Parquet files, and nothing writes them.
    pub fn open_over_lake(path: &Path, memory_limit: &str, lake: &Path) -> Result<Arc<Db>> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        let lake = lake
            .canonicalize()
            .map_err(|e| Error::bad_parameter("lake", format!("{}: {e}", lake.display())))?;
        let mut staging = path.as_os_str().to_owned();
        staging.push(".staging");
        let conn = Connection::open(path)?;
        // The views of the last start give way to the tables the schema expects; they come back
        // below, over the lake as it is now.
        crate::lake::drop_views(&conn)?;
        Self::from_connection(
            conn,
            PathBuf::from(staging),
            false,
            memory_limit,
            Some(lake),
        )
    }

    /// The lake this database reads its data from, when it serves one.
    pub fn lake(&self) -> Option<&Path> {
        self.lake.as_deref()
    }

    /// A database that lives in memory only (tests).
    pub fn open_in_memory() -> Result<Arc<Db>> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let staging = std::env::temp_dir().join(format!(
            "kpiboard-staging-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        Self::from_connection(Connection::open_in_memory()?, staging, true, "1GB", None)
    }

    fn from_connection(
        conn: Connection,
        staging: PathBuf,
        remove_staging: bool,
        memory_limit: &str,
        lake: Option<PathBuf>,
    ) -> Result<Arc<Db>> {
        std::fs::create_dir_all(&staging)?;
        conn.execute_batch(SCHEMA)?;
        drop_row_indexes(&conn)?;
        if let Some(lake) = &lake {
            crate::lake::create_views(&conn, lake)?;
        }
        lock_down(&conn, &staging, lake.as_deref(), memory_limit)?;
        Ok(Arc::new(Db {
            root: Mutex::new(conn),
            idle: Mutex::new(Vec::new()),
            import_lock: Mutex::new(()),
            staging,
            remove_staging,
            lake,
        }))
    }

    /// The folder imports read their files from; nothing else is readable from SQL.
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Runs `f` with a connection of its own, interrupted when it runs longer than `limit`; the
    /// watchdog is a thread of its own, so the limit holds whoever waits on the result. For the
    /// server's own SQL: analysts' SQL runs in the sandbox ([`crate::sandbox`]).
    pub fn with_limit<T>(
        &self,
        limit: Duration,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let conn = self.checkout()?;
        let handle = conn.interrupt_handle();
        let watchdog = Watchdog::start(limit, move || handle.interrupt());
        let out = f(&conn);
        if watchdog.finish() {
            // The interrupt may still be pending on this connection: it is not reused.
            drop(conn);
            return out.map_err(|_| {
                Error::Timeout(format!(
                    "the request ran longer than the {} limit and was stopped",
                    seconds(limit)
                ))
            });
        }
        self.idle.lock().expect("pool lock").push(conn);
        out
    }

    /// [`Db::with_limit`] on a blocking thread, from async code.
    pub async fn run_limited<T, F>(self: &Arc<Self>, limit: Duration, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.with_limit(limit, f))
            .await
            .map_err(|e| Error::Internal(format!("a database task failed: {e}")))?
    }

    /// Runs `f` with a connection of its own (blocking: call from a blocking thread).
    pub fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.checkout()?;
        let out = f(&conn);
        self.idle.lock().expect("pool lock").push(conn);
        out
    }

    /// Runs `f` holding the import lock, with a connection of its own.
    pub fn with_writer<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let _guard = self.import_lock.lock().expect("import lock");
        self.with(f)
    }

    fn checkout(&self) -> Result<Connection> {
        if let Some(conn) = self.idle.lock().expect("pool lock").pop() {
            return Ok(conn);
        }
        Ok(self.root.lock().expect("root lock").try_clone()?)
    }

    /// Runs `f` on a blocking thread with a connection, from async code.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.with(f))
            .await
            .map_err(|e| Error::Internal(format!("a database task failed: {e}")))?
    }

    /// Rebuilds the (ancestor, descendant) pairs after the org tree changed.
    pub fn rebuild_closure(conn: &Connection) -> Result<()> {
        conn.execute_batch(
            r#"
            DELETE FROM main.unit_closure;
            INSERT INTO main.unit_closure
            WITH RECURSIVE walk(ancestor_id, unit_id, depth) AS (
                SELECT id, id, 0 FROM main.org_units
                UNION ALL
                SELECT w.ancestor_id, u.id, w.depth + 1
                FROM walk w JOIN main.org_units u ON u.parent_id = w.unit_id
                -- A cycle in parent links would recurse forever; the import refuses any depth
                -- past 32, so stopping at 40 is enough to see it.
                WHERE w.depth < 40
            )
            SELECT ancestor_id, unit_id, depth FROM walk;
            "#,
        )?;
        Ok(())
    }
}

/// What the server's own database may do once it serves: external access off except the import
/// staging folder (where snapshots are written too), no extension installs or loads, a memory
/// limit, and settings locked.
pub fn lock_down(
    conn: &Connection,
    staging: &Path,
    lake: Option<&Path>,
    memory_limit: &str,
) -> Result<()> {
    let staging = staging
        .canonicalize()
        .unwrap_or_else(|_| staging.to_path_buf());
    let quote = |s: &str| s.replace('\'', "''");
    // The lake is read through the server's views (DuckDB refuses writes to Parquet files it
    // reads; nothing here writes the lake).
    let lake = lake
        .map(|l| format!(", '{}/'", quote(&l.display().to_string())))
        .unwrap_or_default();
    conn.execute_batch(&format!(
        "SET memory_limit = '{memory}';
         SET max_temp_directory_size = '8GiB';
         SET autoinstall_known_extensions = false;
         SET autoload_known_extensions = false;
         SET allow_community_extensions = false;
         SET allowed_directories = ['{staging}'{lake}];
         SET enable_external_access = false;
         SET lock_configuration = true;",
        memory = quote(memory_limit),
        staging = quote(&staging.display().to_string()),
    ))?;
    Ok(())
}

/// Runs `f` in one transaction on `conn`: committed when it succeeds, rolled back when it fails
/// (the error returned is `f`'s).
pub fn in_transaction<T>(conn: &Connection, f: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("BEGIN TRANSACTION")?;
    match f() {
        Ok(value) => {
            conn.execute_batch("COMMIT")?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = conn.execute_batch("ROLLBACK") {
                tracing::error!("rollback failed after {e}: {rollback}");
            }
            Err(e)
        }
    }
}

/// A thread that calls `stop` once `limit` has passed, unless [`Watchdog::finish`] came first:
/// the limit holds whoever waits on the work it watches.
pub struct Watchdog {
    done: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
    fired: Arc<AtomicBool>,
}

impl Watchdog {
    pub fn start(limit: Duration, stop: impl FnOnce() + Send + 'static) -> Watchdog {
        let fired = Arc::new(AtomicBool::new(false));
        let (done, wait) = mpsc::channel::<()>();
        let thread = {
            let fired = Arc::clone(&fired);
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
                    fired.store(true, Ordering::SeqCst);
                    stop();
                }
            })
        };
        Watchdog {
            done,
            thread,
            fired,
        }
    }

    /// Ends the watch; true when the limit had passed and `stop` was called.
    pub fn finish(self) -> bool {
        drop(self.done);
        let _ = self.thread.join();
        self.fired.load(Ordering::SeqCst)
    }
}

/// "10 s", "1.5 s": a limit as people read it.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_made_with_indexed_appeals_keeps_its_rows_without_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.duckdb");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE appeals (appeal_id VARCHAR PRIMARY KEY, unit_id VARCHAR NOT NULL, channel VARCHAR NOT NULL,
                   category VARCHAR NOT NULL, received_at TIMESTAMP NOT NULL, first_response_at TIMESTAMP,
                   closed_at TIMESTAMP, due_at TIMESTAMP NOT NULL, rating TINYINT, employee VARCHAR);
                 INSERT INTO appeals VALUES ('a1', 'u', 'portal', 'roads', '2021-01-01', NULL, NULL, '2021-01-02', 4, 'E.');",
            )
            .unwrap();
        }
        let db = Db::open(&path, "1GB").unwrap();
        db.with(|c| {
            let keys: i64 = c.query_row(
                "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'appeals' AND constraint_type = 'PRIMARY KEY'",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(keys, 0);
            let row: (String, i64, String) = c.query_row(
                "SELECT appeal_id, rating, employee FROM appeals",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            assert_eq!(row, ("a1".to_string(), 4, "E.".to_string()));
            let refused = c.execute_batch(
                "INSERT INTO appeals (appeal_id, unit_id, channel, category, received_at, due_at) VALUES (NULL, 'u', 'p', 'c', '2021-01-01', '2021-01-02')",
            );
            assert!(refused.is_err(), "NOT NULL is kept");
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn the_closure_holds_every_ancestor_of_every_unit_and_itself() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            c.execute_batch(
                "INSERT INTO org_units (id, parent_id, kind, name, population) VALUES
                   ('r', NULL, 'region', 'R', 10), ('c', 'r', 'city', 'C', 8),
                   ('d', 'c', 'district', 'D', 5), ('x', 'd', 'department', 'X', NULL);",
            )?;
            Db::rebuild_closure(c)?;
            let under_r: i64 = c.query_row(
                "SELECT count(*) FROM unit_closure WHERE ancestor_id = 'r'",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(under_r, 4);
            let above_x: i64 = c.query_row(
                "SELECT count(*) FROM unit_closure WHERE unit_id = 'x'",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(above_x, 4);
            Ok(())
        })
        .unwrap();
    }
}
