//! Rows no period can take are not read: for each data table a KPI joins to `periods`, the
//! bounds its join puts on the table's rows, as constants the scan can use.
//!
//! A KPI reads, say, `appeals AS a JOIN periods AS p ON a.received_at >= p.period AND
//! a.received_at < p.period_end`. Only appeals received between the first period's start and the
//! last one's end can meet any period, so the engine reads the table through `WHERE
//! x.received_at >= DATE '…' AND x.received_at < DATE '…'`: constants, which DuckDB checks
//! against each row group's minimum and maximum and so skips whole stretches of the data (exports
//! arrive in date order). A 13-week series then reads 13 weeks of rows, not years of them.
//!
//! **When it is the same answer.** Read from DuckDB's syntax tree of the SELECT ([`windows`]):
//! every reference to the table (anywhere, subqueries included) must be a plain table in a join
//! that cannot keep a row without a match (INNER, either side; LEFT, on the right) whose `ON`
//! holds, among its `AND`ed conditions, comparisons of an expression over that table's row with
//! the `period` or `period_end` of a `periods` on the other side. A row failing the constant
//! bound fails that comparison for every period, so it has no match and leaves nothing behind.
//! Several references give the OR of their bounds; one reference without bounds, a WITH that
//! shadows the table or `periods`, or a SAMPLE on the table, gives none. Nothing else changes.

use chrono::NaiveDate;
use duckdb::Connection;
use serde_json::Value;

use crate::kpi::Periods;

/// Which end of the periods a bound takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// The earliest `period` (or `period_end`): for `expr >= p.period`.
    First(Column),
    /// The latest: for `expr < p.period_end`.
    Last(Column),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Period,
    End,
}

/// `expr op <edge of the periods>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bound {
    /// SQL over the row, as `x.column` (the alias the engine reads the table under).
    expr: String,
    op: &'static str,
    edge: Edge,
}

/// The bounds on one data table's rows: the OR over its references of the AND of each one's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub table: &'static str,
    references: Vec<Vec<Bound>>,
}

impl Window {
    /// The condition on `x` (the table's row) for these periods; None when there are none.
    pub fn condition(&self, periods: &Periods) -> Option<String> {
        let days = |column: Column| -> Vec<NaiveDate> {
            periods
                .0
                .iter()
                .map(|(start, end)| match column {
                    Column::Period => *start,
                    Column::End => *end,
                })
                .collect()
        };
        let edge = |edge: Edge| -> Option<NaiveDate> {
            match edge {
                Edge::First(c) => days(c).into_iter().min(),
                Edge::Last(c) => days(c).into_iter().max(),
            }
        };
        let mut any = Vec::new();
        for bounds in &self.references {
            let mut all = Vec::new();
            for b in bounds {
                all.push(format!("({}) {} DATE '{}'", b.expr, b.op, edge(b.edge)?));
            }
            any.push(format!("({})", all.join(" AND ")));
        }
        Some(any.join(" OR "))
    }
}

/// The windows of a checked KPI SELECT (DuckDB's syntax tree of it): one per data table whose
/// every reference is bounded by the periods.
fn windows(conn: &Connection, tree: &Value) -> Vec<Window> {
    let mut shadowed = Vec::new();
    cte_names(tree, &mut shadowed);
    if shadowed.iter().any(|n| n == "periods") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (table, _) in crate::tables::data_tables() {
        if shadowed.iter().any(|n| n == table) {
            continue;
        }
        let mut references = Vec::new();
        visit(tree, table, &mut references);
        let bounded: Option<Vec<Vec<Raw>>> = references.into_iter().collect();
        let Some(references) = bounded.filter(|r| !r.is_empty()) else {
            continue;
        };
        let mut rendered = Vec::new();
        for bounds in references {
            let mut each = Vec::new();
            for (expr, op, edge) in bounds {
                let Some(sql) = render(conn, expr) else {
                    return Vec::new();
                };
                each.push(Bound {
                    expr: sql,
                    op,
                    edge,
                });
            }
            rendered.push(each);
        }
        out.push(Window {
            table,
            references: rendered,
        });
    }
    out
}

/// The name of the engine's table of (period, period_end, __day): one row per day of each period.
pub const PERIOD_DAYS: &str = "__period_days";

