//! Plans and check-ins as export files, both ways: `plans.csv` (one row per version of a
//! tactic's schedule, its plan and goal repeated on each row) and `plan_checkins.csv` (one row per
//! tactic and week answered), with the columns of [`PLAN_FILE_COLUMNS`] and
//! [`CHECKIN_FILE_COLUMNS`].
//!
//! Importing goes through [`crate::import`] like any export (the column checks, one transaction,
//! the file's hash), and ends here, where a plan is checked as a whole: every row of a plan, a goal
//! or a tactic says the same of it, goals and tactics are numbered without gaps, a stored plan
//! keeps its unit and start, and no check-in already stored stops counting. A plan in a file
//! replaces the stored one; a check-in replaces the stored answer for its tactic and week (with
//! a new revision, so an open page that still shows the old one gets a conflict, not an
//! overwrite). Exporting writes the same columns back, so an export imported elsewhere and
//! exported again gives the same bytes.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use duckdb::{Connection, OptionalExt};
use kpi_api::plan::{
    self, parse_schedule, schedule_text, Due, Tactic, TacticVersion, CHECKIN_FILE_COLUMNS,
    PLAN_FILE_COLUMNS,
};

use crate::error::{Error, Result};
use crate::tables::{typed_select, Importer, TableSpec};

/// `"{file}, line {line}, column {column}: {message}"`, the way every import error reads.
fn at(name: &str, line: i64, column: &str, message: impl std::fmt::Display) -> Error {
    Error::InvalidFile(format!("{name}, line {line}, column {column}: {message}"))
}

/// The number of a tactic id `t1`, `t2`, ... (the API numbers them so, and adds the next one).
fn tactic_no(id: &str) -> Option<u32> {
    let digits = id.strip_prefix('t')?;
    if digits.starts_with('0') || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// One row of a plans file, typed.
struct PlanRow {
    line: i64,
    plan_id: String,
    unit_id: String,
    plan_title: String,
    plan_owner: String,
    start: NaiveDate,
    goal_no: u32,
    goal_title: String,
    kpi_id: String,
    target: f64,
    tactic_id: String,
    tactic_title: String,
    tactic_owner: String,
    version: u32,
    from_week: u32,
    due: Option<Due>,
    changed_by: String,
    changed_at: NaiveDateTime,
}

fn read_plan_rows(conn: &Connection, spec: &TableSpec, name: &str) -> Result<Vec<PlanRow>> {
    let raw: Vec<(PlanRow, String)> = conn
        .prepare(&format!(
            "SELECT * FROM ({}) ORDER BY line",
            typed_select(spec)
        ))?
        .query_map([], |r| {
            Ok((
                PlanRow {
                    line: r.get(0)?,
                    plan_id: r.get(1)?,
                    unit_id: r.get(2)?,
                    plan_title: r.get(3)?,
                    plan_owner: r.get(4)?,
                    start: r.get(5)?,
                    goal_no: r.get::<_, i64>(6)? as u32,
                    goal_title: r.get(7)?,
                    kpi_id: r.get(8)?,
                    target: r.get(9)?,
                    tactic_id: r.get(10)?,
                    tactic_title: r.get(11)?,
                    tactic_owner: r.get(12)?,
                    version: r.get::<_, i64>(13)? as u32,
                    from_week: r.get::<_, i64>(14)? as u32,
                    due: None,
                    changed_by: r.get(16)?,
                    changed_at: r.get(17)?,
                },
                r.get::<_, String>(15)?,
            ))
        })?
        .collect::<duckdb::Result<_>>()?;
    raw.into_iter()
        .map(|(mut row, due)| {
            row.due = parse_schedule(&due).map_err(|m| at(name, row.line, "due", m))?;
            if tactic_no(&row.tactic_id).is_none() {
                return Err(at(
                    name,
                    row.line,
                    "tactic_id",
                    format!("'{}' is not a tactic id (t1, t2, ...)", row.tactic_id),
                ));
            }
            Ok(row)
        })
        .collect()
}

/// A plan as a file gives it, checked for agreement between its rows.
struct PlanDef {
    first: usize,
    goals: BTreeMap<u32, usize>,
    /// By tactic number: the first row, and every version's row by version number.
    tactics: BTreeMap<u32, (usize, BTreeMap<u32, usize>)>,
}

/// Refuses the first row that says something else of `what` than the row it repeats.
fn agree(
    name: &str,
    what: &str,
    first: &PlanRow,
    row: &PlanRow,
    fields: &[(&str, String, String)],
) -> Result<()> {
    match fields.iter().find(|(_, a, b)| a != b) {
        Some((column, was, now)) => Err(at(
            name,
            row.line,
            column,
            format!(
                "'{now}' differs from line {} ('{was}'): every row of {what} gives the same {column}",
                first.line
            ),
        )),
        None => Ok(()),
    }
}

/// Refuses numbers that do not run 1, 2, ... without a gap.
fn numbered(
    name: &str,
    line: i64,
    column: &str,
    what: &str,
    numbers: impl Iterator<Item = u32>,
) -> Result<()> {
    let numbers: Vec<u32> = numbers.collect();
    if numbers.iter().copied().eq(1..=numbers.len() as u32) {
        return Ok(());
    }
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    Err(at(
        name,
        line,
        column,
        format!(
            "{what} are numbered {}; number them from 1 without gaps",
            list.join(", ")
        ),
    ))
}

fn group_plans(name: &str, rows: &[PlanRow]) -> Result<BTreeMap<String, PlanDef>> {
    let mut plans: BTreeMap<String, PlanDef> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let def = plans.entry(row.plan_id.clone()).or_insert(PlanDef {
            first: i,
            goals: BTreeMap::new(),
            tactics: BTreeMap::new(),
        });
        let first = &rows[def.first];
        let plan = format!("plan {}", row.plan_id);
        agree(
            name,
            &plan,
            first,
            row,
            &[
                ("unit_id", first.unit_id.clone(), row.unit_id.clone()),
                (
                    "plan_title",
                    first.plan_title.clone(),
                    row.plan_title.clone(),
                ),
                (
                    "plan_owner",
                    first.plan_owner.clone(),
                    row.plan_owner.clone(),
                ),
                ("start", first.start.to_string(), row.start.to_string()),
            ],
        )?;
        let goal = *def.goals.entry(row.goal_no).or_insert(i);
        let g = &rows[goal];
        agree(
            name,
            &format!("goal {} of {plan}", row.goal_no),
            g,
            row,
            &[
                ("goal_title", g.goal_title.clone(), row.goal_title.clone()),
                ("kpi_id", g.kpi_id.clone(), row.kpi_id.clone()),
                ("target", g.target.to_string(), row.target.to_string()),
            ],
        )?;
        let no = tactic_no(&row.tactic_id).expect("checked when read");
        let tactic = def.tactics.entry(no).or_insert((i, BTreeMap::new()));
        let t = &rows[tactic.0];
        agree(
            name,
            &format!("tactic {} of {plan}", row.tactic_id),
            t,
            row,
            &[
                ("goal_no", t.goal_no.to_string(), row.goal_no.to_string()),
                (
                    "tactic_title",
                    t.tactic_title.clone(),
                    row.tactic_title.clone(),
                ),
                (
                    "tactic_owner",
                    t.tactic_owner.clone(),
                    row.tactic_owner.clone(),
                ),
            ],
        )?;
        tactic.1.insert(row.version, i);
    }
    for (id, def) in &plans {
        let line = rows[def.first].line;
        numbered(
            name,
            line,
            "goal_no",
            &format!("the goals of plan {id}"),
            def.goals.keys().copied(),
        )?;
        numbered(
            name,
            line,
            "tactic_id",
            &format!("the tactics of plan {id} (t1, t2, ...)"),
            def.tactics.keys().copied(),
        )?;
        for (no, (first, versions)) in &def.tactics {
            numbered(
                name,
                rows[*first].line,
                "version",
                &format!("the versions of tactic t{no} of plan {id}"),
                versions.keys().copied(),
            )?;
        }
    }
    Ok(plans)
}

