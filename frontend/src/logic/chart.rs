//! Chart geometry: value to pixel, axis ticks, which point the pointer is nearest, SVG paths.
//! Pixels here are SVG user units of the chart's `viewBox`.

/// A linear map from a domain of values onto a range of pixels. The range may run backwards
/// (an SVG y axis grows downwards, so values map onto `(bottom, top)`).
/// SVG numbers: one decimal is finer than a pixel.
pub fn px(v: f64) -> String {
    format!("{v:.1}")
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    domain: (f64, f64),
    range: (f64, f64),
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale { domain, range }
    }

    /// The pixel of `value`; a domain of zero width maps everything onto the middle of the range.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (d1 - d0).abs() < f64::EPSILON {
            return (r0 + r1) / 2.0;
        }
        r0 + (value - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// A round step near `raw`: 1, 2 or 5 times a power of ten.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction < 1.5 {
        1.0
    } else if fraction < 3.0 {
        2.0
    } else if fraction < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// `k` steps, rounded to the step's decimals so that 3 x 0.1 is 0.3 and not 0.30000000000000004
/// (the same tick must compare equal wherever it is computed).
fn on_grid(k: f64, step: f64) -> f64 {
    let places = (-step.log10().floor()).clamp(0.0, 12.0) as i32;
    let scale = 10f64.powi(places);
    (k * step * scale).round() / scale
}

/// The axis extent for `values` (target included by the caller): widened to round tick steps so the
/// axis starts and ends on a tick, never below zero when no value is, and never of zero width.
/// `None` when there is no finite value to show.
pub fn nice_domain(values: &[f64], ticks: usize) -> Option<(f64, f64)> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (mut lo, mut hi) = finite.fold(None, |acc: Option<(f64, f64)>, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })?;
    let non_negative = lo >= 0.0;
    if hi - lo < 1e-9 {
        let pad = (hi.abs() * 0.1).max(1.0);
        lo -= pad;
        hi += pad;
    }
    // Rounding outwards widens the range, which may call for a coarser step; a few rounds settle it,
    // and then `nice_ticks` over the result picks the same step, so the axis ends on ticks.
    for _ in 0..4 {
        let step = nice_step((hi - lo) / ticks.max(1) as f64);
        lo = on_grid((lo / step).floor(), step);
        hi = on_grid((hi / step).ceil(), step);
        if non_negative && lo < 0.0 {
            lo = 0.0;
        }
        if nice_step((hi - lo) / ticks.max(1) as f64) == step {
            break;
        }
    }
    Some((lo, hi))
}

/// Round tick values inside `lo..=hi`, about `count` of them.
pub fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return Vec::new();
    }
    let step = nice_step((hi - lo) / count.max(1) as f64);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| on_grid(k as f64, step)).collect()
}

/// The index of the position nearest `x` (the earlier one on a tie); `None` for no positions.
pub fn nearest(positions: &[f64], x: f64) -> Option<usize> {
    positions
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, f64)>, (i, p)| {
            let distance = (p - x).abs();
            match best {
                Some((_, d)) if d <= distance => best,
                _ => Some((i, distance)),
            }
        })
        .map(|(i, _)| i)
}

/// Which of `n` evenly spaced categories get an axis label, so at most `max_labels` do, spread evenly
/// and starting with the first.
pub fn label_indices(n: usize, max_labels: usize) -> Vec<usize> {
    if n == 0 || max_labels == 0 {
        return Vec::new();
    }
    if n <= max_labels {
        return (0..n).collect();
    }
    let step = if max_labels == 1 {
        n
    } else {
        (n - 1).div_ceil(max_labels - 1)
    };
    (0..n).step_by(step).collect()
}

/// The x pixel of category `index` of `n`, spread over `left..=right` (a lone category is centred).
pub fn category_x(index: usize, n: usize, left: f64, right: f64) -> f64 {
    if n <= 1 {
        return (left + right) / 2.0;
    }
    left + index as f64 * (right - left) / (n - 1) as f64
}

