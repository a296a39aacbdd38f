//! KPI definitions: one `.sql` file per KPI in `queries/`, a metadata header of `-- key: value`
//! lines, then one SELECT.
//!
//! The SELECT never names the org scope or the period: the server wraps it in common table
//! expressions that shadow the data tables with only the rows in scope, each tagged with the
//! group (`grp`) it rolls up to, and a `periods(period, period_end)` table of the buckets asked for.
//! The SELECT returns one row per `grp` and `period`, with either `value` or `numerator` and
//! `denominator`. Because it is evaluated over the rows of exactly the level asked for, a ratio is
//! the sum of parts and a median is recomputed from rows, at every level of the tree.
//! Scope and period are bound as parameters, never spliced into the text.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use duckdb::Connection;
use kpi_api::{Direction, Grain, KpiDef, KpiLoadError, Measure, Role};

use crate::auth::Jurisdiction;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::sandbox;

/// How a KPI's SELECT hands over its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A `value` column, already final for the group and period.
    Value,
    /// `numerator` and `denominator`; the value is their ratio times the measure's scale.
    Ratio,
}

/// A loaded, validated KPI.
#[derive(Debug, Clone)]
pub struct Kpi {
    pub def: KpiDef,
    /// The line of the file where the SELECT begins, to point errors at the file's own lines.
    pub body_line: u32,
    pub shape: Shape,
    /// Proof that the SQL passed the sandbox's check: only [`load_dir`] makes a `Kpi`.
    _checked: Checked,
}

#[derive(Debug, Clone)]
struct Checked;

/// Every KPI that loaded, and every file that did not.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub kpis: BTreeMap<String, Kpi>,
    pub errors: Vec<KpiLoadError>,
}

/// Which rows a KPI is evaluated over, and how they are grouped.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything under the unit (itself included), as one group named after it.
    Unit(&'a str),
    /// Everything under each child of the unit, one group per child.
    ChildrenOf(&'a str),
}

/// The buckets to evaluate: `count` consecutive periods of length `step` from `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    pub start: NaiveDate,
    pub last: NaiveDate,
    /// A DuckDB interval: `7 days`, `1 month`, `3 months`, `1 year`, `92 days`.
    pub step: String,
}

impl Buckets {
    /// The buckets of a grain covering `from..=to`.
    pub fn grain(grain: Grain, from: NaiveDate, to: NaiveDate) -> Buckets {
        let step = match grain {
            Grain::Week => "7 days",
            Grain::Month => "1 month",
            Grain::Quarter => "3 months",
            Grain::Year => "1 year",
        };
        Buckets {
            start: grain.start_of(from),
            last: grain.start_of(to),
            step: step.to_string(),
        }
    }

    /// Two buckets: the previous period and the chosen one (`from..=to`), equally long.
    pub fn previous_and_current(from: NaiveDate, to: NaiveDate) -> Buckets {
        let (prev_from, _) = kpi_api::period::previous(from, to);
        let months = month_span(prev_from, from);
        let step = match months {
            Some(m) => format!("{m} months"),
            None => format!("{} days", kpi_api::period::days(from, to)),
        };
        Buckets {
            start: prev_from,
            last: from,
            step,
        }
    }

    /// One bucket covering the whole of `from..=to` (a tile's value, a comparison table).
    pub fn whole(from: NaiveDate, to: NaiveDate) -> Buckets {
        Buckets {
            start: from,
            last: from,
            step: format!("{} days", kpi_api::period::days(from, to)),
        }
    }

    /// No buckets at all: the query binds and runs, but reads nothing (used to validate).
    fn none() -> Buckets {
        let day = NaiveDate::from_ymd_opt(2000, 1, 2).expect("valid date");
        Buckets {
            start: day,
            last: day.pred_opt().expect("valid date"),
            step: "1 day".to_string(),
        }
    }
}

fn month_span(a: NaiveDate, b: NaiveDate) -> Option<u32> {
    use chrono::Datelike;
    if a.day() != 1 || b.day() != 1 {
        return None;
    }
    let m = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
    u32::try_from(m).ok().filter(|m| *m > 0)
}

/// The metadata keys a header may carry (shared with the web app's editor).
pub use kpi_api::KPI_HEADER_KEYS as HEADER_KEYS;

fn load_error(file: &str, line: Option<u32>, message: impl Into<String>) -> KpiLoadError {
    KpiLoadError {
        file: file.to_string(),
        line,
        column: None,
        message: message.into(),
    }
}

