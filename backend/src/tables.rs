//! The one registry of the tables exports are imported into: each table's columns and their
//! types and checks, its key, its unit column, its row rules, how it merges, and what the rest of
//! the server needs of it (whether the sandbox's snapshots carry it, and the column that says how
//! fresh its rows are). Import, the sandbox's scoping, health and the KPI passport all read it.
//! Also who may bring which kind of table ([`Importer`]).

use crate::error::{Error, Result};
use duckdb::Connection;

/// The type a column's text must cast to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Real,
    Timestamp,
    Date,
}

impl ColType {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            ColType::Text => "VARCHAR",
            ColType::Int => "BIGINT",
            ColType::Real => "DOUBLE",
            ColType::Timestamp => "TIMESTAMP",
            ColType::Date => "DATE",
        }
    }

    pub(crate) fn expected(self) -> &'static str {
        match self {
            ColType::Text => "text",
            ColType::Int => "a whole number",
            ColType::Real => "a number",
            ColType::Timestamp => "a timestamp YYYY-MM-DD HH:MM:SS",
            ColType::Date => "a date YYYY-MM-DD",
        }
    }
}

/// A constraint on a column's value beyond its type.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    Any,
    OneOf(&'static [&'static str]),
    Range(i64, i64),
    /// A stable identifier: lower-case letters, digits and dashes.
    Slug,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub required: bool,
    pub check: Check,
    /// Added after the export's first version: a file without the column is still recognised,
    /// its rows carry no value, and rows it replaces keep the value stored before.
    pub added: bool,
}

const fn col(name: &'static str, ty: ColType, required: bool, check: Check) -> Column {
    Column {
        name,
        ty,
        required,
        check,
        added: false,
    }
}

/// An optional column added to an export after its first version (see [`Column::added`]).
const fn added(name: &'static str, ty: ColType, check: Check) -> Column {
    Column {
        name,
        ty,
        required: false,
        check,
        added: true,
    }
}

/// A rule over a whole (typed) row: `bad` is the SQL condition that makes a row wrong.
#[derive(Debug, Clone, Copy)]
pub struct RowRule {
    pub column: &'static str,
    pub bad: &'static str,
    pub message: &'static str,
}

/// How checked rows reach the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Into the table of the same name, by key.
    Rows,
    /// Whole plans: their goals, tactics and schedule versions ([`crate::plans::exchange`]).
    Plans,
    /// Check-ins of stored plans ([`crate::plans::exchange`]).
    PlanCheckins,
}

/// One kind of export: its table, columns and key.
#[derive(Debug)]
pub struct TableSpec {
    pub table: &'static str,
    pub columns: &'static [Column],
    pub key: &'static [&'static str],
    /// A column that must name a unit of the org tree.
    pub unit_column: Option<&'static str>,
    pub rules: &'static [RowRule],
    pub merge: Merge,
    /// The rows analysts' SQL reads: the sandbox's snapshots carry this table (scoped to a
    /// jurisdiction by its unit column), and KPI files read it by its name.
    pub in_snapshots: bool,
    /// The column whose newest value says how fresh the table's rows are (a KPI's passport).
    pub freshness: Option<&'static str>,
}

impl TableSpec {
    pub(crate) fn is_plan_file(&self) -> bool {
        self.merge != Merge::Rows
    }
}

/// How export files write yes and no.
const BOOLEANS: [&str; 2] = ["true", "false"];

use kpi_api::vocab::{
    APPEAL_CATEGORIES, APPEAL_CHANNELS, SERVICE_CHANNELS, SERVICE_OUTCOMES, UNIT_KINDS,
};

use Check::{Any, OneOf, Range, Slug};
use ColType::{Date, Int, Real, Text, Timestamp};

