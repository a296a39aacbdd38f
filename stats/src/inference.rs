//! Randomisation inference: how large an estimate the same analysis finds when the change is
//! given to other units. City experiments have a handful of units (ten departments, thirteen
//! districts), too few for unit-clustered standard errors, whose intervals are then too narrow
//! (the simulation in the tests shows it). Re-running the analysis under every other assignment
//! of the same start dates to the same units (or, when there are too many, under a fixed-seed
//! sample of them) gives a p-value whose size holds with any number of units, and the interval of
//! effects it does not reject.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::estimate::Starts;

/// The assignments an analysis is re-run under: the actual one first.
#[derive(Debug, Clone)]
pub struct Assignments {
    pub starts: Vec<Vec<Option<usize>>>,
    /// Every distinct assignment (true), or a random sample of them.
    pub exhaustive: bool,
    /// How many distinct assignments there are.
    pub possible: f64,
}

/// The number of distinct ways to give `starts` to its units: a multinomial coefficient.
pub fn count_assignments(starts: &Starts) -> f64 {
    let mut groups: Vec<Option<usize>> = starts.to_vec();
    groups.sort_unstable();
    let mut ways = 1.0f64;
    let mut placed = 0usize;
    let mut i = 0;
    while i < groups.len() {
        let mut j = i;
        while j < groups.len() && groups[j] == groups[i] {
            j += 1;
        }
        // choose(placed + k, k), built up one at a time to stay exact for small numbers
        for k in 1..=(j - i) {
            ways = ways * (placed + k) as f64 / k as f64;
        }
        placed += j - i;
        i = j;
    }
    ways.round()
}

