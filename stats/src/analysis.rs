//! One experiment's analysis of one KPI: the effect with its interval, the plain clustered
//! interval beside it, the naive estimate, the event study and the pre-trend test.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::estimate::{self, Starts, Target};
use crate::inference::{self, Assignments, Randomisation};
use crate::panel::Panel;

/// How an analysis is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Periods before the start shown in the event study and tested for parallel trends.
    pub lead: usize,
    /// Enumerate every assignment up to this many; sample beyond.
    pub max_assignments: usize,
    /// Random assignments drawn when there are more than `max_assignments`.
    pub draws: usize,
    pub seed: u64,
    /// The intervals' coverage, e.g. 0.95.
    pub level: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            lead: 8,
            max_assignments: 5_000,
            draws: 1_999,
            seed: 20_190_401,
            level: 0.95,
        }
    }
}

/// An estimate with its interval; an end is `None` when the data cannot bound it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Interval {
    pub fn covers(&self, value: f64) -> bool {
        self.low.is_none_or(|l| l <= value) && self.high.is_none_or(|h| value <= h)
    }

    /// Whether the interval leaves out zero.
    pub fn excludes_zero(&self) -> bool {
        !self.covers(0.0)
    }
}

/// The effect at one time relative to the start (0 = the first period of the change; negative:
/// before it, where an effect means the groups were not on the same trend).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventPoint {
    pub event: i64,
    pub effect: Interval,
    /// Treated observations behind it.
    pub rows: usize,
}

/// Whether treated and comparison units moved alike before the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreTrend {
    /// The randomisation p-value of the mean squared placebo effect: small means the groups
    /// already drifted apart before the start.
    pub p_value: f64,
    /// The placebo effects' slope per period: the direction of the drift.
    pub slope: f64,
    /// Pre-start periods tested.
    pub periods: usize,
}

/// How the interval was computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Method {
    /// Units with data (the clusters).
    pub units: usize,
    pub treated_units: usize,
    /// Assignments the analysis was re-run under, and whether that was every possible one.
    pub assignments: usize,
    pub exhaustive: bool,
    pub possible: f64,
    /// The smallest p-value those assignments allow.
    pub smallest_p: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The average effect on the treated, with the randomisation interval.
    pub effect: Interval,
    /// The randomisation p-value of "no effect".
    pub p_value: f64,
    /// The same estimate with the plain unit-clustered interval (t with units - 1 degrees of
    /// freedom), too narrow with few units: shown to explain why it is not the one used.
    pub clustered: Interval,
    /// The naive two-way fixed-effects estimate, biased under staggered starts.
    pub naive: Option<f64>,
    pub events: Vec<EventPoint>,
    pub pre_trend: Option<PreTrend>,
    pub method: Method,
    /// Treated observations, and those without a comparison to predict them from.
    pub treated_rows: usize,
    pub dropped_rows: usize,
}

/// Why an analysis cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoTreatedUnit,
    NoComparison,
    NoTreatedData,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::NoTreatedUnit => "no treated unit has data",
            Refusal::NoComparison => {
                "no comparison: every unit is treated from the first period with data"
            }
            Refusal::NoTreatedData => {
                "no treated observation can be compared with an untreated one"
            }
        })
    }
}

/// The two-sided `level` quantile of Student's t with `df` degrees of freedom (2.26 for 9 at
/// 95%): the half-width of a t interval in standard errors.
pub fn t_quantile(df: usize, level: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|d| d.inverse_cdf(0.5 + level / 2.0))
        .unwrap_or(f64::NAN)
}

/// Analyses `panel` under `starts` (a start period per unit; `None` for comparison units).
pub fn analyse(panel: &Panel, starts: &Starts, options: &Options) -> Result<Analysis, Refusal> {
    analyse_with_progress(panel, starts, options, &|_, _| {})
}

