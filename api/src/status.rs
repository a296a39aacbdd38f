//! Red, amber or green: where a value stands against its target.

use serde::{Deserialize, Serialize};

use crate::{Direction, Measure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Green,
    Amber,
    Red,
    /// No value, or no target to judge it by.
    None,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Amber => "amber",
            Status::Red => "red",
            Status::None => "none",
        }
    }
}

/// Green when the value meets the target; amber when it misses it but is still within the amber
/// band (between target and `amber`); red beyond. Without an amber edge a miss is red.
pub fn status(
    value: Option<f64>,
    target: Option<f64>,
    amber: Option<f64>,
    direction: Direction,
) -> Status {
    let (Some(value), Some(target)) = (value, target) else {
        return Status::None;
    };
    if direction.meets(value, target) {
        Status::Green
    } else if amber.is_some_and(|edge| direction.meets(value, edge)) {
        Status::Amber
    } else {
        Status::Red
    }
}

/// Whether a change moved the KPI the right way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Neutral,
}

impl Tone {
    /// The CSS class that colours a change.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Good => "change-good",
            Tone::Bad => "change-bad",
            Tone::Neutral => "change-neutral",
        }
    }
}

/// Good when the KPI moved in its better direction, bad when it moved the other way, neutral when
/// there is no change to judge or it rounds to zero as displayed.
pub fn change_tone(change: Option<f64>, measure: Measure, direction: Direction) -> Tone {
    let Some(change) = change.filter(|c| c.is_finite()) else {
        return Tone::Neutral;
    };
    // The smallest change `kpi_api::format::change` shows as non-zero.
    let shown_places = match measure {
        Measure::Count => 0,
        Measure::Per1000 => 2,
        Measure::Percent | Measure::Hours | Measure::Days => 1,
    };
    if change.abs() < 0.5 * 10f64.powi(-shown_places) {
        return Tone::Neutral;
    }
    match (change > 0.0, direction) {
        (true, Direction::Higher) | (false, Direction::Lower) => Tone::Good,
        _ => Tone::Bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_is_better_meets_target_green_within_band_amber_beyond_red() {
        let s = |v| status(Some(v), Some(90.0), Some(80.0), Direction::Higher);
        assert_eq!(s(95.0), Status::Green);
        assert_eq!(s(90.0), Status::Green);
        assert_eq!(s(85.0), Status::Amber);
        assert_eq!(s(80.0), Status::Amber);
        assert_eq!(s(79.9), Status::Red);
    }

    #[test]
    fn lower_is_better_mirrors_the_band() {
        let s = |v| status(Some(v), Some(24.0), Some(48.0), Direction::Lower);
        assert_eq!(s(10.0), Status::Green);
        assert_eq!(s(24.0), Status::Green);
        assert_eq!(s(30.0), Status::Amber);
        assert_eq!(s(48.1), Status::Red);
    }

    #[test]
    fn no_value_or_no_target_has_no_status() {
        assert_eq!(
            status(None, Some(1.0), None, Direction::Higher),
            Status::None
        );
        assert_eq!(
            status(Some(1.0), None, None, Direction::Higher),
            Status::None
        );
    }

    #[test]
    fn a_miss_without_an_amber_band_is_red() {
        assert_eq!(
            status(Some(1.0), Some(2.0), None, Direction::Higher),
            Status::Red
        );
    }
}