/// The tactics of a plan as the file defines them.
fn tactics_of(rows: &[PlanRow], def: &PlanDef) -> Vec<Tactic> {
    def.tactics
        .values()
        .map(|(first, versions)| {
            let row = &rows[*first];
            Tactic {
                id: row.tactic_id.clone(),
                title: row.tactic_title.clone(),
                owner: row.tactic_owner.clone(),
                versions: versions
                    .values()
                    .map(|&v| TacticVersion {
                        from_week: rows[v].from_week,
                        due: rows[v].due.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A stored plan that a file replaces must keep its unit and start, and every check-in stored
/// for it must still count: its tactic is in the file and due that week.
fn check_against_stored(
    conn: &Connection,
    name: &str,
    id: &str,
    rows: &[PlanRow],
    def: &PlanDef,
) -> Result<()> {
    let first = &rows[def.first];
    let Some((unit, start)) = stored_plan(conn, id)? else {
        return Ok(());
    };
    if unit != first.unit_id {
        return Err(at(
            name,
            first.line,
            "unit_id",
            format!("plan {id} is stored for unit '{unit}'; a plan's unit does not change (give the file's plan another plan_id)"),
        ));
    }
    if start != first.start {
        return Err(at(
            name,
            first.line,
            "start",
            format!("plan {id} is stored starting {start}; a plan's start does not change (give the file's plan another plan_id)"),
        ));
    }
    let tactics = tactics_of(rows, def);
    let answered: Vec<(String, i32)> = conn
        .prepare("SELECT tactic_id, week FROM main.plan_checkins WHERE plan_id = ? ORDER BY week, tactic_id")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<duckdb::Result<_>>()?;
    for (tactic, week) in answered {
        let week = week as u32;
        match tactics.iter().find(|t| t.id == tactic) {
            None => {
                return Err(Error::InvalidFile(format!(
                    "{name}, line {}: plan {id} has a check-in stored for tactic {tactic} in week {week}, but the file has no tactic {tactic}; an import never drops check-ins (withdraw the tactic from a week on instead: due 'withdrawn')",
                    first.line
                )))
            }
            Some(t) if !t.due_in(week) => {
                let (first, _) = def.tactics[&tactic_no(&tactic).expect("stored ids are numbered")];
                return Err(at(
                    name,
                    rows[first].line,
                    "due",
                    format!("tactic {tactic} of plan {id} would no longer be due in week {week}, which has a check-in stored; an import never drops check-ins"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Merges a staged plans file: each plan in it replaces the stored plan of its id (goals,
/// tactics, schedule versions), or is added. Returns (schedule versions new, versions replaced).
pub fn merge_plans(
    conn: &Connection,
    spec: &TableSpec,
    name: &str,
    by: Importer,
    known_kpi: &dyn Fn(&str) -> bool,
) -> Result<(u64, u64)> {
    let rows = read_plan_rows(conn, spec, name)?;
    if let Some(row) = rows.iter().find(|r| !known_kpi(&r.kpi_id)) {
        return Err(at(
            name,
            row.line,
            "kpi_id",
            format!(
                "no KPI with id '{}' (the files in queries/ define them)",
                row.kpi_id
            ),
        ));
    }
    let plans = group_plans(name, &rows)?;
    if let Some(home) = by.jurisdiction {
        keep_history(conn, name, &rows, &plans, home, by)?;
    }
    for (id, def) in &plans {
        check_against_stored(conn, name, id, &rows, def)?;
    }
    // Checked: the file's rows go in as they are, a few statements for the whole file.
    let known: i64 = conn.query_row(
        "SELECT count(*) FROM temp.staging s JOIN main.plan_tactic_versions v
           ON v.plan_id = s.plan_id AND v.tactic_id = s.tactic_id AND v.seq = CAST(s.version AS INTEGER)",
        [],
        |r| r.get(0),
    )?;
    conn.execute_batch(&format!(
        "DELETE FROM main.plan_goals WHERE plan_id IN (SELECT plan_id FROM temp.staging);
         DELETE FROM main.plan_tactics WHERE plan_id IN (SELECT plan_id FROM temp.staging);
         DELETE FROM main.plan_tactic_versions WHERE plan_id IN (SELECT plan_id FROM temp.staging);
         UPDATE main.plans SET owner = s.plan_owner, title = s.plan_title
           FROM (SELECT DISTINCT plan_id, plan_owner, plan_title FROM temp.staging) s
           WHERE id = s.plan_id;
         -- A new plan was made when its first schedule was.
         INSERT INTO main.plans
           SELECT plan_id, any_value(unit_id), any_value(plan_owner), any_value(plan_title),
                  CAST(any_value(start) AS DATE), min(CAST(changed_at AS TIMESTAMP))
           FROM temp.staging WHERE plan_id NOT IN (SELECT id FROM main.plans) GROUP BY plan_id;
         INSERT INTO main.plan_goals
           SELECT DISTINCT plan_id, CAST(goal_no AS INTEGER), goal_title, kpi_id, CAST(target AS DOUBLE)
           FROM temp.staging;
         INSERT INTO main.plan_tactics
           SELECT DISTINCT plan_id, tactic_id, CAST(goal_no AS INTEGER), tactic_title, tactic_owner
           FROM temp.staging;
         INSERT INTO main.plan_tactic_versions
           SELECT plan_id, tactic_id, CAST(version AS INTEGER), CAST(from_week AS INTEGER),
                  {due}, changed_by, CAST(changed_at AS TIMESTAMP)
           FROM temp.staging;",
        due = STORED_DUE
    ))?;
    let known = known as u64;
    Ok((rows.len() as u64 - known, known))
}

/// A version of a tactic's schedule as stored.
struct StoredVersion {
    from_week: u32,
    due: Option<String>,
    made_by: String,
    made_at: NaiveDateTime,
}

/// A stored plan's unit and start.
fn stored_plan(conn: &Connection, id: &str) -> Result<Option<(String, NaiveDate)>> {
    Ok(conn
        .query_row(
            "SELECT unit_id, start FROM main.plans WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// What a plans file from an importer with a jurisdiction (a department head) may change, which
/// is what the app lets them change: a plan of theirs (a plan id stored elsewhere is not theirs
/// to write), every stored version of a tactic's schedule kept as it is, and new versions only
/// from the plan's current week on, made by the importer, now, as the app would record them.
fn keep_history(
    conn: &Connection,
    name: &str,
    rows: &[PlanRow],
    plans: &BTreeMap<String, PlanDef>,
    home: &str,
    by: Importer,
) -> Result<()> {
    let user = by.user.unwrap_or_default();
    let now = by
        .now
        .unwrap_or_else(|| chrono::Utc::now().naive_utc())
        .with_nanosecond(0)
        .expect("a whole second");
    let mut restamp = Vec::new();
    for (id, def) in plans {
        let first = &rows[def.first];
        let stored = stored_plan(conn, id)?;
        if let Some((unit, _)) = &stored {
            if !is_under(conn, home, unit)? {
                return Err(Error::Forbidden(format!(
                    "{name}, line {}, column plan_id: plan_id '{id}' cannot be written from your jurisdiction; give your plan another plan_id",
                    first.line
                )));
            }
        }
        let versions: BTreeMap<(String, u32), StoredVersion> = conn
            .prepare(
                "SELECT tactic_id, seq, from_week, due, made_by, made_at FROM main.plan_tactic_versions WHERE plan_id = ?",
            )?
            .query_map([id], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, i32>(1)? as u32),
                    StoredVersion {
                        from_week: r.get::<_, i32>(2)? as u32,
                        due: r.get(3)?,
                        made_by: r.get(4)?,
                        made_at: r.get(5)?,
                    },
                ))
            })?
            .collect::<duckdb::Result<_>>()?;
        // The week the plan is in now: changes start from it (week 1 before the plan starts).
        let current = stored.as_ref().map(|(_, start)| {
            let days = (now.date() - *start).num_days();
            if days < 0 {
                1
            } else {
                days / 7 + 1
            }
        });
        let in_file: Vec<&PlanRow> = rows.iter().filter(|r| &r.plan_id == id).collect();
        for (tactic, seq) in versions.keys() {
            if !in_file
                .iter()
                .any(|r| &r.tactic_id == tactic && r.version == *seq)
            {
                return Err(at(
                    name,
                    first.line,
                    "version",
                    format!("plan {id} has version {seq} of tactic {tactic} stored, and the file leaves it out; a stored version stays (add a later one instead)"),
                ));
            }
        }
        for row in in_file {
            let due = schedule_text(row.due.as_ref());
            match versions.get(&(row.tactic_id.clone(), row.version)) {
                Some(v) => {
                    let stored_due = match &v.due {
                        Some(text) => parse_schedule(text)
                            .map(|d| schedule_text(d.as_ref()))
                            .unwrap_or_else(|_| text.clone()),
                        None => schedule_text(None),
                    };
                    if v.from_week != row.from_week
                        || stored_due != due
                        || v.made_by != row.changed_by
                        || v.made_at != row.changed_at
                    {
                        return Err(at(
                            name,
                            row.line,
                            "version",
                            format!(
                                "version {} of tactic {} of plan {id} is stored otherwise; a stored version does not change (add version {} from this week on instead)",
                                row.version,
                                row.tactic_id,
                                versions.keys().filter(|(t, _)| *t == row.tactic_id).count() + 1
                            ),
                        ));
                    }
                }
                None => {
                    if row.changed_by != user {
                        return Err(at(
                            name,
                            row.line,
                            "changed_by",
                            format!(
                                "'{}': a change you import is recorded as made by you ({user}), as in the app",
                                row.changed_by
                            ),
                        ));
                    }
                    if let Some(week) = current.filter(|w| i64::from(row.from_week) < *w) {
                        return Err(at(
                            name,
                            row.line,
                            "from_week",
                            if week > 12 {
                                format!("plan {id} has ended; its weeks do not change")
                            } else {
                                format!(
                                    "{}: plan {id} is in week {week}; a change starts from this week on, past weeks keep their schedule",
                                    row.from_week
                                )
                            },
                        ));
                    }
                    restamp.push(row.line);
                }
            }
        }
    }
    let mut stamp = conn.prepare("UPDATE temp.staging SET changed_at = ? WHERE line = ?")?;
    let at = now.format("%Y-%m-%d %H:%M:%S").to_string();
    for line in restamp {
        stamp.execute(duckdb::params![at, line])?;
    }
    Ok(())
}

/// The SQL that turns a file's `due` (checked by [`parse_schedule`]) into the stored form: one
/// space between words, and NULL for withdrawn.
const STORED_DUE: &str =
    "CASE WHEN due = 'withdrawn' THEN NULL ELSE regexp_replace(due, '\\s+', ' ', 'g') END";

/// One row of a check-ins file, typed.
struct CheckInRow {
    line: i64,
    plan_id: String,
    tactic_id: String,
    week: u32,
    done: bool,
    note: Option<String>,
    late: bool,
    checked_by: String,
    checked_at: NaiveDateTime,
}

/// The days a plan week runs, for messages.
fn week_days(start: NaiveDate, week: u32) -> (NaiveDate, NaiveDate) {
    let monday = start + Duration::days(i64::from(week - 1) * 7);
    (monday, monday + Duration::days(6))
}

/// Whether `unit` lies under `home` (itself included).
fn is_under(conn: &Connection, home: &str, unit: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM main.unit_closure WHERE ancestor_id = ? AND unit_id = ?",
            [home, unit],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Merges a staged check-ins file into stored plans. Each row must be a check-in the plan would
/// have taken: its tactic due that week, given between the week's start and the end of the
/// review week, and marked late exactly when given after its week. A row equal to the stored
/// answer changes nothing; a different one replaces it with the next revision. Returns
/// (answers new, answers already stored).
///
/// From an importer with a jurisdiction (a department head), a row that is new or changes the
/// answer (done, note) is recorded as a tick in the app would be: given by the importer, now by
/// the plans' clock, late if its week is over. The file cannot say someone else gave it or give
/// it another time (a `checked_by` other than the importer is refused), and a week whose plan is
/// closed cannot be answered again. Rows it leaves as they are stored stay as they are.
pub fn merge_checkins(
    conn: &Connection,
    spec: &TableSpec,
    name: &str,
    by: Importer,
) -> Result<(u64, u64)> {
    let rows: Vec<CheckInRow> = conn
        .prepare(&format!(
            "SELECT * FROM ({}) ORDER BY line",
            typed_select(spec)
        ))?
        .query_map([], |r| {
            Ok(CheckInRow {
                line: r.get(0)?,
                plan_id: r.get(1)?,
                tactic_id: r.get(2)?,
                week: r.get::<_, i64>(3)? as u32,
                done: r.get::<_, String>(4)? == "true",
                note: r.get(5)?,
                late: r.get::<_, String>(6)? == "true",
                checked_by: r.get(7)?,
                checked_at: r.get(8)?,
            })
        })?
        .collect::<duckdb::Result<_>>()?;
    // As the server would record it: an importer with a jurisdiction ticks now, as itself.
    let stamp = by.jurisdiction.map(|_| {
        (
            by.user.unwrap_or_default(),
            by.now
                .unwrap_or_else(|| chrono::Utc::now().naive_utc())
                .with_nanosecond(0)
                .expect("a whole second"),
        )
    });
    let mut plans: BTreeMap<String, kpi_api::plan::PlanView> = BTreeMap::new();
    let (mut inserted, mut updated) = (0u64, 0u64);
    let mut unchanged: Vec<i64> = Vec::new();
    let mut stamped: Vec<(i64, bool)> = Vec::new();
    for row in &rows {
        if !plans.contains_key(&row.plan_id) {
            // A plan outside the jurisdiction reads as one that does not exist.
            let missing = || {
                at(
                    name,
                    row.line,
                    "plan_id",
                    format!(
                        "no plan '{}'{} (import its plans file first)",
                        row.plan_id,
                        by.jurisdiction
                            .map(|h| format!(" under {h}"))
                            .unwrap_or_default()
                    ),
                )
            };
            let view = match super::load(conn, &row.plan_id, row.checked_at.date()) {
                Ok(view) => view,
                Err(Error::NotFound(_)) => return Err(missing()),
                Err(e) => return Err(e),
            };
            if let Some(home) = by.jurisdiction {
                if !is_under(conn, home, &view.unit)? {
                    return Err(missing());
                }
            }
            plans.insert(row.plan_id.clone(), view);
        }
        let view = &plans[&row.plan_id];
        let Some(tactic) = view.tactics.iter().find(|t| t.id == row.tactic_id) else {
            return Err(at(
                name,
                row.line,
                "tactic_id",
                format!("plan {} has no tactic '{}'", row.plan_id, row.tactic_id),
            ));
        };
        if !tactic.due_in(row.week) {
            return Err(at(
                name,
                row.line,
                "week",
                format!(
                    "tactic {} of plan {} is not due in week {}",
                    row.tactic_id, row.plan_id, row.week
                ),
            ));
        }
        if row.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(at(name, row.line, "note", "at most 2,000 characters"));
        }
        let stored = view
            .checkins
            .iter()
            .find(|c| c.check_in.tactic == row.tactic_id && c.check_in.week == row.week);
        if stored.is_some() {
            updated += 1;
        } else {
            inserted += 1;
        }
        let (day, file_late) = match stamp {
            Some((user, now)) => {
                if stored
                    .is_some_and(|c| c.check_in.done == row.done && c.check_in.note == row.note)
                {
                    unchanged.push(row.line);
                    continue;
                }
                if row.checked_by != user {
                    return Err(at(
                        name,
                        row.line,
                        "checked_by",
                        format!(
                            "'{}': a check-in you import is recorded as given by you ({user}), as a tick in the app is",
                            row.checked_by
                        ),
                    ));
                }
                (now.date(), None)
            }
            None => (row.checked_at.date(), Some(row.late)),
        };
        let column = if stamp.is_some() {
            "week"
        } else {
            "checked_at"
        };
        let late = plan::check_in_lateness(view.start, row.week, day)
            .map_err(|m| at(name, row.line, column, format!("given on {day}: {m}")))?;
        match file_late {
            Some(said) if said != late => {
                let (monday, sunday) = week_days(view.start, row.week);
                return Err(at(
                    name,
                    row.line,
                    "late",
                    format!(
                        "'{said}', but a check-in for week {} given on {day} is {} (week {} runs {monday} to {sunday})",
                        row.week,
                        if late { "late" } else { "on time" },
                        row.week
                    ),
                ));
            }
            Some(_) => {}
            None => stamped.push((row.line, late)),
        }
    }
    if let Some((user, now)) = stamp {
        // The file's rows become what the server records, before the one statement below.
        let mut drop_line = conn.prepare("DELETE FROM temp.staging WHERE line = ?")?;
        for line in &unchanged {
            drop_line.execute([line])?;
        }
        let mut restamp = conn.prepare(
            "UPDATE temp.staging SET checked_by = ?, checked_at = ?, late = ? WHERE line = ?",
        )?;
        let at = now.format("%Y-%m-%d %H:%M:%S").to_string();
        for (line, late) in &stamped {
            restamp.execute(duckdb::params![user, at, late.to_string(), line])?;
        }
    }
    // Checked: one statement writes the answers that are new or differ, each with the revision
    // after the stored one's.
    conn.execute_batch(&format!(
        "INSERT INTO main.plan_checkins
           SELECT s.plan_id, s.tactic_id, s.week, s.done, s.note, s.late,
                  coalesce(c.revision, 0) + 1, s.checked_by, s.checked_at
           FROM (SELECT plan_id, tactic_id, week, done = 'true' AS done, note, late = 'true' AS late,
                        checked_by, checked_at FROM ({typed})) s
           LEFT JOIN main.plan_checkins c
             ON c.plan_id = s.plan_id AND c.tactic_id = s.tactic_id AND c.week = s.week
           WHERE c.plan_id IS NULL
              OR c.done <> s.done OR c.note IS DISTINCT FROM s.note OR c.late <> s.late
              OR c.by_user <> s.checked_by OR c.given_at <> s.checked_at
         ON CONFLICT (plan_id, tactic_id, week) DO UPDATE SET
           done = excluded.done, note = excluded.note, late = excluded.late,
           revision = excluded.revision, by_user = excluded.by_user, given_at = excluded.given_at",
        typed = typed_select(spec)
    ))?;
    Ok((inserted, updated))
}

/// The ids of the plans of `units`, oldest first (then by id): the order of the export files.
pub fn plan_ids(conn: &Connection, units: &[String]) -> Result<Vec<String>> {
    let all: Vec<(String, String)> = conn
        .prepare("SELECT id, unit_id FROM main.plans ORDER BY start, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<duckdb::Result<_>>()?;
    Ok(all
        .into_iter()
        .filter(|(_, unit)| units.contains(unit))
        .map(|(id, _)| id)
        .collect())
}

/// Every unit under `unit` (itself included), or every unit: the command line's reach.
pub fn units_under(conn: &Connection, unit: Option<&str>) -> Result<Vec<String>> {
    let units: Vec<String> = conn
        .prepare(
            "SELECT unit_id FROM main.unit_closure
             WHERE CAST($1 AS VARCHAR) IS NULL AND depth = 0 OR ancestor_id = CAST($1 AS VARCHAR)",
        )?
        .query_map([unit], |r| r.get(0))?
        .collect::<duckdb::Result<_>>()?;
    match unit {
        Some(u) if units.is_empty() => Err(Error::bad_parameter(
            "unit",
            format!("no unit with id '{u}'"),
        )),
        _ => Ok(units),
    }
}

/// The two export files of plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanFile {
    Plans,
    CheckIns,
}

impl PlanFile {
    pub const ALL: [PlanFile; 2] = [PlanFile::Plans, PlanFile::CheckIns];

    /// Its name: the file's stem and its import kind (`plans`, `plan_checkins`).
    pub fn name(self) -> &'static str {
        match self {
            PlanFile::Plans => "plans",
            PlanFile::CheckIns => "plan_checkins",
        }
    }

    pub fn parse(name: &str) -> Option<PlanFile> {
        PlanFile::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The file of the plans `ids`, in that order.
    pub fn write(self, conn: &Connection, ids: &[String]) -> Result<String> {
        match self {
            PlanFile::Plans => plans_csv(conn, ids),
            PlanFile::CheckIns => checkins_csv(conn, ids),
        }
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(mut out: csv::Writer<Vec<u8>>) -> Result<String> {
    out.flush()?;
    let bytes = out
        .into_inner()
        .map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

fn csv_error(e: csv::Error) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

/// The plans file of the plans `ids`, in that order.
fn plans_csv(conn: &Connection, ids: &[String]) -> Result<String> {
    let mut out = writer();
    out.write_record(PLAN_FILE_COLUMNS).map_err(csv_error)?;
    let mut stmt = conn.prepare(
        "SELECT p.id, p.unit_id, p.title, p.owner, CAST(p.start AS VARCHAR), g.goal_no, g.title,
                g.kpi_id, g.target, t.tactic_id, t.title, t.owner, v.seq, v.from_week, v.due,
                v.made_by, strftime(v.made_at, '%Y-%m-%d %H:%M:%S')
         FROM main.plans p
         JOIN main.plan_tactics t ON t.plan_id = p.id
         JOIN main.plan_goals g ON g.plan_id = p.id AND g.goal_no = t.goal_no
         JOIN main.plan_tactic_versions v ON v.plan_id = p.id AND v.tactic_id = t.tactic_id
         WHERE p.id = ?
         ORDER BY CAST(substr(t.tactic_id, 2) AS INTEGER), v.seq",
    )?;
    for id in ids {
        let rows: Vec<[String; 17]> = stmt
            .query_map([id], |r| {
                let due: Option<String> = r.get(14)?;
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, i32>(5)?.to_string(),
                    r.get(6)?,
                    r.get(7)?,
                    r.get::<_, f64>(8)?.to_string(),
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get::<_, i32>(12)?.to_string(),
                    r.get::<_, i32>(13)?.to_string(),
                    due.unwrap_or_default(),
                    r.get(15)?,
                    r.get(16)?,
                ])
            })?
            .collect::<duckdb::Result<_>>()?;
        for mut row in rows {
            let stored = Some(row[14].as_str()).filter(|d| !d.is_empty());
            row[14] = schedule_text(super::stored_due(id, stored)?.as_ref());
            out.write_record(&row).map_err(csv_error)?;
        }
    }
    finish(out)
}

/// The check-ins file of the plans `ids`, in that order, each plan's by week and tactic.
fn checkins_csv(conn: &Connection, ids: &[String]) -> Result<String> {
    let mut out = writer();
    out.write_record(CHECKIN_FILE_COLUMNS).map_err(csv_error)?;
    let mut stmt = conn.prepare(
        "SELECT plan_id, tactic_id, week, done, note, late, by_user,
                strftime(given_at, '%Y-%m-%d %H:%M:%S')
         FROM main.plan_checkins WHERE plan_id = ?
         ORDER BY week, CAST(substr(tactic_id, 2) AS INTEGER)",
    )?;
    for id in ids {
        let rows: Vec<[String; 8]> = stmt
            .query_map([id], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, i32>(2)?.to_string(),
                    r.get::<_, bool>(3)?.to_string(),
                    r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    r.get::<_, bool>(5)?.to_string(),
                    r.get(6)?,
                    r.get(7)?,
                ])
            })?
            .collect::<duckdb::Result<_>>()?;
        for row in rows {
            out.write_record(&row).map_err(csv_error)?;
        }
    }
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tactic_ids_are_t_and_a_number_from_one() {
        assert_eq!(tactic_no("t1"), Some(1));
        assert_eq!(tactic_no("t12"), Some(12));
        for bad in ["t0", "t01", "t", "x1", "t1a", "T1", ""] {
            assert_eq!(tactic_no(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_import_specs_read_the_columns_the_exports_write() {
        let columns = |table: &str| -> Vec<&str> {
            crate::tables::spec(table)
                .unwrap()
                .columns
                .iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(columns("plans"), PLAN_FILE_COLUMNS);
        assert_eq!(columns("plan_checkins"), CHECKIN_FILE_COLUMNS);
    }
}

#[cfg(test)]
mod file_tests {
    use std::sync::Arc;

    use chrono::{NaiveDate, NaiveDateTime};
    use kpi_api::plan::{CheckInRequest, Due, NewGoal, NewPlan, NewTactic, TacticAdd};

    use crate::state::AppState;
    use crate::testkit::{tiny_state, write};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    /// A plan for d1-x from Monday 2021-03-01, a tactic added in week 5, and some check-ins
    /// (one of them late, one rewritten).
    fn a_plan(state: &AppState) -> String {
        let new = NewPlan {
            unit: "d1-x".to_string(),
            title: "Faster, on time".to_string(),
            start: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            goals: vec![
                NewGoal {
                    title: "On time".to_string(),
                    kpi: "appeal_on_time_share".to_string(),
                    target: 95.0,
                    tactics: vec![
                        NewTactic {
                            title: "Monday review, with the desk".to_string(),
                            owner: "Deputy head".to_string(),
                            due: Due::Weekly,
                        },
                        NewTactic {
                            title: "Reply \"templates\"".to_string(),
                            owner: "Chief specialist".to_string(),
                            due: Due::Once { week: 2 },
                        },
                    ],
                },
                NewGoal {
                    title: "Satisfied residents".to_string(),
                    kpi: "resident_satisfaction_share".to_string(),
                    target: 80.5,
                    tactics: vec![NewTactic {
                        title: "Call back".to_string(),
                        owner: "Specialist".to_string(),
                        due: Due::Weeks {
                            weeks: vec![2, 4, 6],
                        },
                    }],
                },
            ],
        };
        state
            .db
            .with(|c| {
                let id = crate::plans::create(
                    c,
                    &new,
                    "head",
                    (&|_| true, kpi_api::calendar::Calendar::Gregorian),
                    at("2021-02-26 10:00:00"),
                )?;
                let tick = |tactic: &str, week, done, note: Option<&str>, revision, now| {
                    let request = CheckInRequest {
                        done,
                        note: note.map(str::to_string),
                        revision,
                    };
                    crate::plans::check_in(c, &id, tactic, week, &request, "head", at(now))
                };
                tick(
                    "t1",
                    1,
                    true,
                    Some("done, with notes"),
                    0,
                    "2021-03-05 12:00:00",
                )?;
                tick("t1", 2, false, None, 0, "2021-03-16 08:00:00")?;
                tick("t2", 2, true, None, 0, "2021-03-12 12:00:00")?;
                tick("t2", 2, false, Some("undone"), 1, "2021-03-12 13:00:00")?;
                tick("t3", 2, true, None, 0, "2021-03-12 12:30:00")?;
                crate::plans::add_tactic(
                    c,
                    &id,
                    &TacticAdd {
                        goal: 2,
                        title: "Added in week 5".to_string(),
                        owner: "Head".to_string(),
                        due: Due::Weekly,
                    },
                    "head",
                    at("2021-03-29 09:00:00"),
                )?;
                tick("t4", 5, true, None, 0, "2021-04-02 12:00:00")?;
                Ok(id)
            })
            .unwrap()
    }

    fn export(state: &AppState) -> (String, String) {
        state
            .db
            .with(|c| {
                let ids = super::plan_ids(c, &super::units_under(c, None)?)?;
                Ok((super::plans_csv(c, &ids)?, super::checkins_csv(c, &ids)?))
            })
            .unwrap()
    }

    fn import(
        state: &Arc<AppState>,
        dir: &std::path::Path,
        name: &str,
        text: &str,
    ) -> crate::Result<kpi_api::ImportReport> {
        let path = write(dir, name, text);
        state.import(&path, name)
    }

    #[test]
    fn an_export_imports_elsewhere_and_exports_again_byte_for_byte() {
        let (a, dir) = tiny_state();
        a_plan(&a);
        let (plans, checkins) = export(&a);
        assert_eq!(plans.lines().count(), 1 + 4, "{plans}");
        assert!(
            plans.contains("\"Monday review, with the desk\""),
            "{plans}"
        );
        assert!(plans.contains(",weeks 2 4 6,"), "{plans}");
        assert!(plans.contains(",80.5,"), "{plans}");
        assert!(
            checkins.contains("t1,2,false,,true,head,2021-03-16 08:00:00"),
            "a late check-in: {checkins}"
        );
        let (b, _) = tiny_state();
        let report = import(&b, dir.path(), "plans.csv", &plans).unwrap();
        assert_eq!(
            (report.table.as_str(), report.inserted, report.updated),
            ("plans", 4, 0)
        );
        let report = import(&b, dir.path(), "plan_checkins.csv", &checkins).unwrap();
        assert_eq!((report.inserted, report.updated), (5, 0));
        assert_eq!(export(&b), (plans.clone(), checkins.clone()));
        // The scores are the same on both sides.
        let score = |s: &AppState| {
            s.db.with(|c| {
                crate::plans::load(
                    c,
                    "d1-x-2021-03-01",
                    NaiveDate::from_ymd_opt(2021, 4, 3).unwrap(),
                )
            })
            .unwrap()
            .scores
        };
        assert_eq!(score(&a), score(&b));
        // Imported back where it came from, it changes nothing, not even a revision.
        let before =
            a.db.with(|c| {
                crate::plans::load(
                    c,
                    "d1-x-2021-03-01",
                    NaiveDate::from_ymd_opt(2021, 4, 3).unwrap(),
                )
            })
            .unwrap();
        import(&a, dir.path(), "again-plans.csv", &plans).unwrap();
        let report = import(&a, dir.path(), "again-checkins.csv", &checkins).unwrap();
        assert_eq!((report.inserted, report.updated), (0, 5));
        let after =
            a.db.with(|c| {
                crate::plans::load(
                    c,
                    "d1-x-2021-03-01",
                    NaiveDate::from_ymd_opt(2021, 4, 3).unwrap(),
                )
            })
            .unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn a_changed_answer_in_a_file_gets_the_next_revision() {
        let (state, dir) = tiny_state();
        let id = a_plan(&state);
        let (_, checkins) = export(&state);
        let changed = checkins.replace(
            "t3,2,true,,false,head,2021-03-12 12:30:00",
            "t3,2,false,Redone by the desk,false,desk,2021-03-12 15:30:00",
        );
        assert_ne!(changed, checkins);
        import(&state, dir.path(), "fixed.csv", &changed).unwrap();
        let view = state
            .db
            .with(|c| crate::plans::load(c, &id, NaiveDate::from_ymd_opt(2021, 4, 3).unwrap()))
            .unwrap();
        let t3 = view
            .checkins
            .iter()
            .find(|c| c.check_in.tactic == "t3")
            .unwrap();
        assert_eq!(
            (t3.revision, t3.check_in.done, t3.by.as_str()),
            (2, false, "desk")
        );
        assert_eq!(t3.check_in.note.as_deref(), Some("Redone by the desk"));
    }

    #[test]
    fn a_refused_plan_file_says_where_and_why_and_changes_nothing() {
        let (state, dir) = tiny_state();
        a_plan(&state);
        let (plans, checkins) = export(&state);
        let header = plans.lines().next().unwrap().to_string();
        let rows: Vec<&str> = plans.lines().skip(1).collect();
        let new_plan = |rows: &[String]| format!("{header}\n{}\n", rows.join("\n"));
        let row = |plan: &str, tactic: &str, version: u32, from: u32, due: &str, goal: u32| {
            format!("{plan},d2-y,Other plan,head,2021-03-01,{goal},Goal,appeal_on_time_share,90,{tactic},Do it,Someone,{version},{from},{due},head,2021-02-26 10:00:00")
        };
        let cases: Vec<(String, &str)> = vec![
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 1), row("p2", "t2", 1, 1, "fortnightly", 1)]),
                "x.csv, line 3, column due: 'fortnightly' is not a schedule",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 1), row("p2", "t3", 1, 1, "weekly", 1)]),
                "x.csv, line 2, column tactic_id: the tactics of plan p2 (t1, t2, ...) are numbered 1, 3",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 1), row("p2", "t1", 2, 5, "weekly", 2)]),
                "x.csv, line 3, column goal_no: '2' differs from line 2 ('1'): every row of tactic t1 of plan p2 gives the same goal_no",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 2)]),
                "x.csv, line 2, column goal_no: the goals of plan p2 are numbered 2",
            ),
            (
                new_plan(&[row("p2", "t1", 2, 1, "weekly", 1)]),
                "x.csv, line 2, column version: the versions of tactic t1 of plan p2 are numbered 2",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "week 13", 1)]),
                "x.csv, line 2, column due: week 13 is not a week of the plan",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 1).replace("appeal_on_time_share", "no_such_kpi")]),
                "x.csv, line 2, column kpi_id: no KPI with id 'no_such_kpi'",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 1).replace("2021-03-01", "2021-03-02")]),
                "x.csv, line 2, column start: a plan starts on the first day of its unit's week (a Monday; a Saturday in Iran)",
            ),
            (
                new_plan(&[row("p2", "t1", 1, 1, "weekly", 1).replace("d2-y", "atlantis")]),
                "x.csv, line 2, column unit_id: unit 'atlantis' is not in the org tree",
            ),
            // The stored plan loses a tactic that has check-ins.
            (
                format!("{header}\n{}\n", rows.iter().filter(|r| !r.contains(",t4,")).copied().collect::<Vec<_>>().join("\n")),
                "plan d1-x-2021-03-01 has a check-in stored for tactic t4 in week 5, but the file has no tactic t4",
            ),
            // ... or one stops being due in a week answered.
            (
                plans.replace(",weeks 2 4 6,", ",weeks 4 6,"),
                "tactic t3 of plan d1-x-2021-03-01 would no longer be due in week 2, which has a check-in stored",
            ),
            (
                plans.replace("d1-x,Faster, on time", "d2-y,Faster, on time").replace("d1-x,\"Faster, on time\"", "d2-y,\"Faster, on time\""),
                "plan d1-x-2021-03-01 is stored for unit 'd1-x'",
            ),
        ];
        for (text, expected) in cases {
            let err = import(&state, dir.path(), "x.csv", &text)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "{err}\n  should say: {expected}\n{text}"
            );
        }
        let ck_header = checkins.lines().next().unwrap();
        let ck = |row: &str| format!("{ck_header}\n{row}\n");
        for (text, expected) in [
            (ck("nowhere,t1,1,true,,false,head,2021-03-05 12:00:00"), "x.csv, line 2, column plan_id: no plan 'nowhere' (import its plans file first)"),
            (ck("d1-x-2021-03-01,t9,1,true,,false,head,2021-03-05 12:00:00"), "column tactic_id: plan d1-x-2021-03-01 has no tactic 't9'"),
            (ck("d1-x-2021-03-01,t2,3,true,,false,head,2021-03-19 12:00:00"), "column week: tactic t2 of plan d1-x-2021-03-01 is not due in week 3"),
            (ck("d1-x-2021-03-01,t1,3,true,,false,head,2021-03-23 12:00:00"), "column late: 'false', but a check-in for week 3 given on 2021-03-23 is late (week 3 runs 2021-03-15 to 2021-03-21)"),
            (ck("d1-x-2021-03-01,t1,3,true,,false,head,2021-03-12 12:00:00"), "column checked_at: given on 2021-03-12: week 3 has not begun"),
            (ck("d1-x-2021-03-01,t1,3,true,,true,head,2021-06-12 12:00:00"), "column checked_at: given on 2021-06-12: the plan's review week is over"),
            (ck("d1-x-2021-03-01,t1,3,maybe,,false,head,2021-03-19 12:00:00"), "column done: 'maybe' is not one of true, false"),
        ] {
            let err = import(&state, dir.path(), "x.csv", &text).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}\n  should say: {expected}");
        }
        assert_eq!(export(&state), (plans, checkins), "nothing changed");
    }
}
