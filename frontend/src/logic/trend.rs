//! Reading a tile at a glance: whether a change is good news and which colour a status wears.

use kpi_api::{Direction, Measure, Status};

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

/// The CSS class of a red/amber/green marker: `status-green`, `status-amber`, `status-red`,
/// `status-none`.
pub fn status_class(status: Status) -> &'static str {
    match status {
        Status::Green => "status-green",
        Status::Amber => "status-amber",
        Status::Red => "status-red",
        Status::None => "status-none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rise_is_good_when_higher_is_better_and_bad_when_lower_is() {
        assert_eq!(
            change_tone(Some(2.0), Measure::Percent, Direction::Higher),
            Tone::Good
        );
        assert_eq!(
            change_tone(Some(2.0), Measure::Hours, Direction::Lower),
            Tone::Bad
        );
        assert_eq!(
            change_tone(Some(-2.0), Measure::Hours, Direction::Lower),
            Tone::Good
        );
        assert_eq!(
            change_tone(Some(-2.0), Measure::Percent, Direction::Higher),
            Tone::Bad
        );
    }

    #[test]
    fn no_change_or_one_that_rounds_to_zero_is_neutral() {
        assert_eq!(
            change_tone(None, Measure::Percent, Direction::Higher),
            Tone::Neutral
        );
        assert_eq!(
            change_tone(Some(0.04), Measure::Percent, Direction::Higher),
            Tone::Neutral
        );
        assert_eq!(
            change_tone(Some(0.4), Measure::Count, Direction::Higher),
            Tone::Neutral
        );
        assert_eq!(
            change_tone(Some(0.006), Measure::Per1000, Direction::Higher),
            Tone::Good
        );
    }

    #[test]
    fn each_status_has_its_own_class() {
        assert_eq!(status_class(Status::Green), "status-green");
        assert_eq!(status_class(Status::Amber), "status-amber");
        assert_eq!(status_class(Status::Red), "status-red");
        assert_eq!(status_class(Status::None), "status-none");
    }
}
