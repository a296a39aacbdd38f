//! Every word the app shows, in one place, and the only code that writes dates for people.
//!
//! Components ask for a [`Text`] through [`t`] (or one of the functions below when the sentence
//! carries a value) instead of writing literals, so Russian and Persian become one more arm per
//! match. Numbers are written by `kpi_api::format`; dates only by the functions at the end of this
//! file, which is where Solar Hijri dates and Persian digits will go. Nothing here touches the DOM.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use kpi_api::{Direction, Grain, Status, UnitKind, UserRole};

/// A language the interface can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
}

/// The language in use. One place to choose it later (from the URL, a setting or the browser).
pub fn lang() -> Lang {
    Lang::En
}

/// A fixed piece of interface text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppTitle,
    Boards,
    Loading,
    ErrorTitle,
    Retry,
    NotFoundTitle,
    NotFoundBody,
    OpenOverview,
    Filters,
    Unit,
    UnitPath,
    Period,
    From,
    To,
    Presets,
    LastMonth,
    LastQuarter,
    Grain,
    UnitsUnavailable,
    BoardEmpty,
    NoTarget,
    TileFailed,
    ShowDetails,
    HideDetails,
    HigherIsBetter,
    LowerIsBetter,
    Close,
    OverTime,
    BySubordinateUnit,
    NoData,
    DownloadCsv,
    TargetLine,
    ColumnUnit,
    ColumnValue,
    ColumnStatus,
    Total,
    NoChildren,
    DrillDownHint,
    KpiUnknown,
    CsvPeriod,
    CsvValue,
    CsvUnitId,
    CsvUnit,
    CsvStatus,
    /// Between a label and its value: `Week of 4 Oct 2021: 87.3%`.
    LabelSeparator,
    SignIn,
    SignInTitle,
    SigningIn,
    UserName,
    Password,
    CredentialsMissing,
    BadCredentials,
    SessionUnavailable,
    SignOut,
    Admin,
    OpenAdmin,
    OpenHomeBoard,
    OutsideJurisdiction,
    NotAllowedTitle,
    NotAllowedBody,
    Users,
    NoUsers,
    AddUser,
    DisplayName,
    DisplayNameHint,
    Role,
    HomeUnit,
    AllUnits,
    EveryUnit,
    CreatedAt,
    PasswordChangedAt,
    NewPassword,
    SetPassword,
    NameMissing,
    RoleUnknown,
    HomeUnitMissing,
    PasswordMissing,
    AuditLog,
    NoAudit,
    ColumnAt,
    ColumnActor,
    ColumnAction,
    ColumnDetail,
    ColumnIp,
    /// The actor of an audit entry the server wrote on its own.
    ServerActor,
}

/// The words for `text` in the current language.
pub fn t(text: Text) -> &'static str {
    match lang() {
        Lang::En => en(text),
    }
}

