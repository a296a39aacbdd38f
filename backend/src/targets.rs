//! Targets that change: `queries/targets.csv` sets a KPI's target and amber edge for a unit and
//! its subtree from a date on (the federal 8-day answer from 2021, a city's own stricter goal),
//! over the default in the KPI file's header.
//!
//! ```text
//! kpi,unit,from,target,amber,note
//! resident_satisfaction_share,krasnodar-krai,2021-01-01,60,55,Federal rule: 60% rate the answer 4-5
//! ```
//!
//! For a unit and a day, the rule is that of the nearest unit on the way up (the unit itself,
//! then its parent, ...; an empty `unit` is every unit, below any named one) whose latest `from`
//! is on or before the day. A period is judged by the target in force on its last day. Without
//! a rule, the header's `target` and `amber` hold.

use std::path::Path;

use chrono::NaiveDate;
use kpi_api::{KpiDef, KpiLoadError};

use crate::auth::Parents;

/// The file beside the KPI files.
pub const FILE: &str = "targets.csv";

/// One line of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub kpi: String,
    /// None: every unit.
    pub unit: Option<String>,
    pub from: NaiveDate,
    pub target: f64,
    pub amber: Option<f64>,
    pub note: String,
}

/// Every rule of the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    pub rules: Vec<Rule>,
}

/// A KPI's target and amber edge for one unit and day, and where they come from.
#[derive(Debug, Clone, PartialEq)]
pub struct InForce {
    pub target: Option<f64>,
    pub amber: Option<f64>,
    /// The rule's note, or None for the KPI file's own target.
    pub note: Option<String>,
}

impl InForce {
    /// The KPI file's own target and amber edge.
    pub fn own(def: &KpiDef) -> InForce {
        InForce {
            target: def.target,
            amber: def.amber,
            note: None,
        }
    }
}

impl Targets {
    /// Reads `dir/targets.csv` (none is no rules), checking each line against the KPIs and units
    /// known: a bad line is an error naming the file and line, and is left out; the rest apply.
    pub fn load(
        dir: &Path,
        kpis: &dyn Fn(&str) -> Option<KpiDef>,
        units: &dyn Fn(&str) -> bool,
    ) -> (Targets, Vec<KpiLoadError>) {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Targets::default(), Vec::new())
            }
            Err(e) => {
                return (
                    Targets::default(),
                    vec![error(None, format!("cannot read: {e}"))],
                )
            }
        };
        Targets::parse(&text, kpis, units)
    }

    /// [`Targets::load`] on a file's text.
    pub fn parse(
        text: &str,
        kpis: &dyn Fn(&str) -> Option<KpiDef>,
        units: &dyn Fn(&str) -> bool,
    ) -> (Targets, Vec<KpiLoadError>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let mut lines = text.lines().enumerate();
        let header = "kpi,unit,from,target,amber,note";
        match lines.next() {
            Some((_, first)) if first.trim() == header => {}
            _ => {
                errors.push(error(Some(1), format!("the first line must be '{header}'")));
                return (Targets::default(), errors);
            }
        }
        for (i, line) in lines {
            let number = i as u32 + 1;
            if line.trim().is_empty() {
                continue;
            }
            match rule(line, kpis, units) {
                Ok(rule) => rules.push(rule),
                Err(message) => errors.push(error(Some(number), message)),
            }
        }
        (Targets { rules }, errors)
    }

    /// The target and amber edge of `def` for `unit` on `day`.
    pub fn in_force(&self, def: &KpiDef, unit: &str, day: NaiveDate, parents: &Parents) -> InForce {
        // The nearest unit on the way up with a rule in force; then the rules for every unit.
        let mut best: Option<(usize, &Rule)> = None;
        for rule in self
            .rules
            .iter()
            .filter(|r| r.kpi == def.id && r.from <= day)
        {
            let depth = match &rule.unit {
                Some(u) => match parents.depth_to(unit, u) {
                    Some(depth) => depth,
                    None => continue,
                },
                None => usize::MAX,
            };
            let better = match best {
                None => true,
                Some((d, b)) => depth < d || (depth == d && rule.from > b.from),
            };
            if better {
                best = Some((depth, rule));
            }
        }
        match best {
            Some((_, rule)) => InForce {
                target: Some(rule.target),
                amber: rule.amber,
                note: Some(rule.note.clone()).filter(|n| !n.is_empty()),
            },
            None => InForce::own(def),
        }
    }
}

fn error(line: Option<u32>, message: String) -> KpiLoadError {
    crate::kpi::load_error(FILE, line, message)
}

