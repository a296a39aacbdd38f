//! Dates as day numbers (days since 1970-01-01) and local times as seconds since
//! 1970-01-01 00:00:00 (naive local time: no time zones, no DST), plus each country's working
//! calendar: weekend, public holidays, office hours and intake by day of week.

use crate::rng::Rng;

pub const DAY: i64 = 86_400;
pub const HOUR: i64 = 3_600;

/// Day number of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 0 = Monday .. 6 = Sunday.
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)) as u32
}

/// The last second of the data: 2021-12-31 23:59:59.
pub fn data_end() -> i64 {
    days_from_civil(2021, 12, 31) * DAY + DAY - 1
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Country {
    Russia,
    Kazakhstan,
    Iran,
}

impl Country {
    pub const ALL: [Country; 3] = [Country::Russia, Country::Kazakhstan, Country::Iran];

    pub fn index(self) -> usize {
        match self {
            Country::Russia => 0,
            Country::Kazakhstan => 1,
            Country::Iran => 2,
        }
    }

    /// Public holidays (month, day), the same every year (the brief's simplified lists).
    fn holidays(self) -> &'static [(u32, u32)] {
        match self {
            Country::Russia => &[
                (1, 1),
                (1, 2),
                (1, 3),
                (1, 4),
                (1, 5),
                (1, 6),
                (1, 7),
                (1, 8),
                (2, 23),
                (3, 8),
                (5, 1),
                (5, 9),
                (6, 12),
                (11, 4),
            ],
            Country::Kazakhstan => &[
                (1, 1),
                (1, 2),
                (3, 8),
                (3, 21),
                (3, 22),
                (3, 23),
                (5, 1),
                (5, 7),
                (5, 9),
                (7, 6),
                (8, 30),
                (12, 1),
                (12, 16),
                (12, 17),
            ],
            Country::Iran => &[
                (2, 11),
                (3, 20),
                (3, 21),
                (3, 22),
                (3, 23),
                (3, 24),
                (4, 1),
                (4, 2),
                (6, 4),
                (6, 5),
            ],
        }
    }
}

/// Office-channel and first-response hours, seconds of the day: [open, close).
const RU_HOURS: (i64, i64) = (8 * HOUR, 20 * HOUR);
const IR_HOURS: (i64, i64) = (7 * HOUR, 16 * HOUR);

/// One country's working calendar over 2018..=2025 (beyond: weekends only).
pub struct Calendar {
    pub country: Country,
    first: i64,
    holiday: Vec<bool>,
}

impl Calendar {
    pub fn new(country: Country) -> Calendar {
        let first = days_from_civil(2018, 1, 1);
        let last = days_from_civil(2025, 12, 31);
        let mut holiday = vec![false; (last - first + 1) as usize];
        for y in 2018..=2025 {
            for &(m, d) in country.holidays() {
                holiday[(days_from_civil(y, m, d) - first) as usize] = true;
            }
        }
        Calendar {
            country,
            first,
            holiday,
        }
    }

    pub fn is_holiday(&self, day: i64) -> bool {
        let i = day - self.first;
        i >= 0 && (i as usize) < self.holiday.len() && self.holiday[i as usize]
    }

    pub fn is_weekend(&self, day: i64) -> bool {
        let wd = weekday(day);
        match self.country {
            // Iran: Friday is the weekend (Thursday is a short day, still working).
            Country::Iran => wd == 4,
            _ => wd >= 5,
        }
    }

    pub fn is_working(&self, day: i64) -> bool {
        !self.is_weekend(day) && !self.is_holiday(day)
    }

    /// [open, close) seconds of the day when officials answer.
    pub fn hours(&self) -> (i64, i64) {
        match self.country {
            Country::Iran => IR_HOURS,
            _ => RU_HOURS,
        }
    }

    /// Seconds of the day a deadline expires (end of the office day).
    pub fn deadline_time(&self) -> i64 {
        match self.country {
            Country::Iran => 14 * HOUR,
            _ => 18 * HOUR,
        }
    }

    /// Whether an official can answer at `t` (a working day, within office hours).
    pub fn answerable(&self, t: i64) -> bool {
        let day = t.div_euclid(DAY);
        let sod = t - day * DAY;
        let (open, close) = self.hours();
        sod >= open && sod < close && self.is_working(day)
    }

    /// The first working day on or after `day`.
    pub fn working_on_or_after(&self, mut day: i64) -> i64 {
        while !self.is_working(day) {
            day += 1;
        }
        day
    }

    /// `n` working days after `day` (the day itself not counted).
    pub fn add_working_days(&self, mut day: i64, n: u32) -> i64 {
        let mut left = n;
        while left > 0 {
            day += 1;
            if self.is_working(day) {
                left -= 1;
            }
        }
        day
    }

    /// The first answerable instant at or after `t`.
    pub fn next_open(&self, t: i64) -> i64 {
        if self.answerable(t) {
            return t;
        }
        let day = t.div_euclid(DAY);
        let sod = t - day * DAY;
        let (open, _) = self.hours();
        if self.is_working(day) && sod < open {
            return day * DAY + open;
        }
        self.working_on_or_after(day + 1) * DAY + open
    }

    /// `t` if answerable, else a time on the next working day, most likely in the morning
    /// (offset from opening = office day length x u^1.6: median ~2.9 h after opening in
    /// Russia and Kazakhstan).
    pub fn snap(&self, t: i64, rng: &mut Rng) -> i64 {
        if self.answerable(t) {
            t
        } else {
            let (open, close) = self.hours();
            let offset = ((close - open - 1) as f64 * rng.f64().powf(1.6)) as i64;
            self.next_open(t) + offset
        }
    }

