//! 12-week plans: when a tactic is due, and the execution score, computed the same way by the
//! server (overviews, exports) and the web app (the plan page, as ticks change).
//!
//! A plan starts on the first day of its unit's week (a Monday; a Saturday in Iran) and runs [`PLAN_WEEKS`] weeks, then a review week in which late
//! check-ins are still taken. A tactic's schedule can change after the plan started without
//! rewriting history: each change is a [`TacticVersion`] in force from a week on, so a week's
//! score always counts the tactics that were due that week at the time.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Weeks of work in a plan; week 13 is the review week.
pub const PLAN_WEEKS: u32 = 12;
/// The review week: no tactics are due, late check-ins are still accepted.
pub const REVIEW_WEEK: u32 = PLAN_WEEKS + 1;
/// The execution score a plan should hold: 85% of what was due, done.
pub const BENCHMARK: f64 = 0.85;

/// The columns of a plans export file (`GET /api/exports/plans`, `plans.csv`): one row per
/// version of a tactic's schedule, with its plan and goal repeated on every row.
pub const PLAN_FILE_COLUMNS: [&str; 17] = [
    "plan_id",
    "unit_id",
    "plan_title",
    "plan_owner",
    "start",
    "goal_no",
    "goal_title",
    "kpi_id",
    "target",
    "tactic_id",
    "tactic_title",
    "tactic_owner",
    "version",
    "from_week",
    "due",
    "changed_by",
    "changed_at",
];

/// The columns of a check-ins export file (`GET /api/exports/plan_checkins`,
/// `plan_checkins.csv`): one row per tactic and week answered.
pub const CHECKIN_FILE_COLUMNS: [&str; 8] = [
    "plan_id",
    "tactic_id",
    "week",
    "done",
    "note",
    "late",
    "checked_by",
    "checked_at",
];

/// When a tactic is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Due {
    /// In one week only.
    Once { week: u32 },
    /// Every week of the plan.
    Weekly,
    /// In the weeks listed.
    Weeks { weeks: Vec<u32> },
}

impl Due {
    pub fn is_due(&self, week: u32) -> bool {
        (1..=PLAN_WEEKS).contains(&week)
            && match self {
                Due::Once { week: w } => *w == week,
                Due::Weekly => true,
                Due::Weeks { weeks } => weeks.contains(&week),
            }
    }

    /// Refuses weeks outside the plan and an empty list, saying which.
    pub fn check(&self) -> Result<(), String> {
        let weeks: Vec<u32> = match self {
            Due::Once { week } => vec![*week],
            Due::Weekly => return Ok(()),
            Due::Weeks { weeks } if weeks.is_empty() => {
                return Err("the list of weeks is empty".to_string())
            }
            Due::Weeks { weeks } => weeks.clone(),
        };
        match weeks.iter().find(|w| !(1..=PLAN_WEEKS).contains(*w)) {
            Some(w) => Err(format!(
                "week {w} is not a week of the plan (1 to {PLAN_WEEKS})"
            )),
            None => Ok(()),
        }
    }
}

/// A schedule as export files write it: `weekly`, `week 5` (once), `weeks 2 4 6`, and
/// `withdrawn` for no schedule (a tactic withdrawn from a week on).
pub fn schedule_text(due: Option<&Due>) -> String {
    match due {
        None => "withdrawn".to_string(),
        Some(Due::Weekly) => "weekly".to_string(),
        Some(Due::Once { week }) => format!("week {week}"),
        Some(Due::Weeks { weeks }) => {
            let list: Vec<String> = weeks.iter().map(u32::to_string).collect();
            format!("weeks {}", list.join(" "))
        }
    }
}

/// Reads what [`schedule_text`] writes, and checks the weeks (see [`Due::check`]).
pub fn parse_schedule(text: &str) -> Result<Option<Due>, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let number = |w: &str| {
        w.parse::<u32>()
            .map_err(|_| format!("'{w}' is not a week number"))
    };
    let due = match words.as_slice() {
        ["withdrawn"] => return Ok(None),
        ["weekly"] => Due::Weekly,
        ["week", w] => Due::Once { week: number(w)? },
        ["weeks", list @ ..] if !list.is_empty() => Due::Weeks {
            weeks: list.iter().map(|w| number(w)).collect::<Result<_, _>>()?,
        },
        _ => {
            return Err(format!(
                "'{text}' is not a schedule: write weekly, week N, weeks N N ... or withdrawn"
            ))
        }
    };
    due.check()?;
    Ok(Some(due))
}

/// A tactic's schedule from `from_week` on, until a later version replaces it. `due: None`
/// withdraws the tactic from that week on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TacticVersion {
    pub from_week: u32,
    pub due: Option<Due>,
}

