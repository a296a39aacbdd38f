//! Every word the app shows, in English, Russian and Persian, and the only code that writes
//! numbers and dates for people.
//!
//! Components ask for a [`Text`] through [`t`] (or one of the [`sentences`] when the sentence
//! carries a value) instead of writing literals. Each language's catalogue ([`en`], [`ru`], [`fa`])
//! is one exhaustive `match` over [`Text`], and every sentence matches on [`Lang`] without a
//! wildcard, so a missing translation does not compile; the tests below also refuse an empty or
//! untranslated one. Numbers go through [`format`] (CLDR's symbols and Persian digits), dates
//! through [`dates`] (the Solar Hijri calendar in Persian). Nothing here touches the DOM.
//!
//! The language is chosen once at start (see [`crate::logic::lang`]) and changed by the switcher
//! on every page; the app then renders afresh, so [`lang`] is read, never passed around.

use std::cell::Cell;

use kpi_api::calendar::Calendar;
use kpi_api::format::Locale;

pub mod dates;
mod en;
mod errors;
mod fa;
pub mod format;
mod ru;
pub mod sentences;

pub use dates::*;
pub use errors::server_error;
pub use sentences::*;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
    Fa,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Fa];

    /// Its BCP 47 code, as `<html lang>` and the stored choice carry it.
    pub fn code(self) -> &'static str {
        self.locale().as_str()
    }

    /// The language of a code such as `ru`, `ru-RU` or `fa-IR`; None for a language the app does
    /// not speak.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::parse(&primary).map(Lang::from)
    }

    /// Its name in itself, as the switcher offers it.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
            Lang::Fa => "فارسی",
        }
    }

    /// Written right to left.
    pub fn rtl(self) -> bool {
        self == Lang::Fa
    }

    /// `<html dir>`.
    pub fn dir(self) -> &'static str {
        if self.rtl() {
            "rtl"
        } else {
            "ltr"
        }
    }

    pub fn locale(self) -> Locale {
        match self {
            Lang::En => Locale::En,
            Lang::Ru => Locale::Ru,
            Lang::Fa => Locale::Fa,
        }
    }

    /// The calendar its dates are written and grouped in: Solar Hijri in Persian (months from
    /// Nowruz, weeks from Saturday), Gregorian with weeks from Monday otherwise.
    pub fn calendar(self) -> Calendar {
        match self {
            Lang::Fa => Calendar::Persian,
            Lang::En | Lang::Ru => Calendar::Gregorian,
        }
    }
}

impl From<Locale> for Lang {
    fn from(locale: Locale) -> Lang {
        match locale {
            Locale::En => Lang::En,
            Locale::Ru => Lang::Ru,
            Locale::Fa => Lang::Fa,
        }
    }
}

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// The language in use.
pub fn lang() -> Lang {
    LANG.with(Cell::get)
}

/// Speaks `lang` from now on. Only the app's root calls this, then renders everything afresh.
pub fn set_lang(lang: Lang) {
    LANG.with(|cell| cell.set(lang));
}

/// The calendar of the language in use.
pub fn calendar() -> Calendar {
    lang().calendar()
}

