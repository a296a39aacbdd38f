//! 12-week plans in the database: creating one, reading it with its scores, the plans under a
//! unit, and weekly check-ins that never overwrite a newer answer.
//!
//! Writes go one at a time through one lock and one transaction each, so that concurrent
//! check-ins by several owners all land; each is committed (DuckDB's write-ahead log) before the
//! server answers. A check-in carries the revision its sender saw: if another answer was stored
//! since, it is a conflict, never a silent overwrite.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime};
use duckdb::{Connection, OptionalExt};
use kpi_api::calendar::Calendar;
use kpi_api::plan::{
    self, CheckIn, CheckInRecord, CheckInRequest, Due, Goal, NewPlan, PlanSummary, PlanView,
    Tactic, TacticAdd, TacticChange, TacticVersion,
};

use crate::auth::Access;
use crate::error::{Error, Result};

pub mod exchange;

/// Plan writes, one at a time (check-ins, edits and imports of plan files alike).
pub(crate) static WRITES: Mutex<()> = Mutex::new(());

/// A schedule as stored: the export files' text (`weekly`, `week 5`, `weeks 2 4`); withdrawn is
/// NULL.
fn due_text(due: &Due) -> Result<String> {
    Ok(plan::schedule_text(Some(due)))
}

/// A stored schedule: the export files' text, or the JSON of databases written before it.
pub(crate) fn stored_due(plan: &str, text: Option<&str>) -> Result<Option<Due>> {
    let bad = |e: String| Error::Internal(format!("plan {plan}: a stored schedule: {e}"));
    match text {
        None => Ok(None),
        Some(json) if json.starts_with('{') => serde_json::from_str::<Due>(json)
            .map(Some)
            .map_err(|e| bad(e.to_string())),
        Some(text) => plan::parse_schedule(text).map_err(bad),
    }
}

/// Checks a new plan; `known_kpi` says whether a KPI id is loaded, `calendar` is its unit's.
fn check_new(new: &NewPlan, known_kpi: &dyn Fn(&str) -> bool, calendar: Calendar) -> Result<()> {
    plan::check_start(new.start, calendar).map_err(|m| Error::bad_parameter("start", m))?;
    if new.title.trim().is_empty() {
        return Err(Error::bad_parameter("title", "a plan needs a title"));
    }
    if !(1..=3).contains(&new.goals.len()) {
        return Err(Error::bad_parameter(
            "goals",
            format!("a plan has 1 to 3 goals, not {}", new.goals.len()),
        ));
    }
    for (i, goal) in new.goals.iter().enumerate() {
        let at = format!("goals[{i}]");
        if goal.title.trim().is_empty() {
            return Err(Error::bad_parameter(&at, "a goal needs a title"));
        }
        if !known_kpi(&goal.kpi) {
            return Err(Error::bad_parameter(
                &format!("{at}.kpi"),
                format!("no KPI with id '{}'", goal.kpi),
            ));
        }
        if goal.tactics.is_empty() {
            return Err(Error::bad_parameter(
                &format!("{at}.tactics"),
                "a goal needs at least one tactic: what will be done, week by week, to reach it",
            ));
        }
        if !goal.target.is_finite() {
            return Err(Error::bad_parameter(
                &format!("{at}.target"),
                "not a number",
            ));
        }
        for (j, tactic) in goal.tactics.iter().enumerate() {
            let at = format!("{at}.tactics[{j}]");
            if tactic.title.trim().is_empty() || tactic.owner.trim().is_empty() {
                return Err(Error::bad_parameter(
                    &at,
                    "a tactic needs a title and an owner",
                ));
            }
            tactic
                .due
                .check()
                .map_err(|m| Error::bad_parameter(&format!("{at}.due"), m))?;
        }
    }
    Ok(())
}

