//! The KPI editor's plain rules: the id a file's header gives (it names the file saved), where a
//! server's error points in the text, the lines shown around it, and how the first rows of a
//! preview are written.
//!
//! Contract: a KPI file is a header of `-- key: value` lines, then one SELECT (see the README's
//! "Add a KPI"). Errors point at lines of the text sent, counted from 1; columns count characters
//! from 1.

use kpi_api::KpiLoadError;

/// How many of a preview's rows the table shows; the rest would only slow the page down.
pub const PREVIEW_ROWS_SHOWN: usize = 100;

/// Lines shown before and after the line an error points at.
pub const EXCERPT_CONTEXT: u32 = 2;

/// `-- key: value` with a lower-case key, or None when the line is something else. The same rule
/// as the server's, so the id read here is the id the server reads.
fn header_pair(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("--")?.trim_start();
    let (key, value) = rest.split_once(':')?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return None;
    }
    Some((key, value.trim()))
}

/// The id the file's header gives (`-- id: x`), which names the file it is saved as; None when the
/// header has no id or an empty one. Only the header counts: a comment inside the SELECT does not.
pub fn header_id(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .take_while(|line| line.is_empty() || line.starts_with("--"))
        .filter_map(header_pair)
        .find(|(key, _)| *key == "id")
        .map(|(_, value)| value.to_string())
        .filter(|id| !id.is_empty())
}

/// Reads a message the server wrote as `FILE, line N, column C: message` (the line and the column
/// each optional) back into its parts; None when the message has another shape.
pub fn parse_located(text: &str) -> Option<KpiLoadError> {
    let (head, message) = text.split_once(": ")?;
    let mut parts = head.split(", ");
    let file = parts.next().filter(|file| !file.is_empty())?;
    let mut line = None;
    let mut column = None;
    for part in parts {
        if let Some(n) = part.strip_prefix("line ") {
            line = Some(n.trim().parse().ok()?);
        } else if let Some(n) = part.strip_prefix("column ") {
            column = Some(n.trim().parse().ok()?);
        } else {
            return None;
        }
    }
    Some(KpiLoadError {
        file: file.to_string(),
        line,
        column,
        message: message.to_string(),
    })
}