fn en(text: Text) -> &'static str {
    match text {
        Text::AppTitle => "KPI boards",
        Text::Boards => "Boards",
        Text::Loading => "Loading…",
        Text::ErrorTitle => "Something went wrong",
        Text::Retry => "Retry",
        Text::NotFoundTitle => "Page not found",
        Text::NotFoundBody => "There is no page at this address.",
        Text::OpenOverview => "Open the overview board",
        Text::Filters => "Filters",
        Text::Unit => "Unit",
        Text::UnitPath => "Unit path",
        Text::Period => "Period",
        Text::From => "From",
        Text::To => "To",
        Text::Presets => "Quick periods",
        Text::LastMonth => "Last month",
        Text::LastQuarter => "Last quarter",
        Text::Grain => "Chart step",
        Text::UnitsUnavailable => "The list of units could not be loaded.",
        Text::BoardEmpty => "This board has no KPIs yet.",
        Text::NoTarget => "No target",
        Text::TileFailed => "This KPI could not be calculated:",
        Text::ShowDetails => "Show the trend and the breakdown by unit",
        Text::HideDetails => "Hide details",
        Text::HigherIsBetter => "Higher is better",
        Text::LowerIsBetter => "Lower is better",
        Text::Close => "Close",
        Text::OverTime => "Over time",
        Text::BySubordinateUnit => "By subordinate unit",
        Text::NoData => "No data for this period.",
        Text::DownloadCsv => "Download CSV",
        Text::TargetLine => "Target",
        Text::ColumnUnit => "Unit",
        Text::ColumnValue => "Value",
        Text::ColumnStatus => "Status",
        Text::Total => "Total",
        Text::NoChildren => "This unit has no subordinate units.",
        Text::DrillDownHint => "Choose a unit to open its board.",
        Text::KpiUnknown => "There is no KPI with this id.",
        Text::CsvPeriod => "period",
        Text::CsvValue => "value",
        Text::CsvUnitId => "unit_id",
        Text::CsvUnit => "unit",
        Text::CsvStatus => "status",
        Text::LabelSeparator => ": ",
        Text::SignIn => "Sign in",
        Text::SignInTitle => "Sign in to the KPI boards",
        Text::SigningIn => "Signing in…",
        Text::UserName => "User name",
        Text::Password => "Password",
        Text::CredentialsMissing => "Enter your user name and password.",
        Text::BadCredentials => "The user name or the password is wrong.",
        Text::SessionUnavailable => "Could not find out whether you are signed in.",
        Text::SignOut => "Sign out",
        Text::Admin => "Administration",
        Text::OpenAdmin => "Users and audit log",
        Text::OpenHomeBoard => "Open your home board",
        Text::OutsideJurisdiction => "Not in your jurisdiction",
        Text::NotAllowedTitle => "Not allowed",
        Text::NotAllowedBody => "Only administrators may manage users and read the audit log.",
        Text::Users => "Users",
        Text::NoUsers => "There are no users yet.",
        Text::AddUser => "Add a user",
        Text::DisplayName => "Display name",
        Text::DisplayNameHint => "Optional; the user name when left empty",
        Text::Role => "Role",
        Text::HomeUnit => "Home unit",
        Text::AllUnits => "All units (administrators only)",
        Text::EveryUnit => "All units",
        Text::CreatedAt => "Added",
        Text::PasswordChangedAt => "Password changed",
        Text::NewPassword => "New password",
        Text::SetPassword => "Set password",
        Text::NameMissing => "Enter a user name.",
        Text::RoleUnknown => "Choose a role.",
        Text::HomeUnitMissing => "Choose a home unit: only administrators may have none.",
        Text::PasswordMissing => "Enter a password.",
        Text::AuditLog => "Audit log",
        Text::NoAudit => "Nothing has been recorded yet.",
        Text::ColumnAt => "When",
        Text::ColumnActor => "Who",
        Text::ColumnAction => "What",
        Text::ColumnDetail => "Detail",
        Text::ColumnIp => "From address",
        Text::ServerActor => "server",
    }
}

/// How a grain is offered in the picker.
pub fn grain_name(grain: Grain) -> &'static str {
    match lang() {
        Lang::En => match grain {
            Grain::Week => "Weekly",
            Grain::Month => "Monthly",
            Grain::Quarter => "Quarterly",
            Grain::Year => "Yearly",
        },
    }
}

/// What a status marker means, for its tooltip and screen readers.
pub fn status_name(status: Status) -> &'static str {
    match lang() {
        Lang::En => match status {
            Status::Green => "On target",
            Status::Amber => "Close to target",
            Status::Red => "Off target",
            Status::None => "No status",
        },
    }
}

/// The level of a unit in the tree.
pub fn kind_name(kind: UnitKind) -> &'static str {
    match lang() {
        Lang::En => match kind {
            UnitKind::Region => "Region",
            UnitKind::City => "City",
            UnitKind::District => "District",
            UnitKind::Department => "Department",
        },
    }
}

/// What a user may do, as their badge and the users table name it.
pub fn role_name(role: UserRole) -> &'static str {
    match lang() {
        Lang::En => match role {
            UserRole::Governor => "Governor",
            UserRole::Mayor => "Mayor",
            UserRole::DepartmentHead => "Department head",
            UserRole::Analyst => "Analyst",
            UserRole::Admin => "Administrator",
        },
    }
}

