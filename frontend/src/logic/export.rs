//! CSV downloads built in the browser: the file's text, a `data:` URL to link to, and a file name.
//! Values are written raw (full precision, `.` decimal point) so a spreadsheet reads them as numbers.

use kpi_api::{Children, Series};

use super::filters::iso;
use super::url::encode_component;

/// One CSV field, quoted when it holds a separator, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One CSV line of fields, ended by CRLF.
pub fn line(fields: &[&str]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// A number at full precision, or nothing.
pub fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A series as CSV: a header line, then one line per period (its first day) and value; an empty
/// value where the period has no data.
pub fn series_csv(series: &Series, header: [&str; 2]) -> String {
    let mut out = line(&header);
    for point in &series.points {
        out.push_str(&line(&[&iso(point.period), &number(point.value)]));
    }
    out
}

/// A children table as CSV: unit id, unit name, value, status; then the parent's total, whose
/// name is `total_label`.
pub fn children_csv(children: &Children, header: [&str; 4], total_label: &str) -> String {
    let mut out = line(&header);
    for child in &children.children {
        out.push_str(&line(&[
            &child.unit.id,
            &child.unit.name,
            &number(child.value),
            child.status.as_str(),
        ]));
    }
    out.push_str(&line(&[
        &children.unit,
        total_label,
        &number(children.total),
        "",
    ]));
    out
}

/// A `data:` URL holding `csv`, with a byte-order mark so spreadsheet programs read it as UTF-8.
pub fn data_url(csv: &str) -> String {
    format!(
        "data:text/csv;charset=utf-8,%EF%BB%BF{}",
        encode_component(csv)
    )
}

/// A file name from its parts, e.g. `appeal_on_time_share_perm_2021-10-01_2021-12-31_week.csv`;
/// characters a file system may refuse become `-`.
pub fn file_name(parts: &[&str]) -> String {
    let stem = parts
        .iter()
        .map(|part| {
            part.chars()
                .map(|c| {
                    if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("_");
    format!("{stem}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use kpi_api::{ChildValue, Grain, Point, Status, Unit, UnitKind};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_series_becomes_one_line_per_period_with_gaps_left_empty() {
        let series = Series {
            kpi: "k".to_string(),
            unit: "perm".to_string(),
            grain: Grain::Month,
            calendar: Default::default(),
            from: d("2021-01-01"),
            to: d("2021-02-28"),
            targets: Vec::new(),
            points: vec![
                Point {
                    period: d("2021-01-01"),
                    value: Some(87.25),
                },
                Point {
                    period: d("2021-02-01"),
                    value: None,
                },
            ],
        };
        assert_eq!(
            series_csv(&series, ["period", "value"]),
            "period,value\r\n2021-01-01,87.25\r\n2021-02-01,\r\n"
        );
    }

    #[test]
    fn names_with_commas_or_quotes_are_quoted_and_the_total_comes_last() {
        let children = Children {
            kpi: "k".to_string(),
            unit: "perm".to_string(),
            from: d("2021-01-01"),
            to: d("2021-03-31"),
            total: Some(10.0),
            children: vec![ChildValue {
                unit: Unit {
                    id: "perm-1".to_string(),
                    parent_id: Some("perm".to_string()),
                    kind: UnitKind::District,
                    name: "Leninsky, \"old\"".to_string(),
                    population: None,
                    local_name: None,
                },
                value: Some(12.5),
                status: Status::Green,
            }],
        };
        assert_eq!(
            children_csv(&children, ["id", "unit", "value", "status"], "Total"),
            "id,unit,value,status\r\nperm-1,\"Leninsky, \"\"old\"\"\",12.5,green\r\nperm,Total,10,\r\n"
        );
    }

    #[test]
    fn a_data_url_escapes_the_text_and_starts_with_a_byte_order_mark() {
        assert_eq!(
            data_url("a,b\r\n"),
            "data:text/csv;charset=utf-8,%EF%BB%BFa%2Cb%0D%0A"
        );
    }

    #[test]
    fn a_file_name_joins_its_parts_and_replaces_unsafe_characters() {
        assert_eq!(
            file_name(&["kpi", "perm", "2021-10-01", "a/b c"]),
            "kpi_perm_2021-10-01_a-b-c.csv"
        );
    }
}
