//! Numbers in the language in use: `kpi_api::format` with the locale of [`super::lang`], so a
//! component writes `format::value(v, measure)` and gets `87.3%`, `87,3 %` or `۸۷٫۳٪`.

use kpi_api::format as api;
use kpi_api::Measure;

use super::lang;

/// A KPI's value in its measure; `—` when there is none.
pub fn value(value: Option<f64>, measure: Measure) -> String {
    api::value_in(lang().locale(), value, measure)
}

/// A change between two values: `+2.1 pp`, `+2,1 п. п.`.
pub fn change(change: Option<f64>, measure: Measure) -> String {
    api::change_in(lang().locale(), change, measure)
}

/// A number with `places` decimals, grouped.
pub fn decimal(v: f64, places: usize) -> String {
    api::decimal_in(lang().locale(), v, places)
}

/// A whole number, grouped: `1,234`, `1 234`, `۱٬۲۳۴`.
pub fn int(n: impl Into<i64>) -> String {
    decimal(n.into() as f64, 0)
}

/// `text` with its ASCII digits in the language's own (Persian digits in Persian), for short
/// labels that are not quantities: `W3`, `Q2`, a year.
pub fn digits(text: &str) -> String {
    api::digits_in(lang().locale(), text)
}
