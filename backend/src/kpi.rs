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
use kpi_api::format::Locale;
use kpi_api::{
    BoardSummary, Direction, Grain, KpiDef, KpiLoadError, Measure, Role, Translated, Translations,
};
use serde::Deserialize;

use crate::auth::Jurisdiction;
use crate::error::{Error, Result};
use crate::prune::PERIOD_DAYS_SQL;
use crate::sandbox::{Cancel, Request, Rows, Sandbox};

/// How a KPI's SELECT hands over its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A `value` column, already final for the group and period; with `spread`, also `n` (the
    /// rows behind it) and `low`/`high` (its 95% interval), which fair league tables use.
    Value { spread: bool },
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
    /// Its daily roll-up, when its numbers come from one ([`crate::rollup`]).
    pub rollup: Option<crate::rollup::Daily>,
    /// How its raw SELECT is run faster with the same answer ([`crate::prune`]).
    pub plan: crate::prune::Plan,
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
    /// Targets that change by unit and date (`targets.csv`).
    pub targets: crate::targets::Targets,
    /// Dated events for the charts (`annotations.csv`).
    pub annotations: Vec<kpi_api::Annotation>,
    /// Evaluation schemes (`evaluations/*.json`).
    pub evaluations: Vec<kpi_api::evaluation::Scheme>,
}

impl Catalog {
    /// The roll-ups its KPIs take ([`crate::rollup`]).
    pub fn rollups(&self) -> Vec<crate::rollup::Daily> {
        self.kpis
            .values()
            .filter_map(|k| k.rollup.clone())
            .collect()
    }
}

