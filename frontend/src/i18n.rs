//! Every word the app shows, in one place, and the only code that writes dates for people.
//!
//! Components ask for a [`Text`] through [`t`] (or one of the functions below when the sentence
//! carries a value) instead of writing literals, so Russian and Persian become one more arm per
//! match. Numbers are written by `kpi_api::format`; dates only by the functions at the end of this
//! file, which is where Solar Hijri dates and Persian digits will go. Nothing here touches the DOM.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use kpi_api::evaluation::{Scoring, Subjects};
use kpi_api::{
    format, Direction, Forecast, Grain, Measure, Outlook, Role, Status, UnitKind, UserRole,
};

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
    LastWeek,
    YearToDate,
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
    KpiPassport,
    EditKpi,
    FieldId,
    FieldMeasure,
    FieldDirection,
    FieldTarget,
    FieldAmber,
    FieldGrain,
    FieldRole,
    FieldOwner,
    FieldSource,
    FieldTags,
    FieldFile,
    FieldTables,
    FieldFreshest,
    /// A passport field the KPI's header leaves out.
    NotSet,
    NoRowsYet,
    Formula,
    WholeFile,
    ShownOnBoards,
    OnNoBoard,
    PassportError,
    Editor,
    NewKpi,
    EditorNotAllowed,
    KpiFile,
    KpiFileHint,
    Preview,
    Cancel,
    Cancelling,
    PreviewCancelled,
    PreviewResult,
    Save,
    Saving,
    Board,
    NoBoard,
    EditorErrorTitle,
    ShowLine,
    PreviewRows,
    NoRows,
    IdMissing,
    OpenSavedBoard,
    OpenSavedPassport,
    Plans,
    Experiments,
    ExperimentsTitle,
    NoExperiments,
    ExperimentUnknown,
    OpenExperiments,
    Hypothesis,
    Intervention,
    TreatedUnits,
    ComparisonUnits,
    NoComparisonUnits,
    LaterStartersCompare,
    WatchedKpi,
    Verdict,
    EffectAbsolute,
    EffectRelative,
    ClusteredInterval,
    NaiveEstimate,
    PreTrendTitle,
    EventStudy,
    EventStudyNote,
    HowItWasComputed,
    ColumnExperiment,
    ColumnStarts,
    Unbounded,
    IntervalLow,
    NewExperiment,
    ImportExperiments,
    SuggestComparison,
    SuggestNeeds,
    NoSuggestion,
    DownloadExperiments,
    EditExperiment,
    AgendaTitle,
    AgendaNote,
    AgendaEmpty,
    AgendaKpi,
    AgendaTarget,
    AgendaOwner,
    AgendaLink,
    CsvKpi,
    CsvTarget,
    CsvChange,
    CsvOffTarget,
    CsvOwner,
    LeagueTitle,
    LeagueLink,
    LeagueRank,
    LeagueSize,
    LeagueInterval,
    LeagueAgainst,
    LeagueBoard,
    LeagueOpenBoard,
    LeagueNoChildren,
    LeagueFunnel,
    LeagueFunnelNote,
    LeagueBest,
    LeagueWorst,
    EventsTitle,
    EventsNone,
    EventNeedsDay,
    EventTitle,
    EventAdd,
    EventRemove,
    EvaluationsTitle,
    EvaluationsLink,
    EvaluationsNone,
    EvaluationsNote,
    ScoreSubject,
    ScoreUnit,
    ScoreTotal,
    ScoreHow,
    ScoreValue,
    ScoreRows,
    ScoreTarget,
    ScoreFloor,
    ScoreScore,
    ScoreWeight,
    ScorePoints,
    ScoreNoTotal,
    ScoreNoCards,
    ScoreBoard,
    ScoreAllStaff,
    ScoreComputation,
    CsvSubject,
    CsvEmployee,
    CsvScore,
    CsvWeight,
    CsvPoints,
    CsvTotal,
    CsvRows,
    CsvFloor,
    CsvTargetSource,
    LeagueChooseKpi,
    LeagueSortBy,
    PerThousand,
    CsvRank,
    CsvLow,
    CsvHigh,
    CsvVolume,
    CsvVersus,
    ExperimentHistory,
    HiddenVersions,
    NothingChanged,
    PreviousVersionHidden,
    ExperimentId,
    ExperimentTitleField,
    EndField,
    AddTreatedUnit,
    RemoveRow,
    StartField,
    ChooseUnit,
    SaveExperiment,
    DefinesExperiments,
    IntervalHigh,
    Observations,
    PlansTitle,
    NoPlans,
    PlanUnknown,
    OpenPlans,
    ColumnTitle,
    ColumnOwner,
    ColumnStart,
    ColumnWeek,
    ColumnWeekScore,
    ColumnCumulative,
    ColumnDue,
    ColumnDone,
    ColumnScore,
    ColumnKpiValue,
    PlanOwner,
    PlanStart,
    PlanNotRunning,
    Goals,
    LagKpi,
    GoalTarget,
    TacticsToTick,
    TickWeek,
    NothingDue,
    Done,
    Note,
    NotePlaceholder,
    SaveNote,
    Late,
    ReadOnlyPlan,
    ScoreThisWeek,
    ScoreCumulative,
    Execution,
    ExecutionByWeek,
    ConflictTitle,
    /// Sorted ascending / descending, for screen readers on a sorted column.
    SortAscending,
    SortDescending,
    NewPlan,
    NewPlanTitle,
    NewPlanIntro,
    PlanTitleField,
    PlanUnitField,
    PlanStartField,
    StartFrom,
    EmptyPlan,
    GoalTitleField,
    ChooseKpi,
    TacticTitleField,
    TacticOwnerField,
    ScheduleField,
    ScheduleWeekly,
    ScheduleOnce,
    ScheduleWeeks,
    AddGoal,
    RemoveGoal,
    AddTactic,
    RemoveTactic,
    CreatePlan,
    Creating,
    WritesPlans,
    TacticsAndWeeks,
    ChangesFromThisWeek,
    ChangeSchedule,
    Withdraw,
    SaveSchedule,
    AddTacticHere,
    SaveTactic,
    DownloadPlanCsv,
    DownloadCheckinsCsv,
    DownloadPlansCsv,
    ImportPlans,
    Importing,
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
        Text::LastWeek => "Last week",
        Text::YearToDate => "Year to date",
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
        Text::KpiPassport => "KPI passport",
        Text::EditKpi => "Edit",
        Text::FieldId => "Id",
        Text::FieldMeasure => "Measured in",
        Text::FieldDirection => "Direction",
        Text::FieldTarget => "Target",
        Text::FieldAmber => "Amber band ends at",
        Text::FieldGrain => "Chart step",
        Text::FieldRole => "Kind",
        Text::FieldOwner => "Owner",
        Text::FieldSource => "Source",
        Text::FieldTags => "Tags",
        Text::FieldFile => "File",
        Text::FieldTables => "Tables read",
        Text::FieldFreshest => "Newest data",
        Text::NotSet => "Not set",
        Text::NoRowsYet => "No rows yet",
        Text::Formula => "Formula (SQL)",
        Text::WholeFile => "The whole file",
        Text::ShownOnBoards => "Boards that show it",
        Text::OnNoBoard => "No board shows it yet.",
        Text::PassportError => {
            "The latest edit of this file could not be loaded; the previous version is still in use."
        }
        Text::Editor => "KPI editor",
        Text::NewKpi => "New KPI",
        Text::EditorNotAllowed => "Only analysts and administrators may write KPIs.",
        Text::KpiFile => "KPI file",
        Text::KpiFileHint => {
            "A header of \"-- key: value\" lines, then one SELECT returning grp, period and value \
             (or numerator and denominator)."
        }
        Text::Preview => "Preview",
        Text::Cancel => "Cancel",
        Text::Cancelling => "Cancelling…",
        Text::PreviewCancelled => "The preview was cancelled.",
        Text::PreviewResult => "Preview result",
        Text::Save => "Save",
        Text::Saving => "Saving…",
        Text::Board => "Also show it on",
        Text::NoBoard => "No board",
        Text::EditorErrorTitle => "The KPI has a problem",
        Text::ShowLine => "Show in the text",
        Text::PreviewRows => "First rows of the SELECT",
        Text::NoRows => "The SELECT returned no rows.",
        Text::IdMissing => "The header needs an \"-- id:\" line: the id names the file.",
        Text::OpenSavedBoard => "Open the board",
        Text::OpenSavedPassport => "Open its passport",
        Text::Plans => "Plans",
        Text::Experiments => "Experiments",
        Text::ExperimentsTitle => "Management experiments",
        Text::NoExperiments => "There are no experiments under this unit yet.",
        Text::ExperimentUnknown => "There is no experiment with this id.",
        Text::OpenExperiments => "Open the list of experiments",
        Text::Hypothesis => "Hypothesis",
        Text::Intervention => "What changed",
        Text::TreatedUnits => "Units that changed",
        Text::ComparisonUnits => "Comparison units",
        Text::NoComparisonUnits => "None: a before/after comparison only",
        Text::LaterStartersCompare => "None named: the units that start later are compared with those that started earlier, until they start",
        Text::WatchedKpi => "KPI",
        Text::Verdict => "Did it work?",
        Text::EffectAbsolute => "Effect",
        Text::EffectRelative => "Effect, relative",
        Text::ClusteredInterval => "Plain clustered interval (too narrow with few units)",
        Text::NaiveEstimate => "Naive two-way fixed effects (biased with staggered starts)",
        Text::PreTrendTitle => "Before the start",
        Text::EventStudy => "Effect by period since the start",
        Text::EventStudyNote => "Each point is the difference from what the units that changed would have shown without the change; bars are 95% intervals. Points before the start should sit at zero.",
        Text::HowItWasComputed => "How it was computed",
        Text::ColumnExperiment => "Experiment",
        Text::ColumnStarts => "Starts",
        Text::Unbounded => "no bound",
        Text::IntervalLow => "95% interval from",
        Text::NewExperiment => "New experiment",
        Text::ImportExperiments => "Import experiments (JSON, as downloaded)",
        Text::SuggestComparison => "Suggest units that moved like these before the start",
        Text::SuggestNeeds => "Choose the units that changed, their start and a KPI first.",
        Text::NoSuggestion => "No unit of the same kind has enough data before the start.",
        Text::DownloadExperiments => "Download the experiments (JSON)",
        Text::EditExperiment => "Change the experiment",
        Text::AgendaTitle => "Agenda: what is red or got worse",
        Text::AgendaNote => "Every KPI, in this unit and each unit under it, that is off target (red) or moved the wrong way since the period before. Red comes first, the furthest off target first; a row opens that unit's board.",
        Text::AgendaEmpty => "Nothing is red and nothing got worse under this unit in this period.",
        Text::AgendaKpi => "KPI",
        Text::AgendaTarget => "Target",
        Text::AgendaOwner => "Who answers for it",
        Text::AgendaLink => "Agenda",
        Text::CsvKpi => "kpi",
        Text::CsvTarget => "target",
        Text::CsvChange => "change",
        Text::CsvOffTarget => "off_target",
        Text::CsvOwner => "owner",
        Text::LeagueTitle => "Fair league table",
        Text::LeagueLink => "Fair league table of the units below",
        Text::LeagueRank => "Rank",
        Text::LeagueSize => "Size",
        Text::LeagueInterval => "95% interval",
        Text::LeagueAgainst => "Against the unit above",
        Text::LeagueBoard => "Board",
        Text::LeagueOpenBoard => "Open the board",
        Text::LeagueNoChildren => "This unit has no units below it to rank.",
        Text::LeagueFunnel => "Funnel plot: each unit's value against its size",
        Text::LeagueFunnelNote => "Inside the funnel a unit differs from the unit above no more than chance alone would make a unit of its size differ; dashed lines are the 95% limits, dotted the 99.8% limits.",
        Text::LeagueBest => "Best, and really better",
        Text::EventsTitle => "Events on the charts",
        Text::EventsNone => "No events are marked for this unit.",
        Text::EventNeedsDay => "Give the event's first day.",
        Text::EventTitle => "What happened",
        Text::EventAdd => "Mark the event",
        Text::EventRemove => "Remove",
        Text::EvaluationsTitle => "Evaluations",
        Text::EvaluationsLink => "Evaluations",
        Text::EvaluationsNone => "No evaluation scheme covers your units.",
        Text::EvaluationsNote => "Each KPI's value is scored from 0 (at the floor or worse) to 100 (at the target or better), in a straight line between, or 100 when the target is met and 0 when not. The total weighs the scores by the scheme's weights among the KPIs scored. A value on fewer rows than the scheme asks for is not scored, so nobody is judged on a handful of cases; with under half the weight scored there is no total.",
        Text::ScoreSubject => "Who",
        Text::ScoreUnit => "Unit",
        Text::ScoreTotal => "Total",
        Text::ScoreHow => "How it was computed",
        Text::ScoreValue => "Value",
        Text::ScoreRows => "Rows",
        Text::ScoreTarget => "Target",
        Text::ScoreFloor => "Scores 0 at",
        Text::ScoreScore => "Score",
        Text::ScoreWeight => "Weight",
        Text::ScorePoints => "Points",
        Text::ScoreNoTotal => "no total: under half the weight has enough data",
        Text::ScoreNoCards => "Nobody to evaluate here in this period.",
        Text::ScoreBoard => "Board",
        Text::ScoreAllStaff => "Back to everyone",
        Text::ScoreComputation => "Computation",
        Text::CsvSubject => "subject",
        Text::CsvEmployee => "employee",
        Text::CsvScore => "score",
        Text::CsvWeight => "weight_percent",
        Text::CsvPoints => "points",
        Text::CsvTotal => "total",
        Text::CsvRows => "rows",
        Text::CsvFloor => "floor",
        Text::CsvTargetSource => "target_source",
        Text::LeagueWorst => "Worst, and really worse",
        Text::LeagueChooseKpi => "KPI",
        Text::LeagueSortBy => "Sort by",
        Text::PerThousand => "per 1,000 residents",
        Text::CsvRank => "rank",
        Text::CsvLow => "low_95",
        Text::CsvHigh => "high_95",
        Text::CsvVolume => "volume",
        Text::CsvVersus => "against_parent",
        Text::ExperimentHistory => "Versions",
        Text::HiddenVersions => "Earlier versions named units outside your jurisdiction and are not shown.",
        Text::NothingChanged => "Saved without changes.",
        Text::PreviousVersionHidden => "Changed from a version that is not shown.",
        Text::ExperimentId => "Id (letters, digits and hyphens; part of its address)",
        Text::ExperimentTitleField => "Title",
        Text::EndField => "Last day (empty while it runs)",
        Text::AddTreatedUnit => "Add a unit",
        Text::RemoveRow => "Remove",
        Text::StartField => "From",
        Text::ChooseUnit => "Choose a unit",
        Text::SaveExperiment => "Save the experiment",
        Text::DefinesExperiments => "Only mayors, governors, analysts and administrators define experiments.",
        Text::IntervalHigh => "to",
        Text::Observations => "Observations",
        Text::PlansTitle => "12-week plans",
        Text::NoPlans => "There are no plans under this unit yet.",
        Text::PlanUnknown => "There is no plan with this id.",
        Text::OpenPlans => "Open the list of plans",
        Text::ColumnTitle => "Plan",
        Text::ColumnOwner => "Owner",
        Text::ColumnStart => "Starts",
        Text::ColumnWeek => "Week",
        Text::ColumnWeekScore => "This week",
        Text::ColumnCumulative => "Cumulative",
        Text::ColumnDue => "Due",
        Text::ColumnDone => "Done",
        Text::ColumnScore => "Score",
        Text::ColumnKpiValue => "Lag KPI",
        Text::PlanOwner => "Owner",
        Text::PlanStart => "Starts",
        Text::PlanNotRunning => "This plan is not running now: check-ins are closed.",
        Text::Goals => "Goals",
        Text::LagKpi => "Lag KPI",
        Text::GoalTarget => "Target by week 12",
        Text::TacticsToTick => "Tactics to tick",
        Text::TickWeek => "Week to tick",
        Text::NothingDue => "No tactic is due in this week.",
        Text::Done => "Done",
        Text::Note => "Note",
        Text::NotePlaceholder => "Optional note",
        Text::SaveNote => "Save note",
        Text::Late => "Late",
        Text::ReadOnlyPlan => "Only the unit's department heads and administrators tick tactics.",
        Text::ScoreThisWeek => "This week's score",
        Text::ScoreCumulative => "Cumulative score",
        Text::Execution => "Execution",
        Text::ExecutionByWeek => "Execution week by week",
        Text::ConflictTitle => "Someone answered first",
        Text::SortAscending => "ascending",
        Text::SortDescending => "descending",
        Text::NewPlan => "New plan",
        Text::NewPlanTitle => "A new 12-week plan",
        Text::NewPlanIntro => "Twelve weeks of work and a review week. Each goal names the KPI it should move and the value to reach by week 12; each tactic is what will be done, by whom, in which weeks.",
        Text::PlanTitleField => "Title",
        Text::PlanUnitField => "Unit",
        Text::PlanStartField => "Starts on (a Monday)",
        Text::StartFrom => "Start from",
        Text::EmptyPlan => "An empty plan",
        Text::GoalTitleField => "Goal",
        Text::ChooseKpi => "Choose a KPI",
        Text::TacticTitleField => "Tactic",
        Text::TacticOwnerField => "Who does it",
        Text::ScheduleField => "When",
        Text::ScheduleWeekly => "Every week",
        Text::ScheduleOnce => "Once, in week",
        Text::ScheduleWeeks => "In the weeks",
        Text::AddGoal => "Add a goal",
        Text::RemoveGoal => "Remove this goal",
        Text::AddTactic => "Add a tactic",
        Text::RemoveTactic => "Remove",
        Text::CreatePlan => "Create the plan",
        Text::Creating => "Creating…",
        Text::WritesPlans => "Only department heads and administrators write plans.",
        Text::TacticsAndWeeks => "Tactics and their weeks",
        Text::ChangesFromThisWeek => "Changes count from this week on; the weeks before keep their scores.",
        Text::ChangeSchedule => "Change weeks",
        Text::Withdraw => "Withdraw",
        Text::SaveSchedule => "Save from this week on",
        Text::AddTacticHere => "Add a tactic to this goal",
        Text::SaveTactic => "Add it from this week on",
        Text::DownloadPlanCsv => "Download the plan (CSV)",
        Text::DownloadCheckinsCsv => "Download the check-ins (CSV)",
        Text::DownloadPlansCsv => "Download these plans (CSV)",
        Text::ImportPlans => "Import plans or check-ins (CSV)",
        Text::Importing => "Importing…",
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
            "kpi_saved" => Some("Saved a KPI in the editor"),
            "kpi_refused" => Some("KPI refused: it does not load"),
            _ => None,
        },
    };
    known.map_or_else(|| action.to_string(), str::to_string)
}