/// What the engine adds to each evaluation: `periods` as days, for [`Plan::body`].
pub const PERIOD_DAYS_SQL: &str =
    "__period_days AS (SELECT q.period, q.period_end, CAST(d AS DATE) AS __day \
     FROM periods AS q, range(q.period, q.period_end, INTERVAL 1 DAY) AS t(d))";

/// How the engine runs a KPI's raw SELECT faster with the same answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The bounds on each data table's rows ([`windows`]).
    pub windows: Vec<Window>,
    /// The SELECT with each join of a data table to `periods` by a day column made a join on
    /// the day ([`day_joins`]), when it has one.
    pub body: Option<String>,
}

impl Plan {
    /// The plan of a checked KPI SELECT (none for one the parser refuses: it does not load).
    pub fn of(conn: &Connection, body: &str) -> Plan {
        let Ok(tree) = crate::rollup::serialize(conn, body) else {
            return Plan::default();
        };
        Plan {
            windows: windows(conn, &tree),
            body: day_joins(conn, tree),
        }
    }

    /// Each bounded table's condition for these periods.
    pub fn filters(&self, periods: &Periods) -> Vec<(&'static str, String)> {
        self.windows
            .iter()
            .filter_map(|w| Some((w.table, w.condition(periods)?)))
            .collect()
    }
}

/// The SELECT with every `T AS a JOIN periods AS p ON a.c >= p.period AND a.c < p.period_end
/// [AND …]` (an INNER join of a data table and the periods, `c` a date or timestamp column)
/// made `T AS a JOIN __period_days AS p ON CAST(a.c AS DATE) = p.__day [AND …]`.
///
/// The same rows meet: the periods' bounds are midnights, so a timestamp lies in a period exactly
/// when its day does, and each day of a period is one row of `__period_days`, so each pair of a
/// row and a period that met still meets once. DuckDB joins an equality by hashing, instead of
/// merging ranges: 4 to 5 times faster. `p` gains a column (`__day`), so a SELECT with a `*`
/// anywhere is left as written, as is one that names `periods` or `__period_days` in a WITH.
fn day_joins(conn: &Connection, mut tree: Value) -> Option<String> {
    let mut names = Vec::new();
    cte_names(&tree, &mut names);
    if names.iter().any(|n| n == "periods" || n == PERIOD_DAYS) || has_star(&tree) {
        return None;
    }
    let template = crate::rollup::serialize(
        conn,
        "SELECT 1 FROM t JOIN p ON CAST(t.c AS DATE) = p.__day AND true",
    )
    .ok()?;
    let and = template["statements"][0]["node"]["from_table"]["condition"].clone();
    let mut rewritten = 0;
    rewrite(&mut tree, &and, &mut rewritten);
    if rewritten == 0 {
        return None;
    }
    crate::rollup::deserialize(conn, &tree).ok()
}

fn has_star(v: &Value) -> bool {
    match v {
        Value::Object(map) => {
            map.get("class").and_then(Value::as_str) == Some("STAR") || map.values().any(has_star)
        }
        Value::Array(items) => items.iter().any(has_star),
        _ => false,
    }
}

/// A plain reference to a data table (no schema, sample, time travel or column aliases): its name.
pub(crate) fn plain_data_table(t: &Value) -> Option<&'static str> {
    let plain = t["type"] == "BASE_TABLE"
        && t["schema_name"].as_str().unwrap_or_default().is_empty()
        && t["sample"].is_null()
        && t["at_clause"].is_null()
        && t["column_name_alias"]
            .as_array()
            .is_none_or(|a| a.is_empty());
    let name = lower(&t["table_name"]);
    plain
        .then(|| crate::tables::data_tables().find(|(table, _)| *table == name))
        .flatten()
        .map(|(table, _)| table)
}