/// Splits a KPI file into its definition and the line where its SELECT begins.
pub fn parse(file: &str, text: &str) -> std::result::Result<(KpiDef, u32), KpiLoadError> {
    let mut fields: HashMap<&str, (String, u32)> = HashMap::new();
    let mut body_line = None;
    let mut body = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        if body_line.is_none() {
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            if let Some((key, value)) = header_pair(trimmed) {
                let Some(&known) = HEADER_KEYS.iter().find(|k| **k == key) else {
                    return Err(load_error(
                        file,
                        Some(line_no),
                        format!(
                            "unknown header key '{key}'; known keys: {}",
                            HEADER_KEYS.join(", ")
                        ),
                    ));
                };
                if known == "expect" {
                    // Any number of them; checked here so a wrong one is a load error.
                    parse_expectation(value, line_no)
                        .map_err(|m| load_error(file, Some(line_no), format!("expect: {m}")))?;
                    continue;
                }
                if fields.insert(known, (value.to_string(), line_no)).is_some() {
                    return Err(load_error(
                        file,
                        Some(line_no),
                        format!("header key '{key}' is given twice"),
                    ));
                }
                continue;
            }
            body_line = Some(line_no);
        }
        body.push_str(raw);
        body.push('\n');
    }
    let body = body.trim_end().trim_end_matches(';').trim_end().to_string();
    let Some(body_line) = body_line.filter(|_| !body.is_empty()) else {
        return Err(load_error(
            file,
            None,
            "the file has a header but no SELECT",
        ));
    };
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let get = |key: &str| fields.get(key).map(|(v, l)| (v.as_str(), *l));
    let required = |key: &str| {
        get(key).ok_or_else(|| load_error(file, None, format!("header key '{key}' is required")))
    };
    let (id, id_line) = required("id")?;
    if id != stem {
        return Err(load_error(
            file,
            Some(id_line),
            format!("id '{id}' must equal the file name '{stem}'"),
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || id.is_empty()
    {
        return Err(load_error(
            file,
            Some(id_line),
            "id: use lower-case letters, digits and underscores",
        ));
    }
    let (title, _) = required("title")?;
    let (unit, unit_line) = required("unit")?;
    let measure = Measure::parse(unit).ok_or_else(|| {
        let names: Vec<&str> = Measure::ALL.iter().map(|m| m.as_str()).collect();
        load_error(
            file,
            Some(unit_line),
            format!("unit: '{unit}' is not one of {}", names.join(", ")),
        )
    })?;
    let (direction, dir_line) = required("direction")?;
    let direction = match direction {
        "higher" => Direction::Higher,
        "lower" => Direction::Lower,
        other => {
            return Err(load_error(
                file,
                Some(dir_line),
                format!("direction: '{other}' is not one of higher, lower"),
            ))
        }
    };
    let number = |key: &str| -> std::result::Result<Option<f64>, KpiLoadError> {
        match get(key) {
            None => Ok(None),
            Some((v, line)) => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    load_error(file, Some(line), format!("{key}: '{v}' is not a number"))
                }),
        }
    };
    let target = number("target")?;
    let amber = number("amber")?;
    if let (Some(t), Some(a)) = (target, amber) {
        let wrong_side = match direction {
            Direction::Higher => a > t,
            Direction::Lower => a < t,
        };
        if wrong_side {
            let line = get("amber").map(|(_, l)| l);
            return Err(load_error(
                file,
                line,
                format!(
                    "amber: {a} must lie on the worse side of the target {t} (direction: {})",
                    if direction == Direction::Higher {
                        "higher"
                    } else {
                        "lower"
                    }
                ),
            ));
        }
    }
    if amber.is_some() && target.is_none() {
        return Err(load_error(
            file,
            get("amber").map(|(_, l)| l),
            "amber: needs a target",
        ));
    }
    let grain = match get("grain") {
        None => Grain::Week,
        Some((g, line)) => Grain::parse(g).ok_or_else(|| {
            load_error(
                file,
                Some(line),
                format!("grain: '{g}' is not one of week, month, quarter, year"),
            )
        })?,
    };
    let role = match get("role") {
        None | Some(("lag", _)) => Role::Lag,
        Some(("lead", _)) => Role::Lead,
        Some((other, line)) => {
            return Err(load_error(
                file,
                Some(line),
                format!("role: '{other}' is not one of lag, lead"),
            ))
        }
    };
    let text_of = |key: &str| {
        get(key)
            .map(|(v, _)| v.to_string())
            .filter(|v| !v.is_empty())
    };
    let tags = get("tags")
        .map(|(v, _)| {
            v.split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok((
        KpiDef {
            id: id.to_string(),
            title: title.to_string(),
            description: text_of("description").unwrap_or_default(),
            measure,
            direction,
            target,
            amber,
            grain,
            role,
            owner: text_of("owner"),
            source: text_of("source"),
            tags,
            file: file.to_string(),
            sql: body,
        },
        body_line,
    ))
}

/// A value a KPI must have on the seed data: `-- expect: perm 2021-01-01..2021-03-31 = 93.4 ± 0.5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub unit: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub value: f64,
    pub tolerance: f64,
    /// The header line that says it.
    pub line: u32,
}

fn parse_expectation(text: &str, line: u32) -> std::result::Result<Expectation, String> {
    const FORM: &str =
        "write UNIT FROM..TO = VALUE ± TOLERANCE, e.g. perm 2021-01-01..2021-03-31 = 93.4 ± 0.5";
    let (left, right) = text.split_once('=').ok_or(FORM)?;
    let mut words = left.split_whitespace();
    let (Some(unit), Some(range), None) = (words.next(), words.next(), words.next()) else {
        return Err(FORM.to_string());
    };
    let (from, to) = range.split_once("..").ok_or(FORM)?;
    let date = |d: &str| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| format!("'{d}' is not a date YYYY-MM-DD"))
    };
    let (from, to) = (date(from)?, date(to)?);
    if from > to {
        return Err(format!("{from} is after {to}"));
    }
    let right = right.replace("+-", "±");
    let (value, tolerance) = right.split_once('±').ok_or(FORM)?;
    let number = |n: &str| {
        n.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{}' is not a number", n.trim()))
    };
    let (value, tolerance) = (number(value)?, number(tolerance)?);
    if tolerance < 0.0 {
        return Err("the tolerance cannot be negative".to_string());
    }
    Ok(Expectation {
        unit: unit.to_string(),
        from,
        to,
        value,
        tolerance,
        line,
    })
}

