//! The wire contract between the KPI board server and its web app, and the plain logic both sides
//! share: period arithmetic, red/amber/green status, and how a KPI value is written for people.
//! Everything here builds for native targets and for wasm32, and is covered by `cargo test`.
//!
//! # Layout
//! - [`period`]: grains (week, month, quarter, year), period starts and ends, previous periods.
//! - [`status`]: red/amber/green from a value, a target and an amber band.
//! - [`format`]: numbers and units as a person reads them.
//! - [`plan`]: 12-week plans: when a tactic is due, and the execution score.
//! - [`vocab`]: the closed vocabularies of the exports (channels, categories, outcomes).
//! - this file: the JSON types of every endpoint.

pub mod agenda;
pub mod calendar;
pub mod cldr;
pub mod evaluation;
pub mod experiment;
pub mod forecast;
pub mod format;
pub mod league;
pub mod period;
pub mod plan;
pub mod status;
pub mod verdict;
pub mod vocab;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use period::Grain;
pub use status::Status;

/// The body of every error answer: a stable machine code, a sentence in English, and the
/// sentence's arguments by name (`param`, `kpi`, `retry_after`, and `detail`: the file, line or
/// engine message, which stays as the server wrote it), so an app words the error in its own
/// language from `code` and `args`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub args: std::collections::BTreeMap<String, String>,
}

/// `GET /api/health`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// Rows per imported table inside the caller's jurisdiction, so an operator sees at once
    /// whether data is loaded; empty without a session.
    pub rows: Vec<TableRows>,
    /// The first and last day with appeals in the caller's jurisdiction: the web app's date range
    /// and presets follow them. None without a session.
    pub data_from: Option<NaiveDate>,
    pub data_to: Option<NaiveDate>,
    /// The server's today for 12-week plans (moved by `serve --today`): the plan form starts
    /// from its week.
    pub today: NaiveDate,
    /// The result cache's figures, for admins only.
    #[serde(default)]
    pub cache: Option<CacheFigures>,
}

/// How the result cache has done since the server started, and the versions its answers are
/// keyed by: an operator (and the tests) can see what an import or a KPI change made compute anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheFigures {
    /// Answers a worker computed.
    pub computed: u64,
    /// Answers the cache gave.
    pub from_cache: u64,
    /// Moved by every import of data.
    pub data_version: u64,
    /// Moved by every change of the KPI files.
    pub catalog_version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRows {
    pub table: String,
    pub rows: i64,
}

/// The level of an org unit in the tree region -> city -> district -> department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Region,
    City,
    District,
    Department,
}

impl UnitKind {
    pub const ALL: [UnitKind; 4] = [
        UnitKind::Region,
        UnitKind::City,
        UnitKind::District,
        UnitKind::Department,
    ];

    /// Its name in exports and JSON: the importer's vocabulary, [`vocab::UNIT_KINDS`], in the
    /// same order as [`UnitKind::ALL`].
    pub fn as_str(self) -> &'static str {
        vocab::UNIT_KINDS[self as usize]
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The language of `unit`: the script of its own name, or of the nearest unit above it that has
/// one (see [`format::Locale::of_script`]); None when none has.
pub fn unit_language(units: &[Unit], unit: &str) -> Option<format::Locale> {
    let mut at = units.iter().find(|u| u.id == unit);
    // The tree is finite; a cycle in bad data stops after as many steps as there are units.
    for _ in 0..=units.len() {
        let u = at?;
        if let Some(lang) = u.local_name.as_deref().and_then(format::Locale::of_script) {
            return Some(lang);
        }
        let parent = u.parent_id.as_deref()?;
        at = units.iter().find(|p| p.id == parent);
    }
    None
}

/// The calendar of `unit`'s country, by its language: Solar Hijri (weeks from Saturday) for a
/// Persian-speaking unit, Gregorian (weeks from Monday) otherwise. Its 12-week plans start on
/// the first day of its week.
pub fn unit_calendar(units: &[Unit], unit: &str) -> calendar::Calendar {
    match unit_language(units, unit) {
        Some(format::Locale::Fa) => calendar::Calendar::Persian,
        _ => calendar::Calendar::Gregorian,
    }
}

/// One node of the org tree (`GET /api/units` returns them all, parents before children).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// A stable slug such as `perm` or `mashhad-district-8`.
    pub id: String,
    pub parent_id: Option<String>,
    pub kind: UnitKind,
    pub name: String,
    pub population: Option<i64>,
    /// The name in the unit's own language (Пермь, مشهد), when the org tree gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
}