/// An audit entry's action (`GET /api/audit`) for people; an action this app does not know yet is
/// shown as the server wrote it.
pub fn audit_action_name(action: &str) -> String {
    let known = match lang() {
        Lang::En => match action {
            "login" => Some("Signed in"),
            "login_failed" => Some("Sign-in failed"),
            "login_refused" => Some("Sign-in refused: too many attempts"),
            "logout" => Some("Signed out"),
            "import" => Some("Imported an export"),
            "import_failed" => Some("Import failed"),
            "user_added" => Some("Added a user"),
            "password_reset" => Some("Set a password"),
            "queries_loaded" => Some("Loaded the KPI definitions"),
            "query_run" => Some("Ran a query"),
            "query_refused" => Some("Query refused"),
            _ => None,
        },
    };
    known.map_or_else(|| action.to_string(), str::to_string)
}

pub fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Higher => t(Text::HigherIsBetter),
        Direction::Lower => t(Text::LowerIsBetter),
    }
}

/// `Target 90.0%`, given the target already formatted.
pub fn target_label(target: &str) -> String {
    match lang() {
        Lang::En => format!("Target {target}"),
    }
}

/// `vs 1 Jul 2021 – 30 Sep 2021`, given the previous period already written.
pub fn versus_label(previous: &str) -> String {
    match lang() {
        Lang::En => format!("vs {previous}"),
    }
}

/// The accessible name of a KPI's chart.
pub fn chart_label(kpi_title: &str) -> String {
    match lang() {
        Lang::En => format!("{kpi_title} over time"),
    }
}

/// The browser tab's title for a board: `Overview · Perm · KPI boards`.
pub fn document_title(board: &str, unit: &str) -> String {
    match lang() {
        Lang::En => format!("{board} · {unit} · {}", t(Text::AppTitle)),
    }
}

/// The browser tab's title for a page other than a board: `Sign in · KPI boards`.
pub fn page_title(page: &str) -> String {
    match lang() {
        Lang::En => format!("{page} · {}", t(Text::AppTitle)),
    }
}

/// The user badge's tooltip.
pub fn signed_in_as(user: &str) -> String {
    match lang() {
        Lang::En => format!("Signed in as {user}"),
    }
}

/// The note after adding a user.
pub fn user_added(name: &str) -> String {
    match lang() {
        Lang::En => format!("User {name} added."),
    }
}

/// The note after setting a user's password.
pub fn password_set(name: &str) -> String {
    match lang() {
        Lang::En => format!("The password of {name} is changed."),
    }
}

/// The footer's note of the server version.
pub fn server_version(version: &str) -> String {
    match lang() {
        Lang::En => format!("Server {version}"),
    }
}

pub fn network_error(detail: &str) -> String {
    match lang() {
        Lang::En => format!("The server could not be reached ({detail})."),
    }
}

pub fn http_error(status: u16) -> String {
    match lang() {
        Lang::En => format!("The server answered with status {status}."),
    }
}

pub fn decode_error(detail: &str) -> String {
    match lang() {
        Lang::En => format!("The server's answer could not be read ({detail})."),
    }
}

// Dates. Components never call `format` on a date; they call these.

const MONTHS_SHORT_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LONG_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A day: `4 Oct 2021`.
pub fn date_label(day: NaiveDate) -> String {
    match lang() {
        Lang::En => format!(
            "{} {} {}",
            day.day(),
            MONTHS_SHORT_EN[day.month0() as usize],
            day.year()
        ),
    }
}

/// An inclusive range of days: `1 Oct 2021 – 31 Dec 2021`.
pub fn range_label(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        return date_label(from);
    }
    format!("{} – {}", date_label(from), date_label(to))
}

/// A year as a preset button names it.
pub fn year_label(year: i32) -> String {
    year.to_string()
}

