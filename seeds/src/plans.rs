//! 12-week plans of the five Shymkent akimat departments that moved to open space and to 12-week
//! planning on 2019-04-01 (the treated group of effect 1), one plan per department for every
//! 13-week cycle (12 weeks and a review week) until the data ends, and their weekly check-ins:
//! `plans.csv` and `plan_checkins.csv`, in the columns and row order the server exports them.
//!
//! Each plan has two or three goals tied to appeal and service KPIs, each with two or three
//! tactics, mostly weekly. Departments start below the 85% benchmark and learn over the first
//! cycles; weeks with a public holiday and the odd inspection week go worse. Most check-ins come
//! on the week's last working day, some a few days or weeks late (and so marked late), a few
//! never. Some plans change while they run: a tactic added in weeks 4 to 6, a weekly one moved
//! to even weeks, one withdrawn. Times are UTC (Shymkent's office day is 03:00-13:00 UTC).
//! Execution is not tied to the appeal data: whether a plan moved its KPI is left to the data.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use kpi_api::plan::{
    schedule_text, week_of, Due, Tactic, TacticVersion, CHECKIN_FILE_COLUMNS, PLAN_FILE_COLUMNS,
    PLAN_WEEKS, REVIEW_WEEK,
};

use crate::calendar::{days_from_civil, Calendar, Country, DAY, HOUR};
use crate::csvout::CsvOut;
use crate::org::{OrgTree, Program};
use crate::rng::Rng;

/// The purposes of this module's random streams.
const PLAN: u64 = 101;
const WEEK: u64 = 102;

/// Days from one plan's start to the next: 12 weeks and the review week.
const CYCLE_DAYS: i64 = 7 * REVIEW_WEEK as i64;

/// What the generator wrote.
pub struct Written {
    pub plans_file: PathBuf,
    pub checkins_file: PathBuf,
    pub plans: u64,
    pub checkins: u64,
}

#[derive(Clone, Copy)]
enum Sched {
    Weekly,
    /// Weeks 2, 4, ..., 12.
    EvenWeeks,
    /// Weeks 4, 8 and 12.
    Monthly,
    Once(u32),
}

impl Sched {
    fn due(self) -> Due {
        match self {
            Sched::Weekly => Due::Weekly,
            Sched::EvenWeeks => Due::Weeks {
                weeks: (2..=PLAN_WEEKS).step_by(2).collect(),
            },
            Sched::Monthly => Due::Weeks {
                weeks: vec![4, 8, 12],
            },
            Sched::Once(week) => Due::Once { week },
        }
    }
}

struct TacticKind {
    title: &'static str,
    owner: &'static str,
    sched: Sched,
    /// Added to or taken from the chance it is done in a week.
    ease: f64,
}

const fn tk(title: &'static str, owner: &'static str, sched: Sched, ease: f64) -> TacticKind {
    TacticKind {
        title,
        owner,
        sched,
        ease,
    }
}

struct GoalKind {
    title: &'static str,
    /// The short form in a plan's title.
    theme: &'static str,
    kpi: &'static str,
    target: &'static str,
    /// Only for departments that deliver public services.
    services: bool,
    tactics: &'static [TacticKind],
}

const DEPUTY: &str = "Deputy head of department";
const CHIEF: &str = "Chief specialist";
const LEADING: &str = "Leading specialist";
const DESK: &str = "Reception desk";
const HEAD: &str = "Head of department";

