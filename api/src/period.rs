//! Period arithmetic: the grain a series is bucketed by, where each bucket starts and ends, and which
//! period comes before a chosen one. Weeks start on Monday (ISO 8601).

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The length of one bucket of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Week,
    Month,
    Quarter,
    Year,
}

impl Grain {
    pub const ALL: [Grain; 4] = [Grain::Week, Grain::Month, Grain::Quarter, Grain::Year];

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Grain> {
        Grain::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The first day of the bucket that contains `day`.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Grain::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Grain::Month => first_of_month(day.year(), day.month()),
            Grain::Quarter => first_of_month(day.year(), (day.month0() / 3) * 3 + 1),
            Grain::Year => first_of_month(day.year(), 1),
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Grain::Week => start + Days::new(7),
            Grain::Month => start + Months::new(1),
            Grain::Quarter => start + Months::new(3),
            Grain::Year => start + Months::new(12),
        }
    }

    /// The buckets covering `from..=to`: each as (first day, first day of the next bucket).
    /// The first bucket starts on or before `from`, so a partial first week is still a whole week.
    pub fn buckets(self, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let mut start = self.start_of(from);
        while start <= to {
            let end = self.next(start);
            out.push((start, end));
            start = end;
        }
        out
    }
}

fn first_of_month(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).expect("month 1..=12 always has a first day")
}

/// True when `from..=to` is a run of whole calendar months.
fn whole_months(from: NaiveDate, to: NaiveDate) -> Option<u32> {
    let next_day = to.succ_opt()?;
    if from.day() != 1 || next_day.day() != 1 || next_day <= from {
        return None;
    }
    let months =
        (next_day.year() - from.year()) * 12 + next_day.month() as i32 - from.month() as i32;
    u32::try_from(months).ok()
}

/// The period of equal length just before `from..=to` (both ends inclusive). A run of whole months
/// is compared with the same number of whole months before it (Q4 with Q3, February with January);
/// any other range with the same number of days before it.
pub fn previous(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    if let Some(months) = whole_months(from, to) {
        let start = from - Months::new(months);
        return (start, from.pred_opt().unwrap_or(from));
    }
    let days = (to - from).num_days() + 1;
    let start = from - Days::new(days as u64);
    (start, from.pred_opt().unwrap_or(from))
}

/// The same period a year before `from..=to`, as people compare them:
/// - whole months with the same months a year before (Q1 with Q1, February with February, even
///   when February 2021 also happens to be four whole weeks);
/// - whole ISO weeks (Monday to Sunday) with the same week numbers of the ISO year before; a
///   week 53 that year lacks becomes its last week, so week 53 of 2020 compares with week 52 of
///   2019, and the whole ISO year 2020 (53 weeks) with the whole of 2019 (52);
/// - any other range with the same days a year before (29 February with the 28th).
pub fn year_ago(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    use chrono::Weekday;
    if whole_months(from, to).is_some() {
        let back = |day: NaiveDate| day - Months::new(12);
        // The last day of `to`'s month a year before (28 February after a leap year).
        let end = to.succ_opt().map_or(to, back).pred_opt().unwrap_or(to);
        return (back(from), end);
    }
    if from.weekday() == Weekday::Mon && to.weekday() == Weekday::Sun && from <= to {
        let shift = |day: NaiveDate, weekday: Weekday| {
            let week = day.iso_week();
            let year = week.year() - 1;
            let last = weeks_in_iso_year(year);
            NaiveDate::from_isoywd_opt(year, week.week().min(last), weekday)
                .expect("a week number of that year")
        };
        return (shift(from, Weekday::Mon), shift(to, Weekday::Sun));
    }
    let back = |day: NaiveDate| {
        day.with_year(day.year() - 1)
            .unwrap_or_else(|| day - Days::new(366))
    };
    (back(from), back(to))
}

