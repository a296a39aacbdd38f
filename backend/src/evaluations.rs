//! Evaluations of unit heads and staff: a scheme file beside the KPIs
//! (`queries/evaluations/<id>.json`) names the KPIs, their weights, the period and how each value
//! is scored against its target; the scorecards show every step from the data to the total.
//!
//! Heads are judged on their unit's KPIs (every row under the unit); staff on the appeals they
//! answered ([`Scope::StaffOf`](crate::kpi::Scope::StaffOf)). A value resting on fewer rows than
//! the scheme's `min_rows` is not scored, and the total is the weighted mean of what was scored.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use kpi_api::evaluation::{
    score, Evaluation, Scheme, SchemeKpi, ScoreLine, Scorecard, Scoring, Subjects, Unscored,
};
use kpi_api::{Direction, Grain, KpiDef, KpiLoadError, Measure, Unit};
use serde::Deserialize;

use crate::auth::{Access, Parents, Reach};
use crate::boards::{evaluate_groups, Groups};
use crate::error::{Error, Result};
use crate::kpi::{self, Cell, Parts, Periods};
use crate::policy::Action;
use crate::state::AppState;

/// The folder of scheme files, beside the KPI files.
pub const DIR: &str = "evaluations";

/// Without `min_rows`, a value on fewer than this many rows is not scored.
const DEFAULT_MIN_ROWS: u32 = 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeFile {
    title: String,
    #[serde(default)]
    description: String,
    subjects: Subjects,
    /// None: every reader's own unit.
    unit: Option<String>,
    period: String,
    min_rows: Option<u32>,
    kpis: Vec<KpiFile>,
    /// `{"ru": {"title": ..., "description": ...}, "fa": ...}`
    #[serde(default)]
    translations: kpi_api::Translations,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiFile {
    kpi: String,
    weight: f64,
    #[serde(default)]
    scoring: Scoring,
    floor: Option<f64>,
    target: Option<f64>,
}

/// What loading a scheme needs to know of a KPI: its definition and the tables it reads.
pub type KpiLookup<'a> = &'a dyn Fn(&str) -> Option<(KpiDef, Vec<String>)>;

/// Reads every `dir/evaluations/*.json`; a scheme with a mistake is reported with its file (and
/// line, for a JSON error) and left out, the others load.
pub fn load(
    dir: &Path,
    kpis: KpiLookup,
    known_unit: &dyn Fn(&str) -> bool,
) -> (Vec<Scheme>, Vec<KpiLoadError>) {
    let mut schemes = Vec::new();
    let mut errors = Vec::new();
    for (path, id, name) in kpi::json_files(&dir.join(DIR)) {
        let file = format!("{DIR}/{name}");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                errors.push(kpi::load_error(&file, None, format!("cannot read: {e}")));
                continue;
            }
        };
        match parse(&id, &text, kpis, known_unit) {
            Ok(scheme) => schemes.push(scheme),
            Err((line, message)) => errors.push(kpi::load_error(&file, line, message)),
        }
    }
    (schemes, errors)
}

