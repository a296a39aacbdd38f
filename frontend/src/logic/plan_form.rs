//! A 12-week plan as the department head writes it: the new-plan form's fields (goals and
//! tactics added and removed as they type), a schedule chosen as weekly, once or in chosen weeks,
//! the Mondays a plan may start on, and the request each form sends once nothing is missing. The
//! server checks again (a KPI it does not know, a unit outside the jurisdiction) and says so in its
//! own words.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate};
use kpi_api::plan::{Due, NewGoal, NewPlan, NewTactic, PlanView, Tactic, TacticAdd, PLAN_WEEKS};

/// How a tactic's weeks are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    Weekly,
    Once,
    Weeks,
}

impl ScheduleKind {
    pub const ALL: [ScheduleKind; 3] = [
        ScheduleKind::Weekly,
        ScheduleKind::Once,
        ScheduleKind::Weeks,
    ];

    /// The value of its radio button.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Weekly => "weekly",
            ScheduleKind::Once => "once",
            ScheduleKind::Weeks => "weeks",
        }
    }
}

/// A schedule being chosen: every field kept, so that switching kinds loses nothing typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDraft {
    pub kind: ScheduleKind,
    /// The week of a tactic due once.
    pub once: u32,
    /// The weeks of a tactic due in chosen weeks.
    pub weeks: BTreeSet<u32>,
}

impl Default for ScheduleDraft {
    fn default() -> Self {
        ScheduleDraft {
            kind: ScheduleKind::Weekly,
            once: 1,
            weeks: BTreeSet::new(),
        }
    }
}

impl ScheduleDraft {
    /// The draft that shows `due` (weekly when there is none).
    pub fn of(due: Option<&Due>) -> ScheduleDraft {
        let mut draft = ScheduleDraft::default();
        match due {
            None | Some(Due::Weekly) => {}
            Some(Due::Once { week }) => {
                draft.kind = ScheduleKind::Once;
                draft.once = *week;
            }
            Some(Due::Weeks { weeks }) => {
                draft.kind = ScheduleKind::Weeks;
                draft.weeks = weeks.iter().copied().collect();
            }
        }
        draft
    }

    /// The schedule, or None while chosen weeks are none.
    pub fn due(&self) -> Option<Due> {
        match self.kind {
            ScheduleKind::Weekly => Some(Due::Weekly),
            ScheduleKind::Once => (1..=PLAN_WEEKS)
                .contains(&self.once)
                .then_some(Due::Once { week: self.once }),
            ScheduleKind::Weeks if self.weeks.is_empty() => None,
            ScheduleKind::Weeks => Some(Due::Weeks {
                weeks: self.weeks.iter().copied().collect(),
            }),
        }
    }

