//! Roll-ups kept at import: for a KPI whose numbers add up over rows, its parts per unit and day
//! (`main.rollup_days`), so that a board sums a few thousand stored parts instead of reading
//! every appeal again.
//!
//! **Which KPIs.** A KPI file may say `-- rollup: daily` (it must then take one of the routes
//! below, or it does not load) or `-- rollup: raw` (never). Otherwise the engine decides from
//! DuckDB's own syntax tree of the SELECT. Three shapes roll up:
//!
//! - a ratio whose parts add up ([`additive`]):
//!
//!   ```sql
//!   SELECT x.grp, p.period, <parts> AS numerator, <parts> AS denominator
//!   FROM <data table> AS x JOIN periods AS p ON x.<column> >= p.period AND x.<column> < p.period_end
//!   [WHERE <row condition>] GROUP BY x.grp, p.period
//!   ```
//!
//!   where each `<parts>` is `count`, `count(*)` or `sum` (no DISTINCT, any FILTER over the
//!   row), or a sum or difference of them, and nothing but the join reads the period. Then the
//!   parts of a period are the sum of the parts of its days, and those of a unit the sum of its
//!   units';
//! - a count per group ([`per_group`]): the rows placed on a day, counted, over a number of the
//!   group such as its population (a per-capita rate), every group and period with a row;
//! - a stock ([`stock`]): the rows begun before a period's end and not ended by it (appeals
//!   open and overdue), kept as the rows that begin and end on each day, and read as a running
//!   total.
//!
//! In each the value is the same as the raw SQL's, to the last row. Medians and anything else
//! stay on the raw rows (which [`crate::prune`] reads only within the periods asked for).
//!
//! **Kept current.** Each roll-up is built whole when its KPI (by the text it runs) is new, and
//! each import rebuilds, in its own transaction, the days its rows (new and replaced) fall on;
//! for a stock, it counts the rows it replaces out and the rows it brings in ([`Changes`]).
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
    /// The data table its rows come from, and the column that places a row on a day (empty for
    /// a stock, whose rows count from one day until another: see [`stock`]).
    pub table: &'static str,
    pub column: String,
    /// The KPI's SELECT with the period join made an equality on the day (the column cast to a
    /// date), to run over `periods` of single days. For a stock, the three columns each row
    /// gives over `t`: its unit, the day it starts to count and the day it stops (both NULL
    /// when it never counts).
    pub body: String,
    /// What the roll-up was built from: changes with the text and with [`FORMAT`].
    pub fingerprint: String,
    /// For a count per group ([`per_group`]): the column of `groups` it is divided by.
    pub per: Option<String>,
}

impl Daily {
    /// A stock's roll-up (entries and exits per unit and day) rather than a ratio's parts.
    pub fn is_stock(&self) -> bool {
        self.column.is_empty()
    }
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
    let body = deserialize(conn, &rewritten)
        .map_err(|e| format!("cannot write the roll-up's SQL: {e}"))?;
    let fingerprint = hex::encode(Sha256::digest(format!("{FORMAT}\n{table}\n{body}")));
    Ok(Daily {
        kpi: kpi.to_string(),
        table,
        column,
        body,
        fingerprint,
        per: None,
    })
}

/// Changes when the way stocks are rolled up changes.
const STOCK_FORMAT: &str = "rollup-stock-1";