/// One scheme file's text, checked: Err((line, message)).
pub fn parse(
    id: &str,
    text: &str,
    kpis: KpiLookup,
    known_unit: &dyn Fn(&str) -> bool,
) -> std::result::Result<Scheme, (Option<u32>, String)> {
    let f: SchemeFile =
        serde_json::from_str(text).map_err(|e| (Some(e.line() as u32), e.to_string()))?;
    let fail = |m: String| Err((None, m));
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return fail(format!(
            "the file name '{id}' must be lower-case letters, digits, '_' or '-'"
        ));
    }
    let period = match Grain::parse(&f.period) {
        Some(g) if g != Grain::Week => g,
        _ => {
            return fail(format!(
                "period '{}' is not one of month, quarter, year",
                f.period
            ))
        }
    };
    if let Some(unit) = f.unit.as_deref().filter(|u| !known_unit(u)) {
        return fail(format!("no unit '{unit}' in the org tree"));
    }
    if f.kpis.is_empty() {
        return fail("kpis is empty: name at least one KPI with its weight".into());
    }
    let total: f64 = f.kpis.iter().map(|k| k.weight).sum();
    let mut seen = BTreeSet::new();
    let mut lines = Vec::new();
    for k in &f.kpis {
        let Some((def, tables)) = kpis(&k.kpi) else {
            return fail(format!("KPI '{}' is not loaded", k.kpi));
        };
        if !seen.insert(k.kpi.clone()) {
            return fail(format!("KPI '{}' is named twice", k.kpi));
        }
        if !(k.weight.is_finite() && k.weight > 0.0) {
            return fail(format!(
                "KPI '{}': the weight must be a number above 0",
                k.kpi
            ));
        }
        if f.subjects == Subjects::Staff {
            let per_employee = ["appeals", "periods", "groups"];
            if let Some(other) = tables.iter().find(|t| !per_employee.contains(&t.as_str())) {
                return fail(format!(
                    "KPI '{}' reads {other}; staff are judged on the appeals they answered, so a staff scheme takes KPIs over appeals only",
                    k.kpi
                ));
            }
        }
        if k.scoring == Scoring::Linear {
            let Some(floor) = k.floor else {
                return fail(format!(
                    "KPI '{}': linear scoring needs a floor, the value that scores 0",
                    k.kpi
                ));
            };
            if let Some(target) = k.target.or(def.target) {
                if !worse(def.direction, floor, target) {
                    return fail(format!(
                        "KPI '{}': the floor {floor} must be worse than the target {target} ({} is better)",
                        k.kpi,
                        match def.direction {
                            Direction::Higher => "higher",
                            Direction::Lower => "lower",
                        }
                    ));
                }
            }
        }
        lines.push(SchemeKpi {
            kpi: k.kpi.clone(),
            title: def.title.clone(),
            measure: def.measure,
            direction: def.direction,
            weight: k.weight / total * 100.0,
            scoring: k.scoring,
            floor: k.floor,
            target: k.target,
        });
    }
    Ok(Scheme {
        id: id.to_string(),
        title: f.title,
        description: f.description,
        subjects: f.subjects,
        unit: f.unit,
        period,
        min_rows: f.min_rows.unwrap_or(DEFAULT_MIN_ROWS),
        kpis: lines,
        translations: f.translations,
    })
}

/// `a` is strictly worse than `b` for a KPI of `direction`.
fn worse(direction: Direction, a: f64, b: f64) -> bool {
    !direction.meets(a, b)
}

/// The rows behind a cell and its 95% interval, as far as the KPI says.
fn support(def: &KpiDef, cell: &Cell) -> (Option<f64>, Option<(f64, f64)>) {
    match cell.parts {
        Parts::Ratio {
            numerator,
            denominator,
        } => {
            let interval = (def.measure == Measure::Percent)
                .then(|| kpi_stats::league::wilson(numerator, denominator, 0.95))
                .flatten()
                .map(|(l, h)| (l * 100.0, h * 100.0));
            (Some(denominator), interval)
        }
        Parts::Spread { n, low, high } => (Some(n), Some((low, high))),
        Parts::None => (None, None),
    }
}

/// Scores one KPI of one scorecard; `in_force` is the target in force for the subject's unit and
/// its source in words.
pub fn line(
    k: &SchemeKpi,
    def: &KpiDef,
    cell: Option<&Cell>,
    in_force: (Option<f64>, String),
    min_rows: u32,
) -> ScoreLine {
    let (target, target_source) = match k.target {
        Some(t) => (Some(t), "the scheme".to_string()),
        None => in_force,
    };
    let value = cell.and_then(|c| c.value);
    let (rows, interval) = cell.map(|c| support(def, c)).unwrap_or((None, None));
    let why = if value.is_none() {
        Some(Unscored::NoData)
    } else if rows.is_some_and(|n| n < f64::from(min_rows)) {
        Some(Unscored::TooFewRows {
            rows: rows.unwrap_or_default(),
            min_rows,
        })
    } else if target.is_none() {
        Some(Unscored::NoTarget)
    } else if k.scoring == Scoring::Linear
        && !k
            .floor
            .zip(target)
            .is_some_and(|(f, t)| worse(k.direction, f, t))
    {
        Some(Unscored::FloorNotWorse {
            floor: k.floor.unwrap_or_default(),
            target: target.unwrap_or_default(),
        })
    } else {
        None
    };
    let unscored = why.map(Unscored::english);
    let score = match (&unscored, value, target) {
        (None, Some(v), Some(t)) => score(k.scoring, k.direction, v, t, k.floor),
        _ => None,
    };
    ScoreLine {
        kpi: k.kpi.clone(),
        value,
        rows,
        low: interval.map(|i| i.0),
        high: interval.map(|i| i.1),
        target,
        target_source,
        floor: k.floor,
        score,
        weight: k.weight,
        points: None,
        unscored,
        unscored_why: why,
    }
}

