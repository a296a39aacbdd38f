//! The estimates: the imputation estimator of the effect (robust to staggered roll-outs and to
//! effects that change over time), its weights on the data, the plain unit-clustered standard
//! error, and the naive two-way fixed-effects estimate shown beside it.
//!
//! The imputation estimator (Borusyak, Jaravel and Spiess, 2024) fits `y = a_unit + b_period` on
//! the untreated observations only (comparison units, and treated units before their start),
//! predicts each treated observation's value without the change from that fit, and averages the
//! differences. With one start date and a full panel it is the textbook difference in
//! differences; with staggered starts it never uses an already-treated unit as a comparison,
//! which is what biases the naive regression.

use crate::panel::{self, Panel, TwoWay};

/// When each unit's change starts (a period index), or `None` for a comparison unit.
pub type Starts = [Option<usize>];

/// Which rows are fitted and which are estimated: the main estimate takes the treated rows;
/// the placebo takes each treated unit's last `lead` periods before its start, fitting on the
/// rows before those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Treated,
    Placebo { lead: usize },
}

/// A row estimated: its index, its time relative to the unit's start (0 = the first treated
/// period, -1 the last before), and the difference from its predicted value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub row: usize,
    pub event: i64,
    pub tau: f64,
}

/// The estimate for one assignment of starts.
#[derive(Debug, Clone)]
pub struct Imputed {
    /// The rows the fit used.
    pub fitted_rows: Vec<usize>,
    pub fit: TwoWay,
    /// The target rows that could be predicted.
    pub effects: Vec<Effect>,
    /// Target rows without a prediction (their period has no untreated row, or their unit none).
    pub dropped: usize,
}

impl Imputed {
    /// The average effect over the estimated rows; `None` without any.
    pub fn average(&self) -> Option<f64> {
        mean(self.effects.iter().map(|e| e.tau))
    }