/// What a KPI's value is measured in, as its passport says.
pub fn measure_name(measure: Measure) -> &'static str {
    match lang() {
        Lang::En => match measure {
            Measure::Percent => "Percent",
            Measure::Hours => "Hours",
            Measure::Days => "Days",
            Measure::Count => "Count",
            Measure::Per1000 => "Per 1,000 residents",
        },
    }
}

/// Whether a KPI is a result or an action that should move one.
pub fn kpi_role_name(role: Role) -> &'static str {
    match lang() {
        Lang::En => match role {
            Role::Lag => "Lag: a result",
            Role::Lead => "Lead: an action that moves a result",
        },
    }
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

/// The heading of the editor for an existing KPI.
pub fn edit_title(id: &str) -> String {
    match lang() {
        Lang::En => format!("Edit {id}"),
    }
}

/// Where a plan stands: `Week 3 of 12`, `Review week`, or that it is not running.
pub fn plan_week_label(current: Option<u32>) -> String {
    match (lang(), current) {
        (Lang::En, Some(week)) if week <= kpi_api::plan::PLAN_WEEKS => {
            format!("Week {week} of {}", kpi_api::plan::PLAN_WEEKS)
        }
        (Lang::En, Some(_)) => "Review week".to_string(),
        (Lang::En, None) => "Not running".to_string(),
    }
}

