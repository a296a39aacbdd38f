//! Numbers as people read them on a board, in English, Russian or Persian. Components call these;
//! none formats a number by hand.
//!
//! The symbols are CLDR's for each language: Russian groups thousands with a no-break space and
//! writes a decimal comma (`1\u{a0}234,5`, `87,3\u{a0}%`); Persian writes Persian digits with
//! the Arabic decimal and thousands separators and percent sign (`۱٬۲۳۴٫۵`, `۸۷٫۳٪`).

use serde::{Deserialize, Serialize};

use crate::{cldr, Measure};

/// A language numbers are written in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    #[default]
    En,
    Ru,
    Fa,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Ru, Locale::Fa];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
            Locale::Fa => "fa",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The language a name is written in, told by its script: Arabic script is Persian here,
    /// Cyrillic Russian, Latin English; None for a name with no letters.
    pub fn of_script(name: &str) -> Option<Locale> {
        name.chars().find_map(|c| match c as u32 {
            0x0600..=0x06FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Some(Locale::Fa),
            0x0400..=0x04FF => Some(Locale::Ru),
            _ if c.is_ascii_alphabetic() => Some(Locale::En),
            _ => None,
        })
    }

    /// CLDR's symbols (`crate::cldr`, generated from CLDR's packages) and the units' short names.
    /// The minus is the typographic U+2212 in every language (CLDR gives `en` and `ru` the
    /// hyphen-minus), so a negative number reads the same in a table in each.
    fn symbols(self) -> Symbols {
        let (cldr, hours, days, points) = match self {
            Locale::En => (&cldr::NUMBERS_EN, "h", "d", "pp"),
            Locale::Ru => (&cldr::NUMBERS_RU, "ч", "дн.", "п.\u{a0}п."),
            Locale::Fa => (&cldr::NUMBERS_FA, "ساعت", "روز", "واحد درصد"),
        };
        Symbols {
            decimal: cldr.decimal,
            group: cldr.group,
            digits: (cldr.system == "arabext")
                .then_some(['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹']),
            minus: match cldr.minus_sign {
                "-" => "−",
                // Persian's carries a left-to-right mark, which keeps the sign before the
                // number inside right-to-left text.
                other => other,
            },
            percent: cldr.percent_sign,
            // `#,##0 %`: what stands between the number and the sign.
            percent_gap: if cldr.percent_pattern.contains("\u{a0}%") {
                "\u{a0}"
            } else {
                ""
            },
            hours,
            days,
            points,
        }
    }
}

struct Symbols {
    decimal: &'static str,
    group: &'static str,
    digits: Option<[char; 10]>,
    minus: &'static str,
    percent: &'static str,
    percent_gap: &'static str,
    hours: &'static str,
    days: &'static str,
    points: &'static str,
}

/// A value in its measure: `87.3%`, `12.5 h`, `4.0 d`, `1,234`, `3.21`.
pub fn value(value: Option<f64>, measure: Measure) -> String {
    value_in(Locale::En, value, measure)
}

/// [`value`] in `locale`: `87,3 %`, `12,5 ч` in Russian; `۸۷٫۳٪`, `۱۲٫۵ ساعت` in Persian.
pub fn value_in(locale: Locale, value: Option<f64>, measure: Measure) -> String {
    let Some(v) = value else {
        return "—".to_string();
    };
    let s = locale.symbols();
    let number = |places| decimal_in(locale, v, places);
    match measure {
        Measure::Percent => format!("{}{}{}", number(1), s.percent_gap, s.percent),
        Measure::Hours => format!("{} {}", number(1), s.hours),
        Measure::Days => format!("{} {}", number(1), s.days),
        Measure::Count => number(0),
        Measure::Per1000 => number(2),
    }
}

/// [`change`] in `locale`: `+2,1 п. п.` in Russian, `+۲٫۱ واحد درصد` in Persian.
pub fn change_in(locale: Locale, change: Option<f64>, measure: Measure) -> String {
    let Some(c) = change else {
        return "—".to_string();
    };
    let s = locale.symbols();
    let sign = if c > 0.0 {
        "+"
    } else if c < 0.0 {
        s.minus
    } else {
        "±"
    };
    let magnitude = c.abs();
    let number = |places| decimal_in(locale, magnitude, places);
    let body = match measure {
        Measure::Percent => format!("{} {}", number(1), s.points),
        Measure::Hours => format!("{} {}", number(1), s.hours),
        Measure::Days => format!("{} {}", number(1), s.days),
        Measure::Count => number(0),
        Measure::Per1000 => number(2),
    };
    format!("{sign}{body}")
}