/// The bucket that starts on `start`, in full: `Week of 4 Oct 2021`, `October 2021`, `Q4 2021`,
/// `2021`.
pub fn period_label(start: NaiveDate, grain: Grain) -> String {
    match lang() {
        Lang::En => match grain {
            Grain::Week => format!("Week of {}", date_label(start)),
            Grain::Month => format!(
                "{} {}",
                MONTHS_LONG_EN[start.month0() as usize],
                start.year()
            ),
            Grain::Quarter => quarter_label(start),
            Grain::Year => year_label(start.year()),
        },
    }
}

/// The bucket that starts on `start`, short enough for an axis: `4 Oct 2021`, `Oct 2021`,
/// `Q4 2021`, `2021`.
pub fn tick_label(start: NaiveDate, grain: Grain) -> String {
    match lang() {
        Lang::En => match grain {
            Grain::Week => date_label(start),
            Grain::Month => format!(
                "{} {}",
                MONTHS_SHORT_EN[start.month0() as usize],
                start.year()
            ),
            Grain::Quarter => quarter_label(start),
            Grain::Year => year_label(start.year()),
        },
    }
}

fn quarter_label(start: NaiveDate) -> String {
    format!("Q{} {}", start.month0() / 3 + 1, start.year())
}

/// A moment the server wrote in RFC 3339 (sessions, users, the audit log), in UTC:
/// `4 Oct 2021, 14:03 UTC`. A text that is not RFC 3339 is shown as it came.
pub fn timestamp_label(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(moment) => {
            let utc = moment.with_timezone(&Utc);
            match lang() {
                Lang::En => format!(
                    "{}, {:02}:{:02} UTC",
                    date_label(utc.date_naive()),
                    utc.hour(),
                    utc.minute()
                ),
            }
        }
        Err(_) => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_and_ranges_read_day_month_year() {
        assert_eq!(date_label(d("2021-10-04")), "4 Oct 2021");
        assert_eq!(
            range_label(d("2021-10-01"), d("2021-12-31")),
            "1 Oct 2021 – 31 Dec 2021"
        );
        assert_eq!(range_label(d("2021-10-01"), d("2021-10-01")), "1 Oct 2021");
    }

    #[test]
    fn each_grain_names_its_bucket() {
        let start = d("2021-10-04");
        assert_eq!(period_label(start, Grain::Week), "Week of 4 Oct 2021");
        assert_eq!(period_label(d("2021-10-01"), Grain::Month), "October 2021");
        assert_eq!(period_label(d("2021-10-01"), Grain::Quarter), "Q4 2021");
        assert_eq!(period_label(d("2021-01-01"), Grain::Year), "2021");
        assert_eq!(tick_label(d("2021-10-01"), Grain::Month), "Oct 2021");
        assert_eq!(tick_label(d("2021-04-01"), Grain::Quarter), "Q2 2021");
    }

    #[test]
    fn every_role_has_its_own_name() {
        let names: Vec<&str> = UserRole::ALL.into_iter().map(role_name).collect();
        assert_eq!(
            names,
            vec![
                "Governor",
                "Mayor",
                "Department head",
                "Analyst",
                "Administrator"
            ]
        );
    }

    #[test]
    fn audit_actions_read_as_words_and_unknown_ones_pass_through() {
        assert_eq!(audit_action_name("login_failed"), "Sign-in failed");
        assert_eq!(audit_action_name("password_reset"), "Set a password");
        assert_eq!(audit_action_name("something_new"), "something_new");
    }

    #[test]
    fn moments_are_written_in_utc_and_unreadable_ones_as_given() {
        assert_eq!(
            timestamp_label("2021-10-04T14:03:59Z"),
            "4 Oct 2021, 14:03 UTC"
        );
        assert_eq!(
            timestamp_label("2021-10-04T01:30:00+03:00"),
            "3 Oct 2021, 22:30 UTC"
        );
        assert_eq!(timestamp_label("yesterday"), "yesterday");
    }

    #[test]
    fn sentences_carry_their_values() {
        assert_eq!(target_label("90.0%"), "Target 90.0%");
        assert_eq!(http_error(502), "The server answered with status 502.");
    }
}