impl Unit {
    /// A unit named after its id (for tests and fixtures).
    pub fn new(id: &str, parent: Option<&str>, kind: UnitKind) -> Unit {
        Unit {
            id: id.to_string(),
            parent_id: parent.map(str::to_string),
            kind,
            name: id.to_string(),
            population: None,
            local_name: None,
        }
    }
}

/// What a KPI's value is measured in; it decides formatting and how parts become a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Percent,
    Hours,
    Days,
    Count,
    #[serde(rename = "per_1000")]
    Per1000,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::Percent,
        Measure::Hours,
        Measure::Days,
        Measure::Count,
        Measure::Per1000,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Percent => "percent",
            Measure::Hours => "hours",
            Measure::Days => "days",
            Measure::Count => "count",
            Measure::Per1000 => "per_1000",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The factor that turns numerator / denominator into the displayed value.
    pub fn ratio_scale(self) -> f64 {
        match self {
            Measure::Percent => 100.0,
            Measure::Per1000 => 1000.0,
            _ => 1.0,
        }
    }
}

/// Whether a higher or a lower value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Higher,
    Lower,
}

impl Direction {
    /// `value` is as good as `target` or better.
    pub fn meets(self, value: f64, target: f64) -> bool {
        match self {
            Direction::Higher => value >= target,
            Direction::Lower => value <= target,
        }
    }
}

/// A lag measure is a result (answer time); a lead measure is an action that should move one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Lag,
    Lead,
}

/// The `-- key: value` header keys a KPI file may carry; unknown keys are load errors.
pub const KPI_HEADER_KEYS: &[&str] = &[
    "id",
    "lang",
    "title",
    "title.en",
    "title.ru",
    "title.fa",
    "description",
    "description.en",
    "description.ru",
    "description.fa",
    "unit",
    "direction",
    "target",
    "amber",
    "grain",
    "role",
    "owner",
    "source",
    "tags",
    "rollup",
    "expect",
];

/// A title and a description in one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Translated {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An experiment's hypothesis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypothesis: Option<String>,
    /// An experiment's intervention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention: Option<String>,
}

/// The titles and descriptions of a KPI, board or experiment in each language it has them in:
/// its default text in the language it is written in, and each translation (`-- title.ru:`).
pub type Translations = std::collections::BTreeMap<format::Locale, Translated>;

/// A KPI definition as loaded from its file in `queries/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiDef {
    pub id: String,
    pub title: String,
    pub description: String,
    pub measure: Measure,
    pub direction: Direction,
    pub target: Option<f64>,
    /// The far edge of the amber band: between target and this the KPI is amber, beyond it red.
    pub amber: Option<f64>,
    pub grain: Grain,
    pub role: Role,
    pub owner: Option<String>,
    pub source: Option<String>,
    pub tags: Vec<String>,
    /// The file it was read from, relative to the queries folder.
    pub file: String,
    /// The SQL body, shown on the KPI's passport.
    pub sql: String,
    /// Title and description by language (`-- lang:` names the default's, English when absent).
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub translations: Translations,
}