/// A week in the week picker: `Week 3 (this week)`, `Week 2 (late)`.
pub fn tick_week_option(week: u32, this_week: bool) -> String {
    match lang() {
        Lang::En if this_week => format!("Week {week} (this week)"),
        Lang::En => format!("Week {week} (late)"),
    }
}

/// A tactic's schedule: `Every week`, `Week 5`, `Weeks 2, 4, 6`, `Withdrawn`.
pub fn schedule_label(due: Option<&kpi_api::plan::Due>) -> String {
    use kpi_api::plan::Due;
    match (lang(), due) {
        (Lang::En, None) => "Withdrawn".to_string(),
        (Lang::En, Some(Due::Weekly)) => "Every week".to_string(),
        (Lang::En, Some(Due::Once { week })) => format!("Week {week}"),
        (Lang::En, Some(Due::Weeks { weeks })) => {
            let list: Vec<String> = weeks.iter().map(u32::to_string).collect();
            format!("Weeks {}", list.join(", "))
        }
    }
}

/// A schedule in force from a later week: `From week 7: Weeks 8, 10, 12`.
pub fn schedule_from(week: u32, schedule: &str) -> String {
    match lang() {
        Lang::En => format!("From week {week}: {schedule}"),
    }
}

/// A goal's heading in the plan form: `Goal 2`.
pub fn goal_heading(goal: usize) -> String {
    match lang() {
        Lang::En => format!("Goal {goal}"),
    }
}

