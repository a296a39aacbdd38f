//! Calendars that change the buckets, not only their labels: in Iran months, quarters and years
//! are Solar Hijri ones (the year starts at Nowruz) and weeks start on Saturday; elsewhere months
//! are Gregorian and weeks start on Monday (ISO 8601).
//!
//! Every bucket is a first day and the first day of the next bucket, in the Gregorian dates the
//! data carries, so the server evaluates a Solar Hijri month as the real range of days it is. The
//! conversion is ICU4X's (`icu_calendar`, the arithmetic only, no locale data).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use icu_calendar::cal::Persian;
use icu_calendar::{Date, Iso};
use serde::{Deserialize, Serialize};

use crate::Grain;

/// The calendar a series is bucketed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    /// Gregorian months, weeks from Monday (Russia, Kazakhstan).
    #[default]
    Gregorian,
    /// Solar Hijri months (the year starts at Nowruz), weeks from Saturday (Iran).
    Persian,
}

impl Calendar {
    pub const ALL: [Calendar; 2] = [Calendar::Gregorian, Calendar::Persian];

    pub fn as_str(self) -> &'static str {
        match self {
            Calendar::Gregorian => "gregorian",
            Calendar::Persian => "persian",
        }
    }

    pub fn parse(s: &str) -> Option<Calendar> {
        Calendar::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The first day of a week.
    pub fn week_start(self) -> Weekday {
        match self {
            Calendar::Gregorian => Weekday::Mon,
            Calendar::Persian => Weekday::Sat,
        }
    }

    /// `day` in this calendar: (year, month 1..=12, day of the month).
    pub fn ymd(self, day: NaiveDate) -> (i32, u32, u32) {
        match self {
            Calendar::Gregorian => (day.year(), day.month(), day.day()),
            Calendar::Persian => {
                let p = iso(day).to_calendar(Persian);
                (
                    p.year().extended_year(),
                    u32::from(p.month().ordinal),
                    u32::from(p.day_of_month().0),
                )
            }
        }
    }

    /// The Gregorian day of `year`-`month`-`day` in this calendar; None if there is none.
    pub fn date(self, year: i32, month: u32, day: u32) -> Option<NaiveDate> {
        match self {
            Calendar::Gregorian => NaiveDate::from_ymd_opt(year, month, day),
            Calendar::Persian => {
                let p =
                    Date::try_new_persian(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
                        .ok()?;
                let g = p.to_calendar(Iso);
                NaiveDate::from_ymd_opt(
                    g.year().extended_year(),
                    u32::from(g.month().ordinal),
                    u32::from(g.day_of_month().0),
                )
            }
        }
    }

    /// The first day of the bucket of `grain` that holds `day`.
    pub fn start_of(self, grain: Grain, day: NaiveDate) -> NaiveDate {
        match (self, grain) {
            (Calendar::Gregorian, _) => grain.start_of(day),
            (Calendar::Persian, Grain::Week) => {
                let back = (7 + day.weekday().num_days_from_monday()
                    - self.week_start().num_days_from_monday())
                    % 7;
                day - Days::new(u64::from(back))
            }
            (Calendar::Persian, _) => {
                let (year, month, _) = self.ymd(day);
                let first = match grain {
                    Grain::Month => month,
                    Grain::Quarter => (month - 1) / 3 * 3 + 1,
                    _ => 1,
                };
                self.date(year, first, 1)
                    .expect("the first of a month exists")
            }
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    pub fn next(self, grain: Grain, start: NaiveDate) -> NaiveDate {
        match (self, grain) {
            (Calendar::Gregorian, _) | (Calendar::Persian, Grain::Week) => match grain {
                Grain::Week => start + Days::new(7),
                _ => grain.next(start),
            },
            (Calendar::Persian, _) => {
                let (year, month, _) = self.ymd(start);
                let step = match grain {
                    Grain::Month => 1,
                    Grain::Quarter => 3,
                    _ => 12,
                };
                let later = month - 1 + step;
                self.date(year + (later / 12) as i32, later % 12 + 1, 1)
                    .expect("the first of a month exists")
            }
        }
    }

    /// The number of whole months `from..=to` spans in this calendar, if it is a run of them.
    fn whole_months(self, from: NaiveDate, to: NaiveDate) -> Option<u32> {
        let after = to.succ_opt()?;
        let (fy, fm, fd) = self.ymd(from);
        let (ay, am, ad) = self.ymd(after);
        if fd != 1 || ad != 1 || after <= from {
            return None;
        }
        u32::try_from((ay - fy) * 12 + am as i32 - fm as i32).ok()
    }

    /// The first day of the month `months` before (negative: after) the one holding `day`.
    fn months_back(self, day: NaiveDate, months: i32) -> NaiveDate {
        let (y, m, _) = self.ymd(day);
        let index = y * 12 + m as i32 - 1 - months;
        self.date(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
            .expect("the first of a month exists")
    }

    /// The period just before `from..=to`: as many whole months of this calendar when it is a
    /// run of them (a Solar Hijri quarter with the one before), else as many days.
    pub fn previous(self, from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
        match (self, self.whole_months(from, to)) {
            (Calendar::Gregorian, _) | (Calendar::Persian, None) => {
                crate::period::previous(from, to)
            }
            (Calendar::Persian, Some(n)) => (
                self.months_back(from, n as i32),
                from.pred_opt().unwrap_or(from),
            ),
        }
    }

    /// The same period a year before: in the Solar Hijri calendar the same months of the year
    /// before (Farvardin with Farvardin, from Nowruz), or the same days of the year before
    /// (30 Esfand, which only a leap year has, with the 29th).
    pub fn year_ago(self, from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
        match (self, self.whole_months(from, to)) {
            (Calendar::Gregorian, _) => crate::period::year_ago(from, to),
            (Calendar::Persian, Some(_)) => {
                let start = self.months_back(from, 12);
                let end = self
                    .months_back(to.succ_opt().unwrap_or(to), 12)
                    .pred_opt()
                    .unwrap_or(start);
                (start, end)
            }
            (Calendar::Persian, None) => {
                let back = |day: NaiveDate| {
                    let (y, m, d) = self.ymd(day);
                    self.date(y - 1, m, d)
                        .or_else(|| self.date(y - 1, m, d - 1))
                        .expect("a day a year before")
                };
                (back(from), back(to))
            }
        }
    }

    /// The year to date: from the first day of the year holding `last` (Nowruz in the Solar
    /// Hijri calendar) to `last`.
    pub fn year_to_date(self, last: NaiveDate) -> (NaiveDate, NaiveDate) {
        (self.start_of(Grain::Year, last), last)
    }

    /// The buckets of `grain` covering `from..=to`: each (first day, first day of the next).
    /// The first starts on or before `from`.
    pub fn buckets(
        self,
        grain: Grain,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let mut start = self.start_of(grain, from);
        while start <= to {
            let end = self.next(grain, start);
            out.push((start, end));
            start = end;
        }
        out
    }
}

fn iso(day: NaiveDate) -> Date<Iso> {
    Date::try_new_iso(day.year(), day.month() as u8, day.day() as u8)
        .expect("a chrono date is a valid ISO date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Nowruz (1 Farvardin) on both sides of leap years: 1395, 1399 and 1403 have a 30 Esfand.
    #[test]
    fn solar_hijri_dates_match_the_calendar_of_iran() {
        let p = Calendar::Persian;
        for (year, nowruz) in [
            (1395, day(2016, 3, 20)),
            (1396, day(2017, 3, 21)),
            (1398, day(2019, 3, 21)),
            (1399, day(2020, 3, 20)),
            (1400, day(2021, 3, 21)),
            (1403, day(2024, 3, 20)),
            (1404, day(2025, 3, 21)),
        ] {
            assert_eq!(p.date(year, 1, 1), Some(nowruz), "{year}");
            assert_eq!(p.ymd(nowruz), (year, 1, 1));
            // The day before is the last of Esfand: the 30th in a leap year, else the 29th.
            let eve = nowruz.pred_opt().unwrap();
            let leap = [1395, 1399, 1403].contains(&(year - 1));
            assert_eq!(
                p.ymd(eve),
                (year - 1, 12, if leap { 30 } else { 29 }),
                "{eve}"
            );
        }
        assert_eq!(p.date(1399, 12, 30), Some(day(2021, 3, 20)));
        assert_eq!(p.date(1400, 12, 30), None, "1400 is not a leap year");
        // The first six months have 31 days, the next five 30.
        assert_eq!(p.date(1400, 7, 1), Some(day(2021, 9, 23)));
        assert_eq!(p.ymd(day(2021, 9, 22)), (1400, 6, 31));
        assert_eq!(p.ymd(day(2021, 12, 31)), (1400, 10, 10));
    }

    #[test]
    fn solar_hijri_months_quarters_and_years_are_real_buckets() {
        let p = Calendar::Persian;
        let months = p.buckets(Grain::Month, day(2021, 3, 21), day(2021, 6, 21));
        assert_eq!(
            months,
            [
                (day(2021, 3, 21), day(2021, 4, 21)),
                (day(2021, 4, 21), day(2021, 5, 22)),
                (day(2021, 5, 22), day(2021, 6, 22)),
            ]
        );
        // Esfand 1399 (a leap year: 30 days), then Farvardin 1400.
        assert_eq!(
            p.buckets(Grain::Month, day(2021, 3, 1), day(2021, 3, 25)),
            [
                (day(2021, 2, 19), day(2021, 3, 21)),
                (day(2021, 3, 21), day(2021, 4, 21)),
            ]
        );
        assert_eq!(
            p.buckets(Grain::Quarter, day(2021, 6, 30), day(2021, 7, 1)),
            [(day(2021, 6, 22), day(2021, 9, 23))]
        );
        assert_eq!(
            p.buckets(Grain::Year, day(2021, 1, 1), day(2021, 12, 31)),
            [
                (day(2020, 3, 20), day(2021, 3, 21)),
                (day(2021, 3, 21), day(2022, 3, 21)),
            ]
        );
    }

    /// Khordad's quarter of 1400 compares with the three months before it (Dey to Esfand 1399,
    /// a leap year) and with the same quarter of 1399; the year to date starts at Nowruz.
    #[test]
    fn solar_hijri_periods_compare_with_solar_hijri_periods() {
        let p = Calendar::Persian;
        let (from, to) = (day(2021, 3, 21), day(2021, 6, 21));
        assert_eq!(p.previous(from, to), (day(2020, 12, 21), day(2021, 3, 20)));
        assert_eq!(p.year_ago(from, to), (day(2020, 3, 20), day(2020, 6, 20)));
        // Days that are not whole months go back a year day by day; 30 Esfand 1399 becomes
        // the 29th of 1398.
        assert_eq!(
            p.year_ago(day(2021, 3, 20), day(2021, 3, 20)),
            (day(2020, 3, 19), day(2020, 3, 19))
        );
        assert_eq!(
            p.year_to_date(day(2021, 12, 31)),
            (day(2021, 3, 21), day(2021, 12, 31))
        );
        assert_eq!(
            Calendar::Gregorian.year_to_date(day(2021, 12, 31)),
            (day(2021, 1, 1), day(2021, 12, 31))
        );
        // The Gregorian calendar keeps its own rules.
        assert_eq!(
            Calendar::Gregorian.year_ago(day(2021, 1, 1), day(2021, 3, 31)),
            (day(2020, 1, 1), day(2020, 3, 31))
        );
    }

    #[test]
    fn weeks_start_on_saturday_in_iran_and_monday_elsewhere() {
        // 2021-03-21 was a Sunday.
        assert_eq!(
            Calendar::Persian.buckets(Grain::Week, day(2021, 3, 21), day(2021, 3, 28)),
            [
                (day(2021, 3, 20), day(2021, 3, 27)),
                (day(2021, 3, 27), day(2021, 4, 3)),
            ]
        );
        assert_eq!(
            Calendar::Gregorian.buckets(Grain::Week, day(2021, 3, 21), day(2021, 3, 28)),
            [
                (day(2021, 3, 15), day(2021, 3, 22)),
                (day(2021, 3, 22), day(2021, 3, 29)),
            ]
        );
        assert_eq!(
            Calendar::Persian.start_of(Grain::Week, day(2021, 3, 20)),
            day(2021, 3, 20)
        );
        assert_eq!(
            Calendar::Persian.start_of(Grain::Week, day(2021, 3, 26)),
            day(2021, 3, 20)
        );
    }
}