impl KpiDef {
    /// A definition with only what every KPI needs; no target, weekly, a lag measure, in
    /// `{id}.sql` with no SQL yet (for tests and the editor's first draft).
    pub fn new(id: &str, title: &str, measure: Measure, direction: Direction) -> KpiDef {
        KpiDef {
            id: id.to_string(),
            title: title.to_string(),
            description: String::new(),
            measure,
            direction,
            target: None,
            amber: None,
            grain: Grain::Week,
            role: Role::Lag,
            owner: None,
            source: None,
            tags: Vec::new(),
            file: format!("{id}.sql"),
            sql: String::new(),
            translations: Translations::new(),
        }
    }
}

/// A dated event shown on every chart that covers it (`GET /api/annotations?unit=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    pub from: NaiveDate,
    /// The last day (the same as `from` for a single day).
    pub to: NaiveDate,
    /// The unit it concerns, with everything under it; None: everywhere.
    pub unit: Option<String>,
    pub title: String,
    /// Set for an event entered in the app (None: from `annotations.csv`): its id, to remove it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Who entered it in the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// `POST /api/annotations`: a dated event entered in the app for a unit of the jurisdiction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAnnotation {
    pub from: NaiveDate,
    /// The last day; None for a single day.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    pub unit: String,
    pub title: String,
}

/// A KPI file that could not be loaded, with where and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiLoadError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// `GET /api/kpis`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiList {
    pub kpis: Vec<KpiDef>,
    pub errors: Vec<KpiLoadError>,
    /// Moves whenever the KPI files are loaded again (the server watches `queries/`): an open
    /// board that sees it move fetches itself again.
    #[serde(default)]
    pub version: u64,
}

/// One value of a series; `value` is null where the period has no data (a zero denominator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub period: NaiveDate,
    pub value: Option<f64>,
}

/// `GET /api/kpis/{id}/values?unit=&from=&to=&grain=`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub kpi: String,
    pub unit: String,
    pub grain: Grain,
    /// The calendar the buckets follow (Solar Hijri months and Saturday weeks for `persian`).
    #[serde(default)]
    pub calendar: calendar::Calendar,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub points: Vec<Point>,
    /// The target in force for the unit at each point's period end (one per point; empty from
    /// an older server): it changes where a rule of `queries/targets.csv` starts.
    #[serde(default)]
    pub targets: Vec<Option<f64>>,
}

/// One row of `GET /api/kpis/{id}/children?unit=&from=&to=`: a child unit's value over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildValue {
    pub unit: Unit,
    pub value: Option<f64>,
    pub status: Status,
}

/// `GET /api/kpis/{id}/children`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Children {
    pub kpi: String,
    pub unit: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The parent's own value over the same rows, for the table's total line.
    pub total: Option<f64>,
    pub children: Vec<ChildValue>,
}

/// An entry of `GET /api/boards`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardSummary {
    pub id: String,
    pub title: String,
    pub description: String,
    pub kpis: Vec<String>,
    /// Title and description by language (the board file's `translations`).
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub translations: Translations,
}

/// One tile of a board: the KPI over the chosen period, against target and the period before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    pub kpi: KpiDef,
    pub value: Option<f64>,
    /// The target and amber edge in force for the unit on the period's last day: the KPI file's
    /// own, or a rule of `queries/targets.csv` (whose note says why).
    #[serde(default)]
    pub target: Option<f64>,
    #[serde(default)]
    pub amber: Option<f64>,
    #[serde(default)]
    pub target_note: Option<String>,
    /// The same KPI over the equally long period just before.
    pub previous: Option<f64>,
    /// value - previous, in the KPI's own measure (percentage points for percents).
    pub change: Option<f64>,
    /// The same KPI over the same period a year before (`Board::year_ago_from..=year_ago_to`).
    #[serde(default)]
    pub year_ago: Option<f64>,
    /// value - year_ago, in the KPI's own measure.
    #[serde(default)]
    pub change_year: Option<f64>,
    pub status: Status,
    /// The KPI at the board's grain across the chosen period.
    pub sparkline: Vec<Point>,
    /// Where the KPI lands at the end of the quarter (or year) the period runs in, when the
    /// period stops before that end.
    #[serde(default)]
    pub forecast: Option<Forecast>,
    /// Set when this tile's KPI failed to evaluate; the other tiles still show.
    pub error: Option<String>,
}