    /// The average effect by event time, in event order: (event, average, rows).
    pub fn by_event(&self) -> Vec<(i64, f64, usize)> {
        let mut sums: std::collections::BTreeMap<i64, (f64, usize)> = Default::default();
        for e in &self.effects {
            let s = sums.entry(e.event).or_default();
            s.0 += e.tau;
            s.1 += 1;
        }
        sums.into_iter()
            .map(|(event, (sum, n))| (event, sum / n as f64, n))
            .collect()
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Splits the rows of `panel` into fitted and target rows under `starts`.
fn split(panel: &Panel, starts: &Starts, target: Target) -> (Vec<usize>, Vec<(usize, i64)>) {
    let mut fitted = Vec::new();
    let mut targets = Vec::new();
    for (row, o) in panel.obs.iter().enumerate() {
        let Some(start) = starts[o.unit] else {
            fitted.push(row);
            continue;
        };
        let event = o.period as i64 - start as i64;
        match target {
            Target::Treated if event >= 0 => targets.push((row, event)),
            Target::Treated => fitted.push(row),
            Target::Placebo { lead } if event < -(lead as i64) => fitted.push(row),
            Target::Placebo { .. } if event < 0 => targets.push((row, event)),
            Target::Placebo { .. } => {}
        }
    }
    (fitted, targets)
}

/// The imputation estimate under `starts`.
pub fn impute(panel: &Panel, starts: &Starts, target: Target) -> Imputed {
    let (fitted_rows, targets) = split(panel, starts, target);
    let fit = panel::fit(panel, &fitted_rows);
    let mut effects = Vec::with_capacity(targets.len());
    let mut dropped = 0;
    for (row, event) in targets {
        let o = &panel.obs[row];
        match fit.fitted(o.unit, o.period) {
            Some(predicted) => effects.push(Effect {
                row,
                event,
                tau: o.y - predicted,
            }),
            None => dropped += 1,
        }
    }
    Imputed {
        fitted_rows,
        fit,
        effects,
        dropped,
    }
}

/// The weight of every row of the panel in an average of the estimated effects (`weight` of
/// each estimated effect): the estimate is `Σ c_row · y_row`. Target rows weigh `weight`; a
/// fitted row weighs minus its share in the predictions (the adjoint of the fit).
pub fn weights(panel: &Panel, imputed: &Imputed, weight: impl Fn(&Effect) -> f64) -> Vec<f64> {
    let mut c = vec![0.0; panel.obs.len()];
    let mut rhs_unit = vec![0.0; panel.units];
    let mut rhs_period = vec![0.0; panel.periods];
    for e in &imputed.effects {
        let w = weight(e);
        c[e.row] = w;
        let o = &panel.obs[e.row];
        rhs_unit[o.unit] += w;
        rhs_period[o.period] += w;
    }
    let adjoint = panel::solve(panel, &imputed.fitted_rows, &rhs_unit, &rhs_period);
    for &row in &imputed.fitted_rows {
        let o = &panel.obs[row];
        c[row] = -adjoint.fitted(o.unit, o.period).unwrap_or(0.0);
    }
    c
}

/// The unit-clustered standard error of the average effect (`G/(G-1)` small-sample factor): the
/// residuals are the fit's on fitted rows and each effect's distance from its event time's
/// average on estimated rows.
pub fn clustered_se(panel: &Panel, imputed: &Imputed) -> Option<(f64, usize)> {
    let n = imputed.effects.len();
    if n == 0 {
        return None;
    }
    let c = weights(panel, imputed, |_| 1.0 / n as f64);
    let event_means = imputed.by_event();
    let mut residual = vec![0.0; panel.obs.len()];
    for &row in &imputed.fitted_rows {
        let o = &panel.obs[row];
        residual[row] = o.y - imputed.fit.fitted(o.unit, o.period).unwrap_or(o.y);
    }
    for e in &imputed.effects {
        let mean = event_means
            .iter()
            .find(|(ev, _, _)| *ev == e.event)
            .map(|(_, m, _)| *m)
            .unwrap_or(e.tau);
        residual[e.row] = e.tau - mean;
    }
    let mut score = vec![0.0; panel.units];
    let mut present = vec![false; panel.units];
    for (row, o) in panel.obs.iter().enumerate() {
        score[o.unit] += c[row] * residual[row];
        present[o.unit] = true;
    }
    let clusters = present.iter().filter(|p| **p).count();
    if clusters < 2 {
        return None;
    }
    let g = clusters as f64;
    let v = g / (g - 1.0) * score.iter().map(|s| s * s).sum::<f64>();
    Some((v.sqrt(), clusters))
}

/// The naive two-way fixed-effects estimate: the coefficient of "treated now" in a regression
/// with unit and period effects on every row. With staggered starts it compares later-treated
/// units with already-treated ones, and can even take the wrong sign.
pub fn naive_twfe(panel: &Panel, starts: &Starts) -> Option<f64> {
    let rows: Vec<usize> = (0..panel.obs.len()).collect();
    let treated = panel.with_values(|_, o| match starts[o.unit] {
        Some(s) if o.period >= s => 1.0,
        _ => 0.0,
    });
    let fit_y = panel::fit(panel, &rows);
    let fit_d = panel::fit(&treated, &rows);
    let (mut xy, mut xx) = (0.0, 0.0);
    for (row, o) in panel.obs.iter().enumerate() {
        let x = treated.obs[row].y - fit_d.fitted(o.unit, o.period)?;
        let y = o.y - fit_y.fitted(o.unit, o.period)?;
        xy += x * y;
        xx += x * x;
    }
    (xx > 1e-12).then(|| xy / xx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::Obs;

    /// Two units, two periods: the textbook 2x2.
    #[test]
    fn the_two_by_two_is_the_difference_of_the_differences_by_hand() {
        // Comparison: 10 -> 12; treated: 20 -> 17. By hand: (17 - 20) - (12 - 10) = -5.
        let panel = Panel::new(
            vec![
                Obs {
                    unit: 0,
                    period: 0,
                    y: 10.0,
                },
                Obs {
                    unit: 0,
                    period: 1,
                    y: 12.0,
                },
                Obs {
                    unit: 1,
                    period: 0,
                    y: 20.0,
                },
                Obs {
                    unit: 1,
                    period: 1,
                    y: 17.0,
                },
            ],
            2,
            2,
        )
        .unwrap();
        let starts = [None, Some(1)];
        let est = impute(&panel, &starts, Target::Treated);
        assert!((est.average().unwrap() + 5.0).abs() < 1e-9);
        assert!((naive_twfe(&panel, &starts).unwrap() + 5.0).abs() < 1e-9);
        // Its weights: +1 on the treated after, -1 on treated before and comparison after,
        // +1 on comparison before.
        let c = weights(&panel, &est, |_| 1.0);
        let expected = [1.0, -1.0, -1.0, 1.0];
        for (got, want) in c.iter().zip(expected) {
            assert!((got - want).abs() < 1e-9, "{c:?}");
        }
    }

    /// Three comparison and two treated units over four periods, by hand: the difference of the
    /// groups' mean changes from the two periods before to the two after.
    #[test]
    fn a_balanced_panel_with_one_start_gives_the_means_difference_in_differences() {
        let values = [
            [3.0, 4.0, 6.0, 5.0],
            [1.0, 2.0, 2.0, 3.0],
            [7.0, 9.0, 8.0, 10.0],
            [4.0, 6.0, 9.0, 11.0],
            [2.0, 2.0, 6.0, 7.0],
        ];
        let obs = values
            .iter()
            .enumerate()
            .flat_map(|(u, row)| {
                row.iter().enumerate().map(move |(t, y)| Obs {
                    unit: u,
                    period: t,
                    y: *y,
                })
            })
            .collect();
        let panel = Panel::new(obs, 5, 4).unwrap();
        let starts = [None, None, None, Some(2), Some(2)];
        let mean = |units: &[usize], periods: &[usize]| {
            let mut s = 0.0;
            for u in units {
                for t in periods {
                    s += values[*u][*t];
                }
            }
            s / (units.len() * periods.len()) as f64
        };
        let by_hand = (mean(&[3, 4], &[2, 3]) - mean(&[3, 4], &[0, 1]))
            - (mean(&[0, 1, 2], &[2, 3]) - mean(&[0, 1, 2], &[0, 1]));
        let est = impute(&panel, &starts, Target::Treated);
        assert!((est.average().unwrap() - by_hand).abs() < 1e-9, "{by_hand}");
        assert!((naive_twfe(&panel, &starts).unwrap() - by_hand).abs() < 1e-9);
        assert_eq!(est.effects.len(), 4);
        assert_eq!(est.dropped, 0);
    }
}