/// An SVG path through `points`, lifting the pen over gaps (`None`) so missing data is not drawn
/// as a straight line.
pub fn line_path(points: &[Option<(f64, f64)>]) -> String {
    let mut path = String::new();
    let mut pen_down = false;
    for point in points {
        match point {
            Some((x, y)) => {
                let command = if pen_down { 'L' } else { 'M' };
                path.push_str(&format!("{command}{x:.1},{y:.1}"));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    path
}

/// The points of a sparkline of `values` in a `width` x `height` box with `pad` units of margin:
/// the lowest value touches the bottom margin, the highest the top one.
pub fn sparkline_points(
    values: &[Option<f64>],
    width: f64,
    height: f64,
    pad: f64,
) -> Vec<Option<(f64, f64)>> {
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let y = Scale::new((lo, hi), (height - pad, pad));
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.filter(|v| v.is_finite())
                .map(|v| (category_x(i, values.len(), pad, width - pad), y.map(v)))
        })
        .collect()
}

/// Where a tooltip `box_width` wide goes beside a point at `x`: to its right when it fits before
/// `right`, otherwise to its left, never past `left`.
pub fn tooltip_left(x: f64, box_width: f64, left: f64, right: f64) -> f64 {
    const GAP: f64 = 10.0;
    if x + GAP + box_width <= right {
        x + GAP
    } else {
        (x - GAP - box_width).max(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_maps_ends_onto_ends_and_can_run_backwards() {
        let s = Scale::new((0.0, 100.0), (250.0, 10.0));
        assert_eq!(s.map(0.0), 250.0);
        assert_eq!(s.map(100.0), 10.0);
        assert_eq!(s.map(50.0), 130.0);
    }

    #[test]
    fn a_flat_domain_maps_onto_the_middle() {
        let s = Scale::new((5.0, 5.0), (0.0, 100.0));
        assert_eq!(s.map(5.0), 50.0);
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.13), 0.1);
        assert_eq!(nice_step(2.4), 2.0);
        assert_eq!(nice_step(4.0), 5.0);
        assert_eq!(nice_step(8.0), 10.0);
        assert_eq!(nice_step(180.0), 200.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn ticks_are_round_and_inside_the_range() {
        assert_eq!(
            nice_ticks(0.0, 100.0, 5),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(
            nice_ticks(82.5, 93.0, 4),
            vec![84.0, 86.0, 88.0, 90.0, 92.0]
        );
        assert_eq!(nice_ticks(0.1, 0.5, 4), vec![0.1, 0.2, 0.3, 0.4, 0.5]);
        assert!(nice_ticks(1.0, 0.0, 4).is_empty());
    }

    #[test]
    fn the_domain_ends_on_ticks_and_holds_every_value() {
        let (lo, hi) = nice_domain(&[82.3, 91.7, 90.0], 4).unwrap();
        assert_eq!((lo, hi), (82.0, 92.0));
        for values in [
            vec![82.3, 91.7, 90.0],
            vec![1193.0, 1327.0],
            vec![0.0, 3.7],
            vec![-12.5, 40.0],
            vec![4.47, 5.0],
            vec![0.013, 0.02],
        ] {
            let (lo, hi) = nice_domain(&values, 5).unwrap();
            let ticks = nice_ticks(lo, hi, 5);
            assert_eq!(ticks.first(), Some(&lo), "{values:?}");
            assert_eq!(ticks.last(), Some(&hi), "{values:?}");
            assert!(values.iter().all(|v| (lo..=hi).contains(v)), "{values:?}");
        }
    }

    #[test]
    fn a_domain_of_non_negative_values_never_goes_below_zero() {
        let (lo, _) = nice_domain(&[0.0, 3.0], 4).unwrap();
        assert_eq!(lo, 0.0);
        let (lo, hi) = nice_domain(&[0.0, 0.0], 4).unwrap();
        assert!(lo == 0.0 && hi > 0.0);
    }

    #[test]
    fn a_single_value_still_gets_an_axis_of_some_height() {
        let (lo, hi) = nice_domain(&[50.0], 4).unwrap();
        assert!(lo < 50.0 && hi > 50.0);
        assert_eq!(nice_domain(&[], 4), None);
        assert_eq!(nice_domain(&[f64::NAN], 4), None);
    }

    #[test]
    fn the_nearest_position_wins_and_a_tie_goes_to_the_earlier() {
        let xs = [10.0, 20.0, 40.0];
        assert_eq!(nearest(&xs, 0.0), Some(0));
        assert_eq!(nearest(&xs, 16.0), Some(1));
        assert_eq!(nearest(&xs, 30.0), Some(1));
        assert_eq!(nearest(&xs, 31.0), Some(2));
        assert_eq!(nearest(&xs, 1000.0), Some(2));
        assert_eq!(nearest(&[], 5.0), None);
    }

    #[test]
    fn labels_are_thinned_evenly_from_the_first() {
        assert_eq!(label_indices(4, 6), vec![0, 1, 2, 3]);
        assert_eq!(label_indices(13, 6), vec![0, 3, 6, 9, 12]);
        assert!(label_indices(157, 6).len() <= 6);
        assert_eq!(label_indices(0, 6), Vec::<usize>::new());
        assert_eq!(label_indices(5, 1), vec![0]);
    }

    #[test]
    fn categories_spread_over_the_width_and_a_lone_one_is_centred() {
        assert_eq!(category_x(0, 3, 0.0, 100.0), 0.0);
        assert_eq!(category_x(2, 3, 0.0, 100.0), 100.0);
        assert_eq!(category_x(0, 1, 0.0, 100.0), 50.0);
    }

    #[test]
    fn a_path_lifts_the_pen_over_missing_values() {
        let path = line_path(&[Some((0.0, 1.0)), Some((1.0, 2.0)), None, Some((3.0, 4.0))]);
        assert_eq!(path, "M0.0,1.0L1.0,2.0M3.0,4.0");
        assert_eq!(line_path(&[]), "");
    }

    #[test]
    fn a_sparkline_spans_its_box_between_the_margins() {
        let points = sparkline_points(&[Some(1.0), None, Some(3.0)], 100.0, 30.0, 2.0);
        assert_eq!(points, vec![Some((2.0, 28.0)), None, Some((98.0, 2.0))]);
    }

    #[test]
    fn a_tooltip_flips_left_near_the_right_edge() {
        assert_eq!(tooltip_left(100.0, 80.0, 0.0, 400.0), 110.0);
        assert_eq!(tooltip_left(350.0, 80.0, 0.0, 400.0), 260.0);
        assert_eq!(tooltip_left(50.0, 80.0, 20.0, 100.0), 20.0);
    }
}