/// The stock route for `body` (a checked KPI SELECT giving a value), or why it cannot take it.
///
/// A stock counts, at each period's end, the rows that have begun and not yet ended:
///
/// ```sql
/// SELECT g.grp, p.period, count(a.<column>) AS value
/// FROM groups AS g CROSS JOIN periods AS p
/// LEFT JOIN <data table> AS a ON a.grp = g.grp
///  AND <begins> < p.period_end [AND <begins> < p.period_end ...]
///  [AND <ends> >= p.period_end] [AND <condition on the row> ...]
/// GROUP BY g.grp, p.period
/// ```
///
/// where each `<begins>` and `<ends>` is a date or timestamp column of the row, or `coalesce` of
/// one with a constant. Period ends are midnights, so a row counts at the end `E` exactly when
/// its last beginning day is before `E` and its ending day is not; the count at `E` is then the
/// number of rows begun on days before `E` less those ended on days before `E` (a row that ends
/// before it begins never counts). So the roll-up keeps, per unit and day, the rows that begin
/// (as the numerator) and end (as the denominator) on it, and imports add and take away the
/// rows they bring and replace.
pub fn stock(conn: &Connection, kpi: &str, body: &str) -> std::result::Result<Daily, String> {
    let grid = grid(conn, body)?;
    let (table, p, a) = (grid.table, &grid.p, &grid.a);
    let columns = "its columns are not g.grp, p.period, count(a.<column>) AS value";
    if grid.select.len() != 1 || !named_as(&grid.select[0], "value") {
        return Err(columns.into());
    }
    let weight = counted(&grid.select[0], a).ok_or(columns)?;
    // A date or timestamp column of the row, or coalesce of such columns and constants.
    let moment = |v: &Value| -> bool {
        let column =
            |v: &Value| column_ref(v, a, None).is_some_and(|c| crate::prune::dated(table, &c));
        let constant = |v: &Value| {
            v["class"] == "CONSTANT"
                || (v["class"] == "CAST"
                    && v["child"]["class"] == "CONSTANT"
                    && ["TIMESTAMP", "DATE"]
                        .contains(&v["cast_type"]["id"].as_str().unwrap_or_default()))
        };
        column(v)
            || (v["type"] == "OPERATOR_COALESCE"
                && v["children"].as_array().is_some_and(|c| {
                    c.iter().any(column) && c.iter().all(|x| column(x) || constant(x))
                }))
    };
    let (mut begins, mut ends, mut conditions) = (vec![], vec![], vec![]);
    for c in &grid.conjuncts {
        let (l, r) = (&c["left"], &c["right"]);
        let end = |v: &Value| column_ref(v, p, Some("period_end")).is_some();
        // Written either way round: `row op p.period_end` or `p.period_end op row` (turned).
        let op = crate::prune::comparison(c);
        let (row, op) = match (end(l), end(r)) {
            (false, true) => (l, op),
            (true, false) => (r, op.map(crate::prune::turned)),
            (false, false) => {
                grid.row_condition(c)?;
                conditions.push(crate::prune::renamed(c, a, "t"));
                continue;
            }
            (true, true) => return Err("it compares the period's end with itself".into()),
        };
        if !moment(row) {
            return Err("it compares the period's end with something else than a date or timestamp column of the row".into());
        }
        match op {
            Some("<") => begins.push(crate::prune::renamed(row, a, "t")),
            Some(">=") if ends.is_empty() => ends.push(crate::prune::renamed(row, a, "t")),
            Some(">=") => return Err("it has more than one end".into()),
            _ => {
                return Err(
                    "it compares with the period's end other than by < (begun) or >= (not ended)"
                        .into(),
                )
            }
        }
    }
    if begins.is_empty() {
        return Err(GRID.into());
    }
    let render = |v: Value| crate::prune::render(conn, v).ok_or("cannot write the roll-up's SQL");
    let days = |v: Vec<Value>| -> std::result::Result<Vec<String>, &str> {
        v.into_iter()
            .map(|x| Ok(format!("CAST(({}) AS DATE)", render(x)?)))
            .collect()
    };
    let begins = days(begins)?;
    let ends = days(ends)?;
    let conditions: Vec<String> = conditions
        .into_iter()
        .map(|c| Ok(format!("({})", render(c)?)))
        .collect::<std::result::Result<_, &str>>()?;
    let unit = unit_column(table);
    let begin = match begins.as_slice() {
        [one] => one.clone(),
        many => format!("greatest({})", many.join(", ")),
    };
    let mut counts: Vec<String> = std::iter::once(format!(
        "t.{} IS NOT NULL",
        crate::tables::quote_ident(&weight)
    ))
    .chain(begins.iter().map(|b| format!("{b} IS NOT NULL")))
    .chain(
        ends.iter()
            .map(|e| format!("{e} IS NOT NULL AND {begin} <= {e}")),
    )
    .chain(conditions)
    .collect();
    counts.dedup();
    let when = counts.join(" AND ");
    let end = ends.first().map_or("CAST(NULL AS DATE)".to_string(), |e| {
        format!("CASE WHEN {when} THEN {e} END")
    });
    let body = format!("t.{unit}, CASE WHEN {when} THEN {begin} END, {end}");
    let fingerprint = hex::encode(Sha256::digest(format!("{STOCK_FORMAT}\n{table}\n{body}")));
    Ok(Daily {
        kpi: kpi.to_string(),
        table,
        column: String::new(),
        body,
        fingerprint,
        per: None,
    })
}