static GOALS: [GoalKind; 5] = [
    GoalKind {
        title: "Every appeal answered by its deadline",
        theme: "answers on time",
        kpi: "appeal_on_time_share",
        target: "95",
        services: false,
        tactics: &[
            tk(
                "Monday review of the appeals due this week",
                DEPUTY,
                Sched::Weekly,
                0.06,
            ),
            tk(
                "Assign every new appeal to an executor the day it arrives",
                DESK,
                Sched::Weekly,
                0.04,
            ),
            tk(
                "Call the executor of every appeal past half its deadline",
                CHIEF,
                Sched::Weekly,
                -0.04,
            ),
            tk(
                "Overdue list to the deputy akim on Fridays",
                HEAD,
                Sched::Weekly,
                0.02,
            ),
        ],
    },
    GoalKind {
        title: "A first answer within a working day",
        theme: "faster first answers",
        kpi: "appeal_response_hours_median",
        target: "8",
        services: false,
        tactics: &[
            tk(
                "Answer portal appeals within four office hours",
                LEADING,
                Sched::Weekly,
                -0.06,
            ),
            tk(
                "Reply templates for the ten most frequent questions",
                CHIEF,
                Sched::Once(2),
                0.05,
            ),
            tk(
                "Desk staff answer simple questions on the spot",
                DESK,
                Sched::Weekly,
                0.02,
            ),
            tk(
                "Train the team on the e-appeals system",
                DEPUTY,
                Sched::Once(3),
                0.03,
            ),
        ],
    },
    GoalKind {
        title: "Residents satisfied with the answer",
        theme: "satisfied residents",
        kpi: "resident_satisfaction_share",
        target: "80",
        services: false,
        tactics: &[
            tk(
                "Call back twenty residents after their appeal is closed",
                CHIEF,
                Sched::Weekly,
                -0.08,
            ),
            tk(
                "Go through every rating of 1 or 2 with its executor",
                DEPUTY,
                Sched::EvenWeeks,
                0.0,
            ),
            tk(
                "Publish the month's answers on the city portal",
                LEADING,
                Sched::Monthly,
                0.03,
            ),
        ],
    },
    GoalKind {
        title: "Services applied for electronically",
        theme: "services online",
        kpi: "e_service_share",
        target: "75",
        services: true,
        tactics: &[
            tk(
                "Help every desk visitor file on the state portal",
                DESK,
                Sched::Weekly,
                -0.02,
            ),
            tk(
                "Check portal applications every morning",
                LEADING,
                Sched::Weekly,
                0.04,
            ),
            tk(
                "Move one paper form to the portal",
                DEPUTY,
                Sched::Monthly,
                -0.05,
            ),
        ],
    },
    GoalKind {
        title: "No appeal left open past its deadline",
        theme: "no overdue appeals",
        kpi: "appeal_overdue_open",
        target: "0",
        services: false,
        tactics: &[
            tk(
                "Close or escalate every appeal past its deadline",
                HEAD,
                Sched::Weekly,
                -0.03,
            ),
            tk(
                "Friday check of appeals open more than ten days",
                CHIEF,
                Sched::Weekly,
                0.03,
            ),
        ],
    },
];

/// Each department's own weekly practice, added to its first goal.
fn own_tactic(slug: &str) -> TacticKind {
    match slug {
        "entrepreneurship" => tk(
            "Open hours for entrepreneurs at the front desk",
            HEAD,
            Sched::Weekly,
            0.02,
        ),
        "economy" => tk(
            "Answer budget questions with the figures attached",
            CHIEF,
            Sched::Weekly,
            -0.02,
        ),
        "agriculture" => tk(
            "A field visit within five days for every land-use complaint",
            LEADING,
            Sched::Weekly,
            -0.07,
        ),
        "industry" => tk(
            "Call every investor who wrote in within two days",
            DEPUTY,
            Sched::Weekly,
            0.0,
        ),
        _ => tk(
            "Update the events calendar on the city portal",
            LEADING,
            Sched::EvenWeeks,
            0.04,
        ),
    }
}

/// Added while a plan runs.
static ADDED: [TacticKind; 3] = [
    tk(
        "Daily stand-up at the open-space board",
        HEAD,
        Sched::Weekly,
        0.05,
    ),
    tk(
        "Share the reception desk's queue with the district akimats",
        DEPUTY,
        Sched::Weekly,
        -0.03,
    ),
    tk(
        "Weekly call with the one-stop centre",
        CHIEF,
        Sched::Weekly,
        0.0,
    ),
];

const MISSED: [&str; 8] = [
    "Postponed: the deputy akim's meeting took the day",
    "Executor on sick leave",
    "Waiting for data from the district akimat",
    "Moved to next week: inspection visit",
    "Portal was down on Thursday",
    "Half done, the rest next week",
    "Staff at the city's investment forum",
    "No one free: two vacancies in the team",
];

const DONE: [&str; 5] = [
    "Done with the district's help",
    "Done, and written up for the akim",
    "Done; two appeals escalated",
    "Done ahead of Friday",
    "Done, new executor in charge",
];

fn day_number(d: NaiveDate) -> i64 {
    days_from_civil(i64::from(d.year()), d.month(), d.day())
}

/// A time of `day` between `from` and `to` hours UTC, to the minute.
fn at(day: NaiveDate, rng: &mut Rng, from: i64, to: i64) -> i64 {
    day_number(day) * DAY + from * HOUR + rng.below(((to - from) * 60) as u64) as i64 * 60
}

/// The last working day of the plan week starting on `monday` (its Friday unless a holiday).
fn last_working_day(cal: &Calendar, monday: NaiveDate) -> NaiveDate {
    (0..5)
        .rev()
        .map(|d| monday + Duration::days(d))
        .find(|d| cal.is_working(day_number(*d)))
        .unwrap_or(monday)
}