    pub fn toggle(&mut self, week: u32) {
        if !self.weeks.remove(&week) && (1..=PLAN_WEEKS).contains(&week) {
            self.weeks.insert(week);
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TacticDraft {
    pub title: String,
    pub owner: String,
    pub schedule: ScheduleDraft,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalDraft {
    pub title: String,
    /// A KPI id, or empty while none is chosen.
    pub kpi: String,
    /// As typed: a decimal point or comma, spaces allowed.
    pub target: String,
    pub tactics: Vec<TacticDraft>,
}

impl GoalDraft {
    fn new() -> GoalDraft {
        GoalDraft {
            tactics: vec![TacticDraft::default()],
            ..GoalDraft::default()
        }
    }
}

/// The most goals a plan has.
pub const MAX_GOALS: usize = 3;

/// The new-plan form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDraft {
    pub unit: String,
    pub title: String,
    pub start: Option<NaiveDate>,
    pub goals: Vec<GoalDraft>,
}

impl PlanDraft {
    /// An empty plan for `unit` starting on `start`, with one goal and one tactic to fill in.
    pub fn new(unit: &str, start: NaiveDate) -> PlanDraft {
        PlanDraft {
            unit: unit.to_string(),
            title: String::new(),
            start: Some(start),
            goals: vec![GoalDraft::new()],
        }
    }

    /// The next plan after `plan`: its unit, goals, targets and tactics as scheduled at its end
    /// (withdrawn ones left out), to start on `start`.
    pub fn following(plan: &PlanView, start: NaiveDate) -> PlanDraft {
        let goals = plan
            .goals
            .iter()
            .map(|goal| GoalDraft {
                title: goal.title.clone(),
                kpi: goal.kpi.clone(),
                target: goal.target.to_string(),
                tactics: goal
                    .tactics
                    .iter()
                    .filter_map(|id| plan.tactics.iter().find(|t| t.id == *id))
                    .filter_map(|tactic: &Tactic| {
                        let due = tactic.versions.last()?.due.as_ref()?;
                        Some(TacticDraft {
                            title: tactic.title.clone(),
                            owner: tactic.owner.clone(),
                            schedule: ScheduleDraft::of(Some(due)),
                        })
                    })
                    .collect(),
            })
            .collect();
        PlanDraft {
            unit: plan.unit.clone(),
            title: plan.title.clone(),
            start: Some(start),
            goals,
        }
    }
}

/// What changes the new-plan form; goals and tactics are named by their place in it.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftAction {
    Replace(PlanDraft),
    Unit(String),
    Title(String),
    Start(Option<NaiveDate>),
    AddGoal,
    RemoveGoal(usize),
    GoalTitle(usize, String),
    GoalKpi(usize, String),
    GoalTarget(usize, String),
    AddTactic(usize),
    RemoveTactic(usize, usize),
    TacticTitle(usize, usize, String),
    TacticOwner(usize, usize, String),
    Schedule(usize, usize, ScheduleDraft),
}

impl PlanDraft {
    /// The form after `action`; an action on a goal or tactic that is not there changes nothing.
    pub fn apply(&mut self, action: DraftAction) {
        match action {
            DraftAction::Replace(draft) => *self = draft,
            DraftAction::Unit(unit) => self.unit = unit,
            DraftAction::Title(title) => self.title = title,
            DraftAction::Start(start) => self.start = start,
            DraftAction::AddGoal if self.goals.len() < MAX_GOALS => {
                self.goals.push(GoalDraft::new());
            }
            DraftAction::AddGoal => {}
            DraftAction::RemoveGoal(g) if g < self.goals.len() && self.goals.len() > 1 => {
                self.goals.remove(g);
            }
            DraftAction::RemoveGoal(_) => {}
            DraftAction::GoalTitle(g, text) => self.goal(g, |goal| goal.title = text),
            DraftAction::GoalKpi(g, kpi) => self.goal(g, |goal| goal.kpi = kpi),
            DraftAction::GoalTarget(g, text) => self.goal(g, |goal| goal.target = text),
            DraftAction::AddTactic(g) => {
                self.goal(g, |goal| goal.tactics.push(TacticDraft::default()))
            }
            DraftAction::RemoveTactic(g, t) => self.goal(g, |goal| {
                if t < goal.tactics.len() && goal.tactics.len() > 1 {
                    goal.tactics.remove(t);
                }
            }),
            DraftAction::TacticTitle(g, t, text) => self.tactic(g, t, |tactic| tactic.title = text),
            DraftAction::TacticOwner(g, t, text) => self.tactic(g, t, |tactic| tactic.owner = text),
            DraftAction::Schedule(g, t, schedule) => {
                self.tactic(g, t, |tactic| tactic.schedule = schedule)
            }
        }
    }

    fn goal(&mut self, g: usize, f: impl FnOnce(&mut GoalDraft)) {
        if let Some(goal) = self.goals.get_mut(g) {
            f(goal);
        }
    }

    fn tactic(&mut self, g: usize, t: usize, f: impl FnOnce(&mut TacticDraft)) {
        self.goal(g, |goal| {
            if let Some(tactic) = goal.tactics.get_mut(t) {
                f(tactic);
            }
        });
    }
}

/// What a form lacks; goals and tactics are counted from 1 as the form shows them, and are 0 in
/// the forms of one tactic (a tactic added to a running plan, a new schedule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftProblem {
    UnitMissing,
    TitleMissing,
    /// The start is not the first day of a week of the unit (a Monday; a Saturday in Iran).
    StartNotWeekStart,
    GoalTitleMissing(usize),
    KpiMissing(usize),
    TargetNotNumber(usize),
    TacticTitleMissing(usize, usize),
    TacticOwnerMissing(usize, usize),
    WeeksMissing(usize, usize),
}

/// A target as people type it: `95`, `95.5`, `95,5`, ` 1 200 `, and in Persian digits with
/// their separators (`۹۵٫۵`, `۱٬۲۰۰`).
pub fn parse_target(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(*c, '\u{a0}' | '٬'))
        .map(|c| match c {
            ',' | '٫' => '.',
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            c => c,
        })
        .collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn new_tactic(tactic: &TacticDraft, g: usize, t: usize) -> Result<NewTactic, DraftProblem> {
    if tactic.title.trim().is_empty() {
        return Err(DraftProblem::TacticTitleMissing(g, t));
    }
    if tactic.owner.trim().is_empty() {
        return Err(DraftProblem::TacticOwnerMissing(g, t));
    }
    let due = tactic
        .schedule
        .due()
        .ok_or(DraftProblem::WeeksMissing(g, t))?;
    Ok(NewTactic {
        title: tactic.title.trim().to_string(),
        owner: tactic.owner.trim().to_string(),
        due,
    })
}

impl PlanDraft {
    /// `POST /api/plans`'s body, or the first thing the form lacks.
    /// `first` is the first day of the unit's week (see `kpi_api::unit_calendar`).
    pub fn to_new_plan(&self, first: chrono::Weekday) -> Result<NewPlan, DraftProblem> {
        if self.unit.trim().is_empty() {
            return Err(DraftProblem::UnitMissing);
        }
        if self.title.trim().is_empty() {
            return Err(DraftProblem::TitleMissing);
        }
        let start = self
            .start
            .filter(|d| d.weekday() == first)
            .ok_or(DraftProblem::StartNotWeekStart)?;
        let mut goals = Vec::new();
        for (i, goal) in self.goals.iter().enumerate() {
            let g = i + 1;
            if goal.title.trim().is_empty() {
                return Err(DraftProblem::GoalTitleMissing(g));
            }
            if goal.kpi.is_empty() {
                return Err(DraftProblem::KpiMissing(g));
            }
            let target = parse_target(&goal.target).ok_or(DraftProblem::TargetNotNumber(g))?;
            let tactics = goal
                .tactics
                .iter()
                .enumerate()
                .map(|(j, tactic)| new_tactic(tactic, g, j + 1))
                .collect::<Result<_, _>>()?;
            goals.push(NewGoal {
                title: goal.title.trim().to_string(),
                kpi: goal.kpi.clone(),
                target,
                tactics,
            });
        }
        Ok(NewPlan {
            unit: self.unit.trim().to_string(),
            title: self.title.trim().to_string(),
            start,
            goals,
        })
    }
}

/// `POST /api/plans/{id}/tactics`'s body for a tactic added to goal `goal` of a running plan.
pub fn tactic_add(goal: u32, tactic: &TacticDraft) -> Result<TacticAdd, DraftProblem> {
    let new = new_tactic(tactic, 0, 0)?;
    Ok(TacticAdd {
        goal,
        title: new.title,
        owner: new.owner,
        due: new.due,
    })
}

/// The days a new plan may start on, each the `first` day of a week: this week's (the plan
/// starts in its week 1 today), then the next `ahead`.
pub fn week_starts(today: NaiveDate, ahead: u32, first: chrono::Weekday) -> Vec<NaiveDate> {
    let back = (7 + today.weekday().num_days_from_monday() - first.num_days_from_monday()) % 7;
    let start = today - Duration::days(i64::from(back));
    (0..=ahead)
        .map(|k| start + Duration::days(7 * i64::from(k)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::{Mon, Sat};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn filled() -> PlanDraft {
        let mut draft = PlanDraft::new("shymkent-economy", d("2026-11-30"));
        for action in [
            DraftAction::Title(" Answer on time ".to_string()),
            DraftAction::GoalTitle(0, "On time".to_string()),
            DraftAction::GoalKpi(0, "appeal_on_time_share".to_string()),
            DraftAction::GoalTarget(0, "95,5".to_string()),
            DraftAction::TacticTitle(0, 0, "Monday review".to_string()),
            DraftAction::TacticOwner(0, 0, "Deputy head".to_string()),
        ] {
            draft.apply(action);
        }
        draft
    }

    #[test]
    fn a_filled_form_sends_a_plan_with_trimmed_words_and_a_parsed_target() {
        let plan = filled().to_new_plan(Mon).unwrap();
        assert_eq!(plan.title, "Answer on time");
        assert_eq!(plan.start, d("2026-11-30"));
        assert_eq!(plan.goals.len(), 1);
        assert_eq!(plan.goals[0].target, 95.5);
        assert_eq!(plan.goals[0].tactics[0].due, Due::Weekly);
    }

    #[test]
    fn the_form_names_the_first_thing_it_lacks() {
        let mut draft = filled();
        draft.apply(DraftAction::AddTactic(0));
        assert_eq!(
            draft.to_new_plan(Mon),
            Err(DraftProblem::TacticTitleMissing(1, 2))
        );
        draft.apply(DraftAction::TacticTitle(0, 1, "Call back".to_string()));
        assert_eq!(
            draft.to_new_plan(Mon),
            Err(DraftProblem::TacticOwnerMissing(1, 2))
        );
        draft.apply(DraftAction::TacticOwner(0, 1, "Desk".to_string()));
        let mut weeks = ScheduleDraft::default();
        weeks.kind = ScheduleKind::Weeks;
        draft.apply(DraftAction::Schedule(0, 1, weeks.clone()));
        assert_eq!(
            draft.to_new_plan(Mon),
            Err(DraftProblem::WeeksMissing(1, 2))
        );
        weeks.toggle(4);
        weeks.toggle(8);
        draft.apply(DraftAction::Schedule(0, 1, weeks));
        assert_eq!(
            draft.to_new_plan(Mon).unwrap().goals[0].tactics[1].due,
            Due::Weeks { weeks: vec![4, 8] }
        );
        draft.apply(DraftAction::AddGoal);
        assert_eq!(
            draft.to_new_plan(Mon),
            Err(DraftProblem::GoalTitleMissing(2))
        );
        draft.apply(DraftAction::GoalTitle(1, "Satisfied".to_string()));
        assert_eq!(draft.to_new_plan(Mon), Err(DraftProblem::KpiMissing(2)));
        draft.apply(DraftAction::GoalKpi(
            1,
            "resident_satisfaction_share".to_string(),
        ));
        draft.apply(DraftAction::GoalTarget(1, "eighty".to_string()));
        assert_eq!(
            draft.to_new_plan(Mon),
            Err(DraftProblem::TargetNotNumber(2))
        );
        draft.apply(DraftAction::Start(Some(d("2026-12-01"))));
        assert_eq!(draft.to_new_plan(Mon), Err(DraftProblem::StartNotWeekStart));
        draft.apply(DraftAction::Title(" ".to_string()));
        assert_eq!(draft.to_new_plan(Mon), Err(DraftProblem::TitleMissing));
    }

    #[test]
    fn goals_stop_at_three_and_the_last_goal_and_tactic_stay() {
        let mut draft = filled();
        for _ in 0..5 {
            draft.apply(DraftAction::AddGoal);
        }
        assert_eq!(draft.goals.len(), MAX_GOALS);
        for _ in 0..5 {
            draft.apply(DraftAction::RemoveGoal(0));
        }
        assert_eq!(draft.goals.len(), 1);
        draft.apply(DraftAction::RemoveTactic(0, 0));
        assert_eq!(draft.goals[0].tactics.len(), 1);
        // Out of range: nothing happens.
        draft.apply(DraftAction::GoalTitle(7, "x".to_string()));
        draft.apply(DraftAction::TacticTitle(0, 9, "x".to_string()));
        assert_eq!(draft.goals.len(), 1);
    }

    #[test]
    fn a_schedule_keeps_what_was_chosen_when_its_kind_changes() {
        let mut s = ScheduleDraft::of(Some(&Due::Weeks { weeks: vec![2, 6] }));
        assert_eq!(s.kind, ScheduleKind::Weeks);
        s.kind = ScheduleKind::Once;
        s.once = 5;
        assert_eq!(s.due(), Some(Due::Once { week: 5 }));
        s.kind = ScheduleKind::Weeks;
        assert_eq!(s.due(), Some(Due::Weeks { weeks: vec![2, 6] }));
        s.toggle(2);
        s.toggle(13);
        assert_eq!(s.due(), Some(Due::Weeks { weeks: vec![6] }));
        assert_eq!(ScheduleDraft::of(None).due(), Some(Due::Weekly));
    }

    #[test]
    fn targets_read_as_people_type_them() {
        assert_eq!(parse_target("95"), Some(95.0));
        assert_eq!(parse_target(" 95,5 "), Some(95.5));
        assert_eq!(parse_target("1 200"), Some(1200.0));
        assert_eq!(parse_target(""), None);
        assert_eq!(parse_target("NaN"), None);
        assert_eq!(parse_target("۹۵٫۵"), Some(95.5));
        assert_eq!(parse_target("۱٬۲۰۰"), Some(1200.0));
        assert_eq!(parse_target("ninety"), None);
    }

    #[test]
    fn a_plan_starts_this_week_or_a_later_one_on_the_first_day_of_the_week() {
        let mondays = week_starts(d("2026-12-03"), 2, Mon);
        assert_eq!(
            mondays,
            vec![d("2026-11-30"), d("2026-12-07"), d("2026-12-14")]
        );
        assert_eq!(week_starts(d("2026-11-30"), 0, Mon), vec![d("2026-11-30")]);
        // In Iran the week starts on Saturday: Thursday 3 December 2026 is in the week of the 28th.
        assert_eq!(
            week_starts(d("2026-12-03"), 1, Sat),
            vec![d("2026-11-28"), d("2026-12-05")]
        );
        assert_eq!(week_starts(d("2026-12-05"), 0, Sat), vec![d("2026-12-05")]);
        let mut draft = filled();
        draft.start = Some(d("2026-11-28"));
        assert_eq!(draft.to_new_plan(Mon), Err(DraftProblem::StartNotWeekStart));
        assert!(draft.to_new_plan(Sat).is_ok());
    }

    #[test]
    fn the_next_plan_copies_goals_and_the_tactics_still_scheduled() {
        use kpi_api::plan::{Goal, TacticVersion};
        let tactic = |id: &str, due: Option<Due>| Tactic {
            id: id.to_string(),
            title: format!("Tactic {id}"),
            owner: "Desk".to_string(),
            versions: vec![
                TacticVersion {
                    from_week: 1,
                    due: Some(Due::Weekly),
                },
                TacticVersion { from_week: 9, due },
            ],
        };
        let plan = PlanView {
            id: "p".to_string(),
            unit: "shymkent-economy".to_string(),
            owner: "head".to_string(),
            title: "Q4: on time".to_string(),
            start: d("2026-09-07"),
            goals: vec![Goal {
                no: 1,
                title: "On time".to_string(),
                kpi: "appeal_on_time_share".to_string(),
                target: 95.0,
                tactics: vec!["t1".to_string(), "t2".to_string()],
            }],
            tactics: vec![
                tactic(
                    "t1",
                    Some(Due::Weeks {
                        weeks: vec![10, 12],
                    }),
                ),
                tactic("t2", None),
            ],
            checkins: vec![],
            scores: vec![],
            current_week: None,
        };
        let next = PlanDraft::following(&plan, d("2026-12-07"));
        assert_eq!(next.start, Some(d("2026-12-07")));
        assert_eq!(next.goals[0].target, "95");
        assert_eq!(
            next.goals[0].tactics.len(),
            1,
            "the withdrawn tactic is left out"
        );
        assert_eq!(
            next.goals[0].tactics[0].schedule.due(),
            Some(Due::Weeks {
                weeks: vec![10, 12]
            })
        );
        assert!(next.to_new_plan(Mon).is_ok());
    }
}
