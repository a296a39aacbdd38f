//! The sandbox that analysts' SQL (KPI files and ad-hoc queries) runs in. Three layers, each
//! enough on its own for the escapes it covers:
//!
//! 1. **What the text may say** ([`check`]): DuckDB's own parser turns the SQL into a syntax tree
//!    (`json_serialize_sql`), which must be exactly one SELECT. Every table it reads must be one of
//!    the scoped tables the server provides ([`SCOPED_TABLES`]) or a CTE of the query itself,
//!    never schema-qualified, never a file name; a table function must be one of a few generators;
//!    functions that read settings or the catalog are refused. So `COPY`, `ATTACH`, `INSTALL`,
//!    `LOAD`, `SET`, `PRAGMA`, `read_csv('/etc/passwd')`, `FROM 'file.csv'` and `main.appeals`
//!    never reach the engine.
//! 2. **What the engine may do** ([`lock_down`]): the database runs with external access off
//!    (files only in the import staging folder, no network, no extension installs or loads) and a
//!    locked configuration, with a memory limit for every query together.
//! 3. **How long and how much** ([`crate::db::Db::with_limit`]): each run is interrupted at its time
//!    limit on a watchdog thread while other requests go on, and returns at most a row cap.

use std::collections::HashSet;
use std::path::Path;

use duckdb::Connection;
use serde_json::Value;

use crate::error::{Error, Result};

/// The tables analysts' SQL reads: each is shadowed by a CTE holding only the rows in scope.
pub const SCOPED_TABLES: &[&str] = &[
    "appeals",
    "service_cases",
    "staffing",
    "org_units",
    "periods",
    "groups",
];

/// Table functions that generate rows and touch nothing outside the query.
const ALLOWED_TABLE_FUNCTIONS: &[&str] = &["range", "generate_series", "unnest"];

/// Functions that would tell the query about the server rather than about the data.
const REFUSED_FUNCTIONS: &[&str] = &[
    "current_setting",
    "getvariable",
    "getenv",
    "current_database",
    "current_schema",
    "current_schemas",
    "nextval",
    "currval",
    "setseed",
    "txid_current",
    "version",
    "query",
    "query_table",
];

/// Function-name prefixes that read the catalog, the settings or files.
const REFUSED_PREFIXES: &[&str] = &["duckdb_", "pragma_", "read_", "sqlite_", "pg_", "has_"];

/// Why the sandbox refused a text; the message says what and, when DuckDB told, where.
fn refused(message: impl Into<String>) -> Error {
    Error::Refused(message.into())
}

/// Checks that `sql` is one SELECT reading only the scoped tables and its own CTEs, and returns
/// the scoped tables it reads. A CTE may not take the name of one of the database's real tables,
/// so that a name can never fall through to the real table outside the CTE's reach.
pub fn check(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let json: String = conn.query_row(
        "SELECT json_serialize_sql(CAST($1 AS VARCHAR))",
        [sql],
        |r| r.get(0),
    )?;
    let tree: Value = serde_json::from_str(&json)
        .map_err(|e| Error::Internal(format!("the SQL parser's answer is not JSON: {e}")))?;
    if tree["error"] == Value::Bool(true) {
        let message = tree["error_message"].as_str().unwrap_or("cannot parse");
        if message.contains("Only SELECT statements") {
            return Err(refused(
                "only one SELECT (or WITH ... SELECT) may run here: statements that write, copy, attach, install, load or change settings are refused",
            ));
        }
        // A syntax error: DuckDB says where; binding will report it the usual way.
        return Err(Error::Refused(message.to_string()));
    }
    let statements = tree["statements"].as_array().cloned().unwrap_or_default();
    if statements.len() != 1 {
        return Err(refused(format!(
            "exactly one SELECT may run here; this text holds {} statements",
            statements.len()
        )));
    }
    let catalog = catalog_names(conn)?;
    let mut walker = Walker {
        ctes: Vec::new(),
        catalog,
        read: std::collections::BTreeSet::new(),
    };
    walker.walk(&statements[0])?;
    Ok(walker.read.into_iter().collect())
}

/// Every table and view name the engine could resolve without a schema, lower-cased.
fn catalog_names(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT lower(table_name) FROM duckdb_tables()
         UNION SELECT lower(view_name) FROM duckdb_views()",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<duckdb::Result<HashSet<_>>>()?;
    Ok(names)
}

struct Walker {
    /// The CTE names visible where the walk stands, innermost last.
    ctes: Vec<Vec<String>>,
    catalog: HashSet<String>,
    /// The scoped tables read (not shadowed by a CTE of the query).
    read: std::collections::BTreeSet<String>,
}

impl Walker {
    fn visible(&self, name: &str) -> bool {
        SCOPED_TABLES.contains(&name)
            || self
                .ctes
                .iter()
                .any(|level| level.iter().any(|c| c == name))
    }