/// Where a KPI lands at the end of a running period if the rate so far goes on, and what each
/// remaining week would need for the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The period forecast: the quarter (or the year, for a board over more than a quarter)
    /// holding the board's last day.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The days known: `from..=as_of`.
    pub as_of: NaiveDate,
    /// Whole and part weeks left after `as_of`.
    pub weeks_left: f64,
    /// The value so far, over `from..=as_of`.
    pub so_far: Option<f64>,
    /// Where it lands at the period's end at the rate so far.
    pub landing: Option<f64>,
    /// The target in force at the period's end.
    pub target: Option<f64>,
    /// What the rest of the period must average, in the KPI's measure, to end on the target;
    /// None when the KPI does not add up week by week (a median) or has no target.
    pub needed: Option<f64>,
    /// The rows a week so far behind `needed` (appeals due a week, say).
    pub rows_per_week: Option<f64>,
    /// The target is met at the landing, out of reach (needs more than 100%), or neither.
    pub outlook: Outlook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outlook {
    /// It lands on target or better at the rate so far.
    OnCourse,
    /// It lands short, and the needed rate is possible.
    NeedsMore,
    /// Even a perfect rest of the period would not reach the target.
    OutOfReach,
    /// No target, or nothing to forecast by.
    Unknown,
}

/// `GET /api/boards/{id}?unit=&from=&to=&grain=`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub id: String,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Translations::is_empty")]
    pub translations: Translations,
    pub unit: Unit,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grain: Grain,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    /// The same period a year before (see [`period::year_ago`]).
    pub year_ago_from: NaiveDate,
    pub year_ago_to: NaiveDate,
    pub tiles: Vec<Tile>,
}

/// What importing one export file did (`POST /api/imports`, `kpiboard import`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file: String,
    /// The table the file was recognised as: org_units, appeals, service_cases or staffing.
    pub table: String,
    /// The SHA-256 of the file's bytes; a file already imported is recognised by it.
    pub sha256: String,
    pub rows_in_file: u64,
    /// Rows whose key was new.
    pub inserted: u64,
    /// Rows whose key existed and were replaced by the file's version (a corrected export).
    pub updated: u64,
    /// True when these exact bytes had been imported before: nothing was changed.
    pub already_imported: bool,
    pub millis: u64,
}

/// One file in the history of imports (`GET /api/imports`), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRecord {
    pub file: String,
    pub table: String,
    pub sha256: String,
    pub rows: i64,
    pub inserted: i64,
    pub updated: i64,
    pub imported_at: String,
    /// None for the command line and the seed.
    pub imported_by: Option<String>,
}

/// The name of the session cookie `POST /api/login` sets (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "kpi_session";
/// The header every state-changing request must carry, equal to the session's `csrf_token`.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a user may do. Every role sees only its home unit's subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    Governor,
    Mayor,
    DepartmentHead,
    /// Reads boards and runs SQL (sandboxed) over the jurisdiction; imports its jurisdiction's rows.
    Analyst,
    /// Manages users, reads the audit log, imports anything.
    Admin,
}