/// The number of lines a text area shows for `text`: a final line break starts one more line.
pub fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Line `line` (from 1) of `text` without its line break; None past the end.
pub fn line_at(text: &str, line: u32) -> Option<&str> {
    let index = usize::try_from(line.checked_sub(1)?).ok()?;
    text.split('\n')
        .nth(index)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// The lines around `line`, `context` before and after, each with its number: what an error panel
/// shows. Empty when `line` is not in the text.
pub fn excerpt(text: &str, line: u32, context: u32) -> Vec<(u32, &str)> {
    if line_at(text, line).is_none() {
        return Vec::new();
    }
    let first = line.saturating_sub(context).max(1);
    (first..=line.saturating_add(context))
        .map_while(|n| line_at(text, n).map(|l| (n, l)))
        .collect()
}

/// What goes before the `^` that marks `column` (from 1) under `line`: a space for each character
/// before it, but a tab for a tab, so the mark lines up however wide tabs are drawn.
pub fn caret_prefix(line: &str, column: u32) -> String {
    let before = usize::try_from(column.saturating_sub(1)).unwrap_or(0);
    line.chars()
        .chain(std::iter::repeat(' '))
        .take(before)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect()
}

/// Where line `line` (from 1) starts and ends in `text`, in UTF-16 units as a text area's
/// selection counts them; None past the end.
pub fn line_span_utf16(text: &str, line: u32) -> Option<(u32, u32)> {
    let index = usize::try_from(line.checked_sub(1)?).ok()?;
    let mut start = 0usize;
    for (i, l) in text.split('\n').enumerate() {
        let len = l.encode_utf16().count();
        if i == index {
            let end = start
                + l.strip_suffix('\r')
                    .map_or(len, |s| s.encode_utf16().count());
            return Some((u32::try_from(start).ok()?, u32::try_from(end).ok()?));
        }
        start += len + 1;
    }
    None
}

/// An id for one preview run, so that `POST /api/query/cancel` can name it: the moment it started
/// (milliseconds since 1970) and this page's count of runs, so two runs never share one.
pub fn run_id(epoch_millis: f64, seq: u32) -> String {
    // Whole milliseconds; a clock that cannot be read (NaN) still gives a usable id with the count.
    let millis = if epoch_millis.is_finite() && epoch_millis > 0.0 {
        epoch_millis as u64
    } else {
        0
    };
    format!("run-{millis:x}-{seq}")
}

/// One cell of a preview's raw rows as the table writes it: text as it is, numbers and booleans
/// as JSON writes them, and nothing for null.
pub fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "-- id: my_kpi\n-- title: My KPI\n-- unit: count\n-- direction: higher\n\nSELECT\n    a.grp,\n    p.period,\n    count(*) AS value -- id: not_this\nFROM appeals AS a\n";

    #[test]
    fn the_id_comes_from_the_header_as_the_server_reads_it() {
        assert_eq!(header_id(FILE).as_deref(), Some("my_kpi"));
        assert_eq!(
            header_id("\n  --id:spaced_out  \n-- title: x\nSELECT 1").as_deref(),
            Some("spaced_out")
        );
        assert_eq!(
            header_id("-- title: First\n-- id: later\nSELECT 1").as_deref(),
            Some("later")
        );
    }

    #[test]
    fn a_file_without_an_id_in_its_header_has_none() {
        assert_eq!(header_id(""), None);
        assert_eq!(header_id("-- title: No id\nSELECT 1"), None);
        assert_eq!(header_id("-- id:\nSELECT 1"), None);
        // Below the first line of SQL, a comment is part of the SELECT.
        assert_eq!(header_id("-- title: x\nSELECT 1\n-- id: too_late"), None);
        // `ID` is not the lower-case key the server reads.
        assert_eq!(header_id("-- ID: upper\nSELECT 1"), None);
    }

    #[test]
    fn a_located_message_splits_into_file_line_column_and_message() {
        assert_eq!(
            parse_located("my_kpi.sql, line 9, column 5: Referenced column \"x\" not found: y"),
            Some(KpiLoadError {
                file: "my_kpi.sql".to_string(),
                line: Some(9),
                column: Some(5),
                message: "Referenced column \"x\" not found: y".to_string(),
            })
        );
        let no_column = parse_located("a.sql, line 3: unknown header key 'colour'").unwrap();
        assert_eq!((no_column.line, no_column.column), (Some(3), None));
        assert_eq!(no_column.message, "unknown header key 'colour'");
        let nowhere = parse_located("a.sql: header key 'id' is required").unwrap();
        assert_eq!((nowhere.line, nowhere.column), (None, None));
        assert_eq!(nowhere.file, "a.sql");
    }

    #[test]
    fn a_message_of_another_shape_is_not_taken_for_a_location() {
        assert_eq!(parse_located("the query took longer than 10 s"), None);
        assert_eq!(parse_located("a.sql, line x: message"), None);
        assert_eq!(parse_located("a.sql, somewhere: message"), None);
        assert_eq!(parse_located(": message"), None);
    }

    #[test]
    fn lines_count_from_one_and_a_final_break_opens_a_line() {
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("a\nb"), 2);
        assert_eq!(line_count("a\nb\n"), 3);
        assert_eq!(line_at("a\r\nb\nc", 1), Some("a"));
        assert_eq!(line_at("a\nb\nc", 3), Some("c"));
        assert_eq!(line_at("a\nb\nc", 0), None);
        assert_eq!(line_at("a\nb\nc", 4), None);
    }

    #[test]
    fn an_excerpt_shows_the_line_with_its_neighbours_inside_the_text() {
        let text = "one\ntwo\nthree\nfour\nfive\nsix";
        assert_eq!(
            excerpt(text, 3, 2),
            vec![
                (1, "one"),
                (2, "two"),
                (3, "three"),
                (4, "four"),
                (5, "five")
            ]
        );
        assert_eq!(excerpt(text, 1, 1), vec![(1, "one"), (2, "two")]);
        assert_eq!(
            excerpt(text, 6, 2),
            vec![(4, "four"), (5, "five"), (6, "six")]
        );
        assert!(excerpt(text, 7, 2).is_empty());
        assert!(excerpt(text, 0, 2).is_empty());
    }

    #[test]
    fn the_caret_lines_up_under_its_column_even_after_tabs() {
        assert_eq!(caret_prefix("SELECT x", 8), "       ");
        assert_eq!(caret_prefix("\tx", 2), "\t");
        assert_eq!(caret_prefix("ab", 1), "");
        // Past the end of the line (a missing token at its end) the mark still moves on.
        assert_eq!(caret_prefix("ab", 4), "   ");
        assert_eq!(caret_prefix("é ü", 3), "  ");
    }

    #[test]
    fn a_lines_span_counts_utf16_units_as_a_text_area_does() {
        let text = "ab\n\u{1F600}c\r\nd";
        assert_eq!(line_span_utf16(text, 1), Some((0, 2)));
        // The emoji is two UTF-16 units; the \r is not part of the line.
        assert_eq!(line_span_utf16(text, 2), Some((3, 6)));
        assert_eq!(line_span_utf16(text, 3), Some((8, 9)));
        assert_eq!(line_span_utf16(text, 4), None);
        assert_eq!(line_span_utf16(text, 0), None);
    }

    #[test]
    fn every_run_has_its_own_id() {
        assert_eq!(run_id(1_700_000_000_123.7, 1), "run-18bcfe5687b-1");
        assert_ne!(
            run_id(1_700_000_000_123.0, 1),
            run_id(1_700_000_000_123.0, 2)
        );
        assert_eq!(run_id(f64::NAN, 3), "run-0-3");
    }

    #[test]
    fn cells_show_text_plain_numbers_as_json_and_null_as_nothing() {
        use serde_json::json;
        assert_eq!(cell_text(&json!("perm")), "perm");
        assert_eq!(cell_text(&json!(12)), "12");
        assert_eq!(cell_text(&json!(0.5)), "0.5");
        assert_eq!(cell_text(&json!(true)), "true");
        assert_eq!(cell_text(&json!(null)), "");
    }
}