    fn walk(&mut self, node: &Value) -> Result<()> {
        match node {
            Value::Array(items) => items.iter().try_for_each(|v| self.walk(v)),
            Value::Object(map) => {
                let pushed = match map.get("cte_map").and_then(|m| m.get("map")) {
                    Some(Value::Array(entries)) if !entries.is_empty() => {
                        let mut names = Vec::new();
                        for entry in entries {
                            let name = entry["key"].as_str().unwrap_or_default().to_lowercase();
                            if self.catalog.contains(&name)
                                && !SCOPED_TABLES.contains(&name.as_str())
                            {
                                return Err(refused(format!(
                                    "a CTE may not be named '{name}': that is the name of a table the server keeps"
                                )));
                            }
                            names.push(name);
                        }
                        self.ctes.push(names);
                        true
                    }
                    _ => false,
                };
                let result = self.check_node(map).and_then(|()| {
                    map.iter()
                        .filter(|(k, _)| k.as_str() != "cte_map")
                        .try_for_each(|(_, v)| self.walk(v))
                        .and_then(|()| match map.get("cte_map") {
                            Some(m) => self.walk(m),
                            None => Ok(()),
                        })
                });
                if pushed {
                    self.ctes.pop();
                }
                result
            }
            _ => Ok(()),
        }
    }

    fn check_node(&mut self, map: &serde_json::Map<String, Value>) -> Result<()> {
        let text = |key: &str| map.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        match text("type") {
            "BASE_TABLE" => {
                let name = text("table_name").to_lowercase();
                if !text("schema_name").is_empty() || !text("catalog_name").is_empty() {
                    return Err(refused(format!(
                        "'{}.{}' names a schema: read the scoped tables by their plain names ({})",
                        if text("catalog_name").is_empty() {
                            text("schema_name")
                        } else {
                            text("catalog_name")
                        },
                        text("table_name"),
                        SCOPED_TABLES.join(", ")
                    )));
                }
                if name.contains(['/', '.', '\\', ':']) {
                    return Err(refused(format!(
                        "'{}' is a file or URL: SQL here reads no files, only the scoped tables ({})",
                        text("table_name"),
                        SCOPED_TABLES.join(", ")
                    )));
                }
                if !self.visible(&name) {
                    return Err(refused(format!(
                        "table '{}' is not available here; read {}",
                        text("table_name"),
                        SCOPED_TABLES.join(", ")
                    )));
                }
                let own_cte = self.ctes.iter().any(|level| level.contains(&name));
                if !own_cte {
                    self.read.insert(name);
                }
                Ok(())
            }
            "TABLE_FUNCTION" => {
                let function = &map["function"];
                let name = function["function_name"].as_str().unwrap_or_default().to_lowercase();
                let schema = function["schema"].as_str().unwrap_or_default();
                if !schema.is_empty() || !ALLOWED_TABLE_FUNCTIONS.contains(&name.as_str()) {
                    return Err(refused(format!(
                        "table function '{name}' is refused: SQL here reads no files, catalogs or settings (allowed: {})",
                        ALLOWED_TABLE_FUNCTIONS.join(", ")
                    )));
                }
                Ok(())
            }
            "SHOW_REF" => Err(refused(
                "DESCRIBE, SHOW and SUMMARIZE are refused here; the columns of each table are in the README",
            )),
            _ => {
                if map.get("class").and_then(|c| c.as_str()) == Some("FUNCTION") {
                    let name = text("function_name").to_lowercase();
                    if !text("schema").is_empty() && text("schema") != "main" {
                        return Err(refused(format!(
                            "function '{}.{name}' names a schema: call functions by their plain names",
                            text("schema")
                        )));
                    }
                    if REFUSED_FUNCTIONS.contains(&name.as_str())
                        || REFUSED_PREFIXES.iter().any(|p| name.starts_with(p))
                    {
                        return Err(refused(format!(
                            "function '{name}' is refused: it reads the server, not the data"
                        )));
                    }
                }
                Ok(())
            }
        }
    }
}

