//! A panel of a KPI's values by unit and period, and the two-way fixed-effects fit
//! (`y = a_unit + b_period`) that every estimate here stands on.

/// One value of the KPI: a unit in a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    pub unit: usize,
    pub period: usize,
    pub y: f64,
}

/// The values of units `0..units` in periods `0..periods`; a cell without a value is simply
/// absent (a week without appeals has no median).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub obs: Vec<Obs>,
    pub units: usize,
    pub periods: usize,
}

impl Panel {
    /// A panel of `obs`; every unit and period index must be below `units` and `periods`, and
    /// every value finite.
    pub fn new(obs: Vec<Obs>, units: usize, periods: usize) -> Result<Panel, String> {
        if let Some(o) = obs.iter().find(|o| o.unit >= units || o.period >= periods) {
            return Err(format!(
                "observation of unit {} in period {} is outside the panel",
                o.unit, o.period
            ));
        }
        if let Some(o) = obs.iter().find(|o| !o.y.is_finite()) {
            return Err(format!(
                "the value of unit {} in period {} is not a number",
                o.unit, o.period
            ));
        }
        Ok(Panel {
            obs,
            units,
            periods,
        })
    }

    /// The same panel with every value replaced by `f(index, obs)`.
    pub fn with_values(&self, f: impl Fn(usize, &Obs) -> f64) -> Panel {
        Panel {
            obs: self
                .obs
                .iter()
                .enumerate()
                .map(|(i, o)| Obs { y: f(i, o), ..*o })
                .collect(),
            units: self.units,
            periods: self.periods,
        }
    }
}

/// Unit and period effects of a two-way fit; `NaN` for a unit or period without any row in it.
#[derive(Debug, Clone)]
pub struct TwoWay {
    pub unit: Vec<f64>,
    pub period: Vec<f64>,
}

impl TwoWay {
    /// The fitted value of a unit in a period, if both have effects.
    pub fn fitted(&self, unit: usize, period: usize) -> Option<f64> {
        let v = self.unit[unit] + self.period[period];
        v.is_finite().then_some(v)
    }
}

/// The most sweeps of the fit; a connected panel converges in far fewer (a balanced one in two).
const MAX_SWEEPS: usize = 20_000;

/// Solves the normal equations of `y = a_unit + b_period` over the observations `rows` of
/// `panel`, with right-hand sides given as sums per unit and per period, by Gauss–Seidel sweeps
/// (alternating projections). With `rhs` the sums of `y` this is the least-squares fit; with
/// other sums it is the adjoint solve that gives an estimate's weights on the rows.
pub fn solve(panel: &Panel, rows: &[usize], rhs_unit: &[f64], rhs_period: &[f64]) -> TwoWay {
    let mut count_unit = vec![0usize; panel.units];
    let mut count_period = vec![0usize; panel.periods];
    for &r in rows {
        let o = &panel.obs[r];
        count_unit[o.unit] += 1;
        count_period[o.period] += 1;
    }
    let mut unit = vec![0.0; panel.units];
    let mut period = vec![0.0; panel.periods];
    let scale = rhs_unit
        .iter()
        .chain(rhs_period)
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-300);
    let mut sum_unit = vec![0.0; panel.units];
    let mut sum_period = vec![0.0; panel.periods];
    for _ in 0..MAX_SWEEPS {
        sum_unit.iter_mut().for_each(|s| *s = 0.0);
        for &r in rows {
            let o = &panel.obs[r];
            sum_unit[o.unit] += period[o.period];
        }
        let mut change = 0.0f64;
        for u in 0..panel.units {
            if count_unit[u] > 0 {
                let next = (rhs_unit[u] - sum_unit[u]) / count_unit[u] as f64;
                change = change.max((next - unit[u]).abs());
                unit[u] = next;
            }
        }
        sum_period.iter_mut().for_each(|s| *s = 0.0);
        for &r in rows {
            let o = &panel.obs[r];
            sum_period[o.period] += unit[o.unit];
        }
        for t in 0..panel.periods {
            if count_period[t] > 0 {
                let next = (rhs_period[t] - sum_period[t]) / count_period[t] as f64;
                change = change.max((next - period[t]).abs());
                period[t] = next;
            }
        }
        if change <= 1e-13 * scale {
            break;
        }
    }
    for (u, c) in count_unit.iter().enumerate() {
        if *c == 0 {
            unit[u] = f64::NAN;
        }
    }
    for (t, c) in count_period.iter().enumerate() {
        if *c == 0 {
            period[t] = f64::NAN;
        }
    }
    TwoWay { unit, period }
}

/// The least-squares fit of `y = a_unit + b_period` over the rows `rows` of `panel`.
pub fn fit(panel: &Panel, rows: &[usize]) -> TwoWay {
    let mut rhs_unit = vec![0.0; panel.units];
    let mut rhs_period = vec![0.0; panel.periods];
    for &r in rows {
        let o = &panel.obs[r];
        rhs_unit[o.unit] += o.y;
        rhs_period[o.period] += o.y;
    }
    solve(panel, rows, &rhs_unit, &rhs_period)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(values: &[(usize, usize, f64)], units: usize, periods: usize) -> Panel {
        Panel::new(
            values
                .iter()
                .map(|&(unit, period, y)| Obs { unit, period, y })
                .collect(),
            units,
            periods,
        )
        .unwrap()
    }

    #[test]
    fn an_additive_panel_is_fitted_exactly_even_with_holes() {
        // y = unit effect + period effect, one cell missing.
        let a = [1.0, 5.0, -2.0];
        let b = [0.0, 3.0, 7.0, 2.0];
        let mut cells = Vec::new();
        for (u, au) in a.iter().enumerate() {
            for (t, bt) in b.iter().enumerate() {
                if (u, t) != (1, 2) {
                    cells.push((u, t, au + bt));
                }
            }
        }
        let p = panel(&cells, 3, 4);
        let rows: Vec<usize> = (0..p.obs.len()).collect();
        let f = fit(&p, &rows);
        for o in &p.obs {
            assert!((f.fitted(o.unit, o.period).unwrap() - o.y).abs() < 1e-9);
        }
        // The missing cell is predicted from the others.
        assert!((f.fitted(1, 2).unwrap() - 12.0).abs() < 1e-9);
    }

    #[test]
    fn a_unit_without_rows_has_no_effect() {
        let p = panel(&[(0, 0, 1.0), (0, 1, 2.0)], 2, 2);
        let f = fit(&p, &[0, 1]);
        assert!(f.fitted(1, 0).is_none());
        assert!(f.fitted(0, 1).is_some());
    }

    #[test]
    fn a_value_outside_the_panel_or_not_a_number_is_refused() {
        assert!(Panel::new(
            vec![Obs {
                unit: 2,
                period: 0,
                y: 1.0
            }],
            2,
            1
        )
        .is_err());
        assert!(Panel::new(
            vec![Obs {
                unit: 0,
                period: 0,
                y: f64::NAN
            }],
            1,
            1
        )
        .is_err());
    }
}