/// The per-group route for `body` (a checked KPI SELECT giving a numerator and a denominator),
/// or why it cannot take it: a count of rows placed on a day over a number of the group, as
///
/// ```sql
/// SELECT g.grp, p.period, count(a.<column>) AS numerator, any_value(g.population) AS denominator
/// FROM groups AS g CROSS JOIN periods AS p
/// LEFT JOIN <data table> AS a ON a.grp = g.grp
///  AND a.<day> >= p.period AND a.<day> < p.period_end [AND <condition on the row> ...]
/// GROUP BY g.grp, p.period
/// ```
///
/// The numerator is then a daily roll-up like any other (the count of the rows of each unit
/// and day), summed over the group's units and the period's days, and the denominator is read
/// from `groups` as the SELECT reads it; a group and period without rows counts 0, as the LEFT
/// JOIN does.
pub fn per_group(conn: &Connection, kpi: &str, body: &str) -> std::result::Result<Daily, String> {
    let grid = grid(conn, body)?;
    let (table, g, p, a, select) = (grid.table, &grid.g, &grid.p, &grid.a, &grid.select);
    let columns = "its columns are not g.grp, p.period, count(a.<column>) AS numerator, \
                   any_value(g.<column>) AS denominator";
    if select.len() != 2
        || !named_as(&select[0], "numerator")
        || !named_as(&select[1], "denominator")
    {
        return Err(columns.into());
    }
    let weight = counted(&select[0], a).ok_or(columns)?;
    let of_group = &select[1];
    let per = match of_group["children"].as_array().map(Vec::as_slice) {
        Some([child])
            if of_group["class"] == "FUNCTION"
                && ["any_value", "min", "max", "first"]
                    .contains(&of_group["function_name"].as_str().unwrap_or_default())
                && of_group["filter"].is_null()
                && of_group["distinct"] != Value::Bool(true) =>
        {
            column_ref(child, g, None).ok_or(columns)?
        }
        _ => return Err(columns.into()),
    };
    let conjuncts: Vec<&Value> = grid.conjuncts.iter().collect();
    let (day, placed) = crate::prune::day_column(&conjuncts, table, a, p).ok_or(
        "its join does not place a row in a period by a.day >= p.period AND a.day < p.period_end",
    )?;
    let mut conditions = Vec::new();
    for (i, c) in conjuncts.into_iter().enumerate() {
        if !placed.contains(&i) {
            grid.row_condition(c)?;
            conditions.push(
                crate::prune::render(conn, c.clone()).ok_or("cannot write the roll-up's SQL")?,
            );
        }
    }
    let quote = crate::tables::quote_ident;
    let filter = match conditions.is_empty() {
        true => String::new(),
        false => format!("WHERE {}", conditions.join(" AND ")),
    };
    // The same rows, counted by unit and day as a daily roll-up counts them.
    let daily = format!(
        "SELECT {a}.grp, {p}.period, count({a}.{w}) AS numerator, count({a}.{w}) AS denominator \
         FROM {table} AS {a} JOIN periods AS {p} ON {a}.{d} >= {p}.period AND {a}.{d} < {p}.period_end \
         {filter} GROUP BY {a}.grp, {p}.period",
        a = quote(a),
        p = quote(p),
        w = quote(&weight),
        d = quote(&day),
    );
    let mut daily = additive(conn, kpi, &daily)?;
    daily.per = Some(per);
    Ok(daily)
}

/// What a stock or a per-group rate must look like around its columns and its join.
const GRID: &str = "it is not groups CROSS JOIN periods LEFT JOIN one data table ON the group";

/// A SELECT over every group and period, with the rows of one data table joined on (see
/// [`stock`]): the table, the aliases of groups, periods and the table, its columns after
/// grp and period, and the `AND`ed conditions of its join but `a.grp = g.grp`.
struct Grid {
    table: &'static str,
    g: String,
    p: String,
    a: String,
    select: Vec<Value>,
    conjuncts: Vec<Value>,
}

impl Grid {
    /// A condition of the join on the row alone (no group, no period, nothing but its columns).
    fn row_condition(&self, c: &Value) -> std::result::Result<(), String> {
        row_level(c, &self.p).map_err(|why| format!("its join condition {why}"))?;
        if !only_columns_of(c, &self.a) {
            return Err(
                "its join has a condition on something else than the row, the group or the period"
                    .into(),
            );
        }
        Ok(())
    }
}

