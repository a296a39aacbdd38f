//! Roll-ups kept at import: for a KPI whose numerator and denominator add up over rows, the two
//! parts per unit and day (`main.rollup_days`), so that a board sums a few thousand stored parts
//! instead of reading every appeal again.
//!
//! **Which KPIs.** A KPI file may say `-- rollup: daily` (it must then be additive, or it does not
//! load) or `-- rollup: raw` (never). Otherwise the engine decides from DuckDB's own syntax tree
//! of the SELECT ([`additive`]): a KPI takes the daily route only when it is exactly
//!
//! ```sql
//! SELECT x.grp, p.period, <parts> AS numerator, <parts> AS denominator
//! FROM <data table> AS x JOIN periods AS p ON x.<column> >= p.period AND x.<column> < p.period_end
//! [WHERE <row condition>] GROUP BY x.grp, p.period
//! ```
//!
//! where each `<parts>` is `count`, `count(*)` or `sum` (no DISTINCT, any FILTER over the row),
//! or a sum or difference of them, and nothing but the join reads the period. Then the parts of a
//! period are the sum of the parts of its days, and those of a unit the sum of its units': the
//! value is the same as the raw SQL's, to the last row. Medians, per-capita rates (a population is
//! not a sum over days), stocks (open appeals at a date) and anything else stay on the raw rows.
//!
//! **Kept current.** Each roll-up is built whole when its KPI (by the text it runs) is new, and
//! each import rebuilds, in its own transaction, the days its rows (new and replaced) fall on.
//! `main.rollup_kpis` records what was built from which text; a KPI routes to its roll-up only
//! once that is so, and imports maintain every roll-up recorded there.
//!
//! **Who sees what.** The roll-up is built by the server (it runs the KPI's checked text with the
//! period join turned into an equality on the day); readers get it through their snapshot, which
//! holds the roll-up rows of their own units only, like every other table.

use chrono::NaiveDate;
use duckdb::Connection;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Changes when the way roll-ups are built changes: every roll-up is then built again.
const FORMAT: &str = "rollup-days-1";

/// The longest one roll-up may take to build whole (a KPI over 100 million rows takes well
/// under a minute on two cores).
const BUILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// What a KPI file's `rollup:` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Daily,
    Raw,
}

impl Choice {
    pub fn parse(value: &str) -> Option<Choice> {
        match value {
            "daily" => Some(Choice::Daily),
            "raw" => Some(Choice::Raw),
            _ => None,
        }
    }
}

/// A KPI's daily roll-up: how it is built and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daily {
    pub kpi: String,
    /// The data table its rows come from, and the column that places a row on a day.
    pub table: &'static str,
    pub column: String,
    /// The KPI's SELECT with the period join made an equality on the day (the column cast to a
    /// date), to run over `periods` of single days.
    pub body: String,
    /// What the roll-up was built from: changes with the text and with [`FORMAT`].
    pub fingerprint: String,
}

/// The daily route for `body` (a checked KPI SELECT), or why it cannot take it.
pub fn additive(conn: &Connection, kpi: &str, body: &str) -> std::result::Result<Daily, String> {
    let tree = serialize(conn, body).map_err(|e| e.to_string())?;
    let node = tree["statements"][0]["node"].clone();
    let (table, column, mut node) = route_of(node)?;
    // The join condition becomes CAST(x.column AS DATE) = p.period.
    let (x, p) = aliases(&node["from_table"]);
    let template = serialize(
        conn,
        "SELECT 1 FROM t JOIN p ON CAST(t.c AS DATE) = p.period",
    )
    .map_err(|e| e.to_string())?;
    let mut condition = template["statements"][0]["node"]["from_table"]["condition"].clone();
    condition["left"]["child"]["column_names"] = serde_json::json!([x, column]);
    condition["right"]["column_names"] = serde_json::json!([p, "period"]);
    node["from_table"]["condition"] = condition;
    let mut rewritten = tree;
    rewritten["statements"][0]["node"] = node;
    let body: String = conn
        .query_row(
            "SELECT json_deserialize_sql(CAST($1 AS JSON))",
            [rewritten.to_string()],
            |r| r.get(0),
        )
        .map_err(|e| format!("cannot write the roll-up's SQL: {e}"))?;
    let fingerprint = hex::encode(Sha256::digest(format!("{FORMAT}\n{table}\n{body}")));
    Ok(Daily {
        kpi: kpi.to_string(),
        table,
        column,
        body,
        fingerprint,
    })
}