/// Stores a new plan owned by `owner`, made at `now`; its id is `<unit>-<start>` (plus a number
/// when taken). `calendar` is the unit's: its weeks start the plan.
pub fn create(
    conn: &Connection,
    new: &NewPlan,
    owner: &str,
    (known_kpi, calendar): (&dyn Fn(&str) -> bool, Calendar),
    now: NaiveDateTime,
) -> Result<String> {
    check_new(new, known_kpi, calendar)?;
    let _write = WRITES.lock().expect("plan write lock");
    let base = format!("{}-{}", new.unit, new.start);
    let mut id = base.clone();
    let mut n = 1;
    while conn
        .query_row("SELECT 1 FROM main.plans WHERE id = ?", [&id], |_| Ok(()))
        .optional()?
        .is_some()
    {
        n += 1;
        id = format!("{base}-{n}");
    }
    crate::db::in_transaction(conn, || {
        conn.execute(
            "INSERT INTO main.plans VALUES (?, ?, ?, ?, ?, ?)",
            duckdb::params![id, new.unit, owner, new.title.trim(), new.start, now],
        )?;
        let mut tactic_no = 0;
        for (g, goal) in new.goals.iter().enumerate() {
            conn.execute(
                "INSERT INTO main.plan_goals VALUES (?, ?, ?, ?, ?)",
                duckdb::params![id, g as i32 + 1, goal.title.trim(), goal.kpi, goal.target],
            )?;
            for tactic in &goal.tactics {
                tactic_no += 1;
                let tactic_id = format!("t{tactic_no}");
                conn.execute(
                    "INSERT INTO main.plan_tactics VALUES (?, ?, ?, ?, ?)",
                    duckdb::params![
                        id,
                        tactic_id,
                        g as i32 + 1,
                        tactic.title.trim(),
                        tactic.owner.trim()
                    ],
                )?;
                conn.execute(
                    "INSERT INTO main.plan_tactic_versions VALUES (?, ?, 1, 1, ?, ?, ?)",
                    duckdb::params![id, tactic_id, due_text(&tactic.due)?, owner, now],
                )?;
            }
        }
        Ok(())
    })?;
    Ok(id)
}

/// The plan's unit and start, or 404.
fn head(conn: &Connection, id: &str) -> Result<(String, String, String, NaiveDate)> {
    conn.query_row(
        "SELECT unit_id, owner, title, start FROM main.plans WHERE id = ?",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("no plan with id '{id}'")))
}

/// The plan's unit, for the access check before reading or writing it.
pub fn unit_of(conn: &Connection, id: &str) -> Result<String> {
    Ok(head(conn, id)?.0)
}

/// The whole plan with its check-ins and scores, as of `today`.
pub fn load(conn: &Connection, id: &str, today: NaiveDate) -> Result<PlanView> {
    load_all(conn, Some(id), today)?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("no plan with id '{id}'")))
}

