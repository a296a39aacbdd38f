//! Numbers as people read them on a board. Components call these; none formats a number by hand.

use crate::Measure;

/// A value in its measure: `87.3%`, `12.5 h`, `4.0 d`, `1,234`, `3.21`.
pub fn value(value: Option<f64>, measure: Measure) -> String {
    let Some(v) = value else {
        return "—".to_string();
    };
    match measure {
        Measure::Percent => format!("{}%", decimal(v, 1)),
        Measure::Hours => format!("{} h", decimal(v, 1)),
        Measure::Days => format!("{} d", decimal(v, 1)),
        Measure::Count => decimal(v, 0),
        Measure::Per1000 => decimal(v, 2),
    }
}

/// A change between two values: `+2.1 pp`, `−3.0 h`, `+12`. Percent changes are percentage points.
pub fn change(change: Option<f64>, measure: Measure) -> String {
    let Some(c) = change else {
        return "—".to_string();
    };
    let sign = if c > 0.0 {
        "+"
    } else if c < 0.0 {
        "−"
    } else {
        "±"
    };
    let magnitude = c.abs();
    let body = match measure {
        Measure::Percent => format!("{} pp", decimal(magnitude, 1)),
        Measure::Hours => format!("{} h", decimal(magnitude, 1)),
        Measure::Days => format!("{} d", decimal(magnitude, 1)),
        Measure::Count => decimal(magnitude, 0),
        Measure::Per1000 => decimal(magnitude, 2),
    };
    format!("{sign}{body}")
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
    fn changes_show_direction_and_percentage_points() {
        assert_eq!(change(Some(2.06), Measure::Percent), "+2.1 pp");
        assert_eq!(change(Some(-3.0), Measure::Hours), "−3.0 h");
        assert_eq!(change(Some(0.0), Measure::Count), "±0");
        assert_eq!(change(None, Measure::Count), "—");
    }
}
