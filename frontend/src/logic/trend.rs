//! Reading a tile at a glance: whether a change is good news and which colour a status wears.

use kpi_api::Status;

pub use kpi_api::status::{change_tone, Tone};

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
    use kpi_api::{Direction, Measure};

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