fn rewrite(v: &mut Value, and: &Value, rewritten: &mut usize) {
    if v["type"] == "JOIN"
        && v["join_type"] == "INNER"
        && v["ref_type"] == "REGULAR"
        && v.get("left").is_some()
    {
        for (data, periods) in [("left", "right"), ("right", "left")] {
            let Some(table) = plain_data_table(&v[data]) else {
                continue;
            };
            let p = &v[periods];
            if p["type"] != "BASE_TABLE"
                || lower(&p["table_name"]) != "periods"
                || !p["schema_name"].as_str().unwrap_or_default().is_empty()
                || !p["sample"].is_null()
            {
                continue;
            }
            let (a, p) = (alias(&v[data]), alias(p));
            if a == p {
                continue;
            }
            let mut conjuncts = Vec::new();
            flatten_and(&v["condition"], &mut conjuncts);
            let Some((column, used)) = day_column(&conjuncts, table, &a, &p) else {
                continue;
            };
            let mut condition = and.clone();
            let mut equality = condition["children"][0].clone();
            equality["left"]["child"]["column_names"] = serde_json::json!([a, column]);
            equality["right"]["column_names"] = serde_json::json!([p, "__day"]);
            let rest: Vec<Value> = conjuncts
                .iter()
                .enumerate()
                .filter(|(i, _)| !used.contains(i))
                .map(|(_, c)| (*c).clone())
                .collect();
            condition = if rest.is_empty() {
                equality
            } else {
                condition["children"] =
                    Value::Array(std::iter::once(equality).chain(rest).collect());
                condition
            };
            v["condition"] = condition;
            v[periods]["table_name"] = Value::String(PERIOD_DAYS.to_string());
            v[periods]["alias"] = Value::String(p);
            *rewritten += 1;
            break;
        }
    }
    match v {
        Value::Object(map) => map.values_mut().for_each(|x| rewrite(x, and, rewritten)),
        Value::Array(items) => items.iter_mut().for_each(|x| rewrite(x, and, rewritten)),
        _ => {}
    }
}

/// Among `conjuncts`, `a.c >= p.period` and `a.c < p.period_end` (either way round) for one
/// date or timestamp column `c` of `table`: the column and the two conjuncts' places.
pub(crate) fn day_column(
    conjuncts: &[&Value],
    table: &str,
    a: &str,
    p: &str,
) -> Option<(String, [usize; 2])> {
    // (the row's column, op as `row op period`, which end) of a comparison.
    let side = |c: &Value| -> Option<(String, &'static str, String)> {
        let op = comparison(c)?;
        if let (Some(row), Some(end)) = (column_of(&c["left"], a), column_of(&c["right"], p)) {
            return Some((row, op, end));
        }
        let (row, end) = (column_of(&c["right"], a)?, column_of(&c["left"], p)?);
        Some((row, turned(op), end))
    };
    let sides: Vec<_> = conjuncts.iter().map(|c| side(c)).collect();
    for (i, from) in sides.iter().enumerate() {
        let Some((c, ">=", end)) = from else { continue };
        if end != "period" || !dated(table, c) {
            continue;
        }
        let to = sides
            .iter()
            .position(|s| matches!(s, Some((c2, "<", end)) if c2 == c && end == "period_end"));
        if let Some(j) = to {
            return Some((c.clone(), [i, j]));
        }
    }
    None
}

/// The operator of a comparison, as SQL writes it.
pub(crate) fn comparison(c: &Value) -> Option<&'static str> {
    Some(match c["type"].as_str()? {
        "COMPARE_LESSTHAN" => "<",
        "COMPARE_LESSTHANOREQUALTO" => "<=",
        "COMPARE_GREATERTHAN" => ">",
        "COMPARE_GREATERTHANOREQUALTO" => ">=",
        "COMPARE_EQUAL" => "=",
        _ => return None,
    })
}

/// `t.c` (a column named with the alias `t`): the column `c`, lower-cased.
pub(crate) fn column_of(v: &Value, t: &str) -> Option<String> {
    if v["class"] != "COLUMN_REF" {
        return None;
    }
    match v["column_names"].as_array()?.as_slice() {
        [x, c] if lower(x) == t => Some(lower(c)),
        _ => None,
    }
}

/// Whether `column` of the data table `table` holds dates or timestamps.
pub(crate) fn dated(table: &str, column: &str) -> bool {
    crate::tables::spec(table)
        .and_then(|s| s.columns.iter().find(|col| col.name == column))
        .is_some_and(|col| {
            matches!(
                col.ty,
                crate::tables::ColType::Timestamp | crate::tables::ColType::Date
            )
        })
}

fn lower(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_lowercase()
}