fn serialize(conn: &Connection, sql: &str) -> Result<Value> {
    let json: String = conn.query_row(
        "SELECT json_serialize_sql(CAST($1 AS VARCHAR))",
        [sql],
        |r| r.get(0),
    )?;
    let tree: Value = serde_json::from_str(&json)
        .map_err(|e| Error::Internal(format!("the SQL parser's answer is not JSON: {e}")))?;
    if tree["error"] == Value::Bool(true) {
        return Err(Error::Refused(
            tree["error_message"]
                .as_str()
                .unwrap_or("cannot parse")
                .to_string(),
        ));
    }
    Ok(tree)
}

/// The alias (or name) of each side of the join: (the data table's, the periods').
fn aliases(join: &Value) -> (String, String) {
    let name = |t: &Value| {
        let alias = t["alias"].as_str().unwrap_or_default();
        if alias.is_empty() {
            t["table_name"].as_str().unwrap_or_default().to_lowercase()
        } else {
            alias.to_lowercase()
        }
    };
    let (left, right) = (&join["left"], &join["right"]);
    if left["table_name"]
        .as_str()
        .map(str::to_lowercase)
        .as_deref()
        == Some("periods")
    {
        (name(right), name(left))
    } else {
        (name(left), name(right))
    }
}

/// Checks the SELECT's shape (see the module's documentation); gives the data table, the day
/// column, and the node.
fn route_of(node: Value) -> std::result::Result<(&'static str, String, Value), String> {
    if node["type"] != "SELECT_NODE" {
        return Err("the SELECT is not a single SELECT ... FROM ... GROUP BY".into());
    }
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o
            .get("map")
            .and_then(Value::as_array)
            .is_some_and(|a| a.is_empty()),
        _ => false,
    };
    if !empty(&node["cte_map"]) {
        return Err("it has a WITH clause".into());
    }
    if !empty(&node["modifiers"]) {
        return Err("it has DISTINCT, ORDER BY or LIMIT".into());
    }
    for clause in ["having", "qualify", "sample"] {
        if !empty(&node[clause]) {
            return Err(format!("it has a {} clause", clause.to_uppercase()));
        }
    }
    let sets = node["group_sets"].as_array().map_or(0, Vec::len);
    if node["aggregate_handling"] != "STANDARD_HANDLING" || sets != 1 {
        return Err("it groups by more than grp and period".into());
    }
    let join = &node["from_table"];
    if join["type"] != "JOIN" || join["join_type"] != "INNER" || join["ref_type"] != "REGULAR" {
        return Err("it does not read one data table joined to periods".into());
    }
    let (x, p) = aliases(join);
    let base = |t: &Value| {
        t["type"] == "BASE_TABLE" && t["schema_name"].as_str().unwrap_or_default().is_empty()
    };
    if !base(&join["left"]) || !base(&join["right"]) || x == p {
        return Err("it does not read one data table joined to periods".into());
    }
    let data_name = if join["left"]["table_name"]
        .as_str()
        .map(str::to_lowercase)
        .as_deref()
        == Some("periods")
    {
        join["right"]["table_name"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    } else {
        join["left"]["table_name"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    };
    let Some((table, _)) = crate::tables::data_tables().find(|(t, _)| *t == data_name) else {
        return Err(format!("it reads '{data_name}', not one data table"));
    };
    let column = period_column(&join["condition"], &x, &p)
        .ok_or("its period join is not x.day >= p.period AND x.day < p.period_end")?;
    let column_ref = |v: &Value, table: &str, name: &str| {
        v["class"] == "COLUMN_REF"
            && v["column_names"].as_array().is_some_and(|names| {
                let names: Vec<String> = names
                    .iter()
                    .map(|n| n.as_str().unwrap_or_default().to_lowercase())
                    .collect();
                names == [table, name] || names == [name]
            })
    };
    let groups = node["group_expressions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let select = node["select_list"].as_array().cloned().unwrap_or_default();
    let grouped = groups.len() == 2
        && groups.iter().any(|g| column_ref(g, &x, "grp"))
        && groups.iter().any(|g| column_ref(g, &p, "period"));
    if !grouped {
        return Err("it does not group by grp and period alone".into());
    }
    if select.len() != 4
        || !column_ref(&select[0], &x, "grp")
        || !column_ref(&select[1], &p, "period")
    {
        return Err("its columns are not grp, period, numerator, denominator".into());
    }
    for (expr, name) in [(&select[2], "numerator"), (&select[3], "denominator")] {
        if expr["alias"].as_str().map(str::to_lowercase).as_deref() != Some(name) {
            return Err("its columns are not grp, period, numerator, denominator".into());
        }
        parts(expr, &p).map_err(|why| format!("its {name} {why}"))?;
    }
    if !empty(&node["where_clause"]) {
        row_level(&node["where_clause"], &p).map_err(|why| format!("its WHERE {why}"))?;
    }
    Ok((table, column, node))
}

/// `x.c >= p.period AND x.c < p.period_end` (either order): the column `c`.
fn period_column(condition: &Value, x: &str, p: &str) -> Option<String> {
    if condition["type"] != "CONJUNCTION_AND" {
        return None;
    }
    let children = condition["children"].as_array()?;
    if children.len() != 2 {
        return None;
    }
    let side = |v: &Value| -> Option<(String, String)> {
        if v["class"] != "COLUMN_REF" {
            return None;
        }
        let names: Vec<String> = v["column_names"]
            .as_array()?
            .iter()
            .map(|n| n.as_str().unwrap_or_default().to_lowercase())
            .collect();
        match names.as_slice() {
            [t, c] => Some((t.clone(), c.clone())),
            _ => None,
        }
    };
    let bound = |c: &Value, kind: &str, end: &str| -> Option<String> {
        if c["type"] != kind {
            return None;
        }
        let (t, col) = side(&c["left"])?;
        let (pt, pc) = side(&c["right"])?;
        (t == x && pt == p && pc == end).then_some(col)
    };
    let (a, b) = (&children[0], &children[1]);
    let from = bound(a, "COMPARE_GREATERTHANOREQUALTO", "period")
        .or_else(|| bound(b, "COMPARE_GREATERTHANOREQUALTO", "period"))?;
    let to = bound(a, "COMPARE_LESSTHAN", "period_end")
        .or_else(|| bound(b, "COMPARE_LESSTHAN", "period_end"))?;
    (from == to).then_some(from)
}

/// Aggregates that add up over rows.
const ADDITIVE: &[&str] = &["count", "count_star", "sum"];

/// A numerator or denominator: additive aggregates over the row, added or subtracted.
fn parts(expr: &Value, p: &str) -> std::result::Result<(), String> {
    match expr["class"].as_str().unwrap_or_default() {
        "FUNCTION" => {
            let name = expr["function_name"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            let children = expr["children"].as_array().cloned().unwrap_or_default();
            if (name == "+" || name == "-")
                && expr["is_operator"] == Value::Bool(true)
                && children.len() == 2
            {
                return children.iter().try_for_each(|c| parts(c, p));
            }
            if !ADDITIVE.contains(&name.as_str()) {
                return Err(format!(
                    "uses {name}(), which does not add up over days and units"
                ));
            }
            if expr["distinct"] == Value::Bool(true) {
                return Err("counts DISTINCT values, which do not add up".into());
            }
            if expr["order_bys"]["orders"]
                .as_array()
                .is_some_and(|o| !o.is_empty())
            {
                return Err("orders inside an aggregate".into());
            }
            for child in &children {
                row_level(child, p)?;
            }
            if !expr["filter"].is_null() {
                row_level(&expr["filter"], p)?;
            }
            Ok(())
        }
        "CAST" => parts(&expr["child"], p),
        _ => Err("is not a count or sum of the rows".into()),
    }
}

/// An expression over one row: no aggregate, window or subquery, and nothing of the period.
fn row_level(expr: &Value, p: &str) -> std::result::Result<(), String> {
    match expr {
        Value::Object(map) => {
            match map.get("class").and_then(Value::as_str) {
                Some("SUBQUERY") => return Err("holds a subquery".into()),
                Some("WINDOW") => return Err("holds a window function".into()),
                Some("COLUMN_REF") => {
                    let names: Vec<String> = map["column_names"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|n| n.as_str().unwrap_or_default().to_lowercase())
                                .collect()
                        })
                        .unwrap_or_default();
                    let reads_period = names.first().is_some_and(|t| t == p) && names.len() > 1
                        || names
                            .last()
                            .is_some_and(|c| c == "period" || c == "period_end");
                    if reads_period {
                        return Err("reads the period outside the join".into());
                    }
                }
                Some("FUNCTION") => {
                    let name = map["function_name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_lowercase();
                    if crate::sandbox::functions::AGGREGATES.contains(&name.as_str()) {
                        return Err(format!("nests the aggregate {name}()"));
                    }
                }
                _ => {}
            }
            map.values().try_for_each(|v| row_level(v, p))
        }
        Value::Array(items) => items.iter().try_for_each(|v| row_level(v, p)),
        _ => Ok(()),
    }
}

/// The SQL that computes the roll-up's rows for the days `$1..=$2` (dates), as
/// `(unit_id, day, numerator, denominator)`.
fn days_sql(daily: &Daily) -> String {
    let unit = crate::tables::data_tables()
        .find(|(t, _)| *t == daily.table)
        .map(|(_, u)| u)
        .unwrap_or("unit_id");
    format!(
        "SELECT CAST(grp AS VARCHAR) AS unit_id, CAST(period AS DATE) AS day, \
                CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator \
         FROM (WITH periods AS (SELECT CAST(d AS DATE) AS period, CAST(d + INTERVAL 1 DAY AS DATE) AS period_end \
                                FROM range(CAST($1 AS DATE), CAST($2 AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY) AS t(d)), \
                    {table} AS (SELECT x.{unit} AS grp, x.* FROM main.{table} AS x) \
               {body}) AS kpi",
        table = daily.table,
        body = daily.body
    )
}

/// The first and last day of `table`'s rows by `column`, if it has any.
fn extent(conn: &Connection, table: &str, column: &str) -> Result<Option<(String, String)>> {
    let (lo, hi): (Option<String>, Option<String>) = conn.query_row(
        &format!(
            "SELECT CAST(min(CAST({column} AS DATE)) AS VARCHAR), CAST(max(CAST({column} AS DATE)) AS VARCHAR) FROM main.{table}"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(lo.zip(hi))
}

/// Rebuilds the days `lo..=hi` of a roll-up (inside the caller's transaction).
fn rebuild_days(conn: &Connection, daily: &Daily, lo: &str, hi: &str) -> Result<u64> {
    conn.execute(
        "DELETE FROM main.rollup_days WHERE kpi = ? AND day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)",
        duckdb::params![daily.kpi, lo, hi],
    )?;
    let sql = format!(
        "INSERT INTO main.rollup_days (kpi, unit_id, day, numerator, denominator) \
         SELECT CAST($3 AS VARCHAR), unit_id, day, numerator, denominator FROM ({}) AS r \
         WHERE unit_id IS NOT NULL AND day IS NOT NULL",
        days_sql(daily)
    );
    Ok(conn.execute(&sql, duckdb::params![lo, hi, daily.kpi])? as u64)
}

/// Each roll-up recorded as built, and the fingerprint of what it was built from.
fn built(conn: &Connection) -> Result<Vec<(String, String)>> {
    Ok(conn
        .prepare("SELECT kpi, fingerprint FROM main.rollup_kpis")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<duckdb::Result<_>>()?)
}

/// Builds, whole, each roll-up of `wanted` not yet built from its current text, and forgets those
/// no longer wanted. Returns the KPIs that could not be built, with why (they stay on raw rows).
pub fn ensure(conn: &Connection, wanted: &[Daily]) -> Result<(usize, Vec<(String, String)>)> {
    let built = built(conn)?;
    let mut failed = Vec::new();
    let mut rebuilt = 0;
    for (kpi, _) in &built {
        if !wanted.iter().any(|d| &d.kpi == kpi) {
            crate::db::in_transaction(conn, || {
                conn.execute("DELETE FROM main.rollup_days WHERE kpi = ?", [kpi])?;
                conn.execute("DELETE FROM main.rollup_kpis WHERE kpi = ?", [kpi])?;
                Ok(())
            })?;
        }
    }
    for daily in wanted {
        if built
            .iter()
            .any(|(k, f)| *k == daily.kpi && *f == daily.fingerprint)
        {
            continue;
        }
        // An analyst's text runs here over every row: stopped if it runs away.
        let handle = conn.interrupt_handle();
        let watchdog = crate::db::Watchdog::start(BUILD_LIMIT, move || handle.interrupt());
        let outcome = crate::db::in_transaction(conn, || {
            conn.execute("DELETE FROM main.rollup_days WHERE kpi = ?", [&daily.kpi])?;
            conn.execute("DELETE FROM main.rollup_kpis WHERE kpi = ?", [&daily.kpi])?;
            if let Some((lo, hi)) = extent(conn, daily.table, &daily.column)? {
                rebuild_days(conn, daily, &lo, &hi)?;
            }
            conn.execute(
                "INSERT INTO main.rollup_kpis (kpi, fingerprint, table_name, column_name, body, built_at) \
                 VALUES (?, ?, ?, ?, ?, now())",
                duckdb::params![daily.kpi, daily.fingerprint, daily.table, daily.column, daily.body],
            )?;
            Ok(())
        });
        let outcome = match watchdog.finish() {
            true => outcome.and(Err(Error::Timeout(format!(
                "building the roll-up took longer than {}",
                crate::db::seconds(BUILD_LIMIT)
            )))),
            false => outcome,
        };
        match outcome {
            Ok(()) => rebuilt += 1,
            Err(e) => failed.push((daily.kpi.clone(), e.to_string())),
        }
    }
    Ok((rebuilt, failed))
}

/// The roll-ups of `wanted` not built from their current text (read only: a lake's roll-ups
/// are built where it is exported).
pub fn missing(conn: &Connection, wanted: &[Daily]) -> Result<Vec<(String, String)>> {
    let built = built(conn)?;
    Ok(wanted
        .iter()
        .filter(|d| {
            !built
                .iter()
                .any(|(k, f)| *k == d.kpi && *f == d.fingerprint)
        })
        .map(|d| {
            (
                d.kpi.clone(),
                "the lake's roll-up was not built from this text".to_string(),
            )
        })
        .collect())
}

/// The roll-ups recorded as built over `table`.
pub fn recorded(conn: &Connection, table: &str) -> Result<Vec<Daily>> {
    let rows: Vec<(String, String, String, String)> = conn
        .prepare("SELECT kpi, fingerprint, column_name, body FROM main.rollup_kpis WHERE table_name = ? ORDER BY kpi")?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<duckdb::Result<_>>()?;
    let Some((table, _)) = crate::tables::data_tables().find(|(t, _)| *t == table) else {
        return Ok(Vec::new());
    };
    Ok(rows
        .into_iter()
        .map(|(kpi, fingerprint, column, body)| Daily {
            kpi,
            table,
            column,
            body,
            fingerprint,
        })
        .collect())
}

/// The first and last day an import touches, for one roll-up (None: no day).
pub type Span = Option<(NaiveDate, NaiveDate)>;

/// Widens `span` to take in `lo..=hi`.
pub fn widen(span: &mut Span, lo: NaiveDate, hi: NaiveDate) {
    *span = Some(match *span {
        Some((a, b)) => (a.min(lo), b.max(hi)),
        None => (lo, hi),
    });
}

/// The days the rows of `rows` (a SELECT with the table's columns) fall on, for each roll-up,
/// in one pass over them.
pub fn days_of(conn: &Connection, rollups: &[Daily], rows: &str) -> Result<Vec<Span>> {
    if rollups.is_empty() {
        return Ok(Vec::new());
    }
    let bounds: Vec<String> = rollups
        .iter()
        .map(|d| {
            format!(
                "min(CAST(x.{c} AS DATE)), max(CAST(x.{c} AS DATE))",
                c = crate::tables::quote_ident(&d.column)
            )
        })
        .collect();
    let sql = format!("SELECT {} FROM ({rows}) AS x", bounds.join(", "));
    conn.query_row(&sql, [], |r| {
        (0..rollups.len())
            .map(|i| {
                let lo: Option<NaiveDate> = r.get(2 * i)?;
                let hi: Option<NaiveDate> = r.get(2 * i + 1)?;
                Ok(lo.zip(hi))
            })
            .collect()
    })
    .map_err(Into::into)
}

/// Rebuilds the touched days of each roll-up (after the merge, in its transaction).
pub fn refresh(conn: &Connection, rollups: &[Daily], spans: &[Span]) -> Result<()> {
    for (daily, span) in rollups.iter().zip(spans) {
        if let Some((lo, hi)) = span {
            rebuild_days(conn, daily, &lo.to_string(), &hi.to_string())?;
        }
    }
    Ok(())
}

/// A KPI's values from its roll-up, in the shape the raw SQL gives (grp, period, numerator,
/// denominator): `rows` says which units roll up to which group (as [`crate::kpi`] scopes them),
/// `periods` the buckets. Parameters: `$1` the scope's unit(s), `$2` the periods, `$3` the KPI.
pub fn values_sql(periods: &str, rows: &str) -> String {
    format!(
        "SELECT CAST(s.grp AS VARCHAR), CAST(p.period AS DATE), CAST(sum(r.numerator) AS DOUBLE), \
                CAST(sum(r.denominator) AS DOUBLE), NULL::DOUBLE, NULL::DOUBLE \
         FROM (WITH {periods} SELECT * FROM periods) AS p \
         JOIN main.rollup_days AS r ON r.day >= p.period AND r.day < p.period_end \
         JOIN ({rows}) AS s ON r.unit_id = s.unit_id \
         WHERE r.kpi = CAST($3 AS VARCHAR) \
         GROUP BY s.grp, p.period"
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::NaiveDate;
    use kpi_api::calendar::Calendar;
    use kpi_api::Grain;

    use crate::auth::Jurisdiction;
    use crate::config::{Config, Limits};
    use crate::kpi::{self, Cell, Kpi, Parts, Periods, Scope};
    use crate::state::AppState;
    use crate::testkit::{queries_dir, tiny_state};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The route the engine picks for a body (no header), or why not.
    fn route(body: &str) -> std::result::Result<String, String> {
        let (state, _dir) = tiny_state();
        state
            .sandbox
            .with_engine(|c| Ok(super::additive(c, "k", body).map(|d| d.column)))
            .unwrap()
    }

    #[test]
    fn the_engine_rolls_up_only_parts_that_add_up_over_days_and_units() {
        let (state, _dir) = tiny_state();
        let routed: Vec<String> = state
            .catalog()
            .kpis
            .values()
            .filter(|k| k.rollup.is_some())
            .map(|k| k.def.id.clone())
            .collect();
        assert_eq!(
            routed,
            [
                "appeal_on_time_share",
                "e_service_share",
                "feedback_platform_share",
                "resident_satisfaction_share"
            ]
        );
        let ratio = |select: &str, tail: &str| {
            format!(
                "SELECT a.grp, p.period, {select} FROM appeals AS a JOIN periods AS p \
                 ON a.received_at >= p.period AND a.received_at < p.period_end {tail} GROUP BY a.grp, p.period"
            )
        };
        assert_eq!(
            route(&ratio(
                "count(*) FILTER (WHERE a.rating >= 4) AS numerator, count(a.rating) - sum(0) AS denominator",
                "WHERE a.channel <> 'phone'"
            )),
            Ok("received_at".to_string())
        );
        for (select, tail, why) in [
            ("count(DISTINCT a.channel) AS numerator, count(*) AS denominator", "", "DISTINCT"),
            ("max(a.rating) AS numerator, count(*) AS denominator", "", "max()"),
            (
                "count(*) FILTER (WHERE a.closed_at < p.period_end) AS numerator, count(*) AS denominator",
                "",
                "reads the period",
            ),
            (
                "count(*) AS numerator, count(*) AS denominator",
                "WHERE a.unit_id IN (SELECT id FROM org_units)",
                "subquery",
            ),
            ("count(*) AS numerator, 100 AS denominator", "", "not a count or sum"),
            ("count(*) * 2 AS numerator, count(*) AS denominator", "", "does not add up"),
        ] {
            let refused = route(&ratio(select, tail)).unwrap_err();
            assert!(refused.contains(why), "{select} {tail}: {refused}");
        }
        // The stock of staff is joined by month, not by the day of a row: not additive.
        assert!(
            route(&std::fs::read_to_string(queries_dir().join("vacancy_rate.sql")).unwrap())
                .is_err()
        );
    }

    #[test]
    fn a_file_may_ask_for_either_route_and_a_wrong_ask_is_refused_at_its_line() {
        let (state, _dir) = tiny_state();
        let text = std::fs::read_to_string(queries_dir().join("e_service_share.sql")).unwrap();
        let with = |line: &str| text.replacen("-- unit:", &format!("{line}\n-- unit:"), 1);
        let load = |t: &str| {
            kpi::load_text(
                &state.sandbox,
                "e_service_share.sql",
                t,
                Duration::from_secs(5),
            )
        };
        assert!(load(&with("-- rollup: raw")).unwrap().rollup.is_none());
        assert!(load(&with("-- rollup: daily")).unwrap().rollup.is_some());
        let wrong = load(&with("-- rollup: weekly")).unwrap_err();
        assert!(wrong.message.contains("not one of daily, raw"), "{wrong:?}");
        let median = std::fs::read_to_string(queries_dir().join("vacancy_rate.sql")).unwrap();
        let line = median
            .lines()
            .position(|l| l.starts_with("-- unit:"))
            .unwrap() as u32
            + 1;
        let forced = median.replacen("-- unit:", "-- rollup: daily\n-- unit:", 1);
        let refused = kpi::load_text(
            &state.sandbox,
            "vacancy_rate.sql",
            &forced,
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert_eq!(refused.line, Some(line), "{refused:?}");
        assert!(
            refused.message.contains("rollup: daily needs"),
            "{refused:?}"
        );
    }

    /// A state over the seed's files at a small scale, every data file imported.
    fn seeded(dir: &std::path::Path) -> (std::sync::Arc<AppState>, Vec<std::path::PathBuf>) {
        let seeds = dir.join("seeds");
        let summary = kpi_seeds::generate(&seeds, 0.03).unwrap();
        let state = AppState::new(Config {
            database: None,
            lake: None,
            queries: queries_dir(),
            dist: dir.join("dist"),
            host: "127.0.0.1".to_string(),
            port: 0,
            limits: Limits::default(),
            today: None,
            sandbox: crate::sandbox::Launch::Thread,
        })
        .unwrap();
        let mut files: Vec<_> = summary
            .files
            .into_iter()
            .filter(|f| !f.file_name().unwrap().to_string_lossy().starts_with("plan"))
            .collect();
        crate::import::import_order(&mut files);
        (state, files)
    }

    /// Every cell of `kpi` from its roll-up and from its raw rows, for the scope and periods.
    fn both(
        state: &AppState,
        kpi: &Kpi,
        scope: Scope,
        periods: &Periods,
        jurisdiction: &Jurisdiction,
    ) -> (Vec<Cell>, Vec<Cell>) {
        let mut raw = kpi.clone();
        raw.rollup = None;
        let run = |k: &Kpi| {
            let mut cells = kpi::evaluate(
                &state.sandbox,
                k,
                scope,
                periods,
                jurisdiction,
                Duration::from_secs(30),
            )
            .unwrap();
            cells.sort_by(|a, b| (&a.grp, a.period).cmp(&(&b.grp, b.period)));
            cells
        };
        (run(kpi), run(&raw))
    }

    fn assert_same(what: &str, rolled: &[Cell], raw: &[Cell]) {
        assert_eq!(rolled.len(), raw.len(), "{what}: cells");
        for (a, b) in rolled.iter().zip(raw) {
            assert_eq!((&a.grp, a.period), (&b.grp, b.period), "{what}");
            match (a.parts, b.parts) {
                (
                    Parts::Ratio {
                        numerator: n1,
                        denominator: d1,
                    },
                    Parts::Ratio {
                        numerator: n2,
                        denominator: d2,
                    },
                ) => assert_eq!((n1, d1), (n2, d2), "{what}: {} {}", a.grp, a.period),
                (x, y) => assert_eq!(x, y, "{what}: {} {}", a.grp, a.period),
            }
        }
    }

    #[test]
    fn roll_ups_equal_the_raw_rows_at_every_level_after_imports_and_a_corrected_file() {
        let dir = tempfile::tempdir().unwrap();
        let (state, files) = seeded(dir.path());
        // Half the files before the KPIs' roll-ups are first built, half after (kept by import).
        let (before, after) = files.split_at(files.len() / 2);
        for f in before {
            state
                .import(f, &f.file_name().unwrap().to_string_lossy())
                .unwrap();
        }
        state.reload_queries();
        for f in after {
            state
                .import(f, &f.file_name().unwrap().to_string_lossy())
                .unwrap();
        }
        // A corrected export of 2021: every 5th appeal moved a week, answered, rated, re-routed
        // to another channel or closed late; rows that it does not list stay as they were.
        let original = files
            .iter()
            .find(|f| f.file_name().unwrap().to_string_lossy() == "appeals_2021.csv")
            .unwrap();
        let text = std::fs::read_to_string(original).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let shift_by = |t: &str, days: i64| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                .map(|t| {
                    (t + chrono::Duration::days(days))
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default()
        };
        let shift = |t: &str| shift_by(t, 9);
        let corrected: Vec<String> = lines
            .enumerate()
            .filter(|(i, _)| i % 5 == 0)
            .map(|(i, line)| {
                let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
                match i % 4 {
                    // The first a year and more back: the days it leaves must be rebuilt too.
                    0 if i == 0 => {
                        for c in [4, 5, 6, 7] {
                            f[c] = shift_by(&f[c], -400);
                        }
                    }
                    0 => {
                        for c in [4, 5, 6, 7] {
                            f[c] = shift(&f[c]);
                        }
                    }
                    1 => {
                        f[2] = "feedback_platform".to_string();
                        if !f[6].is_empty() {
                            f[8] = "5".to_string();
                        }
                    }
                    2 => f[6] = shift(&f[7]),
                    _ => f[8] = String::new(),
                }
                f.join(",")
            })
            .collect();
        let fix = dir.path().join("appeals_2021_corrected.csv");
        std::fs::write(&fix, format!("{header}\n{}\n", corrected.join("\n"))).unwrap();
        let report = state.import(&fix, "appeals_2021_corrected.csv").unwrap();
        assert!(report.updated > 100, "{report:?}");
        // And one appeal from mid-2021 moved alone to 2020: the day it leaves is outside the
        // days it brings.
        let moved = text.lines().nth(text.lines().count() / 2).unwrap();
        let mut f: Vec<String> = moved.split(',').map(str::to_string).collect();
        for c in [4, 5, 6, 7] {
            f[c] = shift_by(&f[c], -500);
        }
        let one = dir.path().join("appeals_2021_one_moved.csv");
        std::fs::write(&one, format!("{header}\n{}\n", f.join(","))).unwrap();
        let report = state.import(&one, "appeals_2021_one_moved.csv").unwrap();
        assert_eq!(report.updated, 1, "{report:?}");

        let catalog = state.catalog();
        let routed: Vec<&Kpi> = catalog
            .kpis
            .values()
            .filter(|k| k.rollup.is_some())
            .collect();
        assert_eq!(routed.len(), 4);
        let units = state.units();
        let operator = Jurisdiction::operator();
        let mut compared = 0;
        for kpi in &routed {
            for unit in units.iter() {
                for periods in [
                    Periods::grain(Grain::Week, d("2021-09-01"), d("2021-12-31")),
                    Periods::whole(d("2019-01-01"), d("2021-12-31")),
                    Periods::in_calendar(
                        Calendar::Persian,
                        Grain::Month,
                        d("2020-03-20"),
                        d("2021-03-20"),
                    ),
                ] {
                    let (a, b) = both(&state, kpi, Scope::Unit(&unit.id), &periods, &operator);
                    assert_same(&format!("{} {}", kpi.def.id, unit.id), &a, &b);
                    compared += a.len();
                }
                let periods = Periods::comparisons(d("2021-10-01"), d("2021-12-31")).0;
                let (a, b) = both(
                    &state,
                    kpi,
                    Scope::ChildrenOf(&unit.id),
                    &periods,
                    &operator,
                );
                assert_same(&format!("{} children of {}", kpi.def.id, unit.id), &a, &b);
                compared += a.len();
            }
        }
        assert!(compared > 10_000, "{compared} cells compared");
        // Inside a jurisdiction, the roll-up counts its own units only, as the raw rows do.
        let has_children = |id: &str| units.iter().any(|c| c.parent_id.as_deref() == Some(id));
        let city = units
            .iter()
            .find(|u| u.parent_id.is_some() && has_children(&u.id))
            .unwrap();
        let region = city.parent_id.clone().unwrap();
        let inside = Jurisdiction::under(&city.id);
        for kpi in &routed {
            let periods = Periods::grain(Grain::Month, d("2021-01-01"), d("2021-12-31"));
            let (a, b) = both(&state, kpi, Scope::Unit(&region), &periods, &inside);
            assert!(!a.is_empty());
            assert_same(
                &format!("{} of {region} inside {}", kpi.def.id, city.id),
                &a,
                &b,
            );
        }
    }
}
