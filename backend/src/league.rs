//! Fair league tables: a unit's children ranked on one KPI, each value with its 95% interval,
//! volumes per head, "better or worse than the parent" only where the interval says so, and the
//! funnel of limits chance alone gives a unit of each size (maths in `kpi_stats::league`).

use chrono::NaiveDate;
use kpi_api::league::{FunnelPoint, FunnelZone, IntervalMethod, League, LeagueRow, Versus};
use kpi_api::{Direction, KpiDef, Measure, Unit};
use kpi_stats::league::{self as stats, Funnel};

use crate::kpi::{Cell, Parts};

const LEVEL: f64 = 0.95;
const ALARM: f64 = 0.998;

/// One unit's judged value: the value as ranked, its interval, and its volume.
#[derive(Debug, Clone, Copy, Default)]
struct Judged {
    value: Option<f64>,
    interval: Option<(f64, f64)>,
    volume: Option<f64>,
}

/// How this KPI's values are made comparable, decided from its measure and what its cells carry.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Basis {
    /// A share: numerator of denominator, shown in percent.
    Share,
    /// A ratio of a count to residents, shown per 1,000.
    Rate,
    /// A volume turned into a rate per 1,000 residents with the units' populations.
    PerHead,
    /// A value with its own interval (a median).
    Spread,
    /// Nothing to judge a difference by.
    Plain,
}

fn basis(def: &KpiDef, cells: &[&Cell], populations: bool) -> Basis {
    let all = |f: &dyn Fn(&Parts) -> bool| cells.iter().all(|c| f(&c.parts));
    let ratio = |p: &Parts| matches!(p, Parts::Ratio { .. });
    match def.measure {
        Measure::Percent if all(&ratio) => Basis::Share,
        Measure::Per1000 if all(&ratio) => Basis::Rate,
        Measure::Count if populations && all(&|p| matches!(p, Parts::None)) => Basis::PerHead,
        _ if all(&|p| matches!(p, Parts::Spread { .. })) => Basis::Spread,
        _ => Basis::Plain,
    }
}

/// A cell's value as judged on `basis`; `population` for per-head values.
fn judge(basis: Basis, cell: Option<&Cell>, population: Option<f64>) -> Judged {
    let Some(cell) = cell else {
        return Judged::default();
    };
    match (basis, cell.parts) {
        (
            Basis::Share,
            Parts::Ratio {
                numerator,
                denominator,
            },
        ) => Judged {
            value: cell.value,
            interval: stats::wilson(numerator, denominator, LEVEL)
                .map(|(l, h)| (l * 100.0, h * 100.0)),
            volume: Some(denominator),
        },
        (
            Basis::Rate,
            Parts::Ratio {
                numerator,
                denominator,
            },
        ) => Judged {
            value: cell.value,
            interval: stats::poisson(numerator, LEVEL)
                .map(|(l, h)| (l / denominator * 1000.0, h / denominator * 1000.0)),
            volume: Some(denominator),
        },
        (Basis::PerHead, _) => match (cell.value, population.filter(|p| *p > 0.0)) {
            (Some(count), Some(people)) => Judged {
                value: Some(count / people * 1000.0),
                interval: stats::poisson(count, LEVEL)
                    .map(|(l, h)| (l / people * 1000.0, h / people * 1000.0)),
                volume: Some(people),
            },
            _ => Judged::default(),
        },
        (Basis::Spread, Parts::Spread { n, low, high }) => Judged {
            value: cell.value,
            interval: Some((low, high)),
            volume: Some(n),
        },
        _ => Judged {
            value: cell.value,
            interval: None,
            volume: None,
        },
    }
}

/// The funnel around the parent, in the values' own scale.
fn funnel(basis: Basis, parent: &Judged) -> Option<(Funnel, f64)> {
    let value = parent.value?;
    match basis {
        Basis::Share => Some((
            Funnel::Share {
                parent: value / 100.0,
            },
            100.0,
        )),
        Basis::Rate | Basis::PerHead => Some((
            Funnel::Rate {
                parent: value / 1000.0,
            },
            1000.0,
        )),
        Basis::Spread => {
            let (low, high) = parent.interval?;
            Some((
                Funnel::Spread {
                    parent: value,
                    half: (high - low) / 2.0,
                    n: parent.volume?,
                },
                1.0,
            ))
        }
        Basis::Plain => None,
    }
}