impl UserRole {
    pub const ALL: [UserRole; 5] = [
        UserRole::Governor,
        UserRole::Mayor,
        UserRole::DepartmentHead,
        UserRole::Analyst,
        UserRole::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Governor => "governor",
            UserRole::Mayor => "mayor",
            UserRole::DepartmentHead => "department_head",
            UserRole::Analyst => "analyst",
            UserRole::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<UserRole> {
        UserRole::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// May run ad-hoc SQL and import exports.
    pub fn writes_sql(self) -> bool {
        matches!(self, UserRole::Analyst | UserRole::Admin)
    }
}

/// `POST /api/login`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub user: String,
    pub password: String,
}

/// `POST /api/login` and `GET /api/session`: who is signed in, until when, and the token that
/// state-changing requests send back in the [`CSRF_HEADER`] header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: String,
    pub display_name: String,
    pub role: UserRole,
    /// The root of the user's jurisdiction; None means every unit (admins).
    pub home_unit: Option<String>,
    /// The language of the home unit (from the script of its own name, or its nearest parent's):
    /// the interface's language until the person chooses one. None for every unit.
    #[serde(default)]
    pub lang: Option<format::Locale>,
    pub csrf_token: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// `GET /api/users` (admins)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub name: String,
    pub display_name: String,
    pub role: UserRole,
    pub home_unit: Option<String>,
    pub created_at: String,
    pub password_changed_at: String,
}

/// `POST /api/users` (admins)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub role: UserRole,
    /// Required for every role but admin.
    #[serde(default)]
    pub home_unit: Option<String>,
    pub password: String,
}

/// `POST /api/users/{name}/password` (admins)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordReset {
    pub password: String,
}

/// One line of `GET /api/audit` (admins): who did what, when, from where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The user name (or the name tried, for a failed sign-in); None for the server itself.
    pub actor: Option<String>,
    /// `login`, `login_failed`, `logout`, `import`, `import_failed`, `user_added`,
    /// `login_refused` (rate limit), `password_reset`, `queries_loaded`, `query_run`,
    /// `query_refused`, `kpi_saved`, `kpi_refused` (the editor's Save).
    pub action: String,
    pub detail: String,
    pub ip: Option<String>,
}

/// `POST /api/query` (analysts, admins): one SELECT over the jurisdiction's rows, in the sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRequest {
    pub sql: String,
    pub unit: String,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub grain: Option<Grain>,
}

/// The answer to `POST /api/query`: at most `row_limit` rows; `truncated` says more existed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub truncated: bool,
    pub row_limit: usize,
    pub millis: u64,
}

/// `POST /api/kpis/preview` (analysts, admins): a whole KPI file, header and SELECT, run in the
/// sandbox for one unit and period without saving it. `run_id` lets `POST /api/query/cancel` stop it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiPreviewRequest {
    pub text: String,
    pub unit: String,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub grain: Option<Grain>,
    #[serde(default)]
    pub run_id: Option<String>,
}

/// What a preview found: the definition and its series, or the error pointed at the file's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiPreview {
    pub def: Option<KpiDef>,
    pub error: Option<KpiLoadError>,
    /// The KPI's value per period for the unit (empty when there is an error).
    pub points: Vec<Point>,
    /// The SELECT's own first rows (grp, period, value or numerator/denominator).
    pub rows: Option<QueryResult>,
    pub millis: u64,
}

/// `PUT /api/kpis/{id}` (analysts, admins): the whole file; it is validated, then written to
/// `queries/{id}.sql` and loaded. 422 with the error pointed at its line when it does not validate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiSave {
    pub text: String,
    /// Also put the KPI on this board (appended to `queries/boards/{board}.json` if absent).
    #[serde(default)]
    pub board: Option<String>,
}

/// `POST /api/query/cancel`: stops the caller's preview or query that was sent with this `run_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelRequest {
    pub run_id: String,
}

/// `GET /api/kpis/{id}`: the KPI's passport.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiPassport {
    /// The definition, with its formula (`sql`), owner and source.
    pub def: KpiDef,
    /// The whole file as written, header included.
    pub text: String,
    /// The scoped tables its SELECT reads.
    pub tables: Vec<String>,
    /// The newest row it can read, inside the caller's jurisdiction (RFC 3339, UTC).
    pub freshest: Option<String>,
    /// The boards that show it.
    pub boards: Vec<BoardSummary>,
    /// The file's current load error, when its last edit did not validate (the previous version
    /// is what serves).
    pub error: Option<KpiLoadError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_kinds_are_named_as_serde_writes_them() {
        for kind in UnitKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
        }
    }
}
