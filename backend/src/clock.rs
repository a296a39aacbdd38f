//! The server's calendar for 12-week plans: which plan week it is, whether a check-in is late,
//! and the time stamped on it.
//!
//! It is the system clock unless `kpiboard serve --today DATE` moved it, say to walk a training
//! group through the seed's 2019 plans; then it runs on from that date at the normal pace. Tests
//! move it week by week to run a whole plan in minutes. Sessions, the audit log and imports keep
//! real time.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDate, NaiveDateTime, Timelike, Utc};

/// The system clock plus an offset in whole days.
#[derive(Debug, Default)]
pub struct Clock {
    offset_days: AtomicI64,
}

impl Clock {
    /// A clock whose today is `today` (the system's when None).
    pub fn starting(today: Option<NaiveDate>) -> Clock {
        let clock = Clock::default();
        if let Some(day) = today {
            clock.set_today(day);
        }
        clock
    }

    /// Now, in UTC, to the whole second: what export files can write, so that a check-in exported
    /// and imported again is the same check-in.
    pub fn now(&self) -> NaiveDateTime {
        let now = Utc::now().naive_utc()
            + chrono::Duration::days(self.offset_days.load(Ordering::SeqCst));
        now.with_nanosecond(0).unwrap_or(now)
    }

    /// Today, in UTC.
    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// Moves the clock so that today is `day`; it runs on from there.
    pub fn set_today(&self, day: NaiveDate) {
        let offset = (day - Utc::now().date_naive()).num_days();
        self.offset_days.store(offset, Ordering::SeqCst);
    }

    /// Whether the clock was moved away from the system's.
    pub fn is_moved(&self) -> bool {
        self.offset_days.load(Ordering::SeqCst) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_clock_keeps_the_time_of_day_and_runs_on() {
        let clock = Clock::starting(None);
        assert_eq!(clock.today(), Utc::now().date_naive());
        assert!(!clock.is_moved());
        let day = NaiveDate::from_ymd_opt(2019, 4, 3).unwrap();
        clock.set_today(day);
        assert!(clock.is_moved());
        // Unless the real day ended between the two calls.
        let real = Utc::now().naive_utc();
        let moved = clock.now();
        assert!(moved.date() == day || real.date() != Utc::now().date_naive());
        assert!((moved.time() - real.time()).num_seconds().abs() < 5);
        clock.set_today(day + chrono::Duration::days(7));
        assert_eq!(clock.today(), day + chrono::Duration::days(7));
    }
}