    /// `t` if it falls on a working day (any hour), else the nearer of the end of the previous
    /// working day (if that is still after `floor`) and the next working morning.
    pub fn nearest_working(&self, t: i64, floor: i64, rng: &mut Rng) -> i64 {
        let day = t.div_euclid(DAY);
        if self.is_working(day) {
            return t;
        }
        let forward = self.snap(t, rng);
        let mut prev = day - 1;
        while !self.is_working(prev) {
            prev -= 1;
        }
        let backward = prev * DAY + self.hours().1 - rng.below(2 * HOUR as u64) as i64;
        if backward >= floor && t - backward < forward - t {
            backward
        } else {
            forward
        }
    }

    /// Relative appeal intake on `day`: weekdays ~1, rest days 0.40 / 0.25, holidays 0.2.
    pub fn appeal_intake(&self, day: i64) -> f64 {
        if self.is_holiday(day) {
            return 0.2;
        }
        let wd = weekday(day) as usize;
        match self.country {
            // Mon..Sun; in Iran the week starts on Saturday and Friday is the rest day.
            Country::Iran => [1.0, 0.98, 0.95, 0.40, 0.25, 1.06, 1.02][wd],
            _ => [1.06, 1.02, 1.0, 0.98, 0.94, 0.40, 0.25][wd],
        }
    }

    /// Relative service-case intake on `day` (offices mostly closed on rest days).
    pub fn service_intake(&self, day: i64) -> f64 {
        if self.is_holiday(day) {
            return 0.1;
        }
        let wd = weekday(day) as usize;
        match self.country {
            Country::Iran => [1.0, 1.0, 0.97, 0.35, 0.1, 1.05, 1.02][wd],
            _ => [1.05, 1.0, 1.0, 0.98, 0.95, 0.3, 0.1][wd],
        }
    }
}

/// The three working calendars, indexed by [`Country::index`].
pub struct Calendars([Calendar; 3]);

impl Calendars {
    pub fn new() -> Calendars {
        Calendars(Country::ALL.map(Calendar::new))
    }

    pub fn of(&self, c: Country) -> &Calendar {
        &self.0[c.index()]
    }
}

/// Appends `YYYY-MM-DD HH:MM:SS` for local time `t` to `out`.
pub fn push_datetime(out: &mut Vec<u8>, t: i64) {
    let day = t.div_euclid(DAY);
    let sod = t - day * DAY;
    push_date(out, day);
    out.push(b' ');
    push2(out, (sod / HOUR) as u32);
    out.push(b':');
    push2(out, ((sod / 60) % 60) as u32);
    out.push(b':');
    push2(out, (sod % 60) as u32);
}

/// Appends `YYYY-MM-DD` for day number `day` to `out`.
pub fn push_date(out: &mut Vec<u8>, day: i64) {
    let (y, m, d) = civil_from_days(day);
    let y = y as u32;
    out.extend_from_slice(&[
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
    ]);
    push2(out, m);
    out.push(b'-');
    push2(out, d);
}

fn push2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10 % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn civil_date_conversion_agrees_with_chrono() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for day in days_from_civil(2017, 1, 1)..days_from_civil(2026, 1, 1) {
            let date = epoch + chrono::Duration::days(day);
            assert_eq!(
                days_from_civil(i64::from(date.year()), date.month(), date.day()),
                day
            );
            assert_eq!(
                civil_from_days(day),
                (i64::from(date.year()), date.month(), date.day())
            );
            assert_eq!(weekday(day), date.weekday().num_days_from_monday());
        }
    }

    #[test]
    fn datetime_is_formatted_like_the_exports() {
        let mut out = Vec::new();
        push_datetime(
            &mut out,
            days_from_civil(2020, 2, 29) * DAY + 7 * HOUR + 5 * 60 + 9,
        );
        assert_eq!(String::from_utf8(out).unwrap(), "2020-02-29 07:05:09");
    }

    #[test]
    fn an_answer_due_on_a_holiday_moves_to_the_next_working_morning() {
        let ru = Calendar::new(Country::Russia);
        // 2021-01-03 is inside the Russian New Year holidays: next working day is 2021-01-11.
        let t = days_from_civil(2021, 1, 3) * DAY + 12 * HOUR;
        assert_eq!(
            ru.next_open(t),
            days_from_civil(2021, 1, 11) * DAY + 8 * HOUR
        );
        let ir = Calendar::new(Country::Iran);
        // 2020-03-20 (Friday, Nowruz) .. 03-24 are off in Iran; the 25th is a Wednesday.
        let t = days_from_civil(2020, 3, 19) * DAY + 17 * HOUR;
        assert_eq!(
            ir.next_open(t),
            days_from_civil(2020, 3, 25) * DAY + 7 * HOUR
        );
        assert!(!ir.is_working(days_from_civil(2021, 1, 1))); // a Friday
        assert!(ir.is_working(days_from_civil(2021, 1, 2))); // a Saturday
    }

    #[test]
    fn kazakh_deadlines_count_working_days() {
        let kz = Calendar::new(Country::Kazakhstan);
        // Received Thu 2019-03-07: Mar 8 and Mar 21-23 are holidays.
        let d = kz.add_working_days(days_from_civil(2019, 3, 7), 15);
        assert_eq!(d, days_from_civil(2019, 4, 2));
    }
}