pub static SPECS: [TableSpec; 6] = [
    TableSpec {
        table: "org_units",
        columns: &[
            col("id", Text, true, Slug),
            col("parent_id", Text, false, Slug),
            col("kind", Text, true, OneOf(&UNIT_KINDS)),
            col("name", Text, true, Any),
            col("population", Int, false, Range(0, 2_000_000_000)),
            // The name in the unit's own language (Пермь, مشهد).
            added("local_name", Text, Any),
        ],
        key: &["id"],
        unit_column: None,
        rules: &[RowRule {
            column: "parent_id",
            bad: "parent_id = id",
            message: "a unit cannot be its own parent",
        }],
        merge: Merge::Rows,
        in_snapshots: true,
        freshness: None,
    },
    TableSpec {
        table: "appeals",
        columns: &[
            col("appeal_id", Text, true, Any),
            col("unit_id", Text, true, Any),
            col("channel", Text, true, OneOf(&APPEAL_CHANNELS)),
            col("category", Text, true, OneOf(&APPEAL_CATEGORIES)),
            col("received_at", Timestamp, true, Any),
            col("first_response_at", Timestamp, false, Any),
            col("closed_at", Timestamp, false, Any),
            col("due_at", Timestamp, true, Any),
            col("rating", Int, false, Range(1, 5)),
            // Who gave the first response, as the registry names them (staff scorecards).
            added("employee", Text, Any),
        ],
        key: &["appeal_id"],
        unit_column: Some("unit_id"),
        rules: &[
            RowRule {
                column: "first_response_at",
                bad: "first_response_at < received_at",
                message: "the first response is earlier than the appeal was received",
            },
            RowRule {
                column: "closed_at",
                bad: "closed_at < received_at",
                message: "the appeal is closed before it was received",
            },
            RowRule {
                column: "due_at",
                bad: "due_at < received_at",
                message: "the due date is earlier than the appeal was received",
            },
            RowRule {
                column: "rating",
                bad: "rating IS NOT NULL AND closed_at IS NULL",
                message: "an appeal that is not closed cannot be rated",
            },
            RowRule {
                column: "employee",
                bad: "employee IS NOT NULL AND first_response_at IS NULL",
                message: "an appeal not yet answered has no employee who answered it",
            },
        ],
        merge: Merge::Rows,
        in_snapshots: true,
        freshness: Some("received_at"),
    },
    TableSpec {
        table: "service_cases",
        columns: &[
            col("case_id", Text, true, Any),
            col("unit_id", Text, true, Any),
            col("service_code", Text, true, Any),
            col("channel", Text, true, OneOf(&SERVICE_CHANNELS)),
            col("submitted_at", Timestamp, true, Any),
            col("completed_at", Timestamp, false, Any),
            col("due_at", Timestamp, true, Any),
            col("outcome", Text, true, OneOf(&SERVICE_OUTCOMES)),
        ],
        key: &["case_id"],
        unit_column: Some("unit_id"),
        rules: &[
            RowRule {
                column: "completed_at",
                bad: "completed_at < submitted_at",
                message: "the case is completed before it was submitted",
            },
            RowRule {
                column: "outcome",
                bad: "(outcome = 'pending') <> (completed_at IS NULL)",
                message: "a pending case has no completion time, and only a pending case lacks one",
            },
        ],
        merge: Merge::Rows,
        in_snapshots: true,
        freshness: Some("submitted_at"),
    },
    TableSpec {
        table: "staffing",
        columns: &[
            col("month", Date, true, Any),
            col("unit_id", Text, true, Any),
            col("headcount", Int, true, Range(0, 10_000_000)),
            col("vacancies", Int, true, Range(0, 10_000_000)),
            col("training_hours", Real, true, Any),
        ],
        key: &["month", "unit_id"],
        unit_column: Some("unit_id"),
        rules: &[
            RowRule {
                column: "month",
                bad: "day(month) <> 1",
                message: "a staffing month is written as its first day (YYYY-MM-01)",
            },
            RowRule {
                column: "training_hours",
                bad: "training_hours < 0",
                message: "training hours cannot be negative",
            },
        ],
        merge: Merge::Rows,
        in_snapshots: true,
        freshness: Some("month"),
    },
    TableSpec {
        table: "plans",
        columns: &[
            col("plan_id", Text, true, Slug),
            col("unit_id", Text, true, Any),
            col("plan_title", Text, true, Any),
            col("plan_owner", Text, true, Any),
            col("start", Date, true, Any),
            col("goal_no", Int, true, Range(1, 3)),
            col("goal_title", Text, true, Any),
            col("kpi_id", Text, true, Any),
            col("target", Real, true, Any),
            col("tactic_id", Text, true, Any),
            col("tactic_title", Text, true, Any),
            col("tactic_owner", Text, true, Any),
            col("version", Int, true, Range(1, 10_000)),
            col("from_week", Int, true, Range(1, 12)),
            col("due", Text, true, Any),
            col("changed_by", Text, true, Any),
            col("changed_at", Timestamp, true, Any),
        ],
        key: &["plan_id", "tactic_id", "version"],
        unit_column: Some("unit_id"),
        rules: &[
            RowRule {
                column: "start",
                // The unit's language is that of the nearest own-language name up its tree (the
                // tree has four levels), as `kpi_api::unit_language` reads it: Persian-speaking
                // units count weeks from Saturday (ISO day 6), the others from Monday.
                bad: "isodow(start) <> CASE WHEN coalesce((
                        SELECT regexp_matches(
                            coalesce(o1.local_name, o2.local_name, o3.local_name, o4.local_name, ''),
                            '[\\x{0600}-\\x{06FF}]')
                        FROM main.org_units o1
                        LEFT JOIN main.org_units o2 ON o2.id = o1.parent_id
                        LEFT JOIN main.org_units o3 ON o3.id = o2.parent_id
                        LEFT JOIN main.org_units o4 ON o4.id = o3.parent_id
                        WHERE o1.id = unit_id), false) THEN 6 ELSE 1 END",
                message: "a plan starts on the first day of its unit's week (a Monday; a Saturday in Iran)",
            },
            RowRule {
                column: "target",
                bad: "NOT isfinite(target)",
                message: "the target is not a finite number",
            },
        ],
        merge: Merge::Plans,
        in_snapshots: false,
        freshness: None,
    },
    TableSpec {
        table: "plan_checkins",
        columns: &[
            col("plan_id", Text, true, Slug),
            col("tactic_id", Text, true, Any),
            col("week", Int, true, Range(1, 12)),
            col("done", Text, true, OneOf(&BOOLEANS)),
            col("note", Text, false, Any),
            col("late", Text, true, OneOf(&BOOLEANS)),
            col("checked_by", Text, true, Any),
            col("checked_at", Timestamp, true, Any),
        ],
        key: &["plan_id", "tactic_id", "week"],
        unit_column: None,
        rules: &[],
        merge: Merge::PlanCheckins,
        in_snapshots: false,
        freshness: None,
    },
];

