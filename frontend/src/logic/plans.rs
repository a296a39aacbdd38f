//! 12-week plans as the plan page and the overview show them: which tactics a week asks to tick,
//! the answer a tick replaces, the score recomputed at once after a tick, scores written as
//! percentages against the 85% benchmark, and the overview's sort order.

use std::cmp::Ordering;

use crate::i18n::format;
use chrono::{Datelike, Duration, NaiveDate};
use kpi_api::plan::{scores, CheckIn, CheckInRecord, PlanSummary, PlanView, Tactic, BENCHMARK};
use kpi_api::plan::{PLAN_WEEKS, REVIEW_WEEK};
use kpi_api::{Measure, UserRole};

/// The week whose tactics to tick first: the current one, week 12 in the review week; None before
/// the plan starts or after it is over.
pub fn tick_week(current: Option<u32>) -> Option<u32> {
    current
        .filter(|w| (1..=REVIEW_WEEK).contains(w))
        .map(|w| w.min(PLAN_WEEKS))
}

/// The weeks that still take an answer, newest first: from the tick week back to week 1.
pub fn tickable_weeks(current: Option<u32>) -> Vec<u32> {
    tick_week(current).map_or_else(Vec::new, |week| (1..=week).rev().collect())
}

/// The tactics due in `week` as the plan stood then, in the plan's order.
pub fn tactics_due(tactics: &[Tactic], week: u32) -> Vec<&Tactic> {
    tactics.iter().filter(|t| t.due_in(week)).collect()
}

/// The answer stored for `tactic` in `week`: the latest revision when there are several.
pub fn check_in_for<'a>(
    checkins: &'a [CheckInRecord],
    tactic: &str,
    week: u32,
) -> Option<&'a CheckInRecord> {
    checkins
        .iter()
        .filter(|c| c.check_in.tactic == tactic && c.check_in.week == week)
        .max_by_key(|c| c.revision)
}

/// The revision a new answer replaces, as the server asks for it: 0 when there is none yet.
pub fn revision_of(checkins: &[CheckInRecord], tactic: &str, week: u32) -> u32 {
    check_in_for(checkins, tactic, week).map_or(0, |c| c.revision)
}

/// The plan with `record` stored (replacing the answer for its tactic and week) and its scores
/// recomputed the way the server computes them, so the score moves as soon as the tick is saved.
pub fn with_check_in(plan: &PlanView, record: CheckInRecord) -> PlanView {
    let mut next = plan.clone();
    next.checkins.retain(|c| {
        c.check_in.tactic != record.check_in.tactic || c.check_in.week != record.check_in.week
    });
    next.checkins.push(record);
    let answers: Vec<CheckIn> = next.checkins.iter().map(|c| c.check_in.clone()).collect();
    next.scores = scores(&next.tactics, &answers);
    next
}

/// Only department heads (of the plan's unit; the server checks which) and administrators tick;
/// mayors, governors and analysts read.
pub fn may_tick(role: UserRole) -> bool {
    matches!(role, UserRole::DepartmentHead | UserRole::Admin)
}

/// Whether a plan's tactics can still change (from the current week on, as the server takes it):
/// in its twelve weeks, or before it starts; not in the review week or after.
pub fn may_edit_tactics(start: NaiveDate, current: Option<u32>, today: Option<NaiveDate>) -> bool {
    match current {
        Some(week) => week <= PLAN_WEEKS,
        None => today.is_some_and(|day| day < start),
    }
}

/// A score (a share from 0 to 1) as a percentage: `87.5%`, `—` when there is none.
pub fn percent(score: Option<f64>) -> String {
    format::value(score.map(|s| s * 100.0), Measure::Percent)
}

/// Whether a score is under the benchmark; no score is not.
pub fn below_benchmark(score: Option<f64>) -> bool {
    score.is_some_and(|s| s < BENCHMARK)
}

/// The CSS class of a score cell: `below-benchmark` under 85%, `at-benchmark` from it, `no-score`.
pub fn score_class(score: Option<f64>) -> &'static str {
    match score {
        None => "no-score",
        Some(_) if below_benchmark(score) => "below-benchmark",
        Some(_) => "at-benchmark",
    }
}