fn grid(conn: &Connection, body: &str) -> std::result::Result<Grid, String> {
    let tree = serialize(conn, body).map_err(|e| e.to_string())?;
    let node = &tree["statements"][0]["node"];
    plain_select(node)?;
    if !is_empty(&node["where_clause"]) {
        return Err("it has a WHERE (conditions on the row go in its join)".into());
    }
    let join = &node["from_table"];
    if join["type"] != "JOIN" || join["join_type"] != "LEFT" || join["ref_type"] != "REGULAR" {
        return Err(GRID.into());
    }
    let cross = &join["left"];
    if cross["type"] != "JOIN" || cross["ref_type"] != "CROSS" {
        return Err(GRID.into());
    }
    let named = |t: &Value, name: &str| {
        t["type"] == "BASE_TABLE"
            && t["schema_name"].as_str().unwrap_or_default().is_empty()
            && t["table_name"].as_str().map(str::to_lowercase).as_deref() == Some(name)
    };
    let (groups, periods) = match (&cross["left"], &cross["right"]) {
        (l, r) if named(l, "groups") && named(r, "periods") => (l, r),
        (l, r) if named(l, "periods") && named(r, "groups") => (r, l),
        _ => return Err(GRID.into()),
    };
    let table = crate::prune::plain_data_table(&join["right"]).ok_or(GRID)?;
    let (g, p, a) = (
        crate::prune::alias(groups),
        crate::prune::alias(periods),
        crate::prune::alias(&join["right"]),
    );
    if g == p || g == a || p == a {
        return Err(GRID.into());
    }
    let mut select = node["select_list"].as_array().cloned().unwrap_or_default();
    if select.len() < 2
        || column_ref(&select[0], &g, Some("grp")).is_none()
        || column_ref(&select[1], &p, Some("period")).is_none()
    {
        return Err("its first columns are not g.grp and p.period".into());
    }
    let groups_by = node["group_expressions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if groups_by.len() != 2
        || !groups_by
            .iter()
            .any(|e| column_ref(e, &g, Some("grp")).is_some())
        || !groups_by
            .iter()
            .any(|e| column_ref(e, &p, Some("period")).is_some())
    {
        return Err("it does not group by g.grp and p.period alone".into());
    }
    select.drain(..2);
    let mut conjuncts = Vec::new();
    crate::prune::flatten_and(&join["condition"], &mut conjuncts);
    let grouped = |c: &&Value| {
        let (l, r) = (&c["left"], &c["right"]);
        let grp = |x: &Value, y: &Value| {
            column_ref(x, &a, Some("grp")).is_some() && column_ref(y, &g, Some("grp")).is_some()
        };
        c["type"] == "COMPARE_EQUAL" && (grp(l, r) || grp(r, l))
    };
    let Some(at) = conjuncts.iter().position(grouped) else {
        return Err(GRID.into());
    };
    conjuncts.remove(at);
    let conjuncts = conjuncts.into_iter().cloned().collect();
    Ok(Grid {
        table,
        g,
        p,
        a,
        select,
        conjuncts,
    })
}

/// `t.c` (and `c` is `name`, if given): the column, lower-cased.
fn column_ref(v: &Value, t: &str, name: Option<&str>) -> Option<String> {
    let c = crate::prune::column_of(v, t)?;
    name.is_none_or(|n| n == c).then_some(c)
}

/// The column of `table` that names a row's unit.
fn unit_column(table: &str) -> &'static str {
    crate::tables::data_tables()
        .find(|(t, _)| *t == table)
        .map_or("unit_id", |(_, u)| u)
}

fn named_as(expr: &Value, name: &str) -> bool {
    expr["alias"].as_str().map(str::to_lowercase).as_deref() == Some(name)
}

/// `count(a.c)` (no DISTINCT, FILTER or ORDER BY): the column `c`.
fn counted(expr: &Value, a: &str) -> Option<String> {
    let plain = expr["class"] == "FUNCTION"
        && expr["function_name"] == "count"
        && expr["distinct"] != Value::Bool(true)
        && expr["filter"].is_null()
        && expr["order_bys"]["orders"]
            .as_array()
            .is_none_or(|o| o.is_empty());
    match expr["children"].as_array().map(Vec::as_slice) {
        Some([child]) if plain => column_ref(child, a, None),
        _ => None,
    }
}

/// True when every column `v` reads is one of `alias`'s (and it reads some).
fn only_columns_of(v: &Value, alias: &str) -> bool {
    fn walk(v: &Value, alias: &str, seen: &mut usize) -> bool {
        match v {
            Value::Object(map) => {
                if map.get("class").and_then(Value::as_str) == Some("COLUMN_REF") {
                    *seen += 1;
                    return map["column_names"].as_array().is_some_and(|n| {
                        n.len() == 2
                            && n[0].as_str().map(str::to_lowercase).as_deref() == Some(alias)
                    });
                }
                map.values().all(|x| walk(x, alias, seen))
            }
            Value::Array(items) => items.iter().all(|x| walk(x, alias, seen)),
            _ => true,
        }
    }
    let mut seen = 0;
    walk(v, alias, &mut seen) && seen > 0
}

/// The stock's rows (unit, day, begun, ended) over `rows` (a SELECT with the table's columns),
/// in one pass over them.
fn stock_days_sql(stock: &Daily, rows: &str) -> String {
    format!(
        "SELECT unit_id, day, sum(begun) AS begun, sum(ended) AS ended FROM ( \
           SELECT c.unit_id, unnest([c.b, c.e]) AS day, unnest([1.0, 0.0]) AS begun, unnest([0.0, 1.0]) AS ended \
           FROM (SELECT {body} FROM ({rows}) AS t) AS c(unit_id, b, e) WHERE c.b IS NOT NULL) AS d \
         WHERE day IS NOT NULL GROUP BY unit_id, day",
        body = stock.body
    )
}