/// A Monday a plan may start on: `30 Nov 2026 (this week)`.
pub fn start_option(day: NaiveDate, this_week: bool) -> String {
    match lang() {
        Lang::En if this_week => format!("{} (this week)", date_label(day)),
        Lang::En => date_label(day),
    }
}

/// An earlier plan to start from: `Q3 2026: answers on time (from 7 Sep 2026)`.
pub fn plan_option(title: &str, start: NaiveDate) -> String {
    match lang() {
        Lang::En => format!("{title} (from {})", date_label(start)),
    }
}

/// What a plan form lacks, as a sentence.
pub fn draft_problem(problem: crate::logic::plan_form::DraftProblem) -> String {
    use crate::logic::plan_form::DraftProblem as P;
    // In a form of one tactic there is no goal or tactic to name.
    let at = |g: usize, t: usize, rest: &str| match g {
        0 => {
            let mut chars = rest.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
        _ => format!("Goal {g}, tactic {t}: {rest}"),
    };
    match (lang(), problem) {
        (Lang::En, P::UnitMissing) => "Choose the unit the plan is for.".to_string(),
        (Lang::En, P::TitleMissing) => "Give the plan a title.".to_string(),
        (Lang::En, P::StartNotMonday) => "A plan starts on a Monday.".to_string(),
        (Lang::En, P::GoalTitleMissing(g)) => format!("Goal {g}: say what the goal is."),
        (Lang::En, P::KpiMissing(g)) => format!("Goal {g}: choose the KPI it should move."),
        (Lang::En, P::TargetNotNumber(g)) => {
            format!("Goal {g}: the target is a number, such as 95 or 12.5.")
        }
        (Lang::En, P::TacticTitleMissing(g, t)) => at(g, t, "say what will be done."),
        (Lang::En, P::TacticOwnerMissing(g, t)) => at(g, t, "say who does it."),
        (Lang::En, P::WeeksMissing(g, t)) => at(g, t, "choose at least one week."),
    }
}

/// What an import did: `plans.csv: 12 rows into plans (8 new, 4 replaced).`
pub fn import_done(report: &kpi_api::ImportReport) -> String {
    match lang() {
        Lang::En if report.already_imported => {
            format!("{}: already imported; nothing changed.", report.file)
        }
        Lang::En => format!(
            "{}: {} rows into {} ({} new, {} replaced).",
            report.file, report.rows_in_file, report.table, report.inserted, report.updated
        ),
    }
}

/// The benchmark line's label: `Benchmark 85.0%`, given the percentage already written.
pub fn benchmark_label(percent: &str) -> String {
    match lang() {
        Lang::En => format!("Benchmark {percent}"),
    }
}

/// A short week for the chart's axis: `W3`.
pub fn week_short(week: u32) -> String {
    match lang() {
        Lang::En => format!("W{week}"),
    }
}

/// The accessible name of a tactic's tick box.
pub fn tactic_done_label(tactic: &str, week: u32) -> String {
    match lang() {
        Lang::En => format!("{tactic}: done in week {week}"),
    }
}

/// Where in a KPI file an error points: `line 3, column 5`, `line 3`; None when it cannot say.
pub fn location_label(line: Option<u32>, column: Option<u32>) -> Option<String> {
    match lang() {
        Lang::En => match (line, column) {
            (Some(line), Some(column)) => Some(format!("line {line}, column {column}")),
            (Some(line), None) => Some(format!("line {line}")),
            (None, _) => None,
        },
    }
}

/// A short time: `245 ms` below a second, else `1.2 s`.
pub fn duration_label(millis: f64) -> String {
    let millis = millis.max(0.0);
    match lang() {
        Lang::En if millis < 1000.0 => format!("{millis:.0} ms"),
        Lang::En => format!("{:.1} s", millis / 1000.0),
    }
}

/// A preview under way and how long it has run.
pub fn elapsed_label(millis: f64) -> String {
    match lang() {
        Lang::En => format!("Running… {}", duration_label(millis)),
    }
}

/// How long a preview took on the server.
pub fn took_label(millis: u64) -> String {
    match lang() {
        Lang::En => format!("Took {}", duration_label(millis as f64)),
    }
}

/// The note after saving a KPI.
pub fn kpi_saved(title: &str) -> String {
    match lang() {
        Lang::En => format!("Saved “{title}”."),
    }
}

/// How many rows a preview's table has.
pub fn rows_label(rows: usize) -> String {
    match lang() {
        Lang::En if rows == 1 => "1 row".to_string(),
        Lang::En => format!("{rows} rows"),
    }
}

/// Said under a preview's table when the SELECT returned more rows than it shows.
pub fn rows_cut_label(shown: usize) -> String {
    match lang() {
        Lang::En => format!(
            "Only the first {} are shown; the SELECT returned more.",
            rows_label(shown)
        ),
    }
}

/// A new KPI file that loads as it is: the header the README's "Add a KPI" documents, then a
/// SELECT over the scoped `appeals` and the `periods` buckets. The words in it are the user's to
/// change, so they are in the interface's language.
pub fn new_kpi_template() -> &'static str {
    match lang() {
        Lang::En => {
            "\
-- id: my_kpi
-- title: Appeals received
-- description: Appeals received in the period.
-- unit: count
-- direction: higher
-- grain: week
-- role: lead

SELECT
    a.grp,
    p.period,
    count(*) AS value
FROM appeals AS a
JOIN periods AS p
  ON a.received_at >= p.period AND a.received_at < p.period_end
GROUP BY a.grp, p.period
"
        }
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

/// The newest row a KPI can read, as its passport says: a day (`2021-12-31`) or a moment in
/// RFC 3339 or `YYYY-MM-DD HH:MM:SS` (taken as UTC); any other text is shown as it came.
pub fn freshest_label(text: &str) -> String {
    let text = text.trim();
    if let Some(day) = crate::logic::filters::parse_date(text) {
        return date_label(day);
    }
    // `YYYY-MM-DD HH:MM:SS[.f]`, read as ISO 8601 with its T.
    if let Ok(moment) = text.replacen(' ', "T", 1).parse::<chrono::NaiveDateTime>() {
        return timestamp_label(&moment.and_utc().to_rfc3339());
    }
    timestamp_label(text)
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
        assert_eq!(audit_action_name("kpi_saved"), "Saved a KPI in the editor");
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
    fn the_newest_row_reads_as_a_day_or_a_moment() {
        assert_eq!(freshest_label("2021-12-31"), "31 Dec 2021");
        assert_eq!(
            freshest_label("2021-12-31T23:10:00Z"),
            "31 Dec 2021, 23:10 UTC"
        );
        assert_eq!(
            freshest_label("2021-12-31 23:10:05.250"),
            "31 Dec 2021, 23:10 UTC"
        );
        assert_eq!(freshest_label("soon"), "soon");
    }

    #[test]
    fn an_error_location_names_what_is_known() {
        assert_eq!(
            location_label(Some(3), Some(5)).as_deref(),
            Some("line 3, column 5")
        );
        assert_eq!(location_label(Some(3), None).as_deref(), Some("line 3"));
        assert_eq!(location_label(None, Some(5)), None);
    }

    #[test]
    fn short_times_read_in_milliseconds_then_seconds() {
        assert_eq!(duration_label(245.4), "245 ms");
        assert_eq!(duration_label(1234.0), "1.2 s");
        assert_eq!(took_label(12), "Took 12 ms");
        assert_eq!(elapsed_label(2060.0), "Running… 2.1 s");
        assert_eq!(rows_label(1), "1 row");
        assert_eq!(
            rows_cut_label(100),
            "Only the first 100 rows are shown; the SELECT returned more."
        );
    }

    #[test]
    fn the_new_kpi_template_names_its_file_and_uses_only_known_header_keys() {
        let template = new_kpi_template();
        assert_eq!(
            crate::logic::editor::header_id(template).as_deref(),
            Some("my_kpi")
        );
        // The keys the server knows (README, "Add a KPI"); the required ones are all there.
        let known = kpi_api::KPI_HEADER_KEYS;
        let keys: Vec<&str> = template
            .lines()
            .filter_map(|line| line.strip_prefix("-- "))
            .filter_map(|line| line.split_once(':').map(|(key, _)| key))
            .collect();
        assert!(keys.iter().all(|key| known.contains(key)), "{keys:?}");
        for required in ["id", "title", "unit", "direction"] {
            assert!(keys.contains(&required), "{required}");
        }
        assert!(template.contains("FROM appeals") && template.contains("JOIN periods"));
        assert!(template.contains("GROUP BY a.grp, p.period"));
    }

    #[test]
    fn sentences_carry_their_values() {
        assert_eq!(target_label("90.0%"), "Target 90.0%");
        assert_eq!(http_error(502), "The server answered with status 502.");
        assert_eq!(plan_week_label(Some(3)), "Week 3 of 12");
        use kpi_api::plan::Due;
        assert_eq!(
            schedule_label(Some(&Due::Weeks { weeks: vec![2, 4] })),
            "Weeks 2, 4"
        );
        assert_eq!(schedule_label(Some(&Due::Once { week: 5 })), "Week 5");
        assert_eq!(schedule_label(None), "Withdrawn");
        use crate::logic::plan_form::DraftProblem;
        assert_eq!(
            draft_problem(DraftProblem::WeeksMissing(2, 1)),
            "Goal 2, tactic 1: choose at least one week."
        );
        assert_eq!(
            draft_problem(DraftProblem::WeeksMissing(0, 0)),
            "Choose at least one week."
        );
        assert_eq!(plan_week_label(Some(13)), "Review week");
        assert_eq!(tick_week_option(2, false), "Week 2 (late)");
    }
}

/// An effect and its 95% interval: `−8.1 h (95% interval −12.0 h to −4.2 h)`; a relative one in
/// percent (`measure` None). An end the data cannot bound says so.
pub fn effect_label(effect: &kpi_api::experiment::Estimate, measure: Option<Measure>) -> String {
    let number = |v: f64| match measure {
        Some(m) => kpi_api::format::change(Some(v), m),
        None => {
            let sign = if v < 0.0 { "−" } else { "+" };
            format!("{sign}{}%", kpi_api::format::decimal(v.abs(), 1))
        }
    };
    let end = |v: Option<f64>| v.map_or_else(|| t(Text::Unbounded).to_string(), number);
    match lang() {
        Lang::En => format!(
            "{} (95% interval {} to {})",
            number(effect.estimate),
            end(effect.low),
            end(effect.high)
        ),
    }
}

/// A period relative to an experiment's start: `start`, `week 3`, `month −2`.
pub fn event_label(event: i64, grain: Grain) -> String {
    match lang() {
        Lang::En if event == 0 => "start".to_string(),
        Lang::En => format!(
            "{} {}{}",
            match grain {
                Grain::Week => "week",
                Grain::Month => "month",
                Grain::Quarter => "quarter",
                Grain::Year => "year",
            },
            if event < 0 { "−" } else { "+" },
            event.abs()
        ),
    }
}

/// The pre-trend test in words.
pub fn pre_trend_label(test: &kpi_api::experiment::PreTrendTest) -> String {
    match lang() {
        Lang::En if test.parallel => format!(
            "Treated and comparison units moved alike in the {} periods before the start (test p = {:.2}).",
            test.periods, test.p_value
        ),
        Lang::En => format!(
            "Treated units were already drifting {} against the comparison units in the {} periods before the start (test p = {:.2}): the estimate is not to be trusted.",
            if test.slope > 0.0 { "up" } else { "down" },
            test.periods,
            test.p_value
        ),
    }
}

/// A treated unit and its start: `Economy department, from 1 Apr 2019`.
pub fn treated_label(unit: &str, start: NaiveDate) -> String {
    match lang() {
        Lang::En => format!("{unit}, from {}", date_label(start)),
    }
}

/// One version of an experiment in its history: `Revision 2, by mayor.shymkent, 4 Oct 2021, 14:03 UTC`.
pub fn version_label(revision: u32, by: &str, at: chrono::NaiveDateTime) -> String {
    let utc = at.and_utc().to_rfc3339();
    match lang() {
        Lang::En => format!("Revision {revision}, by {by}, {}", timestamp_label(&utc)),
    }
}

/// How many items an agenda has of how many values looked at.
pub fn agenda_count(items: usize, checked: usize) -> String {
    match lang() {
        Lang::En => format!("{items} items of {checked} KPI values under this unit."),
    }
}

/// A unit against the one above it in a league table, in words (never by colour alone).
pub fn versus_name(versus: kpi_api::league::Versus) -> &'static str {
    use kpi_api::league::Versus;
    match lang() {
        Lang::En => match versus {
            Versus::Better => "Better",
            Versus::Worse => "Worse",
            Versus::Alike => "No clear difference",
            Versus::Unknown => "Cannot tell",
        },
    }
}

/// How a league table's intervals were made, in words.
pub fn interval_method_name(method: kpi_api::league::IntervalMethod) -> &'static str {
    use kpi_api::league::IntervalMethod;
    match lang() {
        Lang::En => match method {
            IntervalMethod::Wilson => "Wilson score intervals",
            IntervalMethod::Poisson => "exact Poisson intervals",
            IntervalMethod::OrderStatistic => "order-statistic intervals of the median",
            IntervalMethod::None => "no intervals",
        },
    }
}

