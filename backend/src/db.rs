//! The embedded DuckDB database: its schema, and a small pool of connections that the async server
//! uses from blocking threads (DuckDB calls block; they never run on the executor).

use std::path::Path;
use std::sync::{Arc, Mutex};

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
    appeal_id         VARCHAR PRIMARY KEY,
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
    case_id      VARCHAR PRIMARY KEY,
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
CREATE TABLE IF NOT EXISTS imports (
    sha256      VARCHAR PRIMARY KEY,
    file        VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    rows        BIGINT NOT NULL,
    inserted    BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
"#;

/// The tables whose row counts `GET /api/health` reports.
pub const DATA_TABLES: [&str; 4] = ["org_units", "appeals", "service_cases", "staffing"];

/// One open database and the idle connections to it.
pub struct Db {
    root: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
    /// Imports write; one at a time keeps "one file = one transaction" free of write conflicts.
    import_lock: Mutex<()>,
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Arc<Db>> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)?;
            }
        }
        Self::from_connection(Connection::open(path)?)
    }

    /// A database that lives in memory only (tests).
    pub fn open_in_memory() -> Result<Arc<Db>> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(conn: Connection) -> Result<Arc<Db>> {
        conn.execute_batch(SCHEMA)?;
        Ok(Arc::new(Db {
            root: Mutex::new(conn),
            idle: Mutex::new(Vec::new()),
            import_lock: Mutex::new(()),
        }))
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

    /// Rows in each imported table.
    pub fn table_rows(conn: &Connection) -> Result<Vec<(String, i64)>> {
        DATA_TABLES
            .iter()
            .map(|t| {
                let n: i64 =
                    conn.query_row(&format!("SELECT count(*) FROM main.{t}"), [], |r| r.get(0))?;
                Ok((t.to_string(), n))
            })
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closure_holds_every_ancestor_of_every_unit_and_itself() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            c.execute_batch(
                "INSERT INTO org_units VALUES
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