/// Every `-- expect:` line of a KPI file's header.
pub fn expectations(text: &str) -> Vec<Expectation> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i as u32 + 1, l.trim()))
        .take_while(|(_, l)| l.is_empty() || l.starts_with("--"))
        .filter_map(|(n, l)| header_pair(l).map(|(k, v)| (n, k, v)))
        .filter(|(_, k, _)| *k == "expect")
        .filter_map(|(n, _, v)| parse_expectation(v, n).ok())
        .collect()
}

/// The KPI's value for `unit` over the whole of `from..=to`, as a board tile shows it.
pub fn value_over(
    conn: &Connection,
    kpi: &Kpi,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Result<Option<f64>> {
    let cells = evaluate(
        conn,
        kpi,
        Scope::Unit(unit),
        &Buckets::whole(from, to),
        jurisdiction,
    )?;
    Ok(cells.first().and_then(|c| c.value))
}

/// `-- key: value` with a lower-case key, or None when the line is something else.
fn header_pair(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("--")?.trim_start();
    let (key, value) = rest.split_once(':')?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return None;
    }
    Some((key, value.trim()))
}

/// The SQL that evaluates `body` for a scope. Everything the server adds sits on the first line,
/// so DuckDB's "LINE n" is line n - 1 of the body.
///
/// Parameters: `$1` the unit, `$2`/`$3` the first and last bucket start, `$4` the bucket length,
/// `$5` the caller's jurisdiction (its home unit; NULL reads every unit). Every shadowing CTE keeps
/// only rows under `$5`, so a unit above the jurisdiction counts its in-scope part only, and its
/// population is the home unit's.
fn wrap(body: &str, scope: &Scope, shape: Option<Shape>, jurisdiction: &Jurisdiction) -> String {
    // Joins, not IN-lists or ORs, so that DuckDB plans the scoped query as fast as the whole one.
    let scope_ctes = match (scope, jurisdiction.home().is_some()) {
        (Scope::Unit(_), false) => {
            "jur AS (SELECT CAST($5 AS VARCHAR) AS home), \
             scope AS (SELECT c.unit_id, c.ancestor_id AS grp FROM main.unit_closure c WHERE c.ancestor_id = $1), \
             groups AS (SELECT u.id AS grp, u.name, u.population FROM main.org_units u WHERE u.id = $1)"
        }
        (Scope::ChildrenOf(_), false) => {
            "jur AS (SELECT CAST($5 AS VARCHAR) AS home), \
             scope AS (SELECT c.unit_id, c.ancestor_id AS grp FROM main.unit_closure c JOIN main.org_units g ON g.id = c.ancestor_id WHERE g.parent_id = $1), \
             groups AS (SELECT u.id AS grp, u.name, u.population FROM main.org_units u WHERE u.parent_id = $1)"
        }
        // A group inside the jurisdiction has its own population; a group above it (on the path
        // to the home unit) counts the home unit's people only.
        (Scope::Unit(_), true) => {
            "jur AS (SELECT j.unit_id FROM main.unit_closure j WHERE j.ancestor_id = CAST($5 AS VARCHAR)), \
             scope AS (SELECT c.unit_id, c.ancestor_id AS grp FROM main.unit_closure c JOIN jur ON jur.unit_id = c.unit_id WHERE c.ancestor_id = $1), \
             groups AS (SELECT u.id AS grp, u.name, CASE WHEN EXISTS (SELECT 1 FROM jur WHERE jur.unit_id = u.id) THEN u.population \
                 ELSE (SELECT h.population FROM main.org_units h WHERE h.id = CAST($5 AS VARCHAR)) END AS population \
                 FROM main.org_units u WHERE u.id = $1)"
        }
        (Scope::ChildrenOf(_), true) => {
            "jur AS (SELECT j.unit_id FROM main.unit_closure j WHERE j.ancestor_id = CAST($5 AS VARCHAR)), \
             scope AS (SELECT c.unit_id, c.ancestor_id AS grp FROM main.unit_closure c JOIN main.org_units g ON g.id = c.ancestor_id \
                 JOIN jur ON jur.unit_id = c.unit_id WHERE g.parent_id = $1), \
             groups AS (SELECT u.id AS grp, u.name, CASE WHEN EXISTS (SELECT 1 FROM jur WHERE jur.unit_id = u.id) THEN u.population \
                 ELSE (SELECT h.population FROM main.org_units h WHERE h.id = CAST($5 AS VARCHAR)) END AS population \
                 FROM main.org_units u WHERE u.parent_id = $1 AND (EXISTS (SELECT 1 FROM jur WHERE jur.unit_id = u.id) \
                 OR EXISTS (SELECT 1 FROM main.unit_closure a WHERE a.ancestor_id = u.id AND a.unit_id = CAST($5 AS VARCHAR))))"
        }
    };
    let common = "periods AS (SELECT CAST(p AS DATE) AS period, CAST(p + CAST($4 AS INTERVAL) AS DATE) AS period_end \
             FROM generate_series(CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), CAST($4 AS INTERVAL)) AS t(p)), \
         appeals AS (SELECT s.grp, a.* FROM main.appeals a JOIN scope s ON a.unit_id = s.unit_id), \
         service_cases AS (SELECT s.grp, x.* FROM main.service_cases x JOIN scope s ON x.unit_id = s.unit_id), \
         staffing AS (SELECT s.grp, x.* FROM main.staffing x JOIN scope s ON x.unit_id = s.unit_id), \
         org_units AS (SELECT s.grp, u.* FROM main.org_units u JOIN scope s ON u.id = s.unit_id)";
    let outer = match shape {
        None => "SELECT *".to_string(),
        Some(Shape::Value) => {
            "SELECT CAST(grp AS VARCHAR), CAST(period AS DATE), CAST(value AS DOUBLE), NULL::DOUBLE".to_string()
        }
        Some(Shape::Ratio) => "SELECT CAST(grp AS VARCHAR), CAST(period AS DATE), CAST(numerator AS DOUBLE), CAST(denominator AS DOUBLE)".to_string(),
    };
    format!(
        "{outer} FROM (WITH {scope_ctes}, {common} SELECT * FROM (\n{body}\n) AS kpi) AS result"
    )
}