/// An event's days: one day, or the first and last.
pub fn event_span(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        date_label(from)
    } else {
        range_label(from, to)
    }
}

/// The outlook as a stable key for styles and tests.
pub fn outlook_key(outlook: Outlook) -> &'static str {
    match outlook {
        Outlook::OnCourse => "on_course",
        Outlook::NeedsMore => "needs_more",
        Outlook::OutOfReach => "out_of_reach",
        Outlook::Unknown => "unknown",
    }
}

/// A tile's forecast in words: "By 31 Dec 2021: 93.1% at the rate so far; 97.4% needed in each of
/// the 6.7 weeks left (about 120 rows a week)".
pub fn forecast_text(f: &Forecast, measure: Measure) -> String {
    let end = date_label(f.to);
    let landing = format::value(f.landing, measure);
    let weeks = format!("{:.1}", f.weeks_left);
    match lang() {
        Lang::En => {
            let head = format!("By {end}: {landing} at the rate so far");
            match (f.outlook, f.needed) {
                (Outlook::OnCourse, _) => format!("{head}, on target."),
                (Outlook::OutOfReach, _) => {
                    format!("{head}; the target is out of reach in the {weeks} weeks left.")
                }
                (Outlook::NeedsMore, Some(needed)) => {
                    let rows = f
                        .rows_per_week
                        .map(|r| {
                            format!(
                                " (about {} cases a week so far)",
                                format::value(Some(r), Measure::Count)
                            )
                        })
                        .unwrap_or_default();
                    let needed = match measure {
                        Measure::Per1000 => {
                            format!("{} a week", format::value(Some(needed), measure))
                        }
                        _ => format::value(Some(needed), measure),
                    };
                    format!("{head}; the target needs {needed} in each of the {weeks} weeks left{rows}.")
                }
                (Outlook::NeedsMore, None) => {
                    let target = format::value(f.target, measure);
                    format!("{head}, short of the target of {target}.")
                }
                _ => format!("{head}."),
            }
        }
    }
}