/// Builds a stock's roll-up whole.
fn build_stock(conn: &Connection, stock: &Daily) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO main.rollup_days (kpi, unit_id, day, numerator, denominator) \
             SELECT CAST($1 AS VARCHAR), unit_id, day, begun, ended FROM ({}) AS s",
            stock_days_sql(stock, &format!("SELECT * FROM main.{}", stock.table))
        ),
        [&stock.kpi],
    )?;
    Ok(())
}

/// What an import changes in the stocks over its table: the rows it takes away and brings, as
/// begun and ended per stock, unit and day (in `temp.stock_changes`, and the rows taken away
/// as DELETE ... RETURNING reads them), added to the roll-ups by [`Changes::apply`].
#[derive(Default)]
pub struct Changes {
    table: bool,
    removed: std::collections::HashMap<(String, String, NaiveDate), (f64, f64)>,
}

impl Changes {
    /// Counts the rows of `rows` (a SELECT with the table's columns) in (`sign` 1) or out (-1).
    pub fn add(
        &mut self,
        conn: &Connection,
        stocks: &[Daily],
        rows: &str,
        sign: f64,
    ) -> Result<()> {
        for stock in stocks.iter().filter(|s| s.is_stock()) {
            self.create(conn)?;
            conn.execute(
                &format!(
                    "INSERT INTO temp.stock_changes SELECT CAST($1 AS VARCHAR), unit_id, day, $2 * begun, $2 * ended FROM ({}) AS s",
                    stock_days_sql(stock, rows)
                ),
                duckdb::params![stock.kpi, sign],
            )?;
        }
        Ok(())
    }

    fn create(&mut self, conn: &Connection) -> Result<()> {
        if !self.table {
            conn.execute_batch(
                "CREATE OR REPLACE TEMP TABLE stock_changes (kpi VARCHAR, unit_id VARCHAR, day DATE, begun DOUBLE, ended DOUBLE)",
            )?;
            self.table = true;
        }
        Ok(())
    }

    /// Counts out the row a stock's columns `(unit, begins, ends)` describe (from RETURNING).
    pub fn remove(
        &mut self,
        kpi: &str,
        unit: Option<String>,
        begins: Option<NaiveDate>,
        ends: Option<NaiveDate>,
    ) {
        let (Some(unit), Some(begins)) = (unit, begins) else {
            return;
        };
        let mut count = |day: NaiveDate, begun: f64, ended: f64| {
            let e = self
                .removed
                .entry((kpi.to_string(), unit.clone(), day))
                .or_default();
            e.0 += begun;
            e.1 += ended;
        };
        count(begins, -1.0, 0.0);
        if let Some(day) = ends {
            count(day, 0.0, -1.0);
        }
    }

    /// Adds the changes to the stored roll-ups (inside the import's transaction).
    pub fn apply(mut self, conn: &Connection) -> Result<()> {
        if !self.removed.is_empty() {
            self.create(conn)?;
            let mut insert =
                conn.prepare("INSERT INTO temp.stock_changes VALUES (?, ?, ?, ?, ?)")?;
            for ((kpi, unit, day), (b, e)) in &self.removed {
                insert.execute(duckdb::params![kpi, unit, day, b, e])?;
            }
        }
        if !self.table {
            return Ok(());
        }
        conn.execute_batch(
            "CREATE OR REPLACE TEMP TABLE stock_net AS \
               SELECT kpi, unit_id, day, sum(begun) AS begun, sum(ended) AS ended FROM temp.stock_changes \
               GROUP BY kpi, unit_id, day HAVING sum(begun) <> 0 OR sum(ended) <> 0; \
             UPDATE main.rollup_days AS r SET numerator = r.numerator + c.begun, denominator = r.denominator + c.ended \
               FROM temp.stock_net AS c WHERE r.kpi = c.kpi AND r.unit_id = c.unit_id AND r.day = c.day; \
             INSERT INTO main.rollup_days (kpi, unit_id, day, numerator, denominator) \
               SELECT c.kpi, c.unit_id, c.day, c.begun, c.ended FROM temp.stock_net AS c \
               WHERE NOT EXISTS (SELECT 1 FROM main.rollup_days AS r WHERE r.kpi = c.kpi AND r.unit_id = c.unit_id AND r.day = c.day); \
             DROP TABLE temp.stock_net; DROP TABLE temp.stock_changes;",
        )?;
        Ok(())
    }
}

/// The SQL text of a syntax tree of [`serialize`]'s (DuckDB's own rendering of it).
pub(crate) fn deserialize(conn: &Connection, tree: &Value) -> duckdb::Result<String> {
    conn.query_row(
        "SELECT json_deserialize_sql(CAST($1 AS JSON))",
        [tree.to_string()],
        |r| r.get(0),
    )
}

pub(crate) fn serialize(conn: &Connection, sql: &str) -> Result<Value> {
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
    plain_select(&node)?;
    let empty = is_empty;
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

/// An empty clause of DuckDB's syntax tree.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o
            .get("map")
            .and_then(Value::as_array)
            .is_some_and(|a| a.is_empty()),
        _ => false,
    }
}

