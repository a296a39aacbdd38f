//! Fair comparisons of units: each value's 95% interval, the funnel of where a unit of a given
//! size would fall by chance around the parent's value, and the verdict "better, worse or not
//! distinguishable" that a league table may say only when the interval says so.
//!
//! - A share (successes of trials): the Wilson score interval, which stays inside 0..1 and keeps
//!   its coverage for small counts, unlike the textbook p ± z·se.
//! - A count per population (appeals per 1,000 residents): the exact Poisson (Garwood) interval
//!   of the count, scaled by the population.
//! - A median: the order-statistic interval, the sample's `j`-th and `k`-th smallest values with
//!   ranks from the binomial(n, ½) (no assumption on the distribution); [`median_ranks`].
//!
//! Funnel limits (Spiegelhalter, 2005) use the same families around the parent's value: for a
//! share the normal approximation to the binomial, for a count the exact Poisson, for a median
//! the parent's own interval widened as `1/√n`.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// The two-sided normal quantile for `level` (0.95 gives 1.96; 0.998 gives 3.09).
pub fn z(level: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

/// The Wilson score interval of a share, `successes` of `trials`, as fractions; `None` without
/// trials.
pub fn wilson(successes: f64, trials: f64, level: f64) -> Option<(f64, f64)> {
    if trials <= 0.0 || !(0.0..=trials).contains(&successes) {
        return None;
    }
    let z = z(level);
    let p = successes / trials;
    let z2n = z * z / trials;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / trials + z2n / (4.0 * trials)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The exact (Garwood) interval of a Poisson count: the expected counts that would make the one
/// seen at the edge of `level`.
pub fn poisson(count: f64, level: f64) -> Option<(f64, f64)> {
    if !count.is_finite() || count < 0.0 {
        return None;
    }
    let alpha = 1.0 - level;
    let chi = |df: f64, p: f64| ChiSquared::new(df).ok().map(|c| c.inverse_cdf(p));
    let low = if count == 0.0 {
        0.0
    } else {
        chi(2.0 * count, alpha / 2.0)? / 2.0
    };
    let high = chi(2.0 * count + 2.0, 1.0 - alpha / 2.0)? / 2.0;
    Some((low, high))
}

/// The 1-based ranks `(j, k)` of the sample values that bound the median with at least `level`
/// confidence: `j` the largest rank with P(Binomial(n, ½) < j) ≤ (1 - level)/2, `k = n + 1 - j`.
/// `None` when the sample is too small for any such interval (n < 6 at 95%).
pub fn median_ranks(n: u64, level: f64) -> Option<(u64, u64)> {
    let tail = (1.0 - level) / 2.0;
    // P(Bin(n, ½) <= i), accumulated in logs to stay finite for large n.
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0f64;
    let mut below = 0.0f64;
    let mut j = 0u64;
    for i in 0..n {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        below += (ln_choose + ln_half_n).exp();
        // `below` is P(X <= i) = P(X < i + 1): rank i + 1 keeps the tail within bounds.
        if below <= tail {
            j = i + 1;
        } else {
            break;
        }
    }
    (j >= 1).then(|| (j, n + 1 - j))
}

/// Where a unit stands against its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versus {
    /// Its interval lies wholly on the better side of the parent's value.
    Better,
    /// Wholly on the worse side.
    Worse,
    /// The interval holds the parent's value: no difference the data can show.
    Alike,
    /// No interval to judge by.
    Unknown,
}

/// Better, worse or alike, from the unit's interval against the parent's value;
/// `higher_is_better` orients it.
pub fn versus(interval: Option<(f64, f64)>, parent: Option<f64>, higher_is_better: bool) -> Versus {
    let (Some((low, high)), Some(parent)) = (interval, parent) else {
        return Versus::Unknown;
    };
    let above = low > parent;
    let below = high < parent;
    match (above, below, higher_is_better) {
        (true, _, true) | (_, true, false) => Versus::Better,
        (true, _, false) | (_, true, true) => Versus::Worse,
        _ => Versus::Alike,
    }
}

/// The funnel's limits around a parent's value for units of size `n` (trials, population or
/// sample size), at `level`: what a unit like the parent would show by chance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Funnel {
    /// A share (0..1) of `n` trials: p ± z·√(p(1-p)/n).
    Share { parent: f64 },
    /// A rate per head (count / population), the count Poisson with mean rate·n.
    Rate { parent: f64 },
    /// A value whose own 95% interval half-width was `half` on `n` rows; scaled by √(n/m).
    Spread { parent: f64, half: f64, n: f64 },
}