/// Whom a scheme evaluates, at which unit, over which grain.
pub fn scheme_scope(subjects: Subjects, unit: &str, grain: Grain) -> String {
    let every = match grain {
        Grain::Year => "a year",
        Grain::Quarter => "a quarter",
        Grain::Month => "a month",
        Grain::Week => "a week",
    };
    match (lang(), subjects) {
        (Lang::En, Subjects::Heads) => {
            format!("The heads of the units under {unit}, over {every}")
        }
        (Lang::En, Subjects::Staff) => {
            format!("The staff of the departments under {unit}, on the appeals they answered, over {every}")
        }
    }
}

/// How a line's score came about, its numbers already written in the KPI's measure.
pub fn score_formula(
    scoring: Scoring,
    value: &str,
    floor: &str,
    target: &str,
    ratio: f64,
    score: f64,
) -> String {
    match (lang(), scoring) {
        (Lang::En, Scoring::Linear) => {
            format!("({value} − {floor}) ÷ ({target} − {floor}) = {ratio:.2} → {score:.0} of 100")
        }
        (Lang::En, Scoring::Pass) => {
            let met = if score > 0.0 { "met" } else { "not met" };
            format!("target {target} {met} → {score:.0} of 100")
        }
    }
}

/// A line's share of the total: its score times its weight among the scored lines.
pub fn points_formula(score: f64, weight: f64, scored: f64, points: f64) -> String {
    match lang() {
        Lang::En => format!("{score:.0} × {weight:.0}% ÷ {scored:.0}% = {points:.1}"),
    }
}