/// Totals a scorecard: each scored line's points are its score times its weight among the
/// scored lines; no total when under half the weight was scored.
pub fn total(lines: &mut [ScoreLine]) -> (Option<f64>, f64) {
    let scored: f64 = lines
        .iter()
        .filter(|l| l.score.is_some())
        .map(|l| l.weight)
        .sum();
    if scored <= 0.0 {
        return (None, 0.0);
    }
    for l in lines.iter_mut() {
        l.points = l.score.map(|s| s * l.weight / scored);
    }
    let sum: f64 = lines.iter().filter_map(|l| l.points).sum();
    ((scored >= 50.0 - 1e-9).then_some(sum), scored)
}

/// Ranks by total, best first (equal totals share a rank); the rest after, by name.
pub fn rank(cards: &mut [Scorecard]) {
    cards.sort_by(|a, b| match (a.total, b.total) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.subject.cmp(&b.subject)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.subject.cmp(&b.subject),
    });
    let mut previous: Option<(f64, u32)> = None;
    for (i, card) in cards.iter_mut().enumerate() {
        card.rank = card.total.map(|t| {
            let r = match previous {
                Some((p, r)) if (p - t).abs() < 1e-9 => r,
                _ => i as u32 + 1,
            };
            previous = Some((t, r));
            r
        });
    }
}

/// The schemes the caller may open, each at the unit they would see it at (see [`unit_of`]).
pub fn readable(state: &AppState, access: &Access) -> Vec<Scheme> {
    let catalog = state.catalog();
    let units = state.units();
    catalog
        .evaluations
        .iter()
        .filter_map(|s| {
            let unit = unit_of(state, access, s, None).ok()?;
            // Heads of the units below a unit that has none: nobody to evaluate.
            let heads = units
                .iter()
                .any(|u| u.parent_id.as_deref() == Some(unit.id.as_str()));
            if s.subjects == Subjects::Heads && !heads {
                return None;
            }
            let mut s = s.clone();
            s.unit = Some(unit.id);
            Some(s)
        })
        .collect()
}

fn may_read(access: &Access, scheme: &Scheme) -> Result<()> {
    match scheme.subjects {
        Subjects::Staff => access.may(Action::ReadStaffScorecards),
        Subjects::Heads => Ok(()),
    }
}

/// The unit a scheme is read at: `asked`, or the scheme's own unit, or, for a reader whose
/// jurisdiction lies under it (or any reader of a scheme for every unit), their home (an admin's:
/// the first region). It must be the scheme's unit or under it, and wholly inside the reader's
/// jurisdiction (a head's scorecard from part of their unit would be wrong).
pub fn unit_of(
    state: &AppState,
    access: &Access,
    scheme: &Scheme,
    asked: Option<&str>,
) -> Result<Unit> {
    may_read(access, scheme)?;
    let units = state.units();
    let parents = Parents::of(&units);
    let home = || {
        access.home.clone().or_else(|| {
            units
                .iter()
                .find(|u| u.parent_id.is_none())
                .map(|u| u.id.clone())
        })
    };
    let id = match (asked, &scheme.unit) {
        (Some(id), _) => id.to_string(),
        (None, None) => home().ok_or_else(|| Error::bad_parameter("unit", "required"))?,
        (None, Some(covers)) => match access.reach(&units, covers) {
            Reach::Inside => covers.clone(),
            _ => home()
                .filter(|home| parents.is_within(home, covers))
                .ok_or_else(|| {
                    Error::Forbidden(format!(
                        "evaluation '{}' covers {covers}, which is outside your jurisdiction",
                        scheme.id
                    ))
                })?,
        },
    };
    let unit = state.unit_for(access, &id)?;
    if let Some(covers) = scheme
        .unit
        .as_deref()
        .filter(|c| !parents.is_within(&unit.id, c))
    {
        return Err(Error::bad_parameter(
            "unit",
            format!(
                "{} is not {covers} or under it; evaluation '{}' covers {covers}",
                unit.id, scheme.id
            ),
        ));
    }
    if access.reach(&units, &unit.id) != Reach::Inside {
        return Err(Error::Forbidden(format!(
            "the scorecards of {} need all of its rows; your jurisdiction covers part of it",
            unit.id
        )));
    }
    Ok(unit)
}