impl Funnel {
    /// The limits for a unit of size `n`, or `None` when `n` is not positive.
    pub fn limits(&self, n: f64, level: f64) -> Option<(f64, f64)> {
        if n.is_nan() || n <= 0.0 {
            return None;
        }
        match *self {
            Funnel::Share { parent } => {
                let half = z(level) * (parent * (1.0 - parent) / n).sqrt();
                Some(((parent - half).max(0.0), (parent + half).min(1.0)))
            }
            Funnel::Rate { parent } => {
                // The counts a unit of this size would show with probability `level`, as rates.
                let expected = parent * n;
                let (low, high) = poisson_counts(expected, level)?;
                Some((low / n, high / n))
            }
            Funnel::Spread {
                parent,
                half,
                n: parent_n,
            } => {
                let scaled = half * (parent_n / n).sqrt() * (z(level) / z(0.95));
                Some((parent - scaled, parent + scaled))
            }
        }
    }
}

/// The central `level` range of a Poisson count with mean `mean`: the counts at `(1-level)/2` and
/// `(1+level)/2`, interpolated within the count where the distribution passes them
/// (Spiegelhalter 2005), so the funnel's edges are smooth rather than steps.
fn poisson_counts(mean: f64, level: f64) -> Option<(f64, f64)> {
    if !mean.is_finite() || mean <= 0.0 {
        return None;
    }
    let tail = (1.0 - level) / 2.0;
    let quantile = |p: f64| -> f64 {
        let mut term = (-mean).exp();
        if term == 0.0 {
            // A large mean: the normal approximation is within a fraction of a count.
            return (mean + Normal::standard().inverse_cdf(p) * mean.sqrt()).max(0.0);
        }
        // The count x where the distribution function passes p, and how far into x's own
        // probability it passes it: x - 1 + (p - F(x-1)) / P(x), so the limits move smoothly.
        let mut below = 0.0;
        let mut cdf = term;
        let mut x = 0.0;
        while cdf < p {
            x += 1.0;
            term *= mean / x;
            below = cdf;
            cdf += term;
        }
        (x - 1.0 + (p - below) / (cdf - below)).max(0.0)
    };
    Some((quantile(tail), quantile(1.0 - tail)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn the_normal_quantiles_are_the_tables() {
        assert!(near(z(0.95), 1.959_964, 1e-6));
        assert!(near(z(0.998), 3.090_232, 1e-6));
    }

    /// Newcombe (1998), Statistics in Medicine 17: 857-872, table I: 81 of 263 gives 0.2553 to
    /// 0.3662; 15 of 148, 0.0624 to 0.1605; 0 of 20, 0 to 0.1611.
    #[test]
    fn the_wilson_interval_matches_newcombes_table() {
        for (x, n, low, high) in [
            (81.0, 263.0, 0.2553, 0.3662),
            (15.0, 148.0, 0.0624, 0.1605),
            (0.0, 20.0, 0.0, 0.1611),
            (1.0, 29.0, 0.0061, 0.1718),
        ] {
            let (l, h) = wilson(x, n, 0.95).unwrap();
            assert!(
                near(l, low, 5e-5) && near(h, high, 5e-5),
                "{x}/{n}: {l} {h}"
            );
        }
        assert_eq!(wilson(1.0, 0.0, 0.95), None);
        assert_eq!(wilson(5.0, 4.0, 0.95), None);
    }

    /// Garwood's exact limits, as tabulated (e.g. Ulm 1990): 0 -> 0 to 3.689; 1 -> 0.0253 to
    /// 5.572; 10 -> 4.795 to 18.39; 100 -> 81.36 to 121.63.
    #[test]
    fn the_poisson_interval_matches_the_exact_tables() {
        for (count, low, high) in [
            (0.0, 0.0, 3.689),
            (1.0, 0.0253, 5.572),
            (10.0, 4.795, 18.39),
            (100.0, 81.36, 121.63),
        ] {
            let (l, h) = poisson(count, 0.95).unwrap();
            assert!(
                near(l, low, 6e-3) && near(h, high, 6e-3),
                "{count}: {l} {h}"
            );
        }
    }

    /// The ranks of the distribution-free median interval (Conover, Practical Nonparametric
    /// Statistics, table A3; Campbell and Gardner 1988): n = 6 -> 1st and 6th, 10 -> 2nd and
    /// 9th, 20 -> 6th and 15th, 50 -> 18th and 33rd, 100 -> 40th and 61st.
    #[test]
    fn the_median_interval_takes_the_tabulated_ranks() {
        assert_eq!(median_ranks(5, 0.95), None);
        for (n, j, k) in [
            (6, 1, 6),
            (10, 2, 9),
            (20, 6, 15),
            (50, 18, 33),
            (100, 40, 61),
        ] {
            assert_eq!(median_ranks(n, 0.95), Some((j, k)), "n = {n}");
        }
        // Large samples: within one rank of n/2 ± 0.98·√n.
        let (j, k) = median_ranks(10_000, 0.95).unwrap();
        assert!(j.abs_diff(4902) <= 1 && k.abs_diff(5099) <= 1, "{j} {k}");
    }

    #[test]
    fn better_and_worse_need_the_whole_interval_on_one_side() {
        assert_eq!(versus(Some((0.91, 0.95)), Some(0.9), true), Versus::Better);
        assert_eq!(versus(Some((0.91, 0.95)), Some(0.9), false), Versus::Worse);
        assert_eq!(versus(Some((0.85, 0.95)), Some(0.9), true), Versus::Alike);
        assert_eq!(
            versus(Some((20.0, 30.0)), Some(36.0), false),
            Versus::Better
        );
        assert_eq!(versus(None, Some(0.9), true), Versus::Unknown);
    }

    #[test]
    fn funnel_limits_narrow_as_units_grow() {
        let share = Funnel::Share { parent: 0.9 };
        let (l100, h100) = share.limits(100.0, 0.95).unwrap();
        assert!(near(l100, 0.9 - 1.96 * 0.03, 1e-3) && near(h100, 0.9 + 1.96 * 0.03, 1e-3));
        let (l998, h998) = share.limits(100.0, 0.998).unwrap();
        assert!(l998 < l100 && h998 > h100);
        let (l10k, h10k) = share.limits(10_000.0, 0.95).unwrap();
        assert!(h10k - l10k < (h100 - l100) / 9.0);
        // 5 appeals per 1,000 residents: a town of 10,000 expects 50; the Poisson distribution
        // passes 2.5% within the count 37 and 97.5% within 64, i.e. 3.6 to 3.7 and 6.3 to 6.4
        // per 1,000.
        let rate = Funnel::Rate { parent: 0.005 };
        let (l, h) = rate.limits(10_000.0, 0.95).unwrap();
        assert!((3.6..=3.7).contains(&(l * 1000.0)), "{l}");
        assert!((6.3..=6.4).contains(&(h * 1000.0)), "{h}");
        // Smooth: a slightly larger town moves its limits slightly.
        let (l2, _) = rate.limits(10_100.0, 0.95).unwrap();
        assert!((l2 - l).abs() < 0.02 / 1000.0, "{l} {l2}");
        // A median of 36 h whose interval was ±2 h on 400 rows: ±4 h on 100 rows.
        let spread = Funnel::Spread {
            parent: 36.0,
            half: 2.0,
            n: 400.0,
        };
        let (l, h) = spread.limits(100.0, 0.95).unwrap();
        assert!(near(l, 32.0, 1e-9) && near(h, 40.0, 1e-9), "{l} {h}");
        assert_eq!(share.limits(0.0, 0.95), None);
    }
}