/// The names every WITH in the tree defines.
fn cte_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(entries) = map
                .get("cte_map")
                .and_then(|c| c.get("map"))
                .and_then(Value::as_array)
            {
                out.extend(entries.iter().map(|e| lower(&e["key"])));
            }
            map.values().for_each(|x| cte_names(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| cte_names(x, out)),
        _ => {}
    }
}

/// An expression over the row of `alias` alone (with the alias made `x`), to repeat as a bound.
type Raw = (Value, &'static str, Edge);

/// Each reference to `table` in the tree: its bounds, or None when it has none.
fn visit(v: &Value, table: &str, out: &mut Vec<Option<Vec<Raw>>>) {
    match v {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("BASE_TABLE") {
                if lower(&v["table_name"]) == table {
                    out.push(None);
                }
                return;
            }
            if map.get("type").and_then(Value::as_str) == Some("JOIN") && map.contains_key("left") {
                let join_type = v["join_type"].as_str().unwrap_or_default();
                let regular = v["ref_type"] == "REGULAR";
                for (side, other, kept) in [
                    (&v["left"], &v["right"], join_type == "INNER"),
                    (
                        &v["right"],
                        &v["left"],
                        join_type == "INNER" || join_type == "LEFT",
                    ),
                ] {
                    if side["type"] == "BASE_TABLE" && lower(&side["table_name"]) == table {
                        let plain = plain_data_table(side).is_some();
                        let bounds = (regular && kept && plain)
                            .then(|| bounds_of(&v["condition"], &alias(side), other))
                            .flatten();
                        out.push(bounds);
                    } else {
                        visit(side, table, out);
                    }
                }
                visit(&v["condition"], table, out);
                return;
            }
            map.values().for_each(|x| visit(x, table, out));
        }
        Value::Array(items) => items.iter().for_each(|x| visit(x, table, out)),
        _ => {}
    }
}

pub(crate) fn alias(table: &Value) -> String {
    match lower(&table["alias"]) {
        a if a.is_empty() => lower(&table["table_name"]),
        a => a,
    }
}

/// The aliases of `periods` among the plain tables of a join tree.
fn periods_in(from: &Value, out: &mut Vec<String>) {
    match from["type"].as_str() {
        Some("BASE_TABLE") if lower(&from["table_name"]) == "periods" => out.push(alias(from)),
        Some("JOIN") => {
            periods_in(&from["left"], out);
            periods_in(&from["right"], out);
        }
        _ => {}
    }
}