/// Which rows a KPI is evaluated over, and how they are grouped.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything under the unit (itself included), as one group named after it.
    Unit(&'a str),
    /// Everything under each child of the unit, one group per child.
    ChildrenOf(&'a str),
    /// Everything under each of these units, one group per unit (an experiment's units).
    EachOf(&'a [String]),
    /// The appeals under the unit that an employee answered, one group per employee of each
    /// department, named `department/employee`; other tables have no rows per employee.
    StaffOf(&'a str),
}

/// The department and the employee of a [`Scope::StaffOf`] group.
pub fn staff_group(grp: &str) -> Option<(&str, &str)> {
    grp.split_once('/')
}

/// The buckets a KPI is evaluated over, each a first day and the day after its last (the end is
/// exclusive). They are computed here, not in SQL, so that any calendar can make them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Periods(pub Vec<(NaiveDate, NaiveDate)>);

impl Periods {
    /// The buckets of a grain covering `from..=to` (the first starts on or before `from`).
    pub fn grain(grain: Grain, from: NaiveDate, to: NaiveDate) -> Periods {
        Periods(grain.buckets(from, to))
    }

    /// The buckets of a grain in a calendar (Solar Hijri months, Saturday weeks) covering
    /// `from..=to`.
    pub fn in_calendar(
        calendar: kpi_api::calendar::Calendar,
        grain: Grain,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Periods {
        Periods(calendar.buckets(grain, from, to))
    }

    /// Two buckets: the previous period and the chosen one (`from..=to`), equally long (whole
    /// months compare with as many whole months before them).
    /// In `calendar`: a run of Solar Hijri months compares with as many months before.
    pub fn previous_and_current(
        calendar: kpi_api::calendar::Calendar,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Periods {
        let (prev_from, _) = calendar.previous(from, to);
        Periods(vec![(prev_from, from), (from, day_after(to))])
    }

    /// What a tile compares: the previous period, the chosen one and the same period a year
    /// before ([`kpi_api::period::year_ago`]), in one evaluation. Buckets are told apart by
    /// their first day, so a year-ago bucket that starts with another but ends elsewhere comes
    /// back on its own, to be evaluated apart; one equal to the previous period is not repeated.
    pub fn comparisons(from: NaiveDate, to: NaiveDate) -> (Periods, Option<Periods>) {
        Periods::comparisons_in(kpi_api::calendar::Calendar::Gregorian, from, to)
    }

    /// [`Periods::comparisons`] in a calendar: in the Solar Hijri one a run of its months
    /// compares with as many months before and with the same months of the year before.
    pub fn comparisons_in(
        calendar: kpi_api::calendar::Calendar,
        from: NaiveDate,
        to: NaiveDate,
    ) -> (Periods, Option<Periods>) {
        let (prev_from, _) = calendar.previous(from, to);
        let mut both = Periods(vec![(prev_from, from), (from, day_after(to))]);
        let (year_from, year_to) = calendar.year_ago(from, to);
        let year = (year_from, day_after(year_to));
        if both.0.contains(&year) {
            return (both, None);
        }
        if both.0.iter().any(|(start, _)| *start == year.0) {
            return (both, Some(Periods(vec![year])));
        }
        both.0.push(year);
        (both, None)
    }

    /// One bucket covering the whole of `from..=to` (a tile's value, a comparison table).
    pub fn whole(from: NaiveDate, to: NaiveDate) -> Periods {
        Periods(vec![(from, day_after(to))])
    }

    /// No buckets at all: the query binds and runs, but reads nothing (used to validate).
    fn none() -> Periods {
        Periods(Vec::new())
    }

    /// The first days, in order.
    pub fn starts(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.0.iter().map(|(start, _)| *start)
    }

    /// As the SQL's parameter reads them: `start/end,start/end,...`.
    fn param(&self) -> String {
        self.0
            .iter()
            .map(|(start, end)| format!("{start}/{end}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn day_after(day: NaiveDate) -> NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// The metadata keys a header may carry (shared with the web app's editor).
pub use kpi_api::KPI_HEADER_KEYS as HEADER_KEYS;

/// An error in a file of the queries folder, at a line if known.
pub(crate) fn load_error(
    file: &str,
    line: Option<u32>,
    message: impl Into<String>,
) -> KpiLoadError {
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
    let lang = match get("lang") {
        None => Locale::En,
        Some((v, line)) => Locale::parse(v).ok_or_else(|| {
            load_error(
                file,
                Some(line),
                format!("lang: '{v}' is not one of en, ru, fa"),
            )
        })?,
    };
    let description = text_of("description").unwrap_or_default();
    let mut translations = Translations::new();
    for locale in Locale::ALL {
        let title = text_of(&format!("title.{}", locale.as_str()));
        let description = text_of(&format!("description.{}", locale.as_str()));
        if title.is_some() || description.is_some() {
            translations.insert(
                locale,
                Translated {
                    title,
                    description,
                    ..Translated::default()
                },
            );
        }
    }
    // The default text is in `lang`: it serves that language unless the file translates it too.
    if !translations.is_empty() || lang != Locale::En {
        translations.entry(lang).or_insert_with(|| Translated {
            title: Some(title.to_string()),
            description: Some(description.clone()).filter(|d| !d.is_empty()),
            ..Translated::default()
        });
    }
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
            description,
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
            translations,
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
/// `-- key: value` with a lower-case key, or None when the line is something else.
fn header_pair(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("--")?.trim_start();
    let (key, value) = rest.split_once(':')?;
    let key = key.trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
    {
        return None;
    }
    Some((key, value.trim()))
}

/// The SQL that evaluates `body` for a scope, over a snapshot of the caller's rows (see
/// [`crate::sandbox`]): the snapshot's tables hold only rows inside the jurisdiction, so this
/// only groups them. Everything the server adds sits on the first line, so DuckDB's "LINE n" is
/// line n - 1 of the body.
///
/// Parameters: `$1` the unit, `$2` the periods (see [`Periods`]).
/// A group above the jurisdiction (on the path to its home unit) counts the in-scope part only,
/// and its population is the home unit's (the snapshot's `unit_groups` says so).
///
/// `filters` bound a data table's rows (`x`) to those the periods can take ([`crate::prune`]).
fn wrap(body: &str, scope: &Scope, shape: Option<Shape>, filters: &[(&str, String)]) -> String {
    let Some((rows, groups)) = scope_sql(scope) else {
        return wrap_staff(body, shape, filters);
    };
    // Each data table of the registry, its rows tagged with the group they roll up to.
    let data: String = crate::tables::data_tables()
        .map(|(table, unit)| {
            format!(
                "{table} AS (SELECT s.grp, x.* FROM main.{table} x JOIN ({rows}) s ON x.{unit} = s.unit_id{}), ",
                filter(table, filters, " WHERE ")
            )
        })
        .collect();
    let tables = format!(
        "{PERIODS}, {PERIOD_DAYS_SQL}, groups AS ({groups}), \
         {data}org_units AS (SELECT s.grp, u.* FROM main.org_units u JOIN ({rows}) s ON u.id = s.unit_id)"
    );
    outer(&tables, body, shape)
}

/// For a scope of units: which unit rolls up to which group (`unit_id`, `grp`), and the groups
/// (`grp`, `name`, `population`). None for [`Scope::StaffOf`], whose groups are not units.
fn scope_sql(scope: &Scope) -> Option<(&'static str, &'static str)> {
    // Joins, not IN-lists or ORs, so that DuckDB plans the scoped query as fast as the whole one.
    Some(match scope {
        Scope::StaffOf(_) => return None,
        Scope::Unit(_) => (
            "SELECT c.unit_id, c.ancestor_id AS grp FROM main.unit_closure c WHERE c.ancestor_id = CAST($1 AS VARCHAR)",
            "SELECT g.grp, g.name, g.population FROM main.unit_groups g WHERE g.grp = CAST($1 AS VARCHAR)",
        ),
        Scope::ChildrenOf(_) => (
            "SELECT c.unit_id, g.grp FROM main.unit_closure c JOIN main.unit_groups g ON g.grp = c.ancestor_id WHERE g.parent_id = CAST($1 AS VARCHAR)",
            "SELECT g.grp, g.name, g.population FROM main.unit_groups g WHERE g.parent_id = CAST($1 AS VARCHAR)",
        ),
        Scope::EachOf(_) => (
            "SELECT c.unit_id, c.ancestor_id AS grp FROM main.unit_closure c JOIN (SELECT unnest(string_split(CAST($1 AS VARCHAR), ',')) AS id) l ON c.ancestor_id = l.id",
            "SELECT g.grp, g.name, g.population FROM main.unit_groups g JOIN (SELECT unnest(string_split(CAST($1 AS VARCHAR), ',')) AS id) l ON g.grp = l.id",
        ),
    })
}

/// The `periods` table of [`wrap`] from its `$2`.
const PERIODS: &str = "periods AS (SELECT CAST(split_part(x, '/', 1) AS DATE) AS period, CAST(split_part(x, '/', 2) AS DATE) AS period_end \
     FROM (SELECT unnest(string_split(CAST($2 AS VARCHAR), ',')) AS x) AS t WHERE x <> '')";

/// [`wrap`] for [`Scope::StaffOf`]: the appeals an employee answered under the unit, grouped by
/// department and employee; the other tables are empty, so a KPI over them has no value per
/// employee rather than a wrong one.
fn wrap_staff(body: &str, shape: Option<Shape>, filters: &[(&str, String)]) -> String {
    let rows =
        "SELECT c.unit_id FROM main.unit_closure c WHERE c.ancestor_id = CAST($1 AS VARCHAR)";
    let answered = format!(
        "SELECT x.unit_id || '/' || x.employee AS grp, x.* FROM main.appeals x JOIN ({rows}) s ON x.unit_id = s.unit_id WHERE x.employee IS NOT NULL{}",
        filter("appeals", filters, " AND ")
    );
    let data: String = crate::tables::data_tables()
        .map(|(table, _)| match table {
            "appeals" => format!("appeals AS ({answered}), "),
            _ => format!("{table} AS (SELECT CAST(NULL AS VARCHAR) AS grp, x.* FROM main.{table} x WHERE false), "),
        })
        .collect();
    let tables = format!(
        "{PERIODS}, {PERIOD_DAYS_SQL}, groups AS (SELECT DISTINCT a.grp, a.employee AS name, CAST(NULL AS BIGINT) AS population FROM ({answered}) a), \
         {data}org_units AS (SELECT CAST(NULL AS VARCHAR) AS grp, u.* FROM main.org_units u WHERE false)"
    );
    outer(&tables, body, shape)
}

/// `table`'s condition among `filters`, after `joiner`; nothing when it has none.
fn filter(table: &str, filters: &[(&str, String)], joiner: &str) -> String {
    filters
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, condition)| format!("{joiner}({condition})"))
        .unwrap_or_default()
}

/// The SELECT around a KPI's body over `tables`, casting its columns to the shape's.
fn outer(tables: &str, body: &str, shape: Option<Shape>) -> String {
    let outer = match shape {
        None => "SELECT *",
        Some(Shape::Value { spread: false }) => {
            "SELECT CAST(grp AS VARCHAR), CAST(period AS DATE), CAST(value AS DOUBLE), NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE"
        }
        Some(Shape::Value { spread: true }) => {
            "SELECT CAST(grp AS VARCHAR), CAST(period AS DATE), CAST(value AS DOUBLE), CAST(n AS DOUBLE), CAST(low AS DOUBLE), CAST(high AS DOUBLE)"
        }
        Some(Shape::Ratio) => "SELECT CAST(grp AS VARCHAR), CAST(period AS DATE), CAST(numerator AS DOUBLE), CAST(denominator AS DOUBLE), NULL::DOUBLE, NULL::DOUBLE",
    };
    format!("{outer} FROM (WITH {tables} SELECT * FROM (\n{body}\n) AS kpi) AS result")
}

/// The parameters of [`wrap`]'s SQL: the scope's unit (or units, by commas; ids never hold
/// one) and the periods.
fn params(scope: &Scope, periods: &Periods) -> Vec<Option<String>> {
    let units = match scope {
        Scope::Unit(u) | Scope::ChildrenOf(u) | Scope::StaffOf(u) => u.to_string(),
        Scope::EachOf(units) => units.join(","),
    };
    vec![Some(units), Some(periods.param())]
}

/// Refuses, before it runs, a text that is not one SELECT over the scoped tables calling allowed
/// functions (see [`sandbox::check`]). The check parses the text as it sits in [`wrap`] (from its
/// second line), so DuckDB's line numbers mean the same as when it runs.
fn check_body(sandbox: &Sandbox, body: &str) -> Result<Vec<String>> {
    sandbox.check(&format!("\n{body}"))
}

/// The scoped tables a KPI's SELECT reads, checked by the sandbox.
pub fn tables_of(sandbox: &Sandbox, kpi: &Kpi) -> Result<Vec<String>> {
    check_body(sandbox, &kpi.def.sql)
}

/// The scoped tables a KPI's SELECT reads (for its passport), parsed on `conn`.
pub fn tables_read(conn: &duckdb::Connection, kpi: &Kpi) -> Result<Vec<String>> {
    crate::sandbox::check(conn, &format!("\n{}", kpi.def.sql))
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

/// The most cells one evaluation may return (a year of weeks for every district of a region is
/// a few thousand).
const MAX_CELLS: usize = 1_000_000;

/// Binds the KPI against the real schema and runs it over no rows and no periods, to learn its
/// shape: the data it is checked against is a snapshot with every table empty.
pub fn validate(
    sandbox: &Sandbox,
    def: &KpiDef,
    body_line: u32,
    limit: Duration,
) -> std::result::Result<Shape, KpiLoadError> {
    check_body(sandbox, &def.sql).map_err(|e| match e {
        Error::Refused(message) => sql_error(&def.file, body_line, &message),
        other => load_error(&def.file, None, other.to_string()),
    })?;
    let request = Request {
        sql: wrap(&def.sql, &Scope::Unit(""), None, &[]),
        params: params(&Scope::Unit(""), &Periods::none()),
        max_rows: 0,
        max_bytes: 1 << 20,
    };
    let columns = match sandbox.run(&Rows::Empty, &request, limit, None) {
        Ok(table) => table.columns,
        Err(Error::Sql(message)) => return Err(sql_error(&def.file, body_line, &message)),
        Err(other) => return Err(load_error(&def.file, Some(body_line), other.to_string())),
    };
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
    let spread = ["n", "low", "high"];
    let missing: Vec<&str> = spread.iter().copied().filter(|c| !has(c)).collect();
    if missing.len() == 1 || missing.len() == 2 {
        return Err(load_error(
            &def.file,
            Some(body_line),
            format!(
                "a value's interval needs all of n, low and high; the SELECT lacks {}",
                missing.join(" and ")
            ),
        ));
    }
    match (has("value"), has("numerator") && has("denominator")) {
        (true, false) => Ok(Shape::Value {
            spread: missing.is_empty(),
        }),
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
pub fn load_dir(sandbox: &Sandbox, dir: &Path, limit: Duration) -> Catalog {
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
            .and_then(|text| load_text(sandbox, &file, &text, limit));
        match loaded {
            Ok(kpi) => {
                catalog.kpis.insert(kpi.def.id.clone(), kpi);
            }
            Err(e) => catalog.errors.push(e),
        }
    }
    catalog
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    title: String,
    #[serde(default)]
    description: String,
    kpis: Vec<String>,
    /// `{"ru": {"title": ..., "description": ...}, "fa": ...}`
    #[serde(default)]
    translations: Translations,
}

/// The `*.json` files of `dir` (none if it is missing), sorted: (path, stem, file name).
pub fn json_files(dir: &Path) -> Vec<(std::path::PathBuf, String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = |s: Option<&std::ffi::OsStr>| {
                s.map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default()
            };
            let (stem, name) = (text(path.file_stem()), text(path.file_name()));
            (path, stem, name)
        })
        .collect()
}

/// Reads the board files, `dir/*.json` (a title, a description and the KPIs' ids); a board naming
/// a KPI that is not loaded is reported, not served half-empty.
pub fn load_boards(
    dir: &Path,
    known: &dyn Fn(&str) -> bool,
) -> (Vec<BoardSummary>, Vec<KpiLoadError>) {
    let mut boards = Vec::new();
    let mut errors = Vec::new();
    for (path, id, name) in json_files(dir) {
        let file = format!("boards/{name}");
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<BoardFile>(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(b) => {
                if let Some(missing) = b.kpis.iter().find(|k| !known(k)) {
                    errors.push(KpiLoadError {
                        file,
                        line: None,
                        column: None,
                        message: format!("board '{id}' names KPI '{missing}', which is not loaded"),
                    });
                    continue;
                }
                boards.push(BoardSummary {
                    id,
                    title: b.title,
                    description: b.description,
                    kpis: b.kpis,
                    translations: b.translations,
                });
            }
            Err(message) => errors.push(KpiLoadError {
                file,
                line: None,
                column: None,
                message,
            }),
        }
    }
    (boards, errors)
}

/// One evaluated bucket of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub grp: String,
    pub period: NaiveDate,
    pub value: Option<f64>,
    /// What the value is made of, for judging how sure it is.
    pub parts: Parts,
}

/// What a cell's value is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Parts {
    /// A ratio KPI's numerator and denominator (before the measure's scale).
    Ratio {
        numerator: f64,
        denominator: f64,
    },
    /// A value KPI that gives its rows and its 95% interval (`n`, `low`, `high`).
    Spread {
        n: f64,
        low: f64,
        high: f64,
    },
    None,
}

/// Evaluates a KPI for a scope over buckets, from the rows inside `jurisdiction` only, within
/// `limit`.
pub fn evaluate(
    sandbox: &Sandbox,
    kpi: &Kpi,
    scope: Scope,
    periods: &Periods,
    jurisdiction: &Jurisdiction,
    limit: Duration,
) -> Result<Vec<Cell>> {
    evaluate_cancellable(sandbox, kpi, scope, periods, jurisdiction, limit, None)
}

/// What the sandbox is asked to evaluate a KPI for a scope over periods: the SQL (over a
/// snapshot's tables) and its parameters. (The benchmark runs the same straight on a snapshot.)
pub fn evaluation(kpi: &Kpi, scope: Scope, periods: &Periods) -> Request {
    request(kpi, scope, periods, true)
}

/// [`evaluation`], with the KPI's [`crate::prune::Plan`] or with its SELECT as written.
fn request(kpi: &Kpi, scope: Scope, periods: &Periods, planned: bool) -> Request {
    let mut params = params(&scope, periods);
    let sql = match (&kpi.rollup, scope_sql(&scope)) {
        (Some(rollup), Some((rows, groups))) => {
            params.push(Some(kpi.def.id.clone()));
            crate::rollup::values_sql(rollup, PERIODS, rows, groups)
        }
        _ if planned => wrap(
            kpi.plan.body.as_deref().unwrap_or(&kpi.def.sql),
            &scope,
            Some(kpi.shape),
            &kpi.plan.filters(periods),
        ),
        _ => wrap(&kpi.def.sql, &scope, Some(kpi.shape), &[]),
    };
    Request {
        sql,
        params,
        max_rows: MAX_CELLS,
        max_bytes: 64 << 20,
    }
}

/// [`evaluate`] that `cancel` can stop.
fn evaluate_cancellable(
    sandbox: &Sandbox,
    kpi: &Kpi,
    scope: Scope,
    periods: &Periods,
    jurisdiction: &Jurisdiction,
    limit: Duration,
    cancel: Option<&Cancel>,
) -> Result<Vec<Cell>> {
    let rows = Rows::of(jurisdiction);
    let mut outcome = sandbox.run(&rows, &evaluation(kpi, scope, periods), limit, cancel);
    if matches!(outcome, Err(Error::Sql(_))) && kpi.plan != crate::prune::Plan::default() {
        // An error in the engine's faster form is told from the file's own SELECT, whose lines
        // it names (and which answers, should the faster form be the one that failed).
        outcome = sandbox.run(&rows, &request(kpi, scope, periods, false), limit, cancel);
        if outcome.is_ok() {
            tracing::warn!(kpi = %kpi.def.id, "the faster form failed where the text as written did not");
        }
    }
    match outcome {
        Ok(table) => cells(kpi, &table),
        Err(Error::Sql(message)) => Err(Error::Kpi {
            kpi: kpi.def.id.clone(),
            message: sql_error(&kpi.def.file, kpi.body_line, &message).message,
        }),
        Err(e) => Err(e),
    }
}

/// [`evaluate`] when the answer is already in the sandbox's cache (no thread, no wait); None
/// when it has to be computed.
pub fn evaluate_cached(
    sandbox: &Sandbox,
    kpi: &Kpi,
    scope: Scope,
    periods: &Periods,
    jurisdiction: &Jurisdiction,
) -> Option<Result<Vec<Cell>>> {
    let request = evaluation(kpi, scope, periods);
    sandbox
        .cached(&Rows::of(jurisdiction), &request)
        .map(|table| cells(kpi, &table))
}

/// The cells of a KPI's answer: one per group and period, the value divided out for a ratio.
fn cells(kpi: &Kpi, table: &crate::sandbox::Table) -> Result<Vec<Cell>> {
    if table.truncated || table.too_big {
        return Err(Error::Kpi {
            kpi: kpi.def.id.clone(),
            message: format!(
                "the SELECT returned more than {MAX_CELLS} rows; return one row per grp and period"
            ),
        });
    }
    let scale = kpi.def.measure.ratio_scale();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let grp = row.first().and_then(|v| v.as_str());
        let period = row
            .get(1)
            .and_then(|v| v.as_str())
            .and_then(|d| d.parse::<NaiveDate>().ok());
        let number = |i: usize| row.get(i).and_then(|v| v.as_f64());
        let (value, parts) = match kpi.shape {
            Shape::Value { .. } => (
                number(2),
                match (number(3), number(4), number(5)) {
                    (Some(n), Some(low), Some(high)) => Parts::Spread { n, low, high },
                    _ => Parts::None,
                },
            ),
            Shape::Ratio => match (number(2), number(3)) {
                (Some(numerator), Some(denominator)) if denominator != 0.0 => (
                    Some(numerator / denominator * scale),
                    Parts::Ratio {
                        numerator,
                        denominator,
                    },
                ),
                _ => (None, Parts::None),
            },
        };
        if let (Some(grp), Some(period)) = (grp, period) {
            out.push(Cell {
                grp: grp.to_string(),
                period,
                value: value.filter(|v| v.is_finite()),
                parts,
            });
        }
    }
    // In one order whatever order the engine's threads gave them in, so that what is computed
    // from them (sums, estimates) is the same to the last bit on every server and every run.
    out.sort_by(|a, b| (&a.grp, a.period).cmp(&(&b.grp, b.period)));
    Ok(out)
}

/// The KPI's value for `unit` over the whole of `from..=to`, as a board tile shows it.
pub fn value_over(
    sandbox: &Sandbox,
    kpi: &Kpi,
    unit: &str,
    (from, to): (NaiveDate, NaiveDate),
    jurisdiction: &Jurisdiction,
    limit: Duration,
) -> Result<Option<f64>> {
    let cells = evaluate(
        sandbox,
        kpi,
        Scope::Unit(unit),
        &Periods::whole(from, to),
        jurisdiction,
        limit,
    )?;
    Ok(cells.first().and_then(|c| c.value))
}

/// The id a KPI file's header gives, if any (`-- id: x`), to name the file before parsing it.
pub fn header_id(text: &str) -> Option<String> {
    header_field(text, "id").map(|(id, _)| id)
}

/// Parses and validates a whole KPI file's text as `file` would load: the same errors, at the
/// same lines, as `load_dir` reports.
pub fn load_text(
    sandbox: &Sandbox,
    file: &str,
    text: &str,
    limit: Duration,
) -> std::result::Result<Kpi, KpiLoadError> {
    let (def, body_line) = parse(file, text)?;
    let shape = validate(sandbox, &def, body_line, limit)?;
    let rollup = route(sandbox, file, text, &def, shape)?;
    // The faster form is DuckDB's own rewrite of the checked text; should it ever fail where the
    // text does not, the evaluation runs the text as written (see `evaluate_cancellable`).
    let plan = sandbox
        .with_engine(|c| Ok(crate::prune::Plan::of(c, &def.sql)))
        .unwrap_or_default();
    Ok(Kpi {
        def,
        body_line,
        shape,
        rollup,
        plan,
        _checked: Checked,
    })
}

/// The route a KPI's numbers take: its daily roll-up when the file asks for it (`-- rollup:
/// daily`, refused with why if it cannot) or, without a `rollup:` line, when its SELECT adds up;
/// otherwise (and with `-- rollup: raw`) its raw rows.
fn route(
    sandbox: &Sandbox,
    file: &str,
    text: &str,
    def: &KpiDef,
    shape: Shape,
) -> std::result::Result<Option<crate::rollup::Daily>, KpiLoadError> {
    let choice = match header_field(text, "rollup") {
        None => None,
        Some((value, line)) => Some(crate::rollup::Choice::parse(&value).ok_or_else(|| {
            load_error(
                file,
                Some(line),
                format!("rollup: '{value}' is not one of daily, raw"),
            )
        })?),
    };
    if choice == Some(crate::rollup::Choice::Raw) {
        return Ok(None);
    }
    let additive = match shape {
        Shape::Ratio => sandbox
            .with_engine(|c| {
                Ok(
                    crate::rollup::additive(c, &def.id, &def.sql).or_else(|why| {
                        crate::rollup::per_group(c, &def.id, &def.sql)
                            .map_err(|other| format!("{why}; as a count per group, {other}"))
                    }),
                )
            })
            .unwrap_or_else(|e| Err(e.to_string())),
        Shape::Value { spread: false } => sandbox
            .with_engine(|c| Ok(crate::rollup::stock(c, &def.id, &def.sql)))
            .unwrap_or_else(|e| Err(e.to_string()))
            .map_err(|why| {
                format!("it gives a value, and not as a stock of rows between two days: {why}")
            }),
        Shape::Value { spread: true } => {
            Err("it gives a value with its spread, which only the rows know".into())
        }
    };
    match (additive, choice) {
        (Ok(daily), _) => Ok(Some(daily)),
        (Err(why), Some(crate::rollup::Choice::Daily)) => Err(load_error(
            file,
            header_field(text, "rollup").map(|(_, l)| l),
            format!("rollup: daily needs parts that add up over days and units (a ratio of counts or sums, a count per group, or a stock), but {why}"),
        )),
        (Err(_), _) => Ok(None),
    }
}

/// A header key's value and line (`-- key: value`), if the header has it.
fn header_field(text: &str, key: &str) -> Option<(String, u32)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim().is_empty() || l.trim().starts_with("--"))
        .find_map(|(i, l)| {
            header_pair(l.trim())
                .filter(|(k, _)| *k == key)
                .map(|(_, v)| (v.to_string(), i as u32 + 1))
        })
}

/// What a preview or an ad-hoc query looks at: a unit, its periods, for whom, and its bounds.
pub struct Ask<'a> {
    pub unit: &'a str,
    pub jurisdiction: &'a Jurisdiction,
    pub row_limit: usize,
    pub limit: Duration,
    pub cancel: Option<&'a Cancel>,
}

/// Runs a KPI file's text without saving it: its series for the unit at `grain` over
/// `from..=to` and the SELECT's first rows, or the error pointed at the text's own line.
pub fn preview(
    sandbox: &Sandbox,
    text: &str,
    grain: Grain,
    (from, to): (NaiveDate, NaiveDate),
    ask: &Ask,
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
    let mut kpi = match load_text(sandbox, &file, text, ask.limit) {
        Ok(kpi) => kpi,
        Err(e) => return Ok(failed(e)),
    };
    // An unsaved text has no roll-up of its own yet: it runs on the raw rows.
    kpi.rollup = None;
    let periods = Periods::grain(grain, from, to);
    let left = || ask.limit.saturating_sub(started.elapsed());
    let cells = match evaluate_cancellable(
        sandbox,
        &kpi,
        Scope::Unit(ask.unit),
        &periods,
        ask.jurisdiction,
        left(),
        ask.cancel,
    ) {
        Ok(cells) => cells,
        Err(Error::Kpi { message, .. }) => {
            return Ok(failed(KpiLoadError {
                file: file.clone(),
                line: None,
                column: None,
                message,
            }))
        }
        Err(e) => return Err(e),
    };
    let points = periods
        .starts()
        .map(|period| kpi_api::Point {
            period,
            value: cells
                .iter()
                .find(|c| c.period == period)
                .and_then(|c| c.value),
        })
        .collect();
    let rows = run_query(
        sandbox,
        &kpi.def.sql,
        &periods,
        &Ask {
            limit: left(),
            ..*ask
        },
    )?;
    Ok(kpi_api::KpiPreview {
        def: Some(kpi.def),
        error: None,
        points,
        rows: Some(rows),
        millis: started.elapsed().as_millis() as u64,
    })
}

/// The most bytes of rows an ad-hoc query sends back.
const MAX_QUERY_BYTES: usize = 16 << 20;

/// Runs an analyst's SELECT over the rows of the unit inside the jurisdiction, in the sandbox:
/// the same scoped tables and `periods` as a KPI file, at most `row_limit` rows back.
pub fn run_query(
    sandbox: &Sandbox,
    sql: &str,
    periods: &Periods,
    ask: &Ask,
) -> Result<kpi_api::QueryResult> {
    let started = Instant::now();
    let body = sql.trim().trim_end_matches(';').trim_end();
    if body.is_empty() {
        return Err(Error::bad_parameter("sql", "empty: write one SELECT"));
    }
    check_body(sandbox, body)?;
    let request = Request {
        sql: wrap(body, &Scope::Unit(ask.unit), None, &[]),
        params: params(&Scope::Unit(ask.unit), periods),
        max_rows: ask.row_limit,
        max_bytes: MAX_QUERY_BYTES,
    };
    let left = ask.limit.saturating_sub(started.elapsed());
    let table = sandbox
        .run(&Rows::of(ask.jurisdiction), &request, left, ask.cancel)
        .map_err(|e| match e {
            Error::Sql(message) => Error::Refused(sql_error("query", 1, &message).message),
            other => other,
        })?;
    Ok(kpi_api::QueryResult {
        columns: table.columns,
        rows: table.rows,
        truncated: table.truncated || table.too_big,
        row_limit: ask.row_limit,
        millis: started.elapsed().as_millis() as u64,
    })
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
    fn previous_and_current_are_equally_long_and_whole_months_compare_with_months() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let quarter = Periods::previous_and_current(
            kpi_api::calendar::Calendar::Gregorian,
            d("2021-10-01"),
            d("2021-12-31"),
        );
        assert_eq!(
            quarter.0,
            vec![
                (d("2021-07-01"), d("2021-10-01")),
                (d("2021-10-01"), d("2022-01-01"))
            ]
        );
        // March compares with February, not with the 31 days before it.
        let march = Periods::previous_and_current(
            kpi_api::calendar::Calendar::Gregorian,
            d("2021-03-01"),
            d("2021-03-31"),
        );
        assert_eq!(march.0[0], (d("2021-02-01"), d("2021-03-01")));
        let week = Periods::previous_and_current(
            kpi_api::calendar::Calendar::Gregorian,
            d("2021-03-10"),
            d("2021-03-16"),
        );
        assert_eq!(
            week.0,
            vec![
                (d("2021-03-03"), d("2021-03-10")),
                (d("2021-03-10"), d("2021-03-17"))
            ]
        );
        // A quarter, the one before and the same quarter a year before, in one evaluation.
        assert_eq!(
            Periods::comparisons(d("2021-10-01"), d("2021-12-31")),
            (
                Periods(vec![
                    (d("2021-07-01"), d("2021-10-01")),
                    (d("2021-10-01"), d("2022-01-01")),
                    (d("2020-10-01"), d("2021-01-01")),
                ]),
                None
            )
        );
        // A year: the year before is both the previous period and the year ago.
        assert_eq!(
            Periods::comparisons(d("2021-01-01"), d("2021-12-31"))
                .0
                 .0
                .len(),
            2
        );
        // Weeks 1 to 53 of ISO 2020 (371 days): the previous 371 days start on 2018-12-24; the
        // year ago is 2019's 52 weeks, from 2018-12-31.
        let (three, apart) = Periods::comparisons(d("2019-12-30"), d("2021-01-03"));
        assert_eq!(three.0.len(), 3);
        assert_eq!(apart, None);
        assert_eq!(three.0[2], (d("2018-12-31"), d("2019-12-30")));
        assert_eq!(
            Periods::whole(d("2021-01-01"), d("2021-12-31")).param(),
            "2021-01-01/2022-01-01"
        );
    }
}

#[cfg(test)]
mod rollup_tests {
    use super::*;
    use crate::testkit::tiny_state;

    fn week_of(state: &crate::AppState, kpi: &str, scope: Scope) -> Vec<Cell> {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let kpi = state.catalog().kpis.get(kpi).cloned().expect("kpi loaded");
        let buckets = Periods::grain(Grain::Week, d("2021-03-01"), d("2021-03-07"));
        evaluate(
            &state.sandbox,
            &kpi,
            scope,
            &buckets,
            &Jurisdiction::operator(),
            Duration::from_secs(5),
        )
        .unwrap()
    }

    fn value(cells: &[Cell], grp: &str) -> Option<f64> {
        cells.iter().find(|c| c.grp == grp).and_then(|c| c.value)
    }

    #[test]
    fn every_shipped_kpi_file_loads() {
        let (state, _dir) = tiny_state();
        let catalog = state.catalog();
        // The shipped targets, annotations and evaluation schemes name the seed's units, which
        // this tiny org tree lacks (checked on the seed in tests/tests/api); everything else loads.
        let errors: Vec<_> = catalog
            .errors
            .iter()
            .filter(|e| {
                !(crate::testkit::names_seed_units(&e.file) && e.message.starts_with("no unit"))
            })
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
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
        let later = Periods::grain(Grain::Week, d("2021-06-07"), d("2021-06-13"));
        let cells = evaluate(
            &state.sandbox,
            &kpi,
            Scope::Unit("c"),
            &later,
            &Jurisdiction::operator(),
            Duration::from_secs(5),
        )
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
        let catalog = load_dir(&state.sandbox, &queries, Duration::from_secs(5));
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