fn limits(f: &(Funnel, f64), volume: f64, level: f64) -> Option<(f64, f64)> {
    f.0.limits(volume, level).map(|(l, h)| (l * f.1, h * f.1))
}

/// Where `value` of a unit of `volume` falls in the funnel; `higher` is better when set.
fn zone(f: Option<&(Funnel, f64)>, judged: &Judged, higher: bool) -> FunnelZone {
    let (Some(f), Some(value), Some(volume)) = (f, judged.value, judged.volume) else {
        return FunnelZone::Unknown;
    };
    let (Some((l95, h95)), Some((l998, h998))) =
        (limits(f, volume, LEVEL), limits(f, volume, ALARM))
    else {
        return FunnelZone::Unknown;
    };
    let (above, below) = (value > h95, value < l95);
    let far = value > h998 || value < l998;
    match (above, below, above == higher, far) {
        (false, false, _, _) => FunnelZone::Inside,
        (_, _, true, true) => FunnelZone::Better998,
        (_, _, true, false) => FunnelZone::Better95,
        (_, _, false, true) => FunnelZone::Worse998,
        (_, _, false, false) => FunnelZone::Worse95,
    }
}

/// The league table of `children` of `parent` on `def` over `from..=to`, from the children's
/// cells and the parent's own (`total`).
pub fn league(
    def: &KpiDef,
    parent: &Unit,
    children: &[Unit],
    cells: &[Cell],
    total: Option<&Cell>,
    (from, to): (NaiveDate, NaiveDate),
    status: &dyn Fn(&str, Option<f64>) -> kpi_api::Status,
) -> League {
    let cell_of = |id: &str| cells.iter().find(|c| c.grp == id);
    let population = |u: &Unit| u.population.map(|p| p as f64);
    let with_value: Vec<&Cell> = children
        .iter()
        .filter_map(|u| cell_of(&u.id))
        .filter(|c| c.value.is_some())
        .chain(total.filter(|c| c.value.is_some()))
        .collect();
    let populations = population(parent).is_some()
        && children
            .iter()
            .filter(|u| cell_of(&u.id).is_some_and(|c| c.value.is_some()))
            .all(|u| population(u).is_some());
    let basis = basis(def, &with_value, populations);
    let higher = def.direction == Direction::Higher;
    let parent_judged = judge(basis, total, population(parent));
    let funnel = funnel(basis, &parent_judged);

    let mut rows: Vec<LeagueRow> = children
        .iter()
        .map(|u| {
            let cell = cell_of(&u.id);
            let judged = judge(basis, cell, population(u));
            let versus = match stats::versus(judged.interval, parent_judged.value, higher) {
                stats::Versus::Better => Versus::Better,
                stats::Versus::Worse => Versus::Worse,
                stats::Versus::Alike => Versus::Alike,
                stats::Versus::Unknown => Versus::Unknown,
            };
            let raw = cell.and_then(|c| c.value);
            LeagueRow {
                unit: u.clone(),
                value: judged.value,
                low: judged.interval.map(|i| i.0),
                high: judged.interval.map(|i| i.1),
                volume: judged.volume,
                rank: None,
                versus,
                zone: zone(funnel.as_ref(), &judged, higher),
                status: status(&u.id, raw),
            }
        })
        .collect();
    // Best first, by the KPI's direction; units without a value last, by name.
    let key = |r: &LeagueRow| r.value.map(|v| if higher { -v } else { v });
    rows.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.unit.name.cmp(&b.unit.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.unit.name.cmp(&b.unit.name),
    });
    // Equal values share a rank (1, 2, 2, 4).
    for i in 0..rows.len() {
        if rows[i].value.is_none() {
            break;
        }
        rows[i].rank = Some(if i > 0 && rows[i - 1].value == rows[i].value {
            rows[i - 1].rank.unwrap_or(1)
        } else {
            i as u32 + 1
        });
    }

    let volumes: Vec<f64> = rows.iter().filter_map(|r| r.volume).collect();
    let curve = match (&funnel, volumes.iter().copied().reduce(f64::min)) {
        (Some(f), Some(min)) => {
            let max = volumes.iter().copied().fold(min, f64::max);
            let (lo, hi) = ((min * 0.8).max(1.0).ln(), (max * 1.25).max(2.0).ln());
            (0..=48)
                .filter_map(|i| {
                    let volume = (lo + (hi - lo) * f64::from(i) / 48.0).exp();
                    let (low95, high95) = limits(f, volume, LEVEL)?;
                    let (low998, high998) = limits(f, volume, ALARM)?;
                    Some(FunnelPoint {
                        volume,
                        low95,
                        high95,
                        low998,
                        high998,
                    })
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let (method, volume_label, note) = match basis {
        Basis::Share => (
            IntervalMethod::Wilson,
            "cases counted",
            "Each share has its 95% Wilson interval from the cases it counts; a unit is better or worse than the parent only when its whole interval lies on one side of the parent's share.",
        ),
        Basis::Rate => (
            IntervalMethod::Poisson,
            "residents",
            "Each rate has its exact 95% Poisson interval from its count; a unit is better or worse than the parent only when its whole interval lies on one side of the parent's rate.",
        ),
        Basis::PerHead => (
            IntervalMethod::Poisson,
            "residents",
            "A volume is compared per 1,000 residents, so a large unit does not look worse for being large; each rate has its exact 95% Poisson interval.",
        ),
        Basis::Spread => (
            IntervalMethod::OrderStatistic,
            "rows",
            "Each median has its 95% order-statistic interval from its own rows; a unit is better or worse than the parent only when its whole interval lies on one side of the parent's median.",
        ),
        Basis::Plain => (
            IntervalMethod::None,
            "",
            "This KPI gives no way to tell chance from a real difference (no parts, no interval, or units without a population), so the table ranks values but calls no unit better or worse.",
        ),
    };
    League {
        kpi: def.id.clone(),
        unit: parent.clone(),
        from,
        to,
        parent_value: parent_judged.value,
        parent_volume: parent_judged.volume,
        per_capita: basis == Basis::PerHead,
        method,
        volume_label: volume_label.to_string(),
        note: note.to_string(),
        rows,
        funnel: curve,
    }
}

#[cfg(test)]
mod tests {
    use kpi_api::UnitKind;

    use super::*;

    fn def(measure: Measure, direction: Direction) -> KpiDef {
        KpiDef::new("k", "K", measure, direction)
    }

    fn unit(id: &str, population: Option<i64>) -> Unit {
        Unit {
            id: id.into(),
            parent_id: (id != "city").then(|| "city".into()),
            kind: UnitKind::District,
            name: id.to_uppercase(),
            population,
            local_name: None,
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 1, 1).unwrap()
    }

    fn no_status(_: &str, _: Option<f64>) -> kpi_api::Status {
        kpi_api::Status::None
    }

    fn ratio(grp: &str, numerator: f64, denominator: f64, scale: f64) -> Cell {
        Cell {
            grp: grp.into(),
            period: day(),
            value: Some(numerator / denominator * scale),
            parts: Parts::Ratio {
                numerator,
                denominator,
            },
        }
    }

    /// Three districts of one city on a share: a small one at 70% that chance explains, a big
    /// one at 80% that it does not, and one at 90% that is better.
    #[test]
    fn a_share_calls_a_unit_worse_only_when_its_interval_says_so() {
        let children = [unit("small", None), unit("big", None), unit("good", None)];
        let cells = [
            ratio("small", 7.0, 10.0, 100.0),
            ratio("big", 800.0, 1000.0, 100.0),
            ratio("good", 900.0, 1000.0, 100.0),
        ];
        let total = ratio("city", 1707.0, 2010.0, 100.0);
        let l = league(
            &def(Measure::Percent, Direction::Higher),
            &unit("city", None),
            &children,
            &cells,
            Some(&total),
            (day(), day()),
            &no_status,
        );
        assert_eq!(l.method, IntervalMethod::Wilson);
        let by = |id: &str| l.rows.iter().find(|r| r.unit.id == id).unwrap();
        // The city's share is 84.9%: the small district's 70% (Wilson 39.7% to 89.2%) is not
        // worse; the big one's 80% (77.4% to 82.4%) is; 90% (88.0% to 91.7%) is better.
        assert_eq!(by("small").versus, Versus::Alike);
        assert_eq!(by("big").versus, Versus::Worse);
        assert_eq!(by("good").versus, Versus::Better);
        assert_eq!(by("small").zone, FunnelZone::Inside);
        assert_eq!(by("big").zone, FunnelZone::Worse998);
        let (low, high) = (by("small").low.unwrap(), by("small").high.unwrap());
        assert!(
            (low - 39.68).abs() < 0.01 && (high - 89.22).abs() < 0.01,
            "{low} {high}"
        );
        let ranks: Vec<(&str, Option<u32>)> = l
            .rows
            .iter()
            .map(|r| (r.unit.id.as_str(), r.rank))
            .collect();
        assert_eq!(
            ranks,
            [("good", Some(1)), ("big", Some(2)), ("small", Some(3))]
        );
        // The funnel spans the sizes, narrowing as they grow.
        let first = l.funnel.first().unwrap();
        let last = l.funnel.last().unwrap();
        assert!(first.volume <= 10.0 && last.volume >= 1000.0);
        assert!(first.high95 - first.low95 > last.high95 - last.low95);
        assert!(first.low998 <= first.low95 && first.high998 >= first.high95);
    }

    /// A volume (a count) is ranked per 1,000 residents: the big district has more overdue
    /// appeals but fewer per head.
    #[test]
    fn a_volume_is_ranked_per_head() {
        let count = |grp: &str, n: f64| Cell {
            grp: grp.into(),
            period: day(),
            value: Some(n),
            parts: Parts::None,
        };
        let children = [unit("big", Some(200_000)), unit("small", Some(20_000))];
        let cells = [count("big", 200.0), count("small", 60.0)];
        let total = count("city", 260.0);
        let l = league(
            &def(Measure::Count, Direction::Lower),
            &unit("city", Some(220_000)),
            &children,
            &cells,
            Some(&total),
            (day(), day()),
            &no_status,
        );
        assert!(l.per_capita);
        assert_eq!(l.method, IntervalMethod::Poisson);
        assert_eq!(l.rows[0].unit.id, "big");
        assert_eq!(l.rows[0].value, Some(1.0));
        assert_eq!(l.rows[1].value, Some(3.0));
        // 60 of 20,000 against the city's 1.18 per 1,000: Poisson 2.29 to 3.86, worse.
        assert_eq!(l.rows[1].versus, Versus::Worse);
        assert!((l.parent_value.unwrap() - 260.0 / 220.0).abs() < 1e-12);
    }

    /// Departments have no population: their volumes are ranked as they are, and nobody is
    /// called better or worse.
    #[test]
    fn without_populations_nothing_is_called_better_or_worse() {
        let count = |grp: &str, n: f64| Cell {
            grp: grp.into(),
            period: day(),
            value: Some(n),
            parts: Parts::None,
        };
        let children = [unit("a", None), unit("b", None)];
        let l = league(
            &def(Measure::Count, Direction::Lower),
            &unit("city", Some(1000)),
            &children,
            &[count("a", 5.0), count("b", 50.0)],
            Some(&count("city", 55.0)),
            (day(), day()),
            &no_status,
        );
        assert!(!l.per_capita);
        assert_eq!(l.method, IntervalMethod::None);
        assert!(l.rows.iter().all(|r| r.versus == Versus::Unknown));
        assert!(l.funnel.is_empty());
        assert_eq!(l.rows[0].unit.id, "a");
    }
}