/// How many ISO weeks (52 or 53) the ISO year `year` has.
pub fn weeks_in_iso_year(year: i32) -> u32 {
    // 28 December always falls in the ISO year's last week.
    NaiveDate::from_ymd_opt(year, 12, 28).map_or(52, |d| d.iso_week().week())
}

/// The number of days in `from..=to`.
pub fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_week_starts_on_the_monday_on_or_before_the_day() {
        assert_eq!(Grain::Week.start_of(d("2021-03-10")), d("2021-03-08"));
        assert_eq!(Grain::Week.start_of(d("2021-03-08")), d("2021-03-08"));
        assert_eq!(Grain::Week.start_of(d("2021-03-14")), d("2021-03-08"));
        // across a year boundary: 2021-01-01 is a Friday
        assert_eq!(Grain::Week.start_of(d("2021-01-01")), d("2020-12-28"));
    }

    #[test]
    fn months_quarters_and_years_start_on_their_first_day() {
        assert_eq!(Grain::Month.start_of(d("2020-02-29")), d("2020-02-01"));
        assert_eq!(Grain::Quarter.start_of(d("2020-08-15")), d("2020-07-01"));
        assert_eq!(Grain::Quarter.start_of(d("2020-12-31")), d("2020-10-01"));
        assert_eq!(Grain::Year.start_of(d("2020-12-31")), d("2020-01-01"));
    }

    #[test]
    fn buckets_cover_the_range_without_gaps_or_overlaps() {
        let b = Grain::Month.buckets(d("2020-01-15"), d("2020-04-01"));
        assert_eq!(
            b,
            vec![
                (d("2020-01-01"), d("2020-02-01")),
                (d("2020-02-01"), d("2020-03-01")),
                (d("2020-03-01"), d("2020-04-01")),
                (d("2020-04-01"), d("2020-05-01")),
            ]
        );
        let weeks = Grain::Week.buckets(d("2021-01-01"), d("2021-12-31"));
        assert_eq!(weeks.len(), 53);
        assert!(weeks.windows(2).all(|w| w[0].1 == w[1].0));
        assert_eq!(weeks[0].0, d("2020-12-28"));
    }

    #[test]
    fn the_period_lists_of_every_grain_cross_a_year_boundary_whole() {
        let from = d("2020-11-15");
        let to = d("2021-02-10");
        assert_eq!(
            Grain::Month.buckets(from, to),
            vec![
                (d("2020-11-01"), d("2020-12-01")),
                (d("2020-12-01"), d("2021-01-01")),
                (d("2021-01-01"), d("2021-02-01")),
                (d("2021-02-01"), d("2021-03-01")),
            ]
        );
        assert_eq!(
            Grain::Quarter.buckets(from, to),
            vec![
                (d("2020-10-01"), d("2021-01-01")),
                (d("2021-01-01"), d("2021-04-01")),
            ]
        );
        assert_eq!(
            Grain::Year.buckets(from, to),
            vec![
                (d("2020-01-01"), d("2021-01-01")),
                (d("2021-01-01"), d("2022-01-01")),
            ]
        );
        // 2020 has an ISO week 53: Monday 28 December to Sunday 3 January, one week, not split
        // at the new year.
        let weeks = Grain::Week.buckets(d("2020-12-20"), d("2021-01-10"));
        assert_eq!(
            weeks,
            vec![
                (d("2020-12-14"), d("2020-12-21")),
                (d("2020-12-21"), d("2020-12-28")),
                (d("2020-12-28"), d("2021-01-04")),
                (d("2021-01-04"), d("2021-01-11")),
            ]
        );
        assert_eq!(weeks[2].0.iso_week().week(), 53);
        assert_eq!(weeks[3].0.iso_week().week(), 1);
    }

    #[test]
    fn an_empty_range_has_no_buckets() {
        assert!(Grain::Week
            .buckets(d("2021-02-01"), d("2021-01-01"))
            .is_empty());
    }

    #[test]
    fn a_year_ago_is_the_same_weeks_months_or_days_of_the_year_before() {
        // ISO week 53 of 2020 (28 Dec 2020 to 3 Jan 2021, across the new year) against week 52 of
        // 2019, which has no week 53.
        assert_eq!(weeks_in_iso_year(2020), 53);
        assert_eq!(weeks_in_iso_year(2019), 52);
        assert_eq!(
            year_ago(d("2020-12-28"), d("2021-01-03")),
            (d("2019-12-23"), d("2019-12-29"))
        );
        // Week 1 of 2021 (4 to 10 January) against week 1 of 2020, which began in 2019.
        assert_eq!(
            year_ago(d("2021-01-04"), d("2021-01-10")),
            (d("2019-12-30"), d("2020-01-05"))
        );
        // The whole ISO year 2020, 53 weeks, against the 52 of 2019.
        assert_eq!(
            year_ago(d("2019-12-30"), d("2021-01-03")),
            (d("2018-12-31"), d("2019-12-29"))
        );
        // Weeks 50 to 2 across the new year.
        assert_eq!(
            year_ago(d("2020-12-07"), d("2021-01-17")),
            (d("2019-12-09"), d("2020-01-12"))
        );
        // Whole months: a quarter, a February after a leap year, a year.
        assert_eq!(
            year_ago(d("2021-01-01"), d("2021-03-31")),
            (d("2020-01-01"), d("2020-03-31"))
        );
        assert_eq!(
            year_ago(d("2021-02-01"), d("2021-02-28")),
            (d("2020-02-01"), d("2020-02-29"))
        );
        assert_eq!(
            year_ago(d("2020-02-01"), d("2020-02-29")),
            (d("2019-02-01"), d("2019-02-28"))
        );
        assert_eq!(
            year_ago(d("2021-01-01"), d("2021-12-31")),
            (d("2020-01-01"), d("2020-12-31"))
        );
        // Any other range: the same days, 29 February becoming the 28th.
        assert_eq!(
            year_ago(d("2020-02-10"), d("2020-02-29")),
            (d("2019-02-10"), d("2019-02-28"))
        );
        assert_eq!(
            year_ago(d("2021-01-01"), d("2021-06-15")),
            (d("2020-01-01"), d("2020-06-15"))
        );
    }

    #[test]
    fn the_previous_period_across_a_year_boundary_and_a_week_53() {
        // Week 53 of 2020 against week 52; week 1 of 2021 against week 53.
        assert_eq!(
            previous(d("2020-12-28"), d("2021-01-03")),
            (d("2020-12-21"), d("2020-12-27"))
        );
        assert_eq!(
            previous(d("2021-01-04"), d("2021-01-10")),
            (d("2020-12-28"), d("2021-01-03"))
        );
        // January against December.
        assert_eq!(
            previous(d("2021-01-01"), d("2021-01-31")),
            (d("2020-12-01"), d("2020-12-31"))
        );
    }

    #[test]
    fn the_previous_quarter_of_q4_is_q3() {
        assert_eq!(
            previous(d("2021-10-01"), d("2021-12-31")),
            (d("2021-07-01"), d("2021-09-30"))
        );
    }

    #[test]
    fn the_previous_month_of_march_is_all_of_february() {
        assert_eq!(
            previous(d("2020-03-01"), d("2020-03-31")),
            (d("2020-02-01"), d("2020-02-29"))
        );
    }

    #[test]
    fn an_arbitrary_range_is_compared_with_as_many_days_before() {
        assert_eq!(
            previous(d("2021-03-10"), d("2021-03-16")),
            (d("2021-03-03"), d("2021-03-09"))
        );
        assert_eq!(days(d("2021-03-10"), d("2021-03-16")), 7);
    }

    #[test]
    fn grains_parse_from_their_names_only() {
        assert_eq!(Grain::parse("week"), Some(Grain::Week));
        assert_eq!(Grain::parse("Week"), None);
        assert_eq!(Grain::parse("day"), None);
    }
}