/// The bounds the `AND`ed comparisons of `condition` put on `row`'s expressions through the
/// periods of `other` (None when there are none).
fn bounds_of(condition: &Value, row: &str, other: &Value) -> Option<Vec<Raw>> {
    let mut periods = Vec::new();
    periods_in(other, &mut periods);
    if periods.is_empty() || periods.iter().any(|p| p == row) {
        return None;
    }
    let mut conjuncts = Vec::new();
    flatten_and(condition, &mut conjuncts);
    let edge_of = |v: &Value| -> Option<Column> {
        if v["class"] != "COLUMN_REF" {
            return None;
        }
        match v["column_names"].as_array()?.as_slice() {
            [t, c] if periods.contains(&lower(t)) => match lower(c).as_str() {
                "period" => Some(Column::Period),
                "period_end" => Some(Column::End),
                _ => None,
            },
            _ => None,
        }
    };
    let mut out = Vec::new();
    for c in conjuncts {
        let Some(op) = comparison(c) else {
            continue;
        };
        // Written either way round: `row op period` or `period op row` (the op turned).
        let (expr, op, column) = match (edge_of(&c["left"]), edge_of(&c["right"])) {
            (None, Some(column)) => (&c["left"], op, column),
            (Some(column), None) => (&c["right"], turned(op), column),
            _ => continue,
        };
        let Some(expr) = over_row(expr, row) else {
            continue;
        };
        match op {
            "<" | "<=" => out.push((expr, op, Edge::Last(column))),
            ">" | ">=" => out.push((expr, op, Edge::First(column))),
            _ => {
                out.push((expr.clone(), ">=", Edge::First(column)));
                out.push((expr, "<=", Edge::Last(column)));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

pub(crate) fn turned(op: &'static str) -> &'static str {
    match op {
        "<" => ">",
        "<=" => ">=",
        ">" => "<",
        ">=" => "<=",
        other => other,
    }
}

pub(crate) fn flatten_and<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    if v["type"] == "CONJUNCTION_AND" {
        for c in v["children"].as_array().into_iter().flatten() {
            flatten_and(c, out);
        }
    } else if !v.is_null() {
        out.push(v);
    }
}

/// `expr` when it reads only `row`'s columns (at least one), constants, casts, COALESCE and a
/// few functions that give the same answer for the same row every time; with `row` renamed `x`.
fn over_row(expr: &Value, row: &str) -> Option<Value> {
    fn walk(v: &Value, row: &str, columns: &mut usize) -> Option<Value> {
        let mut v = v.clone();
        match v["class"].as_str()? {
            "COLUMN_REF" => {
                let names = v["column_names"].as_array()?;
                let [t, c] = names.as_slice() else {
                    return None;
                };
                if lower(t) != row {
                    return None;
                }
                *columns += 1;
                v["column_names"] = serde_json::json!(["x", c]);
                return Some(v);
            }
            "CONSTANT" => return Some(v),
            "CAST" => {
                v["child"] = walk(&v["child"], row, columns)?;
                return Some(v);
            }
            "OPERATOR" if v["type"] == "OPERATOR_COALESCE" => {}
            "FUNCTION"
                if ["greatest", "least", "+", "-"]
                    .contains(&lower(&v["function_name"]).as_str())
                    && v["distinct"] != Value::Bool(true)
                    && v["filter"].is_null() => {}
            _ => return None,
        }
        // COALESCE or one of those functions, over such expressions.
        let children: Option<Vec<Value>> = v["children"]
            .as_array()?
            .iter()
            .map(|c| walk(c, row, columns))
            .collect();
        v["children"] = Value::Array(children?);
        Some(v)
    }
    let mut columns = 0;
    let out = walk(expr, row, &mut columns)?;
    (columns > 0).then_some(out)
}

/// `v` with the columns of `from` read from `to` instead.
pub(crate) fn renamed(v: &Value, from: &str, to: &str) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, x) in map {
                out.insert(k.clone(), renamed(x, from, to));
            }
            if map.get("class").and_then(Value::as_str) == Some("COLUMN_REF") {
                if let Some([t, c]) = map["column_names"].as_array().map(Vec::as_slice) {
                    if lower(t) == from {
                        out.insert("column_names".into(), serde_json::json!([to, c]));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|x| renamed(x, from, to)).collect()),
        other => other.clone(),
    }
}

/// The SQL text of an expression node (DuckDB's own rendering of what it parsed).
pub(crate) fn render(conn: &Connection, expr: Value) -> Option<String> {
    let mut tree = crate::rollup::serialize(conn, "SELECT 1").ok()?;
    tree["statements"][0]["node"]["select_list"] = Value::Array(vec![expr]);
    let sql = crate::rollup::deserialize(conn, &tree).ok()?;
    sql.strip_prefix("SELECT ").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conditions(body: &str, periods: &[(&str, &str)]) -> Vec<(String, String)> {
        let conn = Connection::open_in_memory().unwrap();
        let periods = Periods(
            periods
                .iter()
                .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
                .collect(),
        );
        Plan::of(&conn, body)
            .windows
            .into_iter()
            .map(|w| (w.table.to_string(), w.condition(&periods).unwrap()))
            .collect()
    }

    const WEEKS: &[(&str, &str)] = &[("2021-10-04", "2021-10-11"), ("2021-10-11", "2021-10-18")];

    #[test]
    fn a_join_on_the_period_bounds_the_rows_read_by_the_first_start_and_the_last_end() {
        let median = "SELECT a.grp, p.period, median(a.x) AS value FROM appeals AS a \
                      JOIN periods AS p ON a.received_at >= p.period AND a.received_at < p.period_end \
                      WHERE a.first_response_at IS NOT NULL GROUP BY a.grp, p.period";
        assert_eq!(
            conditions(median, WEEKS),
            [(
                "appeals".to_string(),
                "((x.received_at) >= DATE '2021-10-04' AND (x.received_at) < DATE '2021-10-18')"
                    .to_string()
            )]
        );
        // Written the other way round, inside a subquery, and on the right of a LEFT JOIN.
        let stock = "SELECT g.grp, p.period, count(a.appeal_id) AS value FROM groups AS g \
                     CROSS JOIN periods AS p LEFT JOIN appeals AS a ON a.grp = g.grp \
                     AND p.period_end > a.due_at AND coalesce(a.closed_at, TIMESTAMP '9999-12-31') >= p.period_end \
                     GROUP BY g.grp, p.period";
        let c = conditions(&format!("SELECT * FROM ({stock}) AS s"), WEEKS);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].1,
            "((x.due_at) < DATE '2021-10-18' AND (COALESCE(x.closed_at, CAST('9999-12-31' AS TIMESTAMP))) >= DATE '2021-10-11')"
        );
    }

    #[test]
    fn a_reference_that_could_keep_rows_outside_the_periods_leaves_the_table_whole() {
        let cases = [
            // Read a second time without the periods.
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.received_at >= p.period AND a.received_at < p.period_end \
             WHERE a.unit_id IN (SELECT b.unit_id FROM appeals AS b) GROUP BY ALL",
            // On the kept side of a LEFT JOIN.
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a LEFT JOIN periods AS p \
             ON a.received_at >= p.period AND a.received_at < p.period_end GROUP BY ALL",
            // Joined by something else than a period.
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.closed_at IS NOT NULL GROUP BY ALL",
            // Through a function that is not the row's alone.
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.received_at + random() < p.period_end GROUP BY ALL",
            // A WITH that names periods differently.
            "WITH periods AS (SELECT DATE '2000-01-01' AS period, DATE '2100-01-01' AS period_end) \
             SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.received_at >= p.period GROUP BY ALL",
            // Sampled before the join.
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a TABLESAMPLE 10% JOIN periods AS p \
             ON a.received_at >= p.period GROUP BY ALL",
            // An ON that is an OR.
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.received_at >= p.period OR a.closed_at IS NULL GROUP BY ALL",
        ];
        for body in cases {
            assert_eq!(conditions(body, WEEKS), [], "{body}");
        }
    }

    #[test]
    fn two_bounded_references_read_either_window() {
        let body = "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
                    ON a.received_at >= p.period AND a.received_at < p.period_end \
                    JOIN appeals AS b ON b.closed_at = p.period GROUP BY ALL";
        assert_eq!(
            conditions(body, WEEKS)[0].1,
            "((x.received_at) >= DATE '2021-10-04' AND (x.received_at) < DATE '2021-10-18') OR \
             ((x.closed_at) >= DATE '2021-10-04' AND (x.closed_at) <= DATE '2021-10-11')"
        );
    }

    #[test]
    fn a_period_join_by_a_dated_column_becomes_a_join_on_the_day() {
        let conn = Connection::open_in_memory().unwrap();
        let median = "SELECT grp, period, value FROM (SELECT a.grp, p.period, median(a.x) AS value \
                      FROM appeals AS a JOIN periods AS p \
                      ON a.received_at >= p.period AND a.received_at < p.period_end AND a.rating > 2 \
                      GROUP BY a.grp, p.period) AS m";
        let body = Plan::of(&conn, median).body.unwrap();
        assert!(
            body.contains("JOIN __period_days AS p ON (((CAST(a.received_at AS DATE) = p.__day) AND (a.rating > 2)))"),
            "{body}"
        );
        // Not a date (rating), not both ends, a LEFT JOIN, a `*`: as written.
        for body in [
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.rating >= p.period AND a.rating < p.period_end GROUP BY ALL",
            "SELECT a.grp, p.period, count(*) AS value FROM appeals AS a JOIN periods AS p \
             ON a.received_at >= p.period AND a.closed_at < p.period_end GROUP BY ALL",
            "SELECT g.grp, p.period, count(a.appeal_id) AS value FROM groups AS g CROSS JOIN periods AS p \
             LEFT JOIN appeals AS a ON a.grp = g.grp AND a.received_at >= p.period AND a.received_at < p.period_end GROUP BY ALL",
            "SELECT * FROM appeals AS a JOIN periods AS p \
             ON a.received_at >= p.period AND a.received_at < p.period_end",
        ] {
            assert_eq!(Plan::of(&conn, body).body, None, "{body}");
        }
    }
}