/// Refuses, before it runs, a text that is not one SELECT over the scoped tables (see
/// [`sandbox::check`]) or that carries its own parameters. The check parses the text as it sits
/// in [`wrap`] (from its second line), so DuckDB's line numbers mean the same as when it runs.
fn check_body(conn: &Connection, body: &str) -> Result<()> {
    if body.contains('?') || body.contains('$') {
        return Err(Error::Refused(
            "the SELECT may not contain parameters (? or $n): the server binds scope and period itself".to_string(),
        ));
    }
    sandbox::check(conn, &format!("\n{body}")).map(|_| ())
}

/// The scoped tables a KPI's SELECT reads (for its passport).
pub fn tables_read(conn: &Connection, kpi: &Kpi) -> Result<Vec<String>> {
    sandbox::check(conn, &format!("\n{}", kpi.def.sql))
}

fn scope_unit<'a>(scope: &Scope<'a>) -> &'a str {
    match scope {
        Scope::Unit(u) | Scope::ChildrenOf(u) => u,
    }
}

/// Turns DuckDB's message into a load error pointing at the file's own line and column.
fn sql_error(file: &str, body_line: u32, message: &str) -> KpiLoadError {
    let mut line = None;
    let mut column = None;
    let lines: Vec<&str> = message.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if let Some(rest) = l.trim_start().strip_prefix("LINE ") {
            if let Some((n, _)) = rest.split_once(':') {
                if let Ok(n) = n.trim().parse::<u32>() {
                    if n >= 2 {
                        line = Some(body_line + n - 2);
                        let prefix = l.find(':').map(|p| p + 2).unwrap_or(0);
                        if let Some(caret) = lines.get(i + 1).and_then(|c| c.find('^')) {
                            column = caret.checked_sub(prefix).map(|c| c as u32 + 1);
                        }
                    }
                }
            }
        }
    }
    let first = message
        .split("\n\nLINE")
        .next()
        .unwrap_or(message)
        .trim()
        .to_string();
    KpiLoadError {
        file: file.to_string(),
        line,
        column,
        message: first,
    }
}