/// The period a scheme covers: the one of its grain that starts on or before `from`, or the last
/// whole one with data.
pub fn period_of(
    state: &AppState,
    scheme: &Scheme,
    from: Option<NaiveDate>,
) -> (NaiveDate, NaiveDate) {
    let grain = scheme.period;
    let start = match from {
        Some(day) => grain.start_of(day),
        None => {
            let end = state
                .data_range()
                .1
                .unwrap_or_else(|| chrono::Local::now().date_naive());
            let current = grain.start_of(end);
            if end.succ_opt() == Some(grain.next(current)) {
                current
            } else {
                grain.start_of(current.pred_opt().unwrap_or(current))
            }
        }
    };
    let end = grain.next(start).pred_opt().unwrap_or(start);
    (start, end)
}

/// The scorecards of `scheme` at `unit` over `from..=to`, from the caller's rows.
pub async fn evaluate(
    state: &Arc<AppState>,
    access: &Access,
    scheme: &Scheme,
    unit: Unit,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<Evaluation> {
    may_read(access, scheme)?;
    let catalog = state.catalog();
    let jurisdiction = access.jurisdiction();
    let periods = Periods::whole(from, to);
    let groups = match scheme.subjects {
        Subjects::Heads => Groups::ChildrenOf(unit.id.clone()),
        Subjects::Staff => Groups::StaffOf(unit.id.clone()),
    };
    let kpis: Vec<kpi::Kpi> = scheme
        .kpis
        .iter()
        .map(|k| {
            catalog
                .kpis
                .get(&k.kpi)
                .cloned()
                .ok_or_else(|| Error::NotFound(format!("KPI '{}' is no longer loaded", k.kpi)))
        })
        .collect::<Result<_>>()?;
    // The KPIs at once, each on its own worker.
    let answers = futures_util::future::join_all(kpis.iter().map(|kpi| {
        evaluate_groups(
            state,
            kpi.clone(),
            groups.clone(),
            periods.clone(),
            &jurisdiction,
        )
    }))
    .await;
    let mut evaluated = Vec::new();
    for ((k, kpi), cells) in scheme.kpis.iter().zip(&kpis).zip(answers) {
        evaluated.push((k, kpi.def.clone(), cells?));
    }
    let units = state.units();
    // Who is evaluated: the children the caller may see, or every employee with answers.
    let subjects: Vec<(String, Unit, Option<String>)> = match scheme.subjects {
        Subjects::Heads => units
            .iter()
            .filter(|u| u.parent_id.as_deref() == Some(unit.id.as_str()))
            .filter(|u| access.reach(&units, &u.id) == Reach::Inside)
            .map(|u| (u.id.clone(), u.clone(), None))
            .collect(),
        Subjects::Staff => {
            let groups: BTreeSet<&str> = evaluated
                .iter()
                .flat_map(|(_, _, cells)| cells.iter().map(|c| c.grp.as_str()))
                .collect();
            groups
                .into_iter()
                .filter_map(|grp| {
                    let (dept, employee) = kpi::staff_group(grp)?;
                    let dept = units.iter().find(|u| u.id == dept)?;
                    Some((grp.to_string(), dept.clone(), Some(employee.to_string())))
                })
                .collect()
        }
    };
    let mut cards: Vec<Scorecard> = subjects
        .into_iter()
        .map(|(grp, subject_unit, employee)| {
            let mut lines: Vec<ScoreLine> = evaluated
                .iter()
                .map(|(k, def, cells)| {
                    let cell = cells.iter().find(|c| c.grp == grp);
                    let in_force = state.judge(def, &subject_unit.id, to, None).1;
                    let source = match (&in_force.note, in_force.target) {
                        (_, None) => String::new(),
                        (Some(note), _) => note.clone(),
                        (None, Some(_)) => format!("the KPI file {}", def.file),
                    };
                    line(k, def, cell, (in_force.target, source), scheme.min_rows)
                })
                .collect();
            let (total, scored_weight) = total(&mut lines);
            Scorecard {
                subject: match &employee {
                    Some(name) => name.clone(),
                    None => format!("Head of {}", subject_unit.name),
                },
                unit: subject_unit,
                employee,
                lines,
                total,
                scored_weight,
                rank: None,
            }
        })
        .collect();
    rank(&mut cards);
    Ok(Evaluation {
        scheme: scheme.clone(),
        unit,
        from,
        to,
        cards,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::Direction;

    fn def(id: &str, measure: Measure, direction: Direction, target: Option<f64>) -> KpiDef {
        let mut d = KpiDef::new(id, id, measure, direction);
        d.target = target;
        d
    }

    fn lookup(id: &str) -> Option<(KpiDef, Vec<String>)> {
        match id {
            "satisfied" => Some((
                def("satisfied", Measure::Percent, Direction::Higher, Some(60.0)),
                vec!["appeals".into()],
            )),
            "hours" => Some((
                def("hours", Measure::Hours, Direction::Lower, Some(192.0)),
                vec!["appeals".into()],
            )),
            "on_time" => Some((
                def("on_time", Measure::Percent, Direction::Higher, Some(60.0)),
                vec!["appeals".into()],
            )),
            "vacancies" => Some((
                def("vacancies", Measure::Percent, Direction::Lower, Some(5.0)),
                vec!["staffing".into()],
            )),
            _ => None,
        }
    }

    fn scheme(text: &str) -> std::result::Result<Scheme, (Option<u32>, String)> {
        parse("s", text, &lookup, &|u| u == "rasht")
    }

    #[test]
    fn a_scheme_file_is_checked_and_names_its_mistake() {
        let everywhere = scheme(
            r#"{"title": "Heads", "subjects": "heads", "period": "year",
            "kpis": [{"kpi": "satisfied", "weight": 1, "scoring": "pass"}]}"#,
        )
        .unwrap();
        assert_eq!((everywhere.unit, everywhere.period), (None, Grain::Year));
        let good = r#"{"title": "Experts", "subjects": "staff", "unit": "rasht", "period": "quarter",
            "kpis": [{"kpi": "satisfied", "weight": 3, "floor": 40}, {"kpi": "hours", "weight": 1, "floor": 384}]}"#;
        let s = scheme(good).unwrap();
        assert_eq!(s.kpis[0].weight, 75.0);
        assert_eq!(s.kpis[1].weight, 25.0);
        assert_eq!(s.min_rows, DEFAULT_MIN_ROWS);
        for (text, says) in [
            (good.replace("quarter", "week"), "period 'week'"),
            (good.replace("\"rasht\"", "\"nowhere\""), "unit 'nowhere'"),
            (
                good.replace("\"hours\"", "\"gone\""),
                "KPI 'gone' is not loaded",
            ),
            (good.replace("\"hours\"", "\"satisfied\""), "named twice"),
            (
                good.replace("\"weight\": 3", "\"weight\": 0"),
                "weight must be",
            ),
            (good.replace(", \"floor\": 40", ""), "needs a floor"),
            (
                good.replace("384", "100"),
                "the floor 100 must be worse than the target 192",
            ),
            (good.replace("\"hours\"", "\"vacancies\""), "reads staffing"),
            (
                good.replace("\"title\"", "\"titel\""),
                "unknown field `titel`",
            ),
        ] {
            let e = scheme(&text).unwrap_err();
            assert!(e.1.contains(says), "{says}: {}", e.1);
        }
        assert_eq!(scheme("{\n\"title\": 1\n}").unwrap_err().0, Some(2));
    }

    fn cell(value: f64, parts: Parts) -> Cell {
        Cell {
            grp: "g".into(),
            period: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
            value: Some(value),
            parts,
        }
    }

    /// A scorecard computed by hand: satisfaction 48 of 64 rated (75%, target 60, floor 40:
    /// score 100), median answer 240 h on 30 answers (target 192, floor 384: (240-384)/(192-384)
    /// = 0.75, score 75), on-time share on 12 appeals (under the 20 rows asked: not scored).
    /// Weights 50/30/20: the scored weight is 80, so 100 x 50/80 + 75 x 30/80 = 62.5 + 28.125.
    #[test]
    fn a_scorecard_computed_by_hand() {
        let s = scheme(
            r#"{"title": "t", "subjects": "staff", "unit": "rasht", "period": "quarter",
            "kpis": [{"kpi": "satisfied", "weight": 50, "floor": 40},
                     {"kpi": "hours", "weight": 30, "floor": 384},
                     {"kpi": "on_time", "weight": 20, "floor": 40}]}"#,
        )
        .unwrap();
        let defs = [
            def("satisfied", Measure::Percent, Direction::Higher, Some(60.0)),
            def("hours", Measure::Hours, Direction::Lower, Some(192.0)),
            def("on_time", Measure::Percent, Direction::Higher, Some(60.0)),
        ];
        let cells = [
            cell(
                75.0,
                Parts::Ratio {
                    numerator: 48.0,
                    denominator: 64.0,
                },
            ),
            cell(
                240.0,
                Parts::Spread {
                    n: 30.0,
                    low: 200.0,
                    high: 290.0,
                },
            ),
            cell(
                90.0,
                Parts::Ratio {
                    numerator: 11.0,
                    denominator: 12.0,
                },
            ),
        ];
        let mut lines: Vec<ScoreLine> = s
            .kpis
            .iter()
            .zip(&defs)
            .zip(&cells)
            .map(|((k, d), c)| line(k, d, Some(c), (d.target, "file".into()), s.min_rows))
            .collect();
        assert_eq!(lines[0].score, Some(100.0));
        assert_eq!(lines[1].score, Some(75.0));
        assert_eq!(lines[2].score, None);
        assert!(lines[2].unscored.as_deref().unwrap().contains("12 rows"));
        let (low, high) = (lines[0].low.unwrap(), lines[0].high.unwrap());
        assert!(
            (low - 63.2).abs() < 0.1 && (high - 84.0).abs() < 0.1,
            "{low} {high}"
        );
        let (t, scored) = total(&mut lines);
        assert_eq!(scored, 80.0);
        assert!((t.unwrap() - 90.625).abs() < 1e-9);
        assert!((lines[0].points.unwrap() - 62.5).abs() < 1e-9);
        assert!((lines[1].points.unwrap() - 28.125).abs() < 1e-9);
        // Under half the weight scored: no total.
        lines[0].score = None;
        assert_eq!(total(&mut lines), (None, 30.0));
    }

    #[test]
    fn equal_totals_share_a_rank_and_cards_without_one_come_last() {
        let card = |name: &str, total: Option<f64>| Scorecard {
            subject: name.into(),
            unit: Unit {
                id: "d".into(),
                parent_id: None,
                kind: kpi_api::UnitKind::Department,
                name: "D".into(),
                population: None,
                local_name: None,
            },
            employee: Some(name.into()),
            lines: Vec::new(),
            total,
            scored_weight: 100.0,
            rank: None,
        };
        let mut cards = vec![
            card("C", None),
            card("B", Some(80.0)),
            card("A", Some(80.0)),
            card("D", Some(90.0)),
        ];
        rank(&mut cards);
        let got: Vec<(&str, Option<u32>)> =
            cards.iter().map(|c| (c.subject.as_str(), c.rank)).collect();
        assert_eq!(
            got,
            vec![("D", Some(1)), ("A", Some(2)), ("B", Some(2)), ("C", None)]
        );
    }
}