/// A line left out of the total, and why.
pub fn unscored(reason: &str) -> String {
    match lang() {
        Lang::En => format!("not scored: {reason}"),
    }
}

/// The league page's heading: `Appeals closed on time: Krasnodar Krai's municipalities`.
pub fn league_heading(kpi: &str, unit: &str) -> String {
    match lang() {
        Lang::En => format!("{kpi}: the units of {unit}"),
    }
}

/// The parent's line under a league table: `Krasnodar Krai: 97.5%`.
pub fn league_parent(unit: &str, value: &str) -> String {
    match lang() {
        Lang::En => format!("{unit} as a whole: {value}"),
    }
}

/// What one version of an experiment changed, with units by their names (`name`).
pub fn experiment_change_label(
    change: &crate::logic::experiment_history::Change,
    name: &dyn Fn(&str) -> String,
) -> String {
    use crate::logic::experiment_history::Change;
    match lang() {
        Lang::En => match change {
            Change::Created => "Defined.".to_string(),
            Change::Title(title) => format!("Title now \u{201c}{title}\u{201d}."),
            Change::Hypothesis => "Hypothesis reworded.".to_string(),
            Change::Intervention => "Intervention reworded.".to_string(),
            Change::Owner(owner) => format!("Owner now {owner}."),
            Change::TreatedAdded { unit, start } => {
                format!(
                    "{} added to the units that changed, from {}.",
                    name(unit),
                    date_label(*start)
                )
            }
            Change::TreatedRemoved(unit) => {
                format!("{} removed from the units that changed.", name(unit))
            }
            Change::Start { unit, from, to } => format!(
                "{} starts {} instead of {}.",
                name(unit),
                date_label(*to),
                date_label(*from)
            ),
            Change::ComparisonAdded(unit) => format!("{} added to the comparison.", name(unit)),
            Change::ComparisonRemoved(unit) => {
                format!("{} removed from the comparison.", name(unit))
            }
            Change::End(Some(end)) => format!("Ends {}.", date_label(*end)),
            Change::End(None) => "No longer has an end.".to_string(),
            Change::KpiAdded(kpi) => format!("Watches {kpi}."),
            Change::KpiRemoved(kpi) => format!("No longer watches {kpi}."),
            Change::Grain(grain) => format!("Compared {}.", grain_name(*grain).to_lowercase()),
        },
    }
}