/// One SELECT ... FROM ... GROUP BY, with no WITH, DISTINCT, ORDER BY, LIMIT, HAVING, QUALIFY,
/// SAMPLE or grouping sets.
fn plain_select(node: &Value) -> std::result::Result<(), String> {
    if node["type"] != "SELECT_NODE" {
        return Err("the SELECT is not a single SELECT ... FROM ... GROUP BY".into());
    }
    if !is_empty(&node["cte_map"]) {
        return Err("it has a WITH clause".into());
    }
    if !is_empty(&node["modifiers"]) {
        return Err("it has DISTINCT, ORDER BY or LIMIT".into());
    }
    for clause in ["having", "qualify", "sample"] {
        if !is_empty(&node[clause]) {
            return Err(format!("it has a {} clause", clause.to_uppercase()));
        }
    }
    let sets = node["group_sets"].as_array().map_or(0, Vec::len);
    if node["aggregate_handling"] != "STANDARD_HANDLING" || sets != 1 {
        return Err("it groups by more than grp and period".into());
    }
    Ok(())
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
    let unit = unit_column(daily.table);
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

/// Builds, whole, each roll-up of `wanted` not yet built from its current text. Returns the KPIs
/// that could not be built, with why (they stay on raw rows).
///
/// One no longer wanted is kept (and kept current) until the next import ([`forget`]): a KPI file
/// edited and put back then finds its roll-up, and every answer cached over it, as it left them.
pub fn ensure(conn: &Connection, wanted: &[Daily]) -> Result<(usize, Vec<(String, String)>)> {
    let built = built(conn)?;
    let mut failed = Vec::new();
    let mut rebuilt = 0;
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
            if daily.is_stock() {
                build_stock(conn, daily)?;
            } else if let Some((lo, hi)) = extent(conn, daily.table, &daily.column)? {
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

/// Drops the roll-ups no KPI of `wanted` takes (before an import, which changes every answer
/// anyway, so that imports keep only what is used).
pub fn forget(conn: &Connection, wanted: &[Daily]) -> Result<()> {
    for (kpi, fingerprint) in built(conn)? {
        if !wanted
            .iter()
            .any(|d| d.kpi == kpi && d.fingerprint == fingerprint)
        {
            crate::db::in_transaction(conn, || {
                conn.execute("DELETE FROM main.rollup_days WHERE kpi = ?", [&kpi])?;
                conn.execute("DELETE FROM main.rollup_kpis WHERE kpi = ?", [&kpi])?;
                Ok(())
            })?;
        }
    }
    Ok(())
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
            per: None,
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
pub fn values_sql(daily: &Daily, periods: &str, rows: &str, groups: &str) -> String {
    if daily.is_stock() {
        return stock_values_sql(periods, rows, groups);
    }
    if let Some(per) = &daily.per {
        return per_group_values_sql(periods, rows, groups, per);
    }
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

/// A count per group's values from its roll-up ([`per_group`]): every group and period, the
/// rows counted (0 if none) over the group's `per`. Parameters as [`values_sql`]'s.
fn per_group_values_sql(periods: &str, rows: &str, groups: &str, per: &str) -> String {
    format!(
        "WITH {periods}, \
              counted AS (SELECT s.grp, p.period, sum(r.numerator) AS n \
                          FROM periods AS p JOIN main.rollup_days AS r ON r.day >= p.period AND r.day < p.period_end \
                          JOIN ({rows}) AS s ON r.unit_id = s.unit_id \
                          WHERE r.kpi = CAST($3 AS VARCHAR) GROUP BY s.grp, p.period) \
         SELECT CAST(g.grp AS VARCHAR), CAST(p.period AS DATE), CAST(coalesce(counted.n, 0) AS DOUBLE), \
                CAST(g.{per} AS DOUBLE), NULL::DOUBLE, NULL::DOUBLE \
         FROM ({groups}) AS g CROSS JOIN periods AS p \
         LEFT JOIN counted ON counted.grp = g.grp AND counted.period = p.period",
        per = crate::tables::quote_ident(per)
    )
}

/// A stock's values from its roll-up, as its raw SQL gives them (grp, period, value), every group
/// and period with a row: per group, the running total of rows begun less rows ended, day by
/// day, read at the last day before each period's end. Parameters as [`values_sql`]'s.
fn stock_values_sql(periods: &str, rows: &str, groups: &str) -> String {
    format!(
        "WITH {periods}, \
              net AS (SELECT s.grp, r.day, sum(r.numerator - r.denominator) AS n \
                      FROM main.rollup_days AS r JOIN ({rows}) AS s ON r.unit_id = s.unit_id \
                      WHERE r.kpi = CAST($3 AS VARCHAR) GROUP BY s.grp, r.day), \
              running AS (SELECT grp, day, sum(n) OVER (PARTITION BY grp ORDER BY day ROWS UNBOUNDED PRECEDING) AS total FROM net), \
              grid AS (SELECT CAST(g.grp AS VARCHAR) AS grp, p.period, p.period_end FROM ({groups}) AS g CROSS JOIN periods AS p) \
         SELECT grid.grp, CAST(grid.period AS DATE), CAST(coalesce(running.total, 0) AS DOUBLE), \
                NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE \
         FROM grid ASOF LEFT JOIN running ON grid.grp = running.grp AND grid.period_end > running.day"
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
                "appeal_overdue_open",
                "e_service_share",
                "feedback_platform_share",
                "resident_satisfaction_share",
                "service_cases_per_1000"
            ]
        );
        let catalog = state.catalog();
        assert_eq!(
            catalog.kpis["service_cases_per_1000"]
                .rollup
                .as_ref()
                .unwrap()
                .per
                .as_deref(),
            Some("population")
        );
        assert!(catalog.kpis["appeal_overdue_open"]
            .rollup
            .as_ref()
            .unwrap()
            .is_stock());
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
        // Stocks: rows begun before a period's end and not ended by it.
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let stock = |on: &str, count: &str| {
            super::stock(
                &conn,
                "s",
                &format!(
                    "SELECT g.grp, p.period, {count} AS value FROM groups AS g CROSS JOIN periods AS p \
                     LEFT JOIN appeals AS a ON a.grp = g.grp AND {on} GROUP BY g.grp, p.period"
                ),
            )
        };
        let open = stock(
            "p.period_end > a.received_at AND a.due_at < p.period_end \
             AND coalesce(a.closed_at, TIMESTAMP '9999-12-31') >= p.period_end AND a.channel = 'phone'",
            "count(a.appeal_id)",
        )
        .unwrap();
        assert!(open.is_stock() && open.table == "appeals");
        assert!(
            open.body
                .contains("greatest(CAST((t.received_at) AS DATE), CAST((t.due_at) AS DATE))")
                && open.body.contains("(t.channel = 'phone')"),
            "{}",
            open.body
        );
        for (on, count, why) in [
            ("a.received_at <= p.period_end", "count(a.appeal_id)", "other than by <"),
            ("a.received_at < p.period", "count(a.appeal_id)", "reads the period"),
            ("a.rating < p.period_end", "count(a.appeal_id)", "date or timestamp column"),
            ("a.received_at < p.period_end", "count(*)", "count(a.<column>)"),
            ("a.received_at < p.period_end", "count(DISTINCT a.unit_id)", "count(a.<column>)"),
            (
                "a.received_at < p.period_end AND a.closed_at >= p.period_end AND a.due_at >= p.period_end",
                "count(a.appeal_id)",
                "more than one end",
            ),
            (
                "a.received_at < p.period_end AND g.population > 10",
                "count(a.appeal_id)",
                "something else than the row",
            ),
            (
                "a.received_at < p.period_end AND a.unit_id IN (SELECT id FROM org_units)",
                "count(a.appeal_id)",
                "subquery",
            ),
        ] {
            let refused = stock(on, count).unwrap_err();
            assert!(refused.contains(why), "{on} {count}: {refused}");
        }
        // Counts per group: over a number of the group, every group and period with a row.
        let per_group = |on: &str, select: &str| {
            super::per_group(
                &conn,
                "r",
                &format!(
                    "SELECT g.grp, p.period, {select} FROM groups AS g CROSS JOIN periods AS p \
                     LEFT JOIN service_cases AS c ON c.grp = g.grp AND {on} GROUP BY g.grp, p.period"
                ),
            )
        };
        let within = "c.submitted_at >= p.period AND c.submitted_at < p.period_end";
        let rate = per_group(
            &format!("{within} AND c.channel = 'portal'"),
            "count(c.case_id) AS numerator, max(g.population) AS denominator",
        )
        .unwrap();
        assert_eq!(
            (rate.column.as_str(), rate.per.as_deref()),
            ("submitted_at", Some("population"))
        );
        for (on, select, why) in [
            (
                within,
                "count(c.case_id) AS numerator, sum(g.population) AS denominator",
                "its columns",
            ),
            (
                within,
                "count(*) AS numerator, any_value(g.population) AS denominator",
                "its columns",
            ),
            (
                "c.submitted_at >= p.period AND c.completed_at < p.period_end",
                "count(c.case_id) AS numerator, any_value(g.population) AS denominator",
                "a.day >= p.period",
            ),
            (
                &format!("{within} AND g.population > 0"),
                "count(c.case_id) AS numerator, any_value(g.population) AS denominator",
                "something else than the row",
            ),
        ] {
            let refused = per_group(on, select).unwrap_err();
            assert!(refused.contains(why), "{on} {select}: {refused}");
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
            assert_eq!(a.value, b.value, "{what}: {} {}", a.grp, a.period);
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
        assert_eq!(routed.len(), 6);
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

    /// The engine's faster forms of the raw SELECTs ([`crate::prune`]): the same cells as the
    /// files as written, at every unit, for weeks, Solar Hijri months, comparisons and staff.
    #[test]
    fn the_faster_forms_answer_as_the_files_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let (state, files) = seeded(dir.path());
        for f in &files {
            state
                .import(f, &f.file_name().unwrap().to_string_lossy())
                .unwrap();
        }
        let catalog = state.catalog();
        let planned: Vec<&Kpi> = catalog
            .kpis
            .values()
            .filter(|k| k.plan != crate::prune::Plan::default())
            .collect();
        let ids: Vec<&str> = planned.iter().map(|k| k.def.id.as_str()).collect();
        for id in [
            "appeal_response_hours_median",
            "service_days_median",
            "service_cases_per_1000",
            "appeal_overdue_open",
        ] {
            assert!(ids.contains(&id), "{id} has a faster form: {ids:?}");
        }
        let units = state.units();
        let operator = Jurisdiction::operator();
        let run = |k: &Kpi, scope: Scope, periods: &Periods| {
            kpi::evaluate(
                &state.sandbox,
                k,
                scope,
                periods,
                &operator,
                Duration::from_secs(30),
            )
            .unwrap()
        };
        let mut compared = 0;
        for kpi in &planned {
            let mut written = (*kpi).clone();
            written.plan = crate::prune::Plan::default();
            written.rollup = None;
            let mut fast = (*kpi).clone();
            fast.rollup = None;
            let forms = [
                Periods::grain(Grain::Week, d("2021-10-01"), d("2021-12-31")),
                Periods::in_calendar(
                    Calendar::Persian,
                    Grain::Month,
                    d("2020-03-20"),
                    d("2021-03-20"),
                ),
                Periods::comparisons(d("2021-07-01"), d("2021-09-30")).0,
            ];
            // Every unit with units under it, and every 8th of the others.
            let parents: Vec<&str> = units
                .iter()
                .filter_map(|u| u.parent_id.as_deref())
                .collect();
            let leaves = units.iter().filter(|u| !parents.contains(&u.id.as_str()));
            let some = units
                .iter()
                .filter(|u| parents.contains(&u.id.as_str()))
                .chain(leaves.step_by(8));
            for unit in some {
                for (i, periods) in forms.iter().enumerate() {
                    let scope = match i {
                        2 => Scope::ChildrenOf(&unit.id),
                        _ => Scope::Unit(&unit.id),
                    };
                    let (a, b) = (run(&fast, scope, periods), run(&written, scope, periods));
                    let what = format!("{} {} {i}", kpi.def.id, unit.id);
                    assert_same(&what, &a, &b);
                    for (x, y) in a.iter().zip(&b) {
                        assert_eq!(x.value, y.value, "{what}: {} {}", x.grp, x.period);
                    }
                    compared += a.len();
                }
            }
            let city = &units.iter().find(|u| u.parent_id.is_some()).unwrap().id;
            let periods = Periods::grain(Grain::Month, d("2021-01-01"), d("2021-12-31"));
            let (a, b) = (
                run(&fast, Scope::StaffOf(city), &periods),
                run(&written, Scope::StaffOf(city), &periods),
            );
            assert_same(&format!("{} staff of {city}", kpi.def.id), &a, &b);
            compared += a.len();
        }
        assert!(compared > 10_000, "{compared} cells compared");
    }

    #[test]
    fn a_roll_up_no_kpi_takes_is_kept_until_the_next_import() {
        let (state, _dir) = tiny_state();
        let wanted = state.catalog().rollups();
        let others: Vec<super::Daily> = wanted
            .iter()
            .filter(|d| d.kpi != "appeal_overdue_open")
            .cloned()
            .collect();
        let kept = || {
            state
                .db
                .with(|c| {
                    Ok(c.query_row(
                        "SELECT count(*) FROM main.rollup_kpis WHERE kpi = 'appeal_overdue_open'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )?)
                })
                .unwrap()
        };
        assert_eq!(kept(), 1);
        // The file was edited (the KPI no longer rolls up): kept, so that putting the text back
        // finds it built.
        let (built, failed) = state.db.with_writer(|c| super::ensure(c, &others)).unwrap();
        assert_eq!((built, failed.len(), kept()), (0, 0, 1));
        let (built, _) = state.db.with_writer(|c| super::ensure(c, &wanted)).unwrap();
        assert_eq!(built, 0, "put back: nothing to build");
        // Before an import: dropped.
        state.db.with_writer(|c| super::forget(c, &others)).unwrap();
        assert_eq!(kept(), 0);
    }
}