/// `text` with its ASCII digits in `locale`'s own (Persian digits in Persian), for labels that
/// are not quantities: `W3`, a year, a time of day.
pub fn digits_in(locale: Locale, text: &str) -> String {
    match locale.symbols().digits {
        Some(digits) => text
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => digits[d as usize],
                None => c,
            })
            .collect(),
        None => text.to_string(),
    }
}

/// [`decimal`] in `locale`'s digits and separators.
pub fn decimal_in(locale: Locale, v: f64, places: usize) -> String {
    let s = locale.symbols();
    let english = decimal(v, places);
    let mut out = String::with_capacity(english.len() * 2);
    for ch in english.chars() {
        match ch {
            ',' => out.push_str(s.group),
            '.' => out.push_str(s.decimal),
            '-' => out.push_str(s.minus),
            d if d.is_ascii_digit() => match s.digits {
                Some(digits) => out.push(digits[d as usize - '0' as usize]),
                None => out.push(d),
            },
            other => out.push(other),
        }
    }
    out
}

/// A change between two values: `+2.1 pp`, `−3.0 h`, `+12`. Percent changes are percentage points.
pub fn change(change: Option<f64>, measure: Measure) -> String {
    change_in(Locale::En, change, measure)
}

/// A number with `places` decimals and thousands separated by commas.
pub fn decimal(v: f64, places: usize) -> String {
    let text = format!("{:.*}", places, v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let negative = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_their_unit() {
        assert_eq!(value(Some(87.34), Measure::Percent), "87.3%");
        assert_eq!(value(Some(12.46), Measure::Hours), "12.5 h");
        assert_eq!(value(Some(1234.0), Measure::Count), "1,234");
        assert_eq!(value(Some(3.2149), Measure::Per1000), "3.21");
        assert_eq!(value(None, Measure::Count), "—");
    }

    #[test]
    fn thousands_are_grouped_and_signs_kept() {
        assert_eq!(decimal(1234567.891, 2), "1,234,567.89");
        assert_eq!(decimal(-1234.0, 0), "-1,234");
        assert_eq!(decimal(-0.001, 1), "0.0");
        assert_eq!(decimal(999.0, 0), "999");
    }

    #[test]
    fn russian_groups_with_a_no_break_space_and_writes_a_decimal_comma() {
        let ru = Locale::Ru;
        assert_eq!(decimal_in(ru, 1234567.891, 2), "1\u{a0}234\u{a0}567,89");
        assert_eq!(value_in(ru, Some(87.34), Measure::Percent), "87,3\u{a0}%");
        assert_eq!(value_in(ru, Some(12.46), Measure::Hours), "12,5 ч");
        assert_eq!(value_in(ru, Some(-1234.0), Measure::Count), "−1\u{a0}234");
        assert_eq!(
            change_in(ru, Some(2.06), Measure::Percent),
            "+2,1 п.\u{a0}п."
        );
    }

    #[test]
    fn persian_writes_persian_digits_and_arabic_separators() {
        let fa = Locale::Fa;
        assert_eq!(decimal_in(fa, 1234567.891, 2), "۱٬۲۳۴٬۵۶۷٫۸۹");
        assert_eq!(value_in(fa, Some(87.34), Measure::Percent), "۸۷٫۳٪");
        assert_eq!(value_in(fa, Some(3.2149), Measure::Per1000), "۳٫۲۱");
        assert_eq!(value_in(fa, Some(12.46), Measure::Hours), "۱۲٫۵ ساعت");
        assert_eq!(change_in(fa, Some(-3.0), Measure::Days), "\u{200e}−۳٫۰ روز");
        assert_eq!(value_in(fa, None, Measure::Count), "—");
    }

    #[test]
    fn changes_show_direction_and_percentage_points() {
        assert_eq!(change(Some(2.06), Measure::Percent), "+2.1 pp");
        assert_eq!(change(Some(-3.0), Measure::Hours), "−3.0 h");
        assert_eq!(change(Some(0.0), Measure::Count), "±0");
        assert_eq!(change(None, Measure::Count), "—");
    }
}