/// An experiment's window on a chart: `Open-space city hall, from 1 Apr 2019`.
pub fn band_label(title: &str, from: NaiveDate, to: Option<NaiveDate>) -> String {
    match (lang(), to) {
        (Lang::En, None) => format!("{title}, from {}", date_label(from)),
        (Lang::En, Some(to)) => format!("{title}, {} to {}", date_label(from), date_label(to)),
    }
}

/// What the experiment form still needs.
pub fn experiment_problem(problem: crate::logic::experiment_form::ExperimentProblem) -> String {
    use crate::logic::experiment_form::ExperimentProblem as P;
    match (lang(), problem) {
        (Lang::En, P::NoId) => "Give the experiment an id: it becomes part of its address.".into(),
        (Lang::En, P::NoTitle) => "Give the experiment a title.".into(),
        (Lang::En, P::NoTreated) => "Name at least one unit that made the change.".into(),
        (Lang::En, P::TreatedIncomplete(row)) => {
            format!("Unit {row} that changed needs both the unit and the day it started.")
        }
        (Lang::En, P::NoKpi) => "Choose at least one KPI to watch.".into(),
        (Lang::En, P::BadEnd) => "The last day is a date, or empty while it runs.".into(),
    }
}

/// What an experiments file did.
pub fn experiments_imported(created: usize, changed: usize, unchanged: usize) -> String {
    match lang() {
        Lang::En => format!("Imported: {created} new, {changed} changed, {unchanged} unchanged."),
    }
}

/// An experiment on a tile: `Open-space city hall: −23.9%`, or that the data cannot tell.
pub fn experiment_headline(title: &str, effect: Option<&str>) -> String {
    match (lang(), effect) {
        (Lang::En, Some(effect)) => format!("{title}: {effect}"),
        (Lang::En, None) => format!("{title}: the data cannot tell"),
    }
}

/// A long analysis under way: how many of its re-runs are done.
pub fn analysis_running(done: usize, total: usize) -> String {
    match lang() {
        Lang::En if total == 0 => {
            "Starting the analysis: with this many units it re-runs under 2,000 sampled assignments.".to_string()
        }
        Lang::En => format!(
            "Re-running the analysis under other assignments of the change: {} of {}.",
            kpi_api::format::decimal(done as f64, 0),
            kpi_api::format::decimal(total as f64, 0)
        ),
    }
}
