//! Dates for people: the only code that writes one. In Persian every date is a Solar Hijri one
//! (`۱۲ مهر ۱۴۰۰`) and every bucket a Solar Hijri month, quarter or year, from the calendar
//! arithmetic of ICU4X (`kpi_api::calendar`); in Russian and English, Gregorian.
//!
//! Month names are CLDR's (the `gregorian` and `persian` calendars of `en`, `ru` and `fa`, format
//! and stand-alone widths), generated into `kpi_api::cldr` from CLDR's npm packages by
//! `xtask cldr` (and checked against them in CI): the app needs 72 words, and ICU4X's date
//! formatter with its baked data would add far more to the download than that.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use kpi_api::calendar::Calendar;
use kpi_api::Grain;

use super::format::digits;
use super::{lang, Lang};

use kpi_api::cldr::{
    MONTHS_ABBR_EN as MONTHS_SHORT_EN, MONTHS_ABBR_RU as MONTHS_SHORT_RU,
    MONTHS_ABBR_STANDALONE_RU as MONTHS_SHORT_STANDALONE_RU, MONTHS_PERSIAN_FA as MONTHS_FA,
    MONTHS_WIDE_EN as MONTHS_LONG_EN, MONTHS_WIDE_STANDALONE_RU,
};

/// A Russian month heading a label, capitalised as a heading is (`Октябрь 2021`).
fn month_long_ru(m0: usize) -> String {
    let mut chars = MONTHS_WIDE_STANDALONE_RU[m0].chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The Solar Hijri month names in order, for tests and pickers.
pub fn persian_month_name(month: u32) -> &'static str {
    MONTHS_FA[(month.clamp(1, 12) - 1) as usize]
}

/// Year, month (1-12) and day of `day` in the calendar of the language in use.
fn ymd(day: NaiveDate) -> (i32, u32, u32) {
    lang().calendar().ymd(day)
}

/// A day: `4 Oct 2021`, `4 окт. 2021`, `۱۲ مهر ۱۴۰۰`.
pub fn date_label(day: NaiveDate) -> String {
    let (y, m, d) = ymd(day);
    let m = (m - 1) as usize;
    match lang() {
        Lang::En => format!("{d} {} {y}", MONTHS_SHORT_EN[m]),
        Lang::Ru => format!("{d}\u{a0}{} {y}", MONTHS_SHORT_RU[m]),
        Lang::Fa => digits(&format!("{d} {} {y}", MONTHS_FA[m])),
    }
}

/// An inclusive range of days: `1 Oct 2021 – 31 Dec 2021`.
pub fn range_label(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        return date_label(from);
    }
    format!("{} – {}", date_label(from), date_label(to))
}

/// A year as a preset button names it (a year of the language's calendar: 2021, or ۱۴۰۰).
pub fn year_label(year: i32) -> String {
    digits(&year.to_string())
}

/// The bucket that starts on `start`, in full: `Week of 4 Oct 2021`, `October 2021`, `Q4 2021`,
/// `2021`; in Persian the Solar Hijri bucket (`مهر ۱۴۰۰`, `فصل ۳ ۱۴۰۰`).
pub fn period_label(start: NaiveDate, grain: Grain) -> String {
    let (y, m, _) = ymd(start);
    let m0 = (m - 1) as usize;
    match grain {
        Grain::Week => match lang() {
            Lang::En => format!("Week of {}", date_label(start)),
            Lang::Ru => format!("Неделя с {}", date_label(start)),
            Lang::Fa => format!("هفتهٔ {}", date_label(start)),
        },
        Grain::Month => match lang() {
            Lang::En => format!("{} {y}", MONTHS_LONG_EN[m0]),
            Lang::Ru => format!("{} {y}", month_long_ru(m0)),
            Lang::Fa => digits(&format!("{} {y}", MONTHS_FA[m0])),
        },
        Grain::Quarter => {
            let q = (m - 1) / 3 + 1;
            match lang() {
                Lang::En => format!("Q{q} {y}"),
                Lang::Ru => format!("{q}-й квартал {y}"),
                Lang::Fa => digits(&format!("سه‌ماههٔ {q} {y}")),
            }
        }
        Grain::Year => year_label(y),
    }
}

/// The bucket that starts on `start`, short enough for an axis: `4 Oct 2021`, `Oct 2021`,
/// `Q4 2021`, `2021`.
pub fn tick_label(start: NaiveDate, grain: Grain) -> String {
    let (y, m, _) = ymd(start);
    let m0 = (m - 1) as usize;
    match grain {
        // A Persian day starts with its digits, which a chart's left-to-right text would put
        // first on the left; the right-to-left mark keeps `۱۲ مهر ۱۴۰۰` in its reading order.
        Grain::Week => match lang() {
            Lang::Fa => format!("\u{200f}{}", date_label(start)),
            Lang::En | Lang::Ru => date_label(start),
        },
        Grain::Month => match lang() {
            Lang::En => format!("{} {y}", MONTHS_SHORT_EN[m0]),
            Lang::Ru => format!("{} {y}", MONTHS_SHORT_STANDALONE_RU[m0]),
            Lang::Fa => digits(&format!("{} {y}", MONTHS_FA[m0])),
        },
        Grain::Quarter => {
            let q = (m - 1) / 3 + 1;
            match lang() {
                Lang::En => format!("Q{q} {y}"),
                Lang::Ru => format!("{q} кв. {y}"),
                Lang::Fa => digits(&format!("فصل {q} {y}")),
            }
        }
        Grain::Year => year_label(y),
    }
}

/// The calendar a date input's day is read in, for the note beside it: in Persian the browser's
/// date picker is Gregorian, so the Solar Hijri day it stands for is written next to it.
pub fn calendar_note(day: NaiveDate) -> Option<String> {
    (lang().calendar() != Calendar::Gregorian).then(|| date_label(day))
}

/// A moment the server wrote in RFC 3339 (sessions, users, the audit log), in UTC:
/// `4 Oct 2021, 14:03 UTC`. A text that is not RFC 3339 is shown as it came.
pub fn timestamp_label(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(moment) => {
            let utc = moment.with_timezone(&Utc);
            let day = date_label(utc.date_naive());
            let time = format!("{:02}:{:02}", utc.hour(), utc.minute());
            match lang() {
                Lang::En | Lang::Ru => format!("{day}, {time} UTC"),
                Lang::Fa => format!("{day}، {} UTC", digits(&time)),
            }
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// The newest row a KPI can read, as its passport says: a day (`2021-12-31`) or a moment in
/// RFC 3339 or `YYYY-MM-DD HH:MM:SS` (taken as UTC); any other text is shown as it came.
pub fn freshest_label(text: &str) -> String {
    let text = text.trim();
    if let Some(day) = crate::logic::filters::parse_date(text) {
        return date_label(day);
    }
    // `YYYY-MM-DD HH:MM:SS[.f]`, read as ISO 8601 with its T.
    if let Ok(moment) = text.replacen(' ', "T", 1).parse::<chrono::NaiveDateTime>() {
        return timestamp_label(&moment.and_utc().to_rfc3339());
    }
    timestamp_label(text)
}