/// Every distinct assignment when there are at most `limit`, else the actual one and `draws`
/// random ones from a ChaCha stream seeded with `seed` (the same every run).
pub fn assignments(actual: &Starts, limit: usize, draws: usize, seed: u64) -> Assignments {
    let possible = count_assignments(actual);
    if possible <= limit as f64 {
        let mut all = Vec::with_capacity(possible as usize);
        let mut values: Vec<Option<usize>> = actual.to_vec();
        values.sort_unstable();
        permutations(
            &mut values,
            &mut Vec::new(),
            &mut vec![false; actual.len()],
            &mut all,
        );
        // The actual assignment first.
        if let Some(pos) = all.iter().position(|a| a.as_slice() == actual) {
            all.swap(0, pos);
        }
        return Assignments {
            starts: all,
            exhaustive: true,
            possible,
        };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![actual.to_vec()];
    for _ in 0..draws {
        let mut a = actual.to_vec();
        for i in (1..a.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            a.swap(i, j);
        }
        out.push(a);
    }
    Assignments {
        starts: out,
        exhaustive: false,
        possible,
    }
}

/// The distinct permutations of the sorted multiset `values`.
fn permutations(
    values: &mut [Option<usize>],
    current: &mut Vec<Option<usize>>,
    used: &mut Vec<bool>,
    out: &mut Vec<Vec<Option<usize>>>,
) {
    if current.len() == values.len() {
        out.push(current.clone());
        return;
    }
    for i in 0..values.len() {
        if used[i] || (i > 0 && values[i] == values[i - 1] && !used[i - 1]) {
            continue;
        }
        used[i] = true;
        current.push(values[i]);
        permutations(values, current, used, out);
        current.pop();
        used[i] = false;
    }
}

/// What the analysis gives under one assignment, for the actual data and for its parts.
#[derive(Debug, Clone)]
struct Rerun {
    /// The average effect on the data.
    on_data: Option<f64>,
    /// The average effect on the actual treatment indicator (1 under the actual assignment):
    /// an effect of size θ everywhere shifts this assignment's estimate by θ times this.
    on_indicator: Option<f64>,
}

/// A randomisation test of "the effect is θ on every treated observation", for any θ.
#[derive(Debug, Clone)]
pub struct Randomisation {
    estimate: f64,
    reruns: Vec<Rerun>,
}

impl Randomisation {
    /// The test from each assignment's (estimate on the data, estimate on the actual treatment
    /// indicator), the actual assignment first; `None` when the actual one has no estimate.
    /// An assignment without either estimate takes no part.
    pub fn from_reruns(
        reruns: impl IntoIterator<Item = (Option<f64>, Option<f64>)>,
    ) -> Option<Randomisation> {
        let reruns: Vec<Rerun> = reruns
            .into_iter()
            .map(|(on_data, on_indicator)| Rerun {
                on_data,
                on_indicator,
            })
            .collect();
        let estimate = reruns.first()?.on_data?;
        Some(Randomisation { estimate, reruns })
    }

    /// The actual assignment's estimate.
    pub fn estimate(&self) -> f64 {
        self.estimate
    }

    /// The share of assignments whose estimate is at least as far from θ as the actual one is,
    /// with the data shifted to "the effect is θ".
    pub fn p_value(&self, theta: f64) -> f64 {
        let observed = (self.estimate - theta).abs();
        let mut at_least = 0usize;
        let mut counted = 0usize;
        for r in &self.reruns {
            if let (Some(a), Some(b)) = (r.on_data, r.on_indicator) {
                counted += 1;
                if (a - theta * b).abs() >= observed * (1.0 - 1e-9) {
                    at_least += 1;
                }
            }
        }
        at_least as f64 / counted.max(1) as f64
    }

    /// The smallest p-value the assignments can give: with few units even the most extreme
    /// estimate cannot be significant.
    pub fn smallest_p(&self) -> f64 {
        1.0 / self
            .reruns
            .iter()
            .filter(|r| r.on_data.is_some() && r.on_indicator.is_some())
            .count()
            .max(1) as f64
    }

    /// The interval of effects not rejected at `1 - level`, from the estimate outwards; an end
    /// is `None` when no effect that far is rejected (the data cannot bound it). `step` is a
    /// first guess of the interval's half-width (a standard error).
    pub fn interval(&self, level: f64, step: f64) -> (Option<f64>, Option<f64>) {
        let alpha = 1.0 - level;
        let step = if step.is_finite() && step > 0.0 {
            step
        } else {
            self.estimate.abs().max(1.0) * 0.01
        };
        let bound = |direction: f64| -> Option<f64> {
            let mut inside = self.estimate;
            let mut outside = None;
            let mut width = step;
            for _ in 0..60 {
                let theta = self.estimate + direction * width;
                if self.p_value(theta) <= alpha {
                    outside = Some(theta);
                    break;
                }
                inside = theta;
                width *= 2.0;
            }
            let mut outside = outside?;
            for _ in 0..80 {
                let mid = 0.5 * (inside + outside);
                if self.p_value(mid) <= alpha {
                    outside = mid;
                } else {
                    inside = mid;
                }
            }
            Some(inside)
        };
        (bound(-1.0), bound(1.0))
    }
}

/// The randomisation distribution of any statistic of the panel: its value under each
/// assignment (the actual first), `None` where it cannot be computed.
/// `progress` hears how many assignments are done.
pub fn rerun<T>(
    assignments: &Assignments,
    progress: &dyn Fn(usize),
    statistic: impl Fn(&Starts) -> Option<T>,
) -> Vec<Option<T>> {
    assignments
        .starts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            progress(i);
            statistic(s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_distinct_assignment_is_counted_and_listed_once() {
        let actual = [None, Some(3), None, Some(3), Some(5)];
        assert_eq!(count_assignments(&actual), 30.0); // 5! / (2! 2! 1!)
        let a = assignments(&actual, 1000, 0, 1);
        assert!(a.exhaustive);
        assert_eq!(a.starts.len(), 30);
        assert_eq!(a.starts[0], actual);
        let mut distinct = a.starts.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 30);
        assert_eq!(
            count_assignments(
                &[None; 10]
                    .iter()
                    .chain(&[Some(1); 5])
                    .copied()
                    .collect::<Vec<_>>()
            ),
            3003.0
        );
    }

    #[test]
    fn too_many_assignments_are_sampled_the_same_way_every_run() {
        let mut actual = vec![None; 40];
        actual[..6].iter_mut().for_each(|s| *s = Some(2));
        let a = assignments(&actual, 1000, 99, 7);
        let b = assignments(&actual, 1000, 99, 7);
        assert!(!a.exhaustive);
        assert_eq!(a.starts.len(), 100);
        assert_eq!(a.starts, b.starts);
        assert!(a
            .starts
            .iter()
            .all(|s| s.iter().filter(|x| x.is_some()).count() == 6));
    }
}