/// Binds the KPI against the real schema and runs it over no periods, to learn its shape.
pub fn validate(
    conn: &Connection,
    def: &KpiDef,
    body_line: u32,
) -> std::result::Result<Shape, KpiLoadError> {
    check_body(conn, &def.sql).map_err(|e| match e {
        Error::Refused(message) => sql_error(&def.file, body_line, &message),
        other => load_error(&def.file, None, other.to_string()),
    })?;
    let sql = wrap(&def.sql, &Scope::Unit(""), None, &Jurisdiction::operator());
    let b = Buckets::none();
    let columns = (|| -> duckdb::Result<Vec<String>> {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query(duckdb::params![
            "",
            b.start.to_string(),
            b.last.to_string(),
            b.step,
            None::<String>
        ])?;
        Ok(rows.as_ref().map(|s| s.column_names()).unwrap_or_default())
    })()
    .map_err(|e| sql_error(&def.file, body_line, &e.to_string()))?;
    let has = |c: &str| columns.iter().any(|x| x == c);
    if !has("grp") || !has("period") {
        return Err(load_error(
            &def.file,
            Some(body_line),
            format!(
                "the SELECT must return columns grp and period (it returns {}); group by grp and period",
                columns.join(", ")
            ),
        ));
    }
    match (has("value"), has("numerator") && has("denominator")) {
        (true, false) => Ok(Shape::Value),
        (false, true) => Ok(Shape::Ratio),
        _ => Err(load_error(
            &def.file,
            Some(body_line),
            format!(
                "the SELECT must return either a value column or numerator and denominator columns (it returns {})",
                columns.join(", ")
            ),
        )),
    }
}

/// Reads, parses and validates every `*.sql` file of `dir`, each within `limit`.
pub fn load_dir(db: &Db, dir: &Path, limit: Duration) -> Catalog {
    let mut catalog = Catalog::default();
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect(),
        Err(e) => {
            catalog.errors.push(load_error(
                &dir.display().to_string(),
                None,
                format!("cannot read the queries folder: {e}"),
            ));
            return catalog;
        }
    };
    files.sort();
    for path in files {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let loaded = std::fs::read_to_string(&path)
            .map_err(|e| load_error(&file, None, format!("cannot read: {e}")))
            .and_then(|text| {
                db.with_limit(limit, |conn| Ok(load_text(conn, &file, &text)))
                    .unwrap_or_else(|e| Err(load_error(&file, None, e.to_string())))
            });
        match loaded {
            Ok(kpi) => {
                catalog.kpis.insert(kpi.def.id.clone(), kpi);
            }
            Err(e) => catalog.errors.push(e),
        }
    }
    catalog
}

/// One evaluated bucket of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub grp: String,
    pub period: NaiveDate,
    pub value: Option<f64>,
}

/// Evaluates a KPI for a scope over buckets, from the rows inside `jurisdiction` only.
pub fn evaluate(
    conn: &Connection,
    kpi: &Kpi,
    scope: Scope,
    buckets: &Buckets,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<Cell>> {
    let sql = wrap(&kpi.def.sql, &scope, Some(kpi.shape), jurisdiction);
    let fail = |e: duckdb::Error| Error::Kpi {
        kpi: kpi.def.id.clone(),
        message: sql_error(&kpi.def.file, kpi.body_line, &e.to_string()).message,
    };
    let mut stmt = conn.prepare(&sql).map_err(fail)?;
    let scale = kpi.def.measure.ratio_scale();
    let shape = kpi.shape;
    let rows = stmt
        .query_map(
            duckdb::params![
                scope_unit(&scope),
                buckets.start.to_string(),
                buckets.last.to_string(),
                buckets.step,
                jurisdiction.home()
            ],
            |r| {
                let grp: Option<String> = r.get(0)?;
                let period: Option<NaiveDate> = r.get(1)?;
                let a: Option<f64> = r.get(2)?;
                let b: Option<f64> = r.get(3)?;
                let value = match shape {
                    Shape::Value => a,
                    Shape::Ratio => match (a, b) {
                        (Some(n), Some(d)) if d != 0.0 => Some(n / d * scale),
                        _ => None,
                    },
                };
                Ok((grp, period, value.filter(|v| v.is_finite())))
            },
        )
        .map_err(fail)?;
    let mut out = Vec::new();
    for row in rows {
        if let (Some(grp), Some(period), value) = row.map_err(fail)? {
            out.push(Cell { grp, period, value });
        }
    }
    Ok(out)
}

/// The id a KPI file's header gives, if any (`-- id: x`), to name the file before parsing it.
pub fn header_id(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("--"))
        .filter_map(header_pair)
        .find(|(k, _)| *k == "id")
        .map(|(_, v)| v.to_string())
}