/// The specs of the tables of operational data (appeals, service cases, staffing).
pub fn data_specs() -> impl Iterator<Item = &'static TableSpec> {
    SPECS
        .iter()
        .filter(|s| s.in_snapshots && s.unit_column.is_some())
}

/// The tables of operational data that the snapshots carry scoped by their unit column
/// (appeals, service cases, staffing), with that column.
pub fn data_tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    data_specs().filter_map(|s| s.unit_column.map(|unit| (s.table, unit)))
}

/// Every table analysts' SQL may name: the snapshots' tables, and the two the server makes for
/// each evaluation (`periods`, `groups`).
pub fn scoped_tables() -> Vec<&'static str> {
    SPECS
        .iter()
        .filter(|s| s.in_snapshots)
        .map(|s| s.table)
        .chain(["periods", "groups"])
        .collect()
}

pub fn spec(table: &str) -> Option<&'static TableSpec> {
    SPECS.iter().find(|s| s.table == table)
}

pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub(crate) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The staged rows with each column cast to its type.
pub(crate) fn typed_select(spec: &TableSpec) -> String {
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| {
            let q = quote_ident(c.name);
            format!("CAST({q} AS {}) AS {q}", c.ty.sql())
        })
        .collect();
    format!("SELECT line, {} FROM temp.staging", cols.join(", "))
}