/// A tactic of a goal: what to do, who does it, and its schedule's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tactic {
    pub id: String,
    pub title: String,
    pub owner: String,
    /// In the order made; the latest version whose `from_week` is at most a week rules that week.
    pub versions: Vec<TacticVersion>,
}

impl Tactic {
    /// The schedule in force in `week`: none before the tactic existed.
    pub fn schedule_in(&self, week: u32) -> Option<&Due> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.from_week <= week)
            .and_then(|v| v.due.as_ref())
    }

    pub fn due_in(&self, week: u32) -> bool {
        self.schedule_in(week).is_some_and(|d| d.is_due(week))
    }
}

/// The owner's answer for one tactic in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub tactic: String,
    pub week: u32,
    pub done: bool,
    #[serde(default)]
    pub note: Option<String>,
    /// Given after the week had ended.
    #[serde(default)]
    pub late: bool,
}

/// `POST /api/plans`: a new plan for a unit, starting on a Monday, with 1 to 3 goals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPlan {
    pub unit: String,
    pub title: String,
    pub start: NaiveDate,
    pub goals: Vec<NewGoal>,
}

/// A goal: the lag measure (a KPI id) and the value it should reach by week 12, with tactics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewGoal {
    pub title: String,
    pub kpi: String,
    pub target: f64,
    pub tactics: Vec<NewTactic>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTactic {
    pub title: String,
    pub owner: String,
    pub due: Due,
}

/// A goal as stored: its number in the plan (1 to 3) and its tactics' ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub no: u32,
    pub title: String,
    pub kpi: String,
    pub target: f64,
    pub tactics: Vec<String>,
}

/// A check-in as stored: who gave it, when, and its revision (1 for the first answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInRecord {
    #[serde(flatten)]
    pub check_in: CheckIn,
    pub revision: u32,
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// `PUT /api/plans/{id}/checkins/{tactic}/{week}`. `revision` is the revision the client saw
/// (0 when it saw no answer yet): a newer answer stored since is a 409 conflict, never overwritten.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInRequest {
    pub done: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub revision: u32,
}

/// `POST /api/plans/{id}/tactics`: a tactic added to a running plan; it is due from the current
/// week on (from week 1 before the plan starts), never in the weeks already past.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TacticAdd {
    pub goal: u32,
    pub title: String,
    pub owner: String,
    pub due: Due,
}

/// `PUT /api/plans/{id}/tactics/{tactic}`: a new schedule (None withdraws the tactic) from the
/// current week on. `versions` is how many schedule versions the client saw: if someone changed
/// the tactic since, it is a 409 conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TacticChange {
    pub due: Option<Due>,
    pub versions: u32,
}

/// `GET /api/plans/{id}`: the whole plan, its check-ins and its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub id: String,
    pub unit: String,
    pub owner: String,
    pub title: String,
    pub start: NaiveDate,
    pub goals: Vec<Goal>,
    pub tactics: Vec<Tactic>,
    pub checkins: Vec<CheckInRecord>,
    pub scores: Vec<WeekScore>,
    /// The plan week today falls in (13: the review week); None before it starts or after.
    pub current_week: Option<u32>,
}

/// One line of `GET /api/plans?unit=`: a plan under the unit with this week's and the
/// cumulative score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub id: String,
    pub unit: String,
    pub owner: String,
    pub title: String,
    pub start: NaiveDate,
    pub current_week: Option<u32>,
    /// The current week's score so far (week 12's in the review week; None outside the plan).
    pub week_score: Option<f64>,
    /// All done / all due up to this week, or the final figure once the plan is over.
    pub cumulative: Option<f64>,
}

/// One week of a plan's execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekScore {
    pub week: u32,
    /// Tactics due that week (as the plan stood then).
    pub due: u32,
    /// Of those, ticked done.
    pub done: u32,
    /// done / due; None when nothing was due.
    pub score: Option<f64>,
    /// All done / all due from week 1 to this one; None while nothing has been due.
    pub cumulative: Option<f64>,
}

/// The score of every week of the plan. A check-in for a tactic that was not due that week does
/// not count; for the same tactic and week the last check-in in the list wins.
pub fn scores(tactics: &[Tactic], checkins: &[CheckIn]) -> Vec<WeekScore> {
    let (mut all_due, mut all_done) = (0u32, 0u32);
    (1..=PLAN_WEEKS)
        .map(|week| {
            let mut due = 0;
            let mut done = 0;
            for tactic in tactics.iter().filter(|t| t.due_in(week)) {
                due += 1;
                let ticked = checkins
                    .iter()
                    .rev()
                    .find(|c| c.tactic == tactic.id && c.week == week)
                    .is_some_and(|c| c.done);
                if ticked {
                    done += 1;
                }
            }
            all_due += due;
            all_done += done;
            WeekScore {
                week,
                due,
                done,
                score: (due > 0).then(|| f64::from(done) / f64::from(due)),
                cumulative: (all_due > 0).then(|| f64::from(all_done) / f64::from(all_due)),
            }
        })
        .collect()
}