/// Every stored plan (or only the plan `only`), newest first, with check-ins and scores as of
/// `today`: five queries however many plans there are, so a city's overview stays quick.
fn load_all(conn: &Connection, only: Option<&str>, today: NaiveDate) -> Result<Vec<PlanView>> {
    // `$1` is NULL for every plan.
    let sql = |select: &str, order: &str| {
        format!("{select} WHERE CAST($1 AS VARCHAR) IS NULL OR plan_id = CAST($1 AS VARCHAR) ORDER BY {order}")
    };
    let heads: Vec<(String, String, String, String, NaiveDate)> = conn
        .prepare(
            "SELECT id, unit_id, owner, title, start FROM main.plans
             WHERE CAST($1 AS VARCHAR) IS NULL OR id = CAST($1 AS VARCHAR) ORDER BY start DESC, id",
        )?
        .query_map([only], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<duckdb::Result<_>>()?;
    let mut goals: HashMap<String, Vec<Goal>> = HashMap::new();
    for row in conn
        .prepare(&sql(
            "SELECT plan_id, goal_no, title, kpi_id, target FROM main.plan_goals",
            "plan_id, goal_no",
        ))?
        .query_map([only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Goal {
                    no: r.get::<_, i32>(1)? as u32,
                    title: r.get(2)?,
                    kpi: r.get(3)?,
                    target: r.get(4)?,
                    tactics: Vec::new(),
                },
            ))
        })?
    {
        let (plan, goal) = row?;
        goals.entry(plan).or_default().push(goal);
    }
    // (plan, tactic) -> (from week, stored schedule), in the order made.
    type Versions = HashMap<(String, String), Vec<(i32, Option<String>)>>;
    let mut versions: Versions = HashMap::new();
    for row in conn
        .prepare(&sql(
            "SELECT plan_id, tactic_id, from_week, due FROM main.plan_tactic_versions",
            "plan_id, tactic_id, seq",
        ))?
        .query_map([only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?
    {
        let (plan, tactic, from_week, due) = row?;
        versions
            .entry((plan, tactic))
            .or_default()
            .push((from_week, due));
    }
    let mut tactics: HashMap<String, Vec<(i32, Tactic)>> = HashMap::new();
    for row in conn
        .prepare(&sql(
            "SELECT plan_id, tactic_id, goal_no, title, owner FROM main.plan_tactics",
            "plan_id, CAST(substr(tactic_id, 2) AS INTEGER)",
        ))?
        .query_map([only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i32>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?
    {
        let (plan, id, goal_no, title, owner) = row?;
        let mut tactic_versions = Vec::new();
        for (from_week, due) in versions
            .remove(&(plan.clone(), id.clone()))
            .unwrap_or_default()
        {
            tactic_versions.push(TacticVersion {
                from_week: from_week as u32,
                due: stored_due(&plan, due.as_deref())?,
            });
        }
        tactics.entry(plan).or_default().push((
            goal_no,
            Tactic {
                id,
                title,
                owner,
                versions: tactic_versions,
            },
        ));
    }
    let mut checkins: HashMap<String, Vec<CheckInRecord>> = HashMap::new();
    for row in conn
        .prepare(&sql(
            "SELECT plan_id, tactic_id, week, done, note, late, revision, by_user,
                    strftime(given_at, '%Y-%m-%dT%H:%M:%SZ') FROM main.plan_checkins",
            "plan_id, week, tactic_id",
        ))?
        .query_map([only], |r| {
            Ok((
                r.get::<_, String>(0)?,
                CheckInRecord {
                    check_in: CheckIn {
                        tactic: r.get(1)?,
                        week: r.get::<_, i32>(2)? as u32,
                        done: r.get(3)?,
                        note: r.get(4)?,
                        late: r.get(5)?,
                    },
                    revision: r.get::<_, i32>(6)? as u32,
                    by: r.get(7)?,
                    at: r.get(8)?,
                },
            ))
        })?
    {
        let (plan, record) = row?;
        checkins.entry(plan).or_default().push(record);
    }
    let mut views = Vec::with_capacity(heads.len());
    for (id, unit, owner, title, start) in heads {
        let mut plan_goals = goals.remove(&id).unwrap_or_default();
        let mut plan_tactics = Vec::new();
        for (goal_no, tactic) in tactics.remove(&id).unwrap_or_default() {
            if let Some(goal) = plan_goals.iter_mut().find(|g| g.no == goal_no as u32) {
                goal.tactics.push(tactic.id.clone());
            }
            plan_tactics.push(tactic);
        }
        let records = checkins.remove(&id).unwrap_or_default();
        let plain: Vec<CheckIn> = records.iter().map(|c| c.check_in.clone()).collect();
        views.push(PlanView {
            scores: plan::scores(&plan_tactics, &plain),
            current_week: plan::week_of(start, today),
            id,
            unit,
            owner,
            title,
            start,
            goals: plan_goals,
            tactics: plan_tactics,
            checkins: records,
        });
    }
    Ok(views)
}

/// The plans of `units` (those the caller may read under the unit asked), newest first, with this
/// week's and the cumulative score as of `today`.
pub fn list(conn: &Connection, units: &[String], today: NaiveDate) -> Result<Vec<PlanSummary>> {
    let mut out = Vec::new();
    for view in load_all(conn, None, today)? {
        if !units.contains(&view.unit) {
            continue;
        }
        // This week's score (week 12's in the review week); the cumulative one as of this week,
        // or the final one once the plan is over.
        let this_week = view
            .current_week
            .map(|w| &view.scores[w.min(plan::PLAN_WEEKS) as usize - 1]);
        let over = view.current_week.is_none() && today > view.start;
        out.push(PlanSummary {
            week_score: this_week.and_then(|s| s.score),
            cumulative: this_week
                .or_else(|| view.scores.last().filter(|_| over))
                .and_then(|s| s.cumulative),
            id: view.id,
            unit: view.unit,
            owner: view.owner,
            title: view.title,
            start: view.start,
            current_week: view.current_week,
        });
    }
    Ok(out)
}

/// Stores one check-in, as `by` at `now`. The tactic must be due that week as the plan stood
/// then; the week must have begun and the review week not be over (after its own week it is
/// marked late); `request.revision` must be the stored answer's revision (0 for none).
pub fn check_in(
    conn: &Connection,
    id: &str,
    tactic: &str,
    week: u32,
    request: &CheckInRequest,
    by: &str,
    now: NaiveDateTime,
) -> Result<CheckInRecord> {
    let today = now.date();
    let _write = WRITES.lock().expect("plan write lock");
    let view = load(conn, id, today)?;
    let Some(t) = view.tactics.iter().find(|t| t.id == tactic) else {
        return Err(Error::NotFound(format!(
            "plan {id} has no tactic '{tactic}'"
        )));
    };
    if !t.due_in(week) {
        return Err(Error::bad_parameter(
            "week",
            format!("tactic {tactic} ('{}') is not due in week {week}", t.title),
        ));
    }
    let late = plan::check_in_lateness(view.start, week, today)
        .map_err(|m| Error::bad_parameter("week", m))?;
    if let Some(note) = &request.note {
        if note.chars().count() > 2000 {
            return Err(Error::bad_parameter("note", "at most 2,000 characters"));
        }
    }
    let stored = view
        .checkins
        .iter()
        .find(|c| c.check_in.tactic == tactic && c.check_in.week == week);
    let current = stored.map(|c| c.revision).unwrap_or(0);
    if request.revision != current {
        return Err(Error::Conflict(match stored {
            Some(c) => format!(
                "week {week} of tactic {tactic} was answered by {} at {} (revision {current}, you had {}); reload the plan and try again",
                c.by, c.at, request.revision
            ),
            None => format!(
                "week {week} of tactic {tactic} has no answer yet (you had revision {}); reload the plan",
                request.revision
            ),
        }));
    }
    conn.execute(
        "INSERT INTO main.plan_checkins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (plan_id, tactic_id, week) DO UPDATE SET
           done = excluded.done, note = excluded.note, late = excluded.late,
           revision = excluded.revision, by_user = excluded.by_user, given_at = excluded.given_at",
        duckdb::params![
            id,
            tactic,
            week as i32,
            request.done,
            request
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty()),
            late,
            current as i32 + 1,
            by,
            now
        ],
    )?;
    let view = load(conn, id, today)?;
    view.checkins
        .into_iter()
        .find(|c| c.check_in.tactic == tactic && c.check_in.week == week)
        .ok_or_else(|| Error::Internal("the check-in vanished".to_string()))
}

/// The week from which a change made on `today` takes effect: the current week (week 1 before
/// the plan starts); none once the plan's weeks are over.
fn effective_week(start: NaiveDate, today: NaiveDate) -> Result<u32> {
    if today < start {
        return Ok(1);
    }
    match plan::week_of(start, today) {
        Some(w) if w <= plan::PLAN_WEEKS => Ok(w),
        _ => Err(Error::bad_parameter(
            "week",
            "the plan's twelve weeks are over; its tactics can no longer change",
        )),
    }
}

/// Adds a tactic to a goal, due from the current week on; returns its id.
pub fn add_tactic(
    conn: &Connection,
    id: &str,
    add: &TacticAdd,
    by: &str,
    now: NaiveDateTime,
) -> Result<String> {
    let today = now.date();
    if add.title.trim().is_empty() || add.owner.trim().is_empty() {
        return Err(Error::bad_parameter(
            "title",
            "a tactic needs a title and an owner",
        ));
    }
    add.due
        .check()
        .map_err(|m| Error::bad_parameter("due", m))?;
    let _write = WRITES.lock().expect("plan write lock");
    let view = load(conn, id, today)?;
    if !view.goals.iter().any(|g| g.no == add.goal) {
        return Err(Error::bad_parameter(
            "goal",
            format!("plan {id} has no goal {}", add.goal),
        ));
    }
    let from = effective_week(view.start, today)?;
    let tactic_id = format!("t{}", view.tactics.len() + 1);
    crate::db::in_transaction(conn, || {
        conn.execute(
            "INSERT INTO main.plan_tactics VALUES (?, ?, ?, ?, ?)",
            duckdb::params![
                id,
                tactic_id,
                add.goal as i32,
                add.title.trim(),
                add.owner.trim()
            ],
        )?;
        conn.execute(
            "INSERT INTO main.plan_tactic_versions VALUES (?, ?, 1, ?, ?, ?, ?)",
            duckdb::params![id, tactic_id, from as i32, due_text(&add.due)?, by, now],
        )?;
        Ok(())
    })?;
    Ok(tactic_id)
}

/// Changes a tactic's schedule from the current week on (weeks before keep theirs). A client
/// that saw fewer versions than are stored is refused with a conflict.
pub fn change_tactic(
    conn: &Connection,
    id: &str,
    tactic: &str,
    change: &TacticChange,
    by: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let today = now.date();
    if let Some(due) = &change.due {
        due.check().map_err(|m| Error::bad_parameter("due", m))?;
    }
    let _write = WRITES.lock().expect("plan write lock");
    let view = load(conn, id, today)?;
    let Some(t) = view.tactics.iter().find(|t| t.id == tactic) else {
        return Err(Error::NotFound(format!(
            "plan {id} has no tactic '{tactic}'"
        )));
    };
    let stored = t.versions.len() as u32;
    if change.versions != stored {
        return Err(Error::Conflict(format!(
            "tactic {tactic} ('{}') was changed since you loaded it ({stored} versions, you saw {}); reload the plan and try again",
            t.title, change.versions
        )));
    }
    let from = effective_week(view.start, today)?;
    let due = change.due.as_ref().map(due_text).transpose()?;
    conn.execute(
        "INSERT INTO main.plan_tactic_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
        duckdb::params![id, tactic, stored as i32 + 1, from as i32, due, by, now],
    )?;
    Ok(())
}

/// Whether `access` may change the plans of `unit`: a department head of it (or above it in
/// their own subtree), or an admin.
pub fn may_edit(access: &Access, reach_inside: bool) -> Result<()> {
    access.may(crate::policy::Action::EditPlans)?;
    if reach_inside {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this plan's unit is outside your jurisdiction".to_string(),
        ))
    }
}