/// The quarter a plan mostly falls in: "Q2 2019".
fn quarter(start: NaiveDate) -> String {
    let middle = start + Duration::days(42);
    format!("Q{} {}", (middle.month() - 1) / 3 + 1, middle.year())
}

struct PlannedTactic {
    tactic: Tactic,
    goal: u32,
    ease: f64,
    /// When each version was made, in `tactic.versions` order.
    made: Vec<i64>,
}

/// Writes both files into `dir`; plans start every 13 weeks from 2019-04-01 while their review
/// week ends by `last_day`.
pub fn write(tree: &OrgTree, seed: u64, dir: &Path, last_day: NaiveDate) -> io::Result<Written> {
    let cal = Calendar::new(Country::Kazakhstan);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let first = NaiveDate::from_ymd_opt(2019, 4, 1).expect("a date");
    let starts: Vec<NaiveDate> = (0..)
        .map(|k| first + Duration::days(k * CYCLE_DAYS))
        .take_while(|s| *s + Duration::days(CYCLE_DAYS - 1) <= last_day)
        .collect();
    let depts: Vec<usize> = (0..tree.units.len())
        .filter(|&i| tree.units[i].program == Program::ShymkentTreated)
        .collect();

    let plans_header = PLAN_FILE_COLUMNS.join(",");
    let checkins_header = CHECKIN_FILE_COLUMNS.join(",");
    let mut plans_out = CsvOut::create(&dir.join("plans.csv"), &plans_header)?;
    let mut checkins_out = CsvOut::create(&dir.join("plan_checkins.csv"), &checkins_header)?;
    // Exported order: by start, then plan id.
    let mut plans: Vec<(NaiveDate, String, usize, usize)> = Vec::new();
    for (cycle, start) in starts.iter().enumerate() {
        for &d in &depts {
            plans.push((*start, format!("{}-{start}", tree.units[d].id), cycle, d));
        }
    }
    plans.sort();
    let mut plan_count = 0;
    for (start, plan_id, cycle, d) in plans {
        let unit = &tree.units[d];
        let slug = unit.dept.map_or("", |k| k.slug);
        let owner = format!("head.shymkent.{slug}");
        let mut rng = Rng::stream(seed, &[PLAN, unit.hash, cycle as u64]);

        // Goals: answers on time or faster first answers (alternating), then one or two others.
        let mut kinds: Vec<&GoalKind> = vec![&GOALS[cycle % 2]];
        let mut others: Vec<&GoalKind> = GOALS[2..]
            .iter()
            .filter(|g| !g.services || unit.services_per_year > 0.0)
            .collect();
        rng.shuffle(&mut others);
        let extra = if rng.chance(0.4) { 2 } else { 1 };
        kinds.extend(others.into_iter().take(extra));
        let title = format!("{}: {}", quarter(start), kinds[0].theme);

        let planned_at = at(start - Duration::days(3), &mut rng, 4, 9);
        let monday = |week: u32| start + Duration::days(i64::from(week - 1) * 7);
        let mut tactics: Vec<PlannedTactic> = Vec::new();
        let push = |tactics: &mut Vec<PlannedTactic>,
                    kind: &TacticKind,
                    goal: u32,
                    from: u32,
                    made: i64| {
            let id = format!("t{}", tactics.len() + 1);
            tactics.push(PlannedTactic {
                tactic: Tactic {
                    id,
                    title: kind.title.to_string(),
                    owner: kind.owner.to_string(),
                    versions: vec![TacticVersion {
                        from_week: from,
                        due: Some(kind.sched.due()),
                    }],
                },
                goal,
                ease: kind.ease,
                made: vec![made],
            });
        };
        let own = own_tactic(slug);
        for (g, kind) in kinds.iter().enumerate() {
            let goal = g as u32 + 1;
            let mut list: Vec<&TacticKind> = kind.tactics.iter().collect();
            rng.shuffle(&mut list);
            let take = if list.len() > 2 && rng.chance(0.5) {
                3
            } else {
                2
            };
            for t in list.into_iter().take(take) {
                push(&mut tactics, t, goal, 1, planned_at);
            }
            if goal == 1 {
                push(&mut tactics, &own, goal, 1, planned_at);
            }
        }
        // Changes while the plan runs, each in force from the week it was made in.
        if rng.chance(0.3) {
            let week = 4 + rng.below(3) as u32;
            let kind = &ADDED[rng.below(ADDED.len() as u64) as usize];
            push(
                &mut tactics,
                kind,
                1,
                week,
                at(monday(week), &mut rng, 3, 6),
            );
        }
        if rng.chance(0.2) {
            let weekly: Vec<usize> = (0..tactics.len())
                .filter(|&i| tactics[i].tactic.versions[0].due == Some(Due::Weekly))
                .collect();
            if !weekly.is_empty() {
                let i = weekly[rng.below(weekly.len() as u64) as usize];
                tactics[i].tactic.versions.push(TacticVersion {
                    from_week: 7,
                    due: Some(Sched::EvenWeeks.due()),
                });
                let made = at(monday(7), &mut rng, 3, 6);
                tactics[i].made.push(made);
            }
        }
        if rng.chance(0.1) && tactics.len() > 3 {
            let i = rng.below(tactics.len() as u64) as usize;
            if tactics[i].tactic.versions.iter().all(|v| v.from_week < 9) {
                tactics[i].tactic.versions.push(TacticVersion {
                    from_week: 9,
                    due: None,
                });
                let made = at(monday(9), &mut rng, 3, 6);
                tactics[i].made.push(made);
            }
        }

        for t in &tactics {
            let kind = &kinds[t.goal as usize - 1];
            for (v, version) in t.tactic.versions.iter().enumerate() {
                plans_out
                    .raw(plan_id.as_bytes())
                    .raw(unit.id.as_bytes())
                    .str(&title)
                    .raw(owner.as_bytes())
                    .date(day_number(start))
                    .u64(u64::from(t.goal))
                    .str(kind.title)
                    .raw(kind.kpi.as_bytes())
                    .raw(kind.target.as_bytes())
                    .raw(t.tactic.id.as_bytes())
                    .str(&t.tactic.title)
                    .str(&t.tactic.owner)
                    .u64(v as u64 + 1)
                    .u64(u64::from(version.from_week))
                    .str(&schedule_text(version.due.as_ref()))
                    .raw(owner.as_bytes())
                    .datetime(t.made[v]);
                plans_out.end_row()?;
            }
        }

        // How well this department executes in this cycle: it learns over the first ones.
        let mut dept_rng = Rng::stream(seed, &[PLAN, unit.hash]);
        let base = dept_rng.range(0.80, 0.93);
        let learning = [-0.14, -0.07, -0.03].get(cycle).copied().unwrap_or(0.0);
        let drift = rng.normal() * 0.03;
        let review_end = start + Duration::days(CYCLE_DAYS - 1);
        for week in 1..=PLAN_WEEKS {
            let mut wrng = Rng::stream(seed, &[WEEK, unit.hash, cycle as u64, u64::from(week)]);
            let mon = monday(week);
            let holiday = (0..5).any(|d| cal.is_holiday(day_number(mon + Duration::days(d))));
            let mut p = base + learning + drift;
            if holiday {
                p -= 0.12;
            }
            if week == 1 {
                p -= 0.05;
            }
            if wrng.chance(0.06) {
                // An inspection, a forum, the akim's visit: the week goes to something else.
                p -= 0.30;
            }
            let friday = last_working_day(&cal, mon);
            for t in tactics.iter().filter(|t| t.tactic.due_in(week)) {
                let roll = wrng.f64();
                if roll < 0.03 {
                    continue; // never answered: counts as not done
                }
                let when = if roll < 0.83 {
                    at(friday, &mut wrng, 9, 13)
                } else if roll < 0.96 {
                    let next = mon + Duration::days(7 + wrng.below(2) as i64);
                    at(next, &mut wrng, 3, 6)
                } else {
                    let weeks = 2 + wrng.below(3) as i64;
                    let day = (mon + Duration::days(7 * weeks)).min(review_end - Duration::days(2));
                    at(day, &mut wrng, 3, 6)
                };
                let day = epoch + Duration::days(when.div_euclid(DAY));
                let late = week_of(start, day).is_some_and(|w| w > week);
                let done = wrng.chance((p + t.ease).clamp(0.05, 0.99));
                let note = if !done && wrng.chance(0.6) {
                    Some(MISSED[wrng.below(MISSED.len() as u64) as usize])
                } else if done && wrng.chance(0.08) {
                    Some(DONE[wrng.below(DONE.len() as u64) as usize])
                } else {
                    None
                };
                checkins_out
                    .raw(plan_id.as_bytes())
                    .raw(t.tactic.id.as_bytes())
                    .u64(u64::from(week))
                    .raw(if done { b"true" } else { b"false" })
                    .str(note.unwrap_or_default())
                    .raw(if late { b"true" } else { b"false" })
                    .raw(owner.as_bytes())
                    .datetime(when);
                checkins_out.end_row()?;
            }
        }
        plan_count += 1;
    }
    let (plans_file, _) = plans_out.finish()?;
    let (checkins_file, checkins) = checkins_out.finish()?;
    Ok(Written {
        plans_file,
        checkins_file,
        plans: plan_count,
        checkins,
    })
}