/// The first and last day of the plan's 12 weeks, for the lag KPI's weekly values.
pub fn plan_days(start: NaiveDate) -> (NaiveDate, NaiveDate) {
    (start, start + Duration::days(i64::from(PLAN_WEEKS) * 7 - 1))
}

/// The calendar whose weeks are a plan's weeks: the Solar Hijri one (weeks from Saturday) for a
/// plan that starts on a Saturday, as plans in Iran do, else the Gregorian (weeks from Monday).
pub fn week_calendar(start: NaiveDate) -> kpi_api::calendar::Calendar {
    use kpi_api::calendar::Calendar;
    match start.weekday() {
        chrono::Weekday::Sat => Calendar::Persian,
        _ => Calendar::Gregorian,
    }
}

/// The value of the plan week `week` (from its first day), from weekly points.
pub fn week_value(start: NaiveDate, week: u32, points: &[kpi_api::Point]) -> Option<f64> {
    let monday = start + Duration::days(i64::from(week.saturating_sub(1)) * 7);
    points
        .iter()
        .find(|p| p.period == monday)
        .and_then(|p| p.value)
}

/// A column of the plans overview that sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSort {
    Unit,
    Title,
    Owner,
    Start,
    Week,
    WeekScore,
    Cumulative,
}

impl PlanSort {
    pub const ALL: [PlanSort; 7] = [
        PlanSort::Unit,
        PlanSort::Title,
        PlanSort::Owner,
        PlanSort::Start,
        PlanSort::Week,
        PlanSort::WeekScore,
        PlanSort::Cumulative,
    ];

    /// The key in `th[data-sort]`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanSort::Unit => "unit",
            PlanSort::Title => "title",
            PlanSort::Owner => "owner",
            PlanSort::Start => "start",
            PlanSort::Week => "current_week",
            PlanSort::WeekScore => "week_score",
            PlanSort::Cumulative => "cumulative",
        }
    }
}

/// Which column the overview sorts by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortOrder {
    pub by: PlanSort,
    pub ascending: bool,
}

impl Default for SortOrder {
    /// Weakest execution first: what a mayor looks for.
    fn default() -> Self {
        SortOrder {
            by: PlanSort::Cumulative,
            ascending: true,
        }
    }
}

impl SortOrder {
    /// After a click on `by`'s header: the other way round when it already sorts, else ascending.
    pub fn clicked(self, by: PlanSort) -> SortOrder {
        SortOrder {
            by,
            ascending: self.by != by || !self.ascending,
        }
    }
}