/// One line: `kpi,unit,from,target,amber,note` (the note may hold commas; it is the rest).
fn rule(
    line: &str,
    kpis: &dyn Fn(&str) -> Option<KpiDef>,
    units: &dyn Fn(&str) -> bool,
) -> Result<Rule, String> {
    let fields: Vec<&str> = line.splitn(6, ',').map(str::trim).collect();
    if fields.len() < 5 {
        return Err(format!(
            "expected kpi,unit,from,target,amber[,note]; got {} fields",
            fields.len()
        ));
    }
    let def = kpis(fields[0]).ok_or_else(|| format!("no KPI '{}'", fields[0]))?;
    let unit = match fields[1] {
        "" => None,
        u if units(u) => Some(u.to_string()),
        u => return Err(format!("no unit '{u}'")),
    };
    let from = fields[2]
        .parse::<NaiveDate>()
        .map_err(|_| format!("from: '{}' is not a date YYYY-MM-DD", fields[2]))?;
    let number = |name: &str, text: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{name}: '{text}' is not a number"))
    };
    let target = number("target", fields[3])?;
    let amber = match fields[4] {
        "" => None,
        text => Some(number("amber", text)?),
    };
    // The amber edge lies on the worse side of the target.
    if let Some(edge) = amber {
        let worse = match def.direction {
            kpi_api::Direction::Higher => edge <= target,
            kpi_api::Direction::Lower => edge >= target,
        };
        if !worse {
            return Err(format!(
                "amber {edge} must be on the worse side of target {target} ({} is better)",
                match def.direction {
                    kpi_api::Direction::Higher => "higher",
                    kpi_api::Direction::Lower => "lower",
                }
            ));
        }
    }
    Ok(Rule {
        kpi: def.id,
        unit,
        from,
        target,
        amber,
        note: fields.get(5).map(|n| n.to_string()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use kpi_api::{Direction, Measure, Unit, UnitKind};

    use super::*;

    fn def(id: &str, direction: Direction) -> KpiDef {
        KpiDef {
            target: Some(24.0),
            amber: Some(48.0),
            ..KpiDef::new(id, id, Measure::Hours, direction)
        }
    }

    fn units() -> Vec<Unit> {
        let unit = |id: &str, parent: Option<&str>| Unit::new(id, parent, UnitKind::City);
        vec![
            unit("krai", None),
            unit("town", Some("krai")),
            unit("other", Some("krai")),
            unit("town-roads", Some("town")),
        ]
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn parse(text: &str) -> (Targets, Vec<KpiLoadError>) {
        let list = units();
        Targets::parse(
            text,
            &|id| (id == "hours").then(|| def("hours", Direction::Lower)),
            &|u| list.iter().any(|x| x.id == u),
        )
    }

    const FILE_TEXT: &str = "kpi,unit,from,target,amber,note
hours,krai,2021-01-01,192,240,Federal rule: an answer within 8 days
hours,town,2021-07-01,96,120,Town's own goal, stricter
hours,,2020-01-01,200,,Everywhere
";

    #[test]
    fn the_nearest_unit_and_the_latest_date_in_force_win() {
        let (targets, errors) = parse(FILE_TEXT);
        assert!(errors.is_empty(), "{errors:?}");
        let list = units();
        let parents = Parents::of(&list);
        let hours = def("hours", Direction::Lower);
        let at = |unit: &str, day: &str| {
            let f = targets.in_force(&hours, unit, d(day), &parents);
            (f.target, f.amber)
        };
        // Before any rule: the file's own target.
        assert_eq!(at("town", "2019-06-30"), (Some(24.0), Some(48.0)));
        // 2020: only the rule for every unit.
        assert_eq!(at("town", "2020-06-30"), (Some(200.0), None));
        // 2021: the krai's federal rule reaches the town and its departments...
        assert_eq!(at("town-roads", "2021-03-31"), (Some(192.0), Some(240.0)));
        assert_eq!(at("other", "2021-12-31"), (Some(192.0), Some(240.0)));
        // ...until the town's own, nearer rule starts.
        assert_eq!(at("town-roads", "2021-07-01"), (Some(96.0), Some(120.0)));
        assert_eq!(at("town", "2021-09-30"), (Some(96.0), Some(120.0)));
        assert_eq!(at("krai", "2021-09-30"), (Some(192.0), Some(240.0)));
        let note = targets
            .in_force(&hours, "town", d("2021-09-30"), &parents)
            .note;
        assert_eq!(note.as_deref(), Some("Town's own goal, stricter"));
    }

    #[test]
    fn a_bad_line_is_named_and_left_out_and_the_rest_apply() {
        let (targets, errors) = parse(
            "kpi,unit,from,target,amber,note
hours,krai,2021-01-01,192,240,ok
nope,krai,2021-01-01,1,,
hours,atlantis,2021-01-01,1,,
hours,krai,2021-13-01,1,,
hours,krai,2021-01-01,fast,,
hours,krai,2021-01-01,192,100,amber on the better side
hours,krai
",
        );
        assert_eq!(targets.rules.len(), 1);
        let said: Vec<(Option<u32>, &str)> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(said.len(), 6, "{said:?}");
        assert_eq!(said[0], (Some(3), "no KPI 'nope'"));
        assert_eq!(said[1], (Some(4), "no unit 'atlantis'"));
        assert!(said[2].1.starts_with("from:"), "{said:?}");
        assert!(said[3].1.starts_with("target:"), "{said:?}");
        assert!(said[4].1.contains("worse side"), "{said:?}");
        assert_eq!(said[5].0, Some(8));
        assert!(errors.iter().all(|e| e.file == FILE));
        let (_, errors) = parse("kpi;unit\n");
        assert_eq!(errors[0].line, Some(1));
    }
}