macro_rules! texts {
    ($($(#[$meta:meta])* $name:ident,)*) => {
        /// A fixed piece of interface text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text {
            $($(#[$meta])* $name,)*
        }

        impl Text {
            /// Every text, for the catalogue's completeness test.
            pub const ALL: &'static [Text] = &[$(Text::$name,)*];
        }
    };
}

texts! {
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
    /// The language switcher's accessible name.
    Language,
    /// The tooltip of a title shown in another language for want of a translation.
    NotTranslated,
}

/// The words for `text` in the current language.
pub fn t(text: Text) -> &'static str {
    text_in(lang(), text)
}

/// The words for `text` in `lang`.
pub fn text_in(lang: Lang, text: Text) -> &'static str {
    match lang {
        Lang::En => en::text(text),
        Lang::Ru => ru::text(text),
        Lang::Fa => fa::text(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use kpi_api::{Grain, UserRole};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Runs `f` speaking `lang`, then English again (tests share their thread's language).
    fn speaking<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
        set_lang(lang);
        let out = f();
        set_lang(Lang::En);
        out
    }

    #[test]
    fn every_text_is_translated_into_every_language() {
        assert!(Text::ALL.len() > 300);
        for &text in Text::ALL {
            let en = text_in(Lang::En, text);
            assert!(!en.trim().is_empty(), "{text:?} is empty in English");
            for lang in [Lang::Ru, Lang::Fa] {
                let local = text_in(lang, text);
                assert!(!local.trim().is_empty(), "{text:?} is empty in {lang:?}");
                if text != Text::LabelSeparator {
                    assert_ne!(local, en, "{text:?} is not translated into {lang:?}");
                }
            }
        }
    }

    #[test]
    fn sentences_speak_each_language_with_its_own_digits() {
        use kpi_api::plan::Due;
        let sample = || {
            vec![
                target_label("90%"),
                plan_week_label(Some(3)),
                schedule_label(Some(&Due::Weeks { weeks: vec![2, 4] })),
                rows_label(21),
                agenda_count(5, 120),
                goal_heading(2),
                http_error(502),
                grain_name(Grain::Month).to_string(),
                status_name(kpi_api::Status::Red).to_string(),
                role_name(UserRole::Mayor).to_string(),
            ]
        };
        let english = sample();
        for lang in [Lang::Ru, Lang::Fa] {
            let local = speaking(lang, sample);
            for (l, e) in local.iter().zip(&english) {
                assert!(!l.trim().is_empty() && l != e, "{lang:?}: {l} for {e}");
            }
        }
        assert_eq!(speaking(Lang::Ru, || rows_label(21)), "21 строка");
        assert_eq!(speaking(Lang::Ru, || rows_label(5)), "5 строк");
        let persian = speaking(Lang::Fa, || plan_week_label(Some(3)));
        assert!(persian.contains('۳') && persian.contains("۱۲"), "{persian}");
        assert!(!persian.chars().any(|c| c.is_ascii_digit()), "{persian}");
    }

    #[test]
    fn persian_texts_write_persian_letters_and_digits() {
        for &text in Text::ALL {
            let fa = text_in(Lang::Fa, text);
            // Arabic yeh and kaf instead of the Persian letters are a typing slip.
            assert!(!fa.contains(['\u{64a}', '\u{643}']), "{text:?}: {fa}");
            // CSV headers are column names: no spaces.
            if format!("{text:?}").starts_with("Csv") {
                assert!(!fa.contains(' ') && !text_in(Lang::Ru, text).contains(' '));
            }
        }
    }

    #[test]
    fn a_language_is_read_from_its_code_and_knows_its_direction_and_calendar() {
        assert_eq!(Lang::parse("ru-RU"), Some(Lang::Ru));
        assert_eq!(Lang::parse("fa_IR"), Some(Lang::Fa));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::Fa.dir(), "rtl");
        assert_eq!(Lang::Ru.dir(), "ltr");
        assert_eq!(Lang::Fa.calendar(), Calendar::Persian);
        assert_eq!(Lang::Ru.calendar(), Calendar::Gregorian);
    }

    #[test]
    fn persian_dates_are_solar_hijri_with_persian_digits() {
        speaking(Lang::Fa, || {
            // Nowruz 1400, and the day before it: 30 Esfand of the leap year 1399.
            assert_eq!(date_label(d("2021-03-21")), "۱ فروردین ۱۴۰۰");
            assert_eq!(date_label(d("2021-03-20")), "۳۰ اسفند ۱۳۹۹");
            assert_eq!(date_label(d("2021-10-04")), "۱۲ مهر ۱۴۰۰");
            assert_eq!(period_label(d("2021-09-23"), Grain::Month), "مهر ۱۴۰۰");
            assert_eq!(tick_label(d("2021-06-22"), Grain::Quarter), "فصل ۲ ۱۴۰۰");
            assert_eq!(period_label(d("2021-03-21"), Grain::Year), "۱۴۰۰");
            assert_eq!(
                range_label(d("2021-03-21"), d("2021-06-21")),
                "۱ فروردین ۱۴۰۰ – ۳۱ خرداد ۱۴۰۰"
            );
            assert_eq!(
                timestamp_label("2021-10-04T14:03:59Z"),
                "۱۲ مهر ۱۴۰۰، ۱۴:۰۳ UTC"
            );
        });
    }

    #[test]
    fn russian_dates_read_day_month_year_in_russian() {
        speaking(Lang::Ru, || {
            assert_eq!(date_label(d("2021-10-04")), "4\u{a0}окт. 2021");
            assert_eq!(period_label(d("2021-10-01"), Grain::Month), "Октябрь 2021");
            assert_eq!(tick_label(d("2021-05-01"), Grain::Month), "май 2021");
            assert_eq!(tick_label(d("2021-04-01"), Grain::Quarter), "2 кв. 2021");
        });
    }

    #[test]
    fn numbers_follow_the_language() {
        use kpi_api::Measure;
        assert_eq!(format::value(Some(87.34), Measure::Percent), "87.3%");
        speaking(Lang::Ru, || {
            assert_eq!(format::value(Some(87.34), Measure::Percent), "87,3\u{a0}%");
            assert_eq!(format::int(12345), "12\u{a0}345");
        });
        speaking(Lang::Fa, || {
            assert_eq!(format::value(Some(87.34), Measure::Percent), "۸۷٫۳٪");
            assert_eq!(format::int(12345), "۱۲٬۳۴۵");
            assert_eq!(format::digits("W3"), "W۳");
        });
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