/// What the whole database may do once it serves: external access off except the import staging
/// folder, no extension installs or loads, a memory limit, and settings locked. Imports read their
/// files from `staging` only.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn refusal(sql: &str) -> String {
        let db = Db::open_in_memory().unwrap();
        match db.with(|c| check(c, sql)) {
            Err(Error::Refused(m)) => m,
            other => panic!("{sql}: expected a refusal, got {other:?}"),
        }
    }

    fn accepted(sql: &str) {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| check(c, sql).map(|_| ()))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    #[test]
    fn the_check_names_the_scoped_tables_read() {
        let db = Db::open_in_memory().unwrap();
        let read = db
            .with(|c| {
                check(
                    c,
                    "WITH x AS (SELECT * FROM staffing) SELECT * FROM appeals, x, periods",
                )
            })
            .unwrap();
        assert_eq!(read, vec!["appeals", "periods", "staffing"]);
    }

    #[test]
    fn plain_selects_over_the_scoped_tables_and_own_ctes_pass() {
        accepted("SELECT grp, count(*) FROM appeals GROUP BY grp");
        accepted("WITH x AS (SELECT * FROM appeals) SELECT * FROM x JOIN periods p ON true");
        accepted(
            "SELECT * FROM range(3) r, (SELECT 1) s WHERE r.range IN (SELECT 1 FROM staffing)",
        );
        accepted("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t");
        accepted("SELECT median(epoch(first_response_at - received_at)) FROM appeals");
    }

    #[test]
    fn statements_other_than_select_are_refused() {
        for sql in [
            "COPY (SELECT 1) TO '/tmp/x.csv'",
            "ATTACH '/tmp/other.duckdb' AS other",
            "INSTALL httpfs",
            "LOAD httpfs",
            "SET enable_external_access = true",
            "PRAGMA database_list",
            "CREATE TABLE t AS SELECT 1",
            "INSERT INTO appeals SELECT * FROM appeals",
            "DELETE FROM appeals",
            "UPDATE staffing SET vacancies = 0",
            "DROP TABLE appeals",
            "EXPORT DATABASE '/tmp/dump'",
            "CALL pragma_version()",
            "DETACH main",
            "CHECKPOINT",
            "CREATE MACRO f() AS 1",
        ] {
            let m = refusal(sql);
            assert!(m.contains("only one SELECT"), "{sql}: {m}");
        }
        let m = refusal("SELECT 1; DROP TABLE appeals");
        assert!(m.contains("only one SELECT"), "{m}");
        let m = refusal("SELECT 1; SELECT * FROM appeals");
        assert!(m.contains("2 statements"), "{m}");
    }

    #[test]
    fn files_catalogs_and_unscoped_tables_are_refused() {
        for (sql, says) in [
            ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
            ("SELECT * FROM read_text('/etc/passwd')", "read_text"),
            ("SELECT * FROM '/etc/passwd'", "file"),
            ("SELECT * FROM 'data.csv'", "file"),
            ("SELECT * FROM read_parquet('https://example.com/x.parquet')", "read_parquet"),
            ("SELECT * FROM glob('/*')", "glob"),
            ("SELECT * FROM main.appeals", "schema"),
            ("SELECT * FROM memory.main.appeals", "schema"),
            ("SELECT * FROM unit_closure", "unit_closure"),
            ("SELECT * FROM imports", "imports"),
            ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
            ("SELECT * FROM duckdb_tables()", "duckdb_tables"),
            ("SELECT * FROM information_schema.tables", "schema"),
            ("SELECT * FROM sqlite_master", "sqlite_master"),
            ("SELECT current_setting('memory_limit')", "current_setting"),
            ("SELECT getvariable('x')", "getvariable"),
            ("SELECT * FROM query('SELECT * FROM main.appeals')", "query"),
            ("SELECT * FROM query_table('unit_closure')", "query_table"),
            ("SUMMARIZE appeals", "SUMMARIZE"),
            ("DESCRIBE appeals", "DESCRIBE"),
            (
                "SELECT * FROM (WITH unit_closure AS (SELECT 1) SELECT * FROM unit_closure) a, unit_closure b",
                "unit_closure",
            ),
            (
                "SELECT (SELECT count(*) FROM main.staffing) FROM appeals",
                "schema",
            ),
            ("SELECT * FROM appeals WHERE unit_id IN (SELECT unit_id FROM unit_closure)", "unit_closure"),
        ] {
            let m = refusal(sql);
            assert!(m.contains(says), "{sql}: {m}");
        }
    }

    /// The second layer alone: SQL that never passed [`check`] still cannot reach files, the
    /// network, extensions or the settings, because the engine itself refuses.
    #[test]
    fn the_engine_refuses_files_extensions_and_settings_on_its_own() {
        let db = Db::open_in_memory().unwrap();
        let outside = std::env::temp_dir().join(format!("kpi-outside-{}.csv", std::process::id()));
        std::fs::write(&outside, "a,b\n1,2\n").unwrap();
        let inside = db.staging_dir().join("inside.csv");
        std::fs::write(&inside, "a,b\n1,2\n").unwrap();
        for sql in [
            format!("SELECT * FROM read_csv('{}')", outside.display()),
            "SELECT * FROM read_text('/etc/passwd')".to_string(),
            format!("COPY (SELECT 1) TO '{}.out'", outside.display()),
            format!("ATTACH '{}.db' AS other", outside.display()),
            "INSTALL httpfs".to_string(),
            "LOAD httpfs".to_string(),
            "SELECT * FROM read_parquet('https://example.com/x.parquet')".to_string(),
            "SET enable_external_access = true".to_string(),
            "SET memory_limit = '100GB'".to_string(),
            "SET allowed_directories = ['/']".to_string(),
            "RESET lock_configuration".to_string(),
        ] {
            let result = db.with(|c| Ok(c.execute_batch(&sql)?));
            assert!(result.is_err(), "{sql} was not refused by the engine");
        }
        // The staging folder stays readable, for imports.
        let n: i64 = db
            .with(|c| {
                Ok(c.query_row(
                    &format!("SELECT count(*) FROM read_csv('{}')", inside.display()),
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(n, 1);
        let _ = std::fs::remove_file(outside);
    }
}