/// A plan must start on the first day of a week of its unit's `calendar`: a Monday, or a
/// Saturday in the Solar Hijri calendar.
pub fn check_start(start: NaiveDate, calendar: crate::calendar::Calendar) -> Result<(), String> {
    let first = calendar.week_start();
    if start.weekday() == first {
        Ok(())
    } else {
        Err(format!(
            "{start} is a {}; a plan of this unit starts on a {}",
            day_name(start.weekday()),
            day_name(first)
        ))
    }
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The plan week `day` falls in: 1 to 12, 13 for the review week, None before or after.
pub fn week_of(start: NaiveDate, day: NaiveDate) -> Option<u32> {
    let days = (day - start).num_days();
    if days < 0 {
        return None;
    }
    let week = u32::try_from(days / 7).ok()? + 1;
    (week <= REVIEW_WEEK).then_some(week)
}

/// Whether a check-in for `week` given on `day` is taken, and if so whether it is late:
/// `Ok(false)` in its own week, `Ok(true)` after it until the end of the review week, and an error
/// before the week began or after the review week.
pub fn check_in_lateness(start: NaiveDate, week: u32, day: NaiveDate) -> Result<bool, String> {
    if !(1..=PLAN_WEEKS).contains(&week) {
        return Err(format!(
            "week {week} is not a week of the plan (1 to {PLAN_WEEKS})"
        ));
    }
    match week_of(start, day) {
        None if day < start => Err(format!("the plan starts on {start}")),
        None => Err("the plan's review week is over; check-ins are closed".to_string()),
        Some(now) if now < week => Err(format!("week {week} has not begun (this is week {now})")),
        Some(now) => Ok(now > week),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tactic(id: &str, versions: &[(u32, Option<Due>)]) -> Tactic {
        Tactic {
            id: id.to_string(),
            title: id.to_string(),
            owner: "head".to_string(),
            versions: versions
                .iter()
                .map(|(from_week, due)| TacticVersion {
                    from_week: *from_week,
                    due: due.clone(),
                })
                .collect(),
        }
    }

    fn done(tactic: &str, week: u32, done: bool) -> CheckIn {
        CheckIn {
            tactic: tactic.to_string(),
            week,
            done,
            note: None,
            late: false,
        }
    }

    #[test]
    fn a_week_scores_done_over_due_and_the_cumulative_adds_weeks_up() {
        let plan = [
            tactic("a", &[(1, Some(Due::Weekly))]),
            tactic("b", &[(1, Some(Due::Weekly))]),
        ];
        let s = scores(
            &plan,
            &[
                done("a", 1, true),
                done("b", 1, true),
                done("a", 2, true),
                done("b", 2, false),
            ],
        );
        assert_eq!(s.len(), 12);
        assert_eq!((s[0].due, s[0].done, s[0].score), (2, 2, Some(1.0)));
        assert_eq!(s[1].score, Some(0.5));
        assert_eq!(s[1].cumulative, Some(0.75));
        // Nothing ticked in week 3: 0 of 2, and the cumulative falls to 3 of 6.
        assert_eq!(s[2].score, Some(0.0));
        assert_eq!(s[2].cumulative, Some(0.5));
    }

    #[test]
    fn a_tactic_added_in_week_5_counts_from_week_5_only() {
        let plan = [
            tactic("a", &[(1, Some(Due::Weekly))]),
            tactic("late", &[(5, Some(Due::Weekly))]),
        ];
        let ticks: Vec<CheckIn> = (1..=5).map(|w| done("a", w, true)).collect();
        let s = scores(&plan, &ticks);
        for week in 1..=4 {
            assert_eq!(
                (s[week - 1].due, s[week - 1].score),
                (1, Some(1.0)),
                "week {week}"
            );
        }
        assert_eq!((s[4].due, s[4].done, s[4].score), (2, 1, Some(0.5)));
        assert_eq!(s[4].cumulative, Some(5.0 / 6.0));
    }

    #[test]
    fn a_week_with_nothing_due_has_no_score_and_leaves_the_cumulative_alone() {
        let plan = [tactic(
            "even",
            &[(1, Some(Due::Weeks { weeks: vec![2, 4] }))],
        )];
        let s = scores(&plan, &[done("even", 2, true), done("even", 3, true)]);
        assert_eq!((s[0].due, s[0].score, s[0].cumulative), (0, None, None));
        assert_eq!(s[1].score, Some(1.0));
        // A tick in week 3, when nothing was due, counts for nothing.
        assert_eq!((s[2].due, s[2].done, s[2].score), (0, 0, None));
        assert_eq!(s[2].cumulative, Some(1.0));
        assert_eq!((s[3].score, s[3].cumulative), (Some(0.0), Some(0.5)));
    }

    #[test]
    fn editing_a_schedule_later_keeps_the_weeks_before_as_they_were() {
        // Weekly until week 6; from week 7 only week 10; withdrawn from week 11.
        let t = tactic(
            "t",
            &[
                (1, Some(Due::Weekly)),
                (7, Some(Due::Weeks { weeks: vec![3, 10] })),
                (11, None),
            ],
        );
        let due: Vec<u32> = (1..=12).filter(|w| t.due_in(*w)).collect();
        assert_eq!(due, vec![1, 2, 3, 4, 5, 6, 10]);
        let once = tactic("o", &[(1, Some(Due::Once { week: 3 }))]);
        assert_eq!(
            (1..=12).filter(|w| once.due_in(*w)).collect::<Vec<_>>(),
            vec![3]
        );
        assert!(
            !Due::Weekly.is_due(REVIEW_WEEK),
            "nothing is due in the review week"
        );
    }

    #[test]
    fn the_last_check_in_for_a_week_wins() {
        let plan = [tactic("a", &[(1, Some(Due::Weekly))])];
        let s = scores(&plan, &[done("a", 1, false), done("a", 1, true)]);
        assert_eq!(s[0].score, Some(1.0));
    }

    #[test]
    fn schedules_and_starts_are_checked() {
        assert!(Due::Weeks { weeks: vec![] }.check().is_err());
        assert!(Due::Weeks { weeks: vec![2, 13] }
            .check()
            .unwrap_err()
            .contains("week 13"));
        assert!(Due::Once { week: 0 }.check().is_err());
        assert!(Due::Once { week: 12 }.check().is_ok());
        let monday = NaiveDate::from_ymd_opt(2019, 4, 1).unwrap();
        use crate::calendar::Calendar;
        assert!(check_start(monday, Calendar::Gregorian).is_ok());
        assert!(check_start(monday.succ_opt().unwrap(), Calendar::Gregorian)
            .unwrap_err()
            .contains("starts on a Monday"));
        // In Iran the week, and so a plan, starts on Saturday.
        let saturday = NaiveDate::from_ymd_opt(2021, 3, 20).unwrap();
        assert!(check_start(saturday, Calendar::Persian).is_ok());
        assert_eq!(
            check_start(monday, Calendar::Persian).unwrap_err(),
            "2019-04-01 is a Monday; a plan of this unit starts on a Saturday"
        );
    }

    #[test]
    fn schedules_read_back_as_they_are_written() {
        for due in [
            None,
            Some(Due::Weekly),
            Some(Due::Once { week: 5 }),
            Some(Due::Weeks {
                weeks: vec![2, 4, 12],
            }),
        ] {
            let text = schedule_text(due.as_ref());
            assert_eq!(parse_schedule(&text), Ok(due), "{text}");
        }
        assert_eq!(schedule_text(Some(&Due::Once { week: 5 })), "week 5");
        assert_eq!(
            parse_schedule("  weeks 1   3 "),
            Ok(Some(Due::Weeks { weeks: vec![1, 3] }))
        );
        assert!(parse_schedule("weeks")
            .unwrap_err()
            .contains("not a schedule"));
        assert!(parse_schedule("week 13").unwrap_err().contains("week 13"));
        assert!(parse_schedule("week two").unwrap_err().contains("'two'"));
        assert!(parse_schedule("monthly").is_err());
    }

    #[test]
    fn weeks_and_late_check_ins_follow_the_calendar() {
        let start = NaiveDate::from_ymd_opt(2019, 4, 1).unwrap();
        let day = |d: i64| start + chrono::Duration::days(d);
        assert_eq!(week_of(start, day(-1)), None);
        assert_eq!(week_of(start, day(0)), Some(1));
        assert_eq!(week_of(start, day(6)), Some(1));
        assert_eq!(week_of(start, day(7)), Some(2));
        assert_eq!(week_of(start, day(12 * 7)), Some(REVIEW_WEEK));
        assert_eq!(week_of(start, day(13 * 7)), None);
        assert_eq!(check_in_lateness(start, 2, day(8)), Ok(false));
        assert_eq!(check_in_lateness(start, 2, day(30)), Ok(true));
        assert_eq!(check_in_lateness(start, 12, day(12 * 7 + 6)), Ok(true));
        assert!(check_in_lateness(start, 3, day(8))
            .unwrap_err()
            .contains("has not begun"));
        assert!(check_in_lateness(start, 12, day(13 * 7))
            .unwrap_err()
            .contains("closed"));
        assert!(check_in_lateness(start, 13, day(8)).is_err());
    }
}