/// The newest row among `tables` under `home` (everything for None), by each table's
/// freshness column, in RFC 3339 UTC (a staffing month is its first midnight); None if empty.
pub fn freshest(c: &Connection, tables: &[String], home: Option<&str>) -> Result<Option<String>> {
    let mut freshest: Option<String> = None;
    let fresh = SPECS
        .iter()
        .filter_map(|s| s.freshness.map(|column| (s.table, column)))
        .filter(|(table, _)| tables.iter().any(|t| t == table));
    for (table, column) in fresh {
        let newest: Option<String> = c.query_row(
            &format!(
                "SELECT strftime(CAST(max(x.{column}) AS TIMESTAMP), '%Y-%m-%dT%H:%M:%SZ') FROM main.{table} x
                 WHERE CAST($1 AS VARCHAR) IS NULL OR x.unit_id IN
                   (SELECT j.unit_id FROM main.unit_closure j WHERE j.ancestor_id = CAST($1 AS VARCHAR))"
            ),
            [home],
            |r| r.get(0),
        )?;
        freshest = freshest.max(newest);
    }
    Ok(freshest)
}

/// Which kinds of file an importer may bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKinds {
    /// Every kind (admins, the command line).
    All,
    /// Operational data: appeals, service cases, staffing (analysts).
    Data,
    /// Plans and their check-ins (department heads).
    Plans,
}

impl ImportKinds {
    pub(crate) fn check(self, spec: &TableSpec, name: &str) -> Result<()> {
        match (self, spec.is_plan_file()) {
            (ImportKinds::All, _) | (ImportKinds::Data, false) | (ImportKinds::Plans, true) => {
                Ok(())
            }
            (ImportKinds::Data, true) => Err(Error::Forbidden(format!(
                "{name}: plans and check-ins are imported by department heads and admins"
            ))),
            (ImportKinds::Plans, false) => Err(Error::Forbidden(format!(
                "{name}: a department head imports plans and check-ins only; this is a {} export",
                spec.table
            ))),
        }
    }
}

/// Who imports, and so which rows they may bring.
#[derive(Debug, Clone, Copy)]
pub struct Importer<'a> {
    /// The user, recorded with the import; None for the command line and the seed.
    pub user: Option<&'a str>,
    /// Some(home): every row's unit must lie under `home`, and the org tree cannot change.
    /// None: anything (admins, the command line).
    pub jurisdiction: Option<&'a str>,
    pub kinds: ImportKinds,
    /// The plans' clock now: what an importer with a jurisdiction's new check-ins and schedule
    /// changes are stamped with, as a tick in the app would be.
    pub now: Option<chrono::NaiveDateTime>,
}

impl Importer<'_> {
    /// The command line and the seed: the operator of the machine.
    pub const OPERATOR: Importer<'static> = Importer {
        user: None,
        jurisdiction: None,
        kinds: ImportKinds::All,
        now: None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    /// The registry and the database's schema agree: every table merged row by row has exactly
    /// the registry's columns, in order, and every table analysts read is one of them.
    #[test]
    fn the_registry_is_the_schema() {
        let db = Db::open_in_memory().unwrap();
        for spec in SPECS.iter().filter(|s| s.merge == Merge::Rows) {
            let columns: Vec<String> = db
                .with(|c| {
                    let mut stmt = c.prepare(
                        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                    )?;
                    let names = stmt
                        .query_map([spec.table], |r| r.get(0))?
                        .collect::<duckdb::Result<Vec<String>>>()?;
                    Ok(names)
                })
                .unwrap();
            let registered: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
            assert_eq!(columns, registered, "{}", spec.table);
        }
        assert_eq!(
            data_tables().collect::<Vec<_>>(),
            vec![
                ("appeals", "unit_id"),
                ("service_cases", "unit_id"),
                ("staffing", "unit_id")
            ]
        );
        assert!(scoped_tables().contains(&"org_units"));
    }
}