/// Missing values (no score yet, a plan outside its weeks) go last whichever way the sort runs.
fn with_missing_last<T>(
    a: Option<T>,
    b: Option<T>,
    ascending: bool,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if ascending => cmp(&a, &b),
        (Some(a), Some(b)) => cmp(&b, &a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The plans in `order`; ties keep their order by unit, then title.
pub fn sort_plans(plans: &mut [PlanSummary], order: SortOrder) {
    let ascending = order.ascending;
    plans.sort_by(|a, b| {
        let primary = match order.by {
            PlanSort::Unit => {
                with_missing_last(Some(&a.unit), Some(&b.unit), ascending, |x, y| x.cmp(y))
            }
            PlanSort::Title => {
                with_missing_last(Some(&a.title), Some(&b.title), ascending, |x, y| x.cmp(y))
            }
            PlanSort::Owner => {
                with_missing_last(Some(&a.owner), Some(&b.owner), ascending, |x, y| x.cmp(y))
            }
            PlanSort::Start => {
                with_missing_last(Some(a.start), Some(b.start), ascending, |x, y| x.cmp(y))
            }
            PlanSort::Week => {
                with_missing_last(a.current_week, b.current_week, ascending, |x, y| x.cmp(y))
            }
            PlanSort::WeekScore => {
                with_missing_last(a.week_score, b.week_score, ascending, |x, y| x.total_cmp(y))
            }
            PlanSort::Cumulative => {
                with_missing_last(a.cumulative, b.cumulative, ascending, |x, y| x.total_cmp(y))
            }
        };
        primary
            .then_with(|| a.unit.cmp(&b.unit))
            .then_with(|| a.title.cmp(&b.title))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::plan::{Due, TacticVersion};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn tactic(id: &str, due: Due) -> Tactic {
        Tactic {
            id: id.to_string(),
            title: id.to_string(),
            owner: "head".to_string(),
            versions: vec![TacticVersion {
                from_week: 1,
                due: Some(due),
            }],
        }
    }

    fn record(tactic: &str, week: u32, done: bool, revision: u32) -> CheckInRecord {
        CheckInRecord {
            check_in: CheckIn {
                tactic: tactic.to_string(),
                week,
                done,
                note: None,
                late: false,
            },
            revision,
            by: "head".to_string(),
            at: "2021-10-04T10:00:00Z".to_string(),
        }
    }

    fn summary(
        id: &str,
        unit: &str,
        week_score: Option<f64>,
        cumulative: Option<f64>,
    ) -> PlanSummary {
        PlanSummary {
            id: id.to_string(),
            unit: unit.to_string(),
            owner: "head".to_string(),
            title: id.to_string(),
            start: d("2021-10-04"),
            current_week: Some(3),
            week_score,
            cumulative,
        }
    }

    fn ids(plans: &[PlanSummary]) -> Vec<&str> {
        plans.iter().map(|p| p.id.as_str()).collect()
    }

    #[test]
    fn the_review_week_ticks_week_12_and_no_week_outside_the_plan() {
        assert_eq!(tick_week(Some(3)), Some(3));
        assert_eq!(tick_week(Some(REVIEW_WEEK)), Some(12));
        assert_eq!(tick_week(None), None);
        assert_eq!(tick_week(Some(0)), None);
        assert_eq!(tickable_weeks(Some(3)), vec![3, 2, 1]);
        assert_eq!(tickable_weeks(Some(REVIEW_WEEK)).len(), 12);
        assert!(tickable_weeks(None).is_empty());
    }

    #[test]
    fn a_week_shows_only_the_tactics_due_in_it() {
        let tactics = [
            tactic("weekly", Due::Weekly),
            tactic("even", Due::Weeks { weeks: vec![2, 4] }),
            tactic("once", Due::Once { week: 3 }),
        ];
        let ids = |week| -> Vec<String> {
            tactics_due(&tactics, week)
                .iter()
                .map(|t| t.id.clone())
                .collect()
        };
        assert_eq!(ids(2), vec!["weekly", "even"]);
        assert_eq!(ids(3), vec!["weekly", "once"]);
        assert!(
            ids(REVIEW_WEEK).is_empty(),
            "nothing is due in the review week"
        );
    }

    #[test]
    fn a_tick_replaces_the_latest_revision_or_none() {
        let checkins = [
            record("a", 1, false, 1),
            record("a", 1, true, 2),
            record("b", 1, true, 1),
        ];
        assert_eq!(revision_of(&checkins, "a", 1), 2);
        assert_eq!(revision_of(&checkins, "b", 1), 1);
        assert_eq!(revision_of(&checkins, "a", 2), 0);
        assert!(check_in_for(&checkins, "a", 1).unwrap().check_in.done);
    }

    #[test]
    fn a_saved_tick_moves_the_score_at_once() {
        let plan = PlanView {
            id: "p".to_string(),
            unit: "perm".to_string(),
            owner: "head".to_string(),
            title: "Faster answers".to_string(),
            start: d("2021-10-04"),
            goals: vec![],
            tactics: vec![tactic("a", Due::Weekly), tactic("b", Due::Weekly)],
            checkins: vec![record("a", 1, true, 1)],
            scores: vec![],
            current_week: Some(1),
        };
        let plan = with_check_in(&plan, record("b", 1, true, 1));
        assert_eq!(plan.scores[0].score, Some(1.0));
        let plan = with_check_in(&plan, record("a", 1, false, 2));
        assert_eq!(plan.scores[0].score, Some(0.5));
        assert_eq!(plan.checkins.len(), 2, "the older answer is replaced");
        assert_eq!(revision_of(&plan.checkins, "a", 1), 2);
    }

    #[test]
    fn tactics_change_in_the_twelve_weeks_and_before_but_not_after() {
        let start = d("2026-11-30");
        assert!(may_edit_tactics(start, Some(1), None));
        assert!(may_edit_tactics(start, Some(12), None));
        assert!(!may_edit_tactics(start, Some(REVIEW_WEEK), None));
        assert!(may_edit_tactics(start, None, Some(d("2026-11-27"))));
        assert!(!may_edit_tactics(start, None, Some(d("2027-06-01"))));
        assert!(!may_edit_tactics(start, None, None));
    }

    #[test]
    fn only_department_heads_and_administrators_tick() {
        assert!(may_tick(UserRole::DepartmentHead));
        assert!(may_tick(UserRole::Admin));
        assert!(!may_tick(UserRole::Mayor));
        assert!(!may_tick(UserRole::Governor));
        assert!(!may_tick(UserRole::Analyst));
    }

    #[test]
    fn scores_read_as_percentages_against_the_benchmark() {
        assert_eq!(percent(Some(0.875)), "87.5%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(None), "—");
        assert!(below_benchmark(Some(0.849)));
        assert!(!below_benchmark(Some(0.85)));
        assert!(!below_benchmark(None));
        assert_eq!(score_class(Some(0.5)), "below-benchmark");
        assert_eq!(score_class(Some(0.9)), "at-benchmark");
        assert_eq!(score_class(None), "no-score");
    }

    #[test]
    fn the_lag_kpi_is_read_week_by_week_over_the_plan() {
        let start = d("2021-10-04");
        assert_eq!(plan_days(start), (start, d("2021-12-26")));
        let points = [
            kpi_api::Point {
                period: d("2021-10-04"),
                value: Some(3.0),
            },
            kpi_api::Point {
                period: d("2021-10-11"),
                value: None,
            },
            kpi_api::Point {
                period: d("2021-10-18"),
                value: Some(5.0),
            },
        ];
        assert_eq!(week_value(start, 1, &points), Some(3.0));
        assert_eq!(week_value(start, 2, &points), None);
        assert_eq!(week_value(start, 3, &points), Some(5.0));
        assert_eq!(week_value(start, 4, &points), None);
    }

    #[test]
    fn plans_sort_by_score_with_plans_without_one_last_either_way() {
        let mut plans = vec![
            summary("high", "a", Some(0.9), Some(0.95)),
            summary("none", "b", None, None),
            summary("low", "c", Some(0.5), Some(0.6)),
        ];
        sort_plans(&mut plans, SortOrder::default());
        assert_eq!(ids(&plans), vec!["low", "high", "none"]);
        let descending = SortOrder::default().clicked(PlanSort::Cumulative);
        assert!(!descending.ascending);
        sort_plans(&mut plans, descending);
        assert_eq!(ids(&plans), vec!["high", "low", "none"]);
        sort_plans(&mut plans, descending.clicked(PlanSort::Unit));
        assert_eq!(ids(&plans), vec!["high", "none", "low"]);
        sort_plans(
            &mut plans,
            SortOrder {
                by: PlanSort::WeekScore,
                ascending: false,
            },
        );
        assert_eq!(ids(&plans), vec!["high", "low", "none"]);
    }

    #[test]
    fn a_click_on_another_column_sorts_it_ascending() {
        let order = SortOrder {
            by: PlanSort::Title,
            ascending: false,
        };
        assert_eq!(
            order.clicked(PlanSort::Owner),
            SortOrder {
                by: PlanSort::Owner,
                ascending: true
            }
        );
        assert_eq!(
            order.clicked(PlanSort::Title),
            SortOrder {
                by: PlanSort::Title,
                ascending: true
            }
        );
        let keys: Vec<&str> = PlanSort::ALL.iter().map(|s| s.as_str()).collect();
        assert!(keys.contains(&"week_score") && keys.contains(&"cumulative"));
    }
}
