//! Where a KPI lands at the end of a running period at the rate so far, and what the rest of the
//! period would need to end on target.
//!
//! A share (numerator of denominator, both counted as the days pass) lands where it stands; the
//! rest of the period, at the rows a week seen so far, must average `needed` to end on target. A
//! count per 1,000 residents grows with the days: it lands at the count so far scaled to the whole
//! period, and `needed` is the rate per week for the weeks left. A median lands where it stands
//! and needs nothing that adds up week by week.

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::period::days;
use crate::{Direction, Forecast, Grain, Measure, Outlook};

/// The period a board over `from..=to` runs in: the quarter of `calendar` holding `to` (the year,
/// for a board over more than a quarter; Solar Hijri ones in that calendar); None when `to` is its
/// last day (nothing left to forecast) or the board starts before it.
pub fn horizon(
    calendar: Calendar,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let grain = if days(from, to) > 93 {
        Grain::Year
    } else {
        Grain::Quarter
    };
    let start = calendar.start_of(grain, to);
    let end = calendar.next(grain, start).pred_opt()?;
    (end != to && from >= start).then_some((start, end))
}

/// What the KPI is made of so far, over `from..=as_of`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoFar {
    pub value: Option<f64>,
    /// A ratio's numerator and denominator, before the measure's scale.
    pub ratio: Option<(f64, f64)>,
}

/// The forecast of a KPI of `measure` and `direction` for `from..=to`, known until `as_of`.
pub fn forecast(
    measure: Measure,
    direction: Direction,
    so_far: SoFar,
    target: Option<f64>,
    (from, as_of, to): (NaiveDate, NaiveDate, NaiveDate),
) -> Forecast {
    let elapsed = days(from, as_of) as f64;
    let total = days(from, to) as f64;
    let weeks_left = (total - elapsed) / 7.0;
    let weeks_so_far = elapsed / 7.0;
    let (landing, needed, rows_per_week) = match (measure, so_far.ratio, so_far.value) {
        (Measure::Percent, Some((num, den)), Some(value)) if den > 0.0 => {
            // The rows the whole period will have at the rate so far, and what the rest needs.
            let rows_end = den * total / elapsed;
            let needed = target.map(|t| (t / 100.0 * rows_end - num) / (rows_end - den) * 100.0);
            (Some(value), needed, Some(den / weeks_so_far))
        }
        (Measure::Per1000, Some((num, den)), Some(value)) if den > 0.0 => {
            let landing = value * total / elapsed;
            let needed = target.map(|t| (t - value) / weeks_left);
            (Some(landing), needed, Some(num / weeks_so_far))
        }
        (Measure::Hours | Measure::Days, _, Some(value)) => (Some(value), None, None),
        _ => (None, None, None),
    };
    let possible = |n: f64| match measure {
        Measure::Percent => (0.0..=100.0).contains(&n),
        _ => n >= 0.0,
    };
    let outlook = match (landing, target) {
        (Some(l), Some(t)) if direction.meets(l, t) => Outlook::OnCourse,
        (Some(_), Some(_)) => match needed {
            Some(n) if !possible(n) => Outlook::OutOfReach,
            _ => Outlook::NeedsMore,
        },
        _ => Outlook::Unknown,
    };
    Forecast {
        from,
        to,
        as_of,
        weeks_left,
        so_far: so_far.value,
        landing,
        target,
        needed: needed.filter(|_| outlook != Outlook::OnCourse),
        rows_per_week,
        outlook,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_board_stopping_inside_a_quarter_forecasts_that_quarter() {
        assert_eq!(
            horizon(Calendar::Gregorian, day(2021, 10, 1), day(2021, 11, 14)),
            Some((day(2021, 10, 1), day(2021, 12, 31)))
        );
        assert_eq!(
            horizon(Calendar::Gregorian, day(2021, 11, 1), day(2021, 11, 30)),
            Some((day(2021, 10, 1), day(2021, 12, 31)))
        );
        // A whole quarter, or one that starts before the quarter of its end: nothing to forecast.
        assert_eq!(
            horizon(Calendar::Gregorian, day(2021, 10, 1), day(2021, 12, 31)),
            None
        );
        assert_eq!(
            horizon(Calendar::Gregorian, day(2021, 9, 1), day(2021, 10, 31)),
            None
        );
        // The year to date, long: the year.
        assert_eq!(
            horizon(Calendar::Gregorian, day(2021, 1, 1), day(2021, 8, 31)),
            Some((day(2021, 1, 1), day(2021, 12, 31)))
        );
        // In the Solar Hijri calendar Farvardin to Khordad 1400 is a whole quarter, and a board
        // stopping in Tir runs in the summer quarter (Tir to Shahrivar: 22 June to 22 September).
        let p = Calendar::Persian;
        assert_eq!(horizon(p, day(2021, 3, 21), day(2021, 6, 21)), None);
        assert_eq!(
            horizon(p, day(2021, 6, 22), day(2021, 7, 10)),
            Some((day(2021, 6, 22), day(2021, 9, 22)))
        );
    }

    /// 28 of the 91 days of 2021-01-01..=2021-04-01 known.
    fn after_four_weeks(
        measure: Measure,
        direction: Direction,
        value: f64,
        ratio: Option<(f64, f64)>,
        target: f64,
    ) -> Forecast {
        forecast(
            measure,
            direction,
            SoFar {
                value: Some(value),
                ratio,
            },
            Some(target),
            (day(2021, 1, 1), day(2021, 1, 28), day(2021, 4, 1)),
        )
    }

    /// 90 of 100 appeals on time. The quarter will have 325 at this rate; 95% of them is 308.75,
    /// so the 225 still to come need 218.75 on time: 97.2%.
    #[test]
    fn a_share_needs_what_the_rest_must_average() {
        let f = after_four_weeks(
            Measure::Percent,
            Direction::Higher,
            90.0,
            Some((90.0, 100.0)),
            95.0,
        );
        assert_eq!(f.landing, Some(90.0));
        assert!((f.needed.unwrap() - 218.75 / 225.0 * 100.0).abs() < 1e-9);
        assert_eq!(f.rows_per_week, Some(25.0));
        assert_eq!(f.weeks_left, 9.0);
        assert_eq!(f.outlook, Outlook::NeedsMore);
        // 99%: beyond even a perfect rest.
        let f = after_four_weeks(
            Measure::Percent,
            Direction::Higher,
            90.0,
            Some((90.0, 100.0)),
            99.0,
        );
        assert_eq!(f.outlook, Outlook::OutOfReach);
        assert!(f.needed.unwrap() > 100.0);
    }

    #[test]
    fn a_rate_per_head_grows_with_the_days_and_a_median_stands() {
        let f = after_four_weeks(
            Measure::Per1000,
            Direction::Higher,
            10.0,
            Some((1000.0, 100_000.0)),
            40.0,
        );
        assert_eq!(f.landing, Some(32.5));
        assert!((f.needed.unwrap() - 30.0 / 9.0).abs() < 1e-9);
        let f = after_four_weeks(Measure::Hours, Direction::Lower, 20.0, None, 24.0);
        assert_eq!(
            (f.landing, f.needed, f.outlook),
            (Some(20.0), None, Outlook::OnCourse)
        );
    }
}
