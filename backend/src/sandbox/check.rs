//! What analysts' SQL may say, checked on DuckDB's own syntax tree (`json_serialize_sql`) before
//! anything runs: exactly one SELECT; tables only the scoped ones the server provides
//! ([`crate::tables::scoped_tables`]) or the query's own CTEs, never schema-qualified, never a file; functions,
//! table functions and types only from the allow-lists of [`super::functions`]; no parameters.
//! Every refusal names the rule and the name that broke it, and nothing else.

use std::collections::{BTreeSet, HashSet};

use duckdb::Connection;
use serde_json::Value;

use super::functions;
use crate::error::{Error, Result};

/// The longest SQL text the sandbox parses (a KPI is a page or two).
pub const MAX_SQL_BYTES: usize = 64 * 1024;

/// Why the sandbox refused a text; the message says what and, when DuckDB told, where.
fn refused(message: impl Into<String>) -> Error {
    Error::Refused(message.into())
}

/// Checks that `sql` is one SELECT reading only the scoped tables and its own CTEs, calling only
/// allowed functions, and returns the scoped tables it reads. A CTE may not take the name of one
/// of the database's real tables, so that a name can never fall through to the real table
/// outside the CTE's reach.
pub fn check(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    if sql.len() > MAX_SQL_BYTES {
        return Err(refused(format!(
            "the SQL is {} KB; at most {} KB may run here",
            sql.len() / 1024,
            MAX_SQL_BYTES / 1024
        )));
    }
    let json: String = conn.query_row(
        "SELECT json_serialize_sql(CAST($1 AS VARCHAR))",
        [sql],
        |r| r.get(0),
    )?;
    let tree: Value = serde_json::from_str(&json).map_err(|e| {
        if e.to_string().contains("recursion limit") {
            refused("the SQL is nested too deeply to check; split it into CTEs")
        } else {
            Error::Internal(format!("the SQL parser's answer is not JSON: {e}"))
        }
    })?;
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
        scoped: crate::tables::scoped_tables(),
        catalog,
        read: BTreeSet::new(),
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

/// Query nodes a SELECT is made of.
const QUERY_NODES: &[&str] = &[
    "SELECT_NODE",
    "SET_OPERATION_NODE",
    "RECURSIVE_CTE_NODE",
    "CTE_NODE",
];

/// What may stand in a FROM clause; any other kind of table reference is refused.
const TABLE_REFS: &[&str] = &[
    "BASE_TABLE",
    "JOIN",
    "SUBQUERY",
    "TABLE_FUNCTION",
    "EXPRESSION_LIST",
    "EMPTY",
    "PIVOT",
];

/// Kinds of table reference DuckDB has besides [`TABLE_REFS`]; seen in a tree, they are refused.
const OTHER_TABLE_REFS: &[&str] = &[
    "SHOW_REF",
    "COLUMN_DATA",
    "DELIM_GET",
    "BOUND_TABLE_REF",
    "CTE",
    "INVALID",
];

/// Expression classes a SELECT may use; functions, windows and types are checked by name.
const EXPRESSIONS: &[&str] = &[
    "BETWEEN",
    "CASE",
    "CAST",
    "COLLATE",
    "COLUMN_REF",
    "COMPARISON",
    "CONJUNCTION",
    "CONSTANT",
    "FUNCTION",
    "LAMBDA",
    "LAMBDA_REF",
    "OPERATOR",
    "POSITIONAL_REFERENCE",
    "STAR",
    "SUBQUERY",
    "TYPE",
    "WINDOW",
];

/// Whether a CAST may name the type `name` (of `schema` in `catalog`): only built-in types of
/// the allow-list, by their plain names.
fn allowed_type(name: &str, schema: &str, catalog: &str) -> Result<()> {
    let name = name.to_lowercase();
    if !schema.is_empty() || !catalog.is_empty() {
        return Err(refused(format!(
            "type '{schema}.{name}' names a schema: cast to the built-in types"
        )));
    }
    if functions::TYPES.contains(&name.as_str()) {
        Ok(())
    } else {
        Err(refused(format!(
            "type '{name}' is not allowed here; cast to one of {}",
            functions::TYPES.join(", ")
        )))
    }
}

struct Walker {
    /// The CTE names visible where the walk stands, innermost last.
    ctes: Vec<Vec<String>>,
    /// The tables the server provides.
    scoped: Vec<&'static str>,
    catalog: HashSet<String>,
    /// The scoped tables read (not shadowed by a CTE of the query).
    read: BTreeSet<String>,
}

impl Walker {
    fn visible(&self, name: &str) -> bool {
        self.scoped.contains(&name)
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
                            if self.catalog.contains(&name) && !self.scoped.contains(&name.as_str())
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
                    // A table function's call was checked as one: its arguments are walked.
                    let call = (map.get("type").and_then(|t| t.as_str()) == Some("TABLE_FUNCTION"))
                        .then(|| map.get("function").and_then(|f| f.as_object()))
                        .flatten();
                    if let Some(call) = call {
                        call.values().try_for_each(|v| self.walk(v))?;
                    }
                    map.iter()
                        .filter(|(k, _)| {
                            k.as_str() != "cte_map" && !(call.is_some() && k.as_str() == "function")
                        })
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
        if let Some(class) = map.get("class").and_then(|c| c.as_str()) {
            return self.check_expression(class, map);
        }
        // A type a CAST names: `{"id": "INTEGER", "type_info": ...}`; a name the parser did not
        // resolve itself (JSON, an enum, a user type) is `UNBOUND` with its name and schema.
        if let (Some(Value::String(id)), Some(info)) = (map.get("id"), map.get("type_info")) {
            let info_text = |key: &str| info.get(key).and_then(|v| v.as_str()).unwrap_or_default();
            return match id.as_str() {
                "UNBOUND" => {
                    allowed_type(info_text("name"), info_text("schema"), info_text("catalog"))
                }
                // The type of the NULL literal, not a cast anyone wrote.
                "NULL" => Ok(()),
                id => allowed_type(id, "", ""),
            };
        }
        let kind = text("type");
        if kind.ends_with("_NODE") && !QUERY_NODES.contains(&kind) {
            return Err(refused(format!(
                "a {} is refused here: write one SELECT",
                kind.trim_end_matches("_NODE")
                    .to_lowercase()
                    .replace('_', " ")
            )));
        }
        if OTHER_TABLE_REFS.contains(&kind) {
            return Err(if kind == "SHOW_REF" {
                refused("DESCRIBE, SHOW and SUMMARIZE are refused here; the columns of each table are in the README")
            } else {
                refused(format!(
                    "this kind of FROM clause ({}) is refused here; read {}",
                    kind.to_lowercase(),
                    self.scoped.join(", ")
                ))
            });
        }
        if !TABLE_REFS.contains(&kind) {
            return Ok(());
        }
        match kind {
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
                        self.scoped.join(", ")
                    )));
                }
                if name.contains(['/', '.', '\\', ':']) {
                    return Err(refused(format!(
                        "'{}' is a file or URL: SQL here reads no files, only the scoped tables ({})",
                        text("table_name"),
                        self.scoped.join(", ")
                    )));
                }
                if !self.visible(&name) {
                    return Err(refused(format!(
                        "table '{}' is not available here; read {}",
                        text("table_name"),
                        self.scoped.join(", ")
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
                let name = function["function_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                let schema = function["schema"].as_str().unwrap_or_default();
                let catalog = function["catalog"].as_str().unwrap_or_default();
                if !schema.is_empty()
                    || !catalog.is_empty()
                    || !functions::TABLE_FUNCTIONS.contains(&name.as_str())
                {
                    return Err(refused(format!(
                        "table function '{name}' is not allowed: SQL here reads no files, catalogs or settings (allowed: {})",
                        functions::TABLE_FUNCTIONS.join(", ")
                    )));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_expression(
        &mut self,
        class: &str,
        map: &serde_json::Map<String, Value>,
    ) -> Result<()> {
        let text = |key: &str| map.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        match class {
            "PARAMETER" => Err(refused(
                "the SELECT may not contain parameters (? or $n): the server binds scope and period itself",
            )),
            "FUNCTION" | "WINDOW" => {
                let name = text("function_name").to_lowercase();
                // The parser itself writes `main` as the schema of some calls (a list literal
                // `[1]` is `main.list_value`); `main.f(x)` is the same catalogue function as `f(x)`.
                let schema = match text("schema") {
                    "main" if text("catalog").is_empty() => "",
                    schema => schema,
                };
                let qualifier = [text("catalog"), schema]
                    .into_iter()
                    .filter(|q| !q.is_empty())
                    .collect::<Vec<_>>();
                if !qualifier.is_empty() {
                    return Err(refused(format!(
                        "function '{}.{name}' names a schema: call functions by their plain names, as f(x), not x.f()",
                        qualifier.join(".")
                    )));
                }
                if map.get("export_state") == Some(&Value::Bool(true)) {
                    return Err(refused(format!(
                        "EXPORT_STATE of '{name}' is refused here: aggregates return their values"
                    )));
                }
                let ok = if class == "WINDOW" {
                    functions::allowed_in_window(&name)
                } else {
                    functions::allowed(&name)
                };
                if ok {
                    Ok(())
                } else {
                    Err(not_allowed(&name))
                }
            }
            "COLUMN_REF" => {
                let names = map
                    .get("column_names")
                    .and_then(|n| n.as_array())
                    .cloned()
                    .unwrap_or_default();
                if let [Value::String(only)] = names.as_slice() {
                    let only = only.to_lowercase();
                    if let Some((_, calls)) = functions::VALUE_FUNCTIONS
                        .iter()
                        .find(|(bare, _)| *bare == only)
                    {
                        if !functions::allowed(calls) {
                            return Err(refused(format!(
                                "'{only}' is not allowed here: it reads the server or the clock, not the data (the period comes from periods)"
                            )));
                        }
                    }
                }
                Ok(())
            }
            "TYPE" => allowed_type(text("type_name"), text("schema"), text("catalog")),
            other if EXPRESSIONS.contains(&other) => Ok(()),
            other => Err(refused(format!(
                "this kind of expression ({}) is refused here",
                other.to_lowercase().replace('_', " ")
            ))),
        }
    }
}

/// The refusal of a function outside the allow-list: names it and where to look.
fn not_allowed(name: &str) -> Error {
    refused(format!(
        "function '{name}' is not allowed here: SQL here may call the aggregate, arithmetic, text, date and list functions a KPI needs (the README lists them)"
    ))
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
        // The NULL literal, bare and cast, and a CASE without ELSE (which is NULL).
        accepted("SELECT NULL, CAST(NULL AS DOUBLE), CASE WHEN grp = 'a' THEN 1 END FROM appeals");
        accepted("SELECT list_sort(list(rating))[greatest(1, 2)] FROM appeals");
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

    /// Every function name DuckDB knows (scalar, aggregate, window, macro), lower case.
    fn duckdb_functions() -> Vec<(String, String)> {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let mut stmt = c.prepare(
                "SELECT DISTINCT lower(function_name), function_type FROM duckdb_functions()
                 WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<duckdb::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .unwrap()
    }

    #[test]
    fn every_allowed_function_is_one_duckdb_has() {
        let known: HashSet<String> = duckdb_functions().into_iter().map(|(n, _)| n).collect();
        let missing: Vec<&str> = functions::GROUPS
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .filter(|name| !known.contains(*name))
            .collect();
        assert!(missing.is_empty(), "not in DuckDB's catalogue: {missing:?}");
    }

    #[test]
    fn every_function_outside_the_allow_list_is_refused_by_name() {
        let db = Db::open_in_memory().unwrap();
        let mut refused_count = 0;
        for (name, _) in duckdb_functions() {
            if functions::allowed(&name)
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let sql = format!("SELECT \"{name}\"(grp) FROM appeals");
            match db.with(|c| check(c, &sql)) {
                Err(Error::Refused(m)) => assert!(m.contains(&name), "{sql}: {m}"),
                other => panic!("{sql} was not refused: {other:?}"),
            }
            refused_count += 1;
        }
        // DuckDB has hundreds of functions the sandbox does not offer; all of them were tried.
        assert!(refused_count > 300, "only {refused_count} functions tried");
    }

    #[test]
    fn nothing_that_reads_the_server_is_on_the_allow_list() {
        for (name, _) in duckdb_functions() {
            let reads_server = [
                "serialize",
                "plan",
                "json",
                "setting",
                "query",
                "duckdb",
                "pragma",
                "error",
                "stats",
                "current",
                "version",
                "getenv",
                "variable",
                "sleep",
                "random",
                "uuid",
                "nextval",
                "currval",
                "setseed",
                "txid",
                "log_",
                "write",
                "read",
                "file",
                "glob",
                "secret",
                "checkpoint",
                "extension",
                "database",
                "schema",
                "catalog",
                "user",
                "role",
                "privilege",
                "pg_",
                "now",
                "timestamp_",
                "repeat",
                "pad",
                "printf",
                "format",
                "resize",
                "bar",
                "aggregate",
                "invoke",
                "alias",
            ];
            if reads_server.iter().any(|w| name.contains(w))
                && !["list_aggregate", "array_aggregate"].contains(&name.as_str())
            {
                assert!(!functions::allowed(&name), "'{name}' must not be allowed");
            }
        }
        for name in [
            "range",
            "generate_series",
            "error",
            "json_serialize_plan",
            "current_query",
            "stats",
        ] {
            assert!(!functions::allowed(name), "{name}");
        }
    }

    #[test]
    fn calls_are_checked_wherever_they_stand() {
        for (sql, says) in [
            (
                "SELECT json_serialize_plan('SELECT count(*) FROM main.users', optimize := true)",
                "json_serialize_plan",
            ),
            ("SELECT current_query()", "current_query"),
            ("SELECT current_catalog", "current_catalog"),
            ("SELECT user", "user"),
            (
                "SELECT * FROM appeals WHERE error(appeal_id) IS NULL",
                "error",
            ),
            ("SELECT stats(appeal_id) FROM appeals", "stats"),
            ("SELECT len(range(100000000000))", "range"),
            ("SELECT repeat('x', 1000000000000)", "repeat"),
            ("SELECT list_transform([1], x -> error('x'))", "error"),
            (
                "SELECT sum(x) OVER (ORDER BY error('y')) FROM range(3) t(x)",
                "error",
            ),
            (
                "SELECT count(*) FILTER (WHERE error('z')) FROM appeals",
                "error",
            ),
            ("SELECT * FROM range(error('w'))", "error"),
            (
                "SELECT * FROM appeals PIVOT (sum(error('p')) FOR channel IN ('portal'))",
                "error",
            ),
            ("SELECT appeal_id.upper() FROM appeals", "appeal_id.upper"),
            (
                "SELECT system.main.lower(appeal_id) FROM appeals",
                "system.main.lower",
            ),
            ("SELECT temp.lower(appeal_id) FROM appeals", "temp.lower"),
            ("SELECT CAST(appeal_id AS JSON) FROM appeals", "json"),
            ("SELECT ?", "parameters"),
            ("SELECT $1", "parameters"),
            (
                "SELECT sum(rating) EXPORT_STATE FROM appeals",
                "EXPORT_STATE",
            ),
            (
                "SELECT list_aggregate([1, 2], 'json_group_array')",
                "list_aggregate",
            ),
        ] {
            let m = refusal(sql);
            assert!(m.contains(says), "{sql}: {m}");
        }
        accepted("SELECT CAST(appeal_id AS VARCHAR[]) FROM appeals");
        accepted("SELECT CAST(rating AS DECIMAL(10, 2)), rating::DOUBLE, CAST(received_at AS DATE), {'a': 1}::STRUCT(a INTEGER), MAP {1: 2}::MAP(INTEGER, INTEGER) FROM appeals");
        for (sql, says) in [
            ("SELECT CAST(appeal_id AS BLOB) FROM appeals", "'blob'"),
            ("SELECT CAST(appeal_id AS UUID) FROM appeals", "'uuid'"),
            ("SELECT CAST(appeal_id AS ENUM('a')) FROM appeals", "'enum'"),
            ("SELECT CAST(appeal_id AS main.t) FROM appeals", "'main.t'"),
            (
                "SELECT CAST(appeal_id AS STRUCT(a JSON)) FROM appeals",
                "'json'",
            ),
        ] {
            let m = refusal(sql);
            assert!(m.contains(says), "{sql}: {m}");
        }
        // The parser writes `main` itself for a list literal; `main.f` is the catalogue's `f`.
        accepted("SELECT list_transform([1], x -> x + 1), main.lower(appeal_id) FROM appeals");
        accepted("SELECT note FROM appeals WHERE channel LIKE '%?%' OR category = '$1'");
        accepted("SELECT count(*) FILTER (WHERE rating >= 4) AS numerator FROM appeals");
        accepted("SELECT grp, median(epoch(first_response_at - received_at)) OVER (PARTITION BY grp) FROM appeals");
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