/// Parses and validates a whole KPI file's text as `file` would load: the same errors, at the
/// same lines, as `load_dir` reports.
pub fn load_text(
    conn: &Connection,
    file: &str,
    text: &str,
) -> std::result::Result<Kpi, KpiLoadError> {
    let (def, body_line) = parse(file, text)?;
    let shape = validate(conn, &def, body_line)?;
    Ok(Kpi {
        def,
        body_line,
        shape,
        _checked: Checked,
    })
}

/// Runs a KPI file's text without saving it: its series for `unit` at `grain` over `from..=to`
/// and the SELECT's first rows, or the error pointed at the text's own line.
#[allow(clippy::too_many_arguments)]
pub fn preview(
    conn: &Connection,
    text: &str,
    unit: &str,
    grain: Grain,
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
    row_limit: usize,
) -> Result<kpi_api::KpiPreview> {
    let started = Instant::now();
    let file = format!(
        "{}.sql",
        header_id(text).unwrap_or_else(|| "preview".to_string())
    );
    let failed = |error: KpiLoadError| kpi_api::KpiPreview {
        def: None,
        error: Some(error),
        points: Vec::new(),
        rows: None,
        millis: started.elapsed().as_millis() as u64,
    };
    let kpi = match load_text(conn, &file, text) {
        Ok(kpi) => kpi,
        Err(e) => return Ok(failed(e)),
    };
    let buckets = Buckets::grain(grain, from, to);
    let cells = match evaluate(conn, &kpi, Scope::Unit(unit), &buckets, jurisdiction) {
        Ok(cells) => cells,
        Err(Error::Kpi { message, .. }) => {
            return Ok(failed(sql_error(&file, kpi.body_line, &message)))
        }
        Err(e) => return Err(e),
    };
    let points = grain
        .buckets(from, to)
        .into_iter()
        .map(|(period, _)| kpi_api::Point {
            period,
            value: cells
                .iter()
                .find(|c| c.period == period)
                .and_then(|c| c.value),
        })
        .collect();
    let rows = run_query(conn, &kpi.def.sql, unit, &buckets, jurisdiction, row_limit)?;
    Ok(kpi_api::KpiPreview {
        def: Some(kpi.def),
        error: None,
        points,
        rows: Some(rows),
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Runs an analyst's SELECT over the rows of `unit` inside `jurisdiction`, in the sandbox: the
/// same scoped tables and `periods` as a KPI file, at most `row_limit` rows back.
pub fn run_query(
    conn: &Connection,
    sql: &str,
    unit: &str,
    buckets: &Buckets,
    jurisdiction: &Jurisdiction,
    row_limit: usize,
) -> Result<kpi_api::QueryResult> {
    let started = Instant::now();
    let body = sql.trim().trim_end_matches(';').trim_end();
    if body.is_empty() {
        return Err(Error::bad_parameter("sql", "empty: write one SELECT"));
    }
    check_body(conn, body)?;
    let wrapped = wrap(body, &Scope::Unit(unit), None, jurisdiction);
    let shown = |e: duckdb::Error| Error::Refused(sql_error("query", 1, &e.to_string()).message);
    let mut stmt = conn.prepare(&wrapped).map_err(shown)?;
    let mut rows = stmt
        .query(duckdb::params![
            unit,
            buckets.start.to_string(),
            buckets.last.to_string(),
            buckets.step,
            jurisdiction.home()
        ])
        .map_err(shown)?;
    let columns: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut out = Vec::new();
    let mut truncated = false;
    while let Some(row) = rows.next().map_err(shown)? {
        if out.len() == row_limit {
            truncated = true;
            break;
        }
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let value: duckdb::types::Value = row.get(i).map_err(shown)?;
            values.push(json_value(value));
        }
        out.push(values);
    }
    Ok(kpi_api::QueryResult {
        columns,
        rows: out,
        truncated,
        row_limit,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// A DuckDB value as JSON: numbers stay numbers, times become ISO text, the rest its SQL text.
fn json_value(value: duckdb::types::Value) -> serde_json::Value {
    use duckdb::types::Value as V;
    use serde_json::Value as J;
    let number = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or(J::Null)
    };
    match value {
        V::Null => J::Null,
        V::Boolean(b) => J::Bool(b),
        V::TinyInt(n) => J::from(n),
        V::SmallInt(n) => J::from(n),
        V::Int(n) => J::from(n),
        V::BigInt(n) => J::from(n),
        V::UTinyInt(n) => J::from(n),
        V::USmallInt(n) => J::from(n),
        V::UInt(n) => J::from(n),
        V::UBigInt(n) => J::from(n),
        V::HugeInt(n) => J::String(n.to_string()),
        V::Float(f) => number(f as f64),
        V::Double(f) => number(f),
        V::Decimal(d) => d.to_string().parse::<f64>().map(number).unwrap_or(J::Null),
        V::Text(t) => J::String(t),
        V::Date32(days) => chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map(|d| J::String(d.to_string()))
            .unwrap_or(J::Null),
        V::Timestamp(unit, n) => {
            let micros = match unit {
                duckdb::types::TimeUnit::Second => n.saturating_mul(1_000_000),
                duckdb::types::TimeUnit::Millisecond => n.saturating_mul(1_000),
                duckdb::types::TimeUnit::Microsecond => n,
                duckdb::types::TimeUnit::Nanosecond => n / 1_000,
            };
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| J::String(t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()))
                .unwrap_or(J::Null)
        }
        other => J::String(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "-- id: on_time\n-- title: On time\n-- unit: percent\n-- direction: higher\n-- target: 90\n-- amber: 80\n\nSELECT grp, period, 1 AS numerator, 2 AS denominator\nFROM appeals JOIN periods ON true\nGROUP BY ALL;\n";

    #[test]
    fn a_header_and_its_select_are_split_and_typed() {
        let (def, line) = parse("on_time.sql", GOOD).unwrap();
        assert_eq!(def.id, "on_time");
        assert_eq!(def.measure, Measure::Percent);
        assert_eq!(def.target, Some(90.0));
        assert_eq!(def.grain, Grain::Week);
        assert_eq!(line, 8);
        assert!(def.sql.starts_with("SELECT grp"));
        assert!(!def.sql.ends_with(';'));
    }

    #[test]
    fn an_unknown_header_key_is_named_with_its_line() {
        let text = GOOD.replace("-- target: 90", "-- traget: 90");
        let err = parse("on_time.sql", &text).unwrap_err();
        assert_eq!(err.line, Some(5));
        assert!(err.message.contains("traget"), "{}", err.message);
    }

    #[test]
    fn a_wrong_value_names_its_key() {
        let text = GOOD.replace("-- unit: percent", "-- unit: parsecs");
        let err = parse("on_time.sql", &text).unwrap_err();
        assert!(err.message.starts_with("unit:"), "{}", err.message);
        let text = GOOD.replace("-- amber: 80", "-- amber: 95");
        let err = parse("on_time.sql", &text).unwrap_err();
        assert!(err.message.starts_with("amber:"), "{}", err.message);
    }

    #[test]
    fn expectations_are_read_and_a_wrong_one_names_its_line() {
        let text = GOOD.replace(
            "-- amber: 80\n",
            "-- amber: 80\n-- expect: c 2021-03-01..2021-03-07 = 80 ± 0.5\n-- expect: d1 2021-03-01..2021-03-07 = 100 +- 0\n",
        );
        assert!(parse("on_time.sql", &text).is_ok());
        let found = expectations(&text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].unit.as_str(), found[0].value, found[0].tolerance),
            ("c", 80.0, 0.5)
        );
        assert_eq!(found[1].line, 8);
        let bad = GOOD.replace(
            "-- amber: 80\n",
            "-- amber: 80\n-- expect: c 2021-03-01 = 80\n",
        );
        let err = parse("on_time.sql", &bad).unwrap_err();
        assert_eq!(err.line, Some(7));
        assert!(err.message.starts_with("expect:"), "{}", err.message);
    }

    #[test]
    fn the_id_must_be_the_file_name() {
        let err = parse("other.sql", GOOD).unwrap_err();
        assert!(err.message.contains("file name"), "{}", err.message);
    }

    #[test]
    fn duckdb_line_numbers_point_at_the_file() {
        let msg =
            "Parser Error: syntax error at or near \"FORM\"\n\nLINE 3: FORM appeals\n        ^";
        let e = sql_error("x.sql", 10, msg);
        assert_eq!(e.line, Some(11));
        assert_eq!(e.column, Some(1));
        assert_eq!(e.message, "Parser Error: syntax error at or near \"FORM\"");
    }

    #[test]
    fn previous_and_current_of_a_quarter_step_by_three_months() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let b = Buckets::previous_and_current(d("2021-10-01"), d("2021-12-31"));
        assert_eq!(b.start, d("2021-07-01"));
        assert_eq!(b.last, d("2021-10-01"));
        assert_eq!(b.step, "3 months");
        let b = Buckets::previous_and_current(d("2021-03-10"), d("2021-03-16"));
        assert_eq!(b.start, d("2021-03-03"));
        assert_eq!(b.step, "7 days");
    }
}

#[cfg(test)]
mod rollup_tests {
    use super::*;
    use crate::testkit::tiny_state;

    fn week_of(state: &crate::AppState, kpi: &str, scope: Scope) -> Vec<Cell> {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let kpi = state.catalog().kpis.get(kpi).cloned().expect("kpi loaded");
        let buckets = Buckets::grain(Grain::Week, d("2021-03-01"), d("2021-03-07"));
        state
            .db
            .with(|c| evaluate(c, &kpi, scope, &buckets, &Jurisdiction::operator()))
            .unwrap()
    }

    fn value(cells: &[Cell], grp: &str) -> Option<f64> {
        cells.iter().find(|c| c.grp == grp).and_then(|c| c.value)
    }

    #[test]
    fn every_shipped_kpi_file_loads() {
        let (state, _dir) = tiny_state();
        let catalog = state.catalog();
        assert!(catalog.errors.is_empty(), "{:?}", catalog.errors);
        assert!(catalog.kpis.len() >= 8);
    }

    #[test]
    fn a_ratio_kpi_rolls_up_as_sum_of_parts() {
        let (state, _dir) = tiny_state();
        let children = week_of(&state, "appeal_on_time_share", Scope::ChildrenOf("c"));
        assert_eq!(value(&children, "d1"), Some(100.0));
        assert_eq!(value(&children, "d2"), Some(50.0));
        // 4 of 5 on time: 80%, not the mean of the districts' shares (75%).
        let city = week_of(&state, "appeal_on_time_share", Scope::Unit("c"));
        assert_eq!(value(&city, "c"), Some(80.0));
        let region = week_of(&state, "appeal_on_time_share", Scope::Unit("r"));
        assert_eq!(value(&region, "r"), Some(80.0));
    }

    #[test]
    fn a_median_is_recomputed_from_rows_at_every_level() {
        let (state, _dir) = tiny_state();
        let children = week_of(
            &state,
            "appeal_response_hours_median",
            Scope::ChildrenOf("c"),
        );
        assert_eq!(value(&children, "d1"), Some(2.0));
        assert_eq!(value(&children, "d2"), Some(15.0));
        // The median of 1, 2, 3, 10, 20 hours is 3, not the mean of the district medians (8.5).
        let city = week_of(&state, "appeal_response_hours_median", Scope::Unit("c"));
        assert_eq!(value(&city, "c"), Some(3.0));
    }

    #[test]
    fn a_per_capita_kpi_divides_by_the_population_of_the_level_asked() {
        let (state, _dir) = tiny_state();
        let city = week_of(&state, "service_cases_per_1000", Scope::Unit("c"));
        // two applications for 300 residents
        assert!((value(&city, "c").unwrap() - 2.0 / 300.0 * 1000.0).abs() < 1e-9);
        let d1 = week_of(&state, "service_cases_per_1000", Scope::Unit("d1"));
        assert_eq!(value(&d1, "d1"), Some(10.0));
    }

    #[test]
    fn vacancies_roll_up_over_all_positions() {
        let (state, _dir) = tiny_state();
        let city = week_of(&state, "vacancy_rate", Scope::Unit("c"));
        // 3 vacant of 30 positions
        assert_eq!(value(&city, "c"), Some(10.0));
    }

    #[test]
    fn a_scope_without_rows_gives_no_value_rather_than_zero() {
        let (state, _dir) = tiny_state();
        let cells = week_of(&state, "appeal_on_time_share", Scope::Unit("d1-x"));
        assert_eq!(value(&cells, "d1-x"), Some(100.0));
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let kpi = state
            .catalog()
            .kpis
            .get("appeal_on_time_share")
            .cloned()
            .unwrap();
        let later = Buckets::grain(Grain::Week, d("2021-06-07"), d("2021-06-13"));
        let cells = state
            .db
            .with(|c| evaluate(c, &kpi, Scope::Unit("c"), &later, &Jurisdiction::operator()))
            .unwrap();
        assert!(cells.iter().all(|c| c.value.is_none()));
    }

    #[test]
    fn a_broken_file_is_reported_with_its_line_while_the_others_load() {
        let (state, dir) = tiny_state();
        let queries = dir.path().join("queries");
        std::fs::create_dir_all(&queries).unwrap();
        for entry in std::fs::read_dir(crate::testkit::queries_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sql") {
                std::fs::copy(&path, queries.join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::write(
            queries.join("broken.sql"),
            "-- id: broken\n-- title: Broken\n-- unit: count\n-- direction: lower\n\nSELECT grp, period, count(*) AS value\nFROM appeals JOIN periods ON true\nWHERE no_such_column > 1\nGROUP BY ALL\n",
        )
        .unwrap();
        let catalog = load_dir(&state.db, &queries, Duration::from_secs(5));
        assert!(catalog.kpis.contains_key("appeal_on_time_share"));
        assert!(!catalog.kpis.contains_key("broken"));
        let err = catalog
            .errors
            .iter()
            .find(|e| e.file == "broken.sql")
            .expect("reported");
        assert_eq!(err.line, Some(8), "{err:?}");
        assert!(err.message.contains("no_such_column"), "{}", err.message);
    }
}