/// [`analyse`], telling `progress` (re-runs done, re-runs in all) as it goes: with many units the
/// re-runs under other assignments take seconds.
pub fn analyse_with_progress(
    panel: &Panel,
    starts: &Starts,
    options: &Options,
    progress: &dyn Fn(usize, usize),
) -> Result<Analysis, Refusal> {
    let mut has_data = vec![false; panel.units];
    panel.obs.iter().for_each(|o| has_data[o.unit] = true);
    let units = has_data.iter().filter(|h| **h).count();
    let treated_units = (0..panel.units)
        .filter(|u| has_data[*u] && starts[*u].is_some())
        .count();
    if treated_units == 0 {
        return Err(Refusal::NoTreatedUnit);
    }
    if treated_units == units && starts.iter().flatten().all(|s| *s == 0) {
        return Err(Refusal::NoComparison);
    }
    // Units without data take no part in the assignments.
    let present: Vec<usize> = (0..panel.units).filter(|u| has_data[*u]).collect();
    let compact: Vec<Option<usize>> = present.iter().map(|u| starts[*u]).collect();
    let drawn = inference::assignments(
        &compact,
        options.max_assignments,
        options.draws,
        options.seed,
    );
    let expand = |a: &Vec<Option<usize>>| {
        let mut full = vec![None; panel.units];
        for (i, u) in present.iter().enumerate() {
            full[*u] = a[i];
        }
        full
    };
    let assignments = Assignments {
        starts: drawn.starts.iter().map(expand).collect(),
        exhaustive: drawn.exhaustive,
        possible: drawn.possible,
    };

    let main = estimate::impute(panel, starts, Target::Treated);
    let average = main.average().ok_or(Refusal::NoTreatedData)?;
    let clustered_se = estimate::clustered_se(panel, &main);
    let clustered = match clustered_se {
        Some((se, clusters)) if clusters >= 2 => {
            let t = t_quantile(clusters - 1, options.level);
            Interval {
                estimate: average,
                low: Some(average - t * se),
                high: Some(average + t * se),
            }
        }
        _ => Interval {
            estimate: average,
            low: None,
            high: None,
        },
    };
    // Every assignment is analysed once, for everything the tests need:
    // - the estimate on the data and on the actual treatment indicator, overall and by event
    //   (an effect of θ on every treated row shifts an assignment's estimate by θ times its
    //   estimate on the indicator), for the effect's interval and each event's;
    // - the placebo before the start, on the data with the estimated effects taken out, and on
    //   the indicator of the actual placebo rows, for the pre-trend test and the bands before.
    let lead = Target::Placebo { lead: options.lead };
    let treated_indicator = panel.with_values(|_, o| match starts[o.unit] {
        Some(s) if o.period >= s => 1.0,
        _ => 0.0,
    });
    let lead_indicator = panel.with_values(|_, o| match starts[o.unit] {
        Some(s) if o.period < s && o.period + options.lead >= s => 1.0,
        _ => 0.0,
    });
    let by_event = main.by_event();
    let mut effect_of_row = vec![0.0; panel.obs.len()];
    for e in &main.effects {
        effect_of_row[e.row] = by_event
            .iter()
            .find(|(ev, _, _)| *ev == e.event)
            .map_or(0.0, |(_, m, _)| *m);
    }
    let untreated = panel.with_values(|row, o| o.y - effect_of_row[row]);
    let total = assignments.starts.len();
    let reruns = inference::rerun(&assignments, &|done| progress(done, total), |s| {
        let on_data = estimate::impute(panel, s, Target::Treated);
        let on_indicator = estimate::impute(&treated_indicator, s, Target::Treated);
        Some(Rerun {
            average: (on_data.average(), on_indicator.average()),
            post: (on_data.by_event(), on_indicator.by_event()),
            pre: (
                estimate::impute(&untreated, s, lead).by_event(),
                estimate::impute(&lead_indicator, s, lead).by_event(),
            ),
        })
    });
    let step = clustered_se.map_or(f64::NAN, |(se, _)| se);
    let randomisation = Randomisation::from_reruns(
        reruns
            .iter()
            .map(|r| r.as_ref().map_or((None, None), |r| r.average)),
    )
    .ok_or(Refusal::NoTreatedData)?;
    let (low, high) = randomisation.interval(options.level, step);
    let effect = Interval {
        estimate: average,
        low,
        high,
    };

    // The event study: each event time's average, with the effects of that size its own
    // randomisation test does not reject (as for the whole effect, with the estimate at that
    // event time as the statistic).
    let at = |list: &[(i64, f64, usize)], event: i64| {
        list.iter()
            .find(|(e, _, _)| *e == event)
            .map(|(_, m, _)| *m)
    };
    let point = |event: i64, rows: usize, pre: bool| -> Option<EventPoint> {
        let test = Randomisation::from_reruns(reruns.iter().map(|r| match r {
            Some(r) => {
                let (data, indicator) = if pre { &r.pre } else { &r.post };
                (at(data, event), at(indicator, event))
            }
            None => (None, None),
        }))?;
        let (low, high) = test.interval(options.level, step);
        Some(EventPoint {
            event,
            effect: Interval {
                estimate: test.estimate(),
                low,
                high,
            },
            rows,
        })
    };
    let placebo_events = estimate::impute(panel, starts, lead).by_event();
    let mut events: Vec<EventPoint> = placebo_events
        .iter()
        .filter_map(|(event, _, rows)| point(*event, *rows, true))
        .chain(
            by_event
                .iter()
                .filter_map(|(event, _, rows)| point(*event, *rows, false)),
        )
        .collect();
    events.sort_by_key(|e| e.event);

    // The pre-trend test: the mean squared placebo effect against its randomisation
    // distribution.
    let squared = |events: &[(i64, f64, usize)]| -> Option<f64> {
        let rows: usize = events.iter().map(|e| e.2).sum();
        (rows > 0).then(|| {
            events
                .iter()
                .map(|(_, m, n)| m * m * *n as f64)
                .sum::<f64>()
                / rows as f64
        })
    };
    let pre_trend = squared(&placebo_events).map(|observed| {
        let null: Vec<f64> = reruns
            .iter()
            .flatten()
            .filter_map(|r| squared(&r.pre.0))
            .collect();
        let at_least = null
            .iter()
            .filter(|s| **s >= observed * (1.0 - 1e-9))
            .count();
        PreTrend {
            p_value: at_least as f64 / null.len().max(1) as f64,
            slope: slope(&placebo_events),
            periods: placebo_events.len(),
        }
    });

    Ok(Analysis {
        effect,
        p_value: randomisation.p_value(0.0),
        clustered,
        naive: estimate::naive_twfe(panel, starts),
        events,
        pre_trend,
        method: Method {
            units,
            treated_units,
            assignments: assignments.starts.len(),
            exhaustive: assignments.exhaustive,
            possible: assignments.possible,
            smallest_p: randomisation.smallest_p(),
        },
        treated_rows: main.effects.len(),
        dropped_rows: main.dropped,
    })
}

/// What one assignment gives: (on the data, on the indicator) for the average effect, by event
/// after the start, and by event before it.
struct Rerun {
    average: (Option<f64>, Option<f64>),
    post: (Events, Events),
    pre: (Events, Events),
}

/// Averages by event time: (event, average, rows).
type Events = Vec<(i64, f64, usize)>;

/// The least-squares slope of the event averages on event time, weighted by rows.
fn slope(events: &[(i64, f64, usize)]) -> f64 {
    let w: f64 = events.iter().map(|e| e.2 as f64).sum();
    if w == 0.0 {
        return 0.0;
    }
    let mx = events.iter().map(|e| e.0 as f64 * e.2 as f64).sum::<f64>() / w;
    let my = events.iter().map(|e| e.1 * e.2 as f64).sum::<f64>() / w;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (x, y, n) in events {
        let dx = *x as f64 - mx;
        sxy += *n as f64 * dx * (y - my);
        sxx += *n as f64 * dx * dx;
    }
    if sxx > 0.0 {
        sxy / sxx
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_quantile_is_the_tables() {
        assert!((t_quantile(9, 0.95) - 2.262).abs() < 1e-3);
        assert!((t_quantile(4, 0.95) - 2.776).abs() < 1e-3);
    }
}
