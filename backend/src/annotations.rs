//! Annotations: dated events (a reorganisation, holidays, a new deadline rule) kept in
//! `queries/annotations.csv` beside the KPI files and shown on every chart that covers them.
//!
//! ```text
//! from,to,unit,title
//! 2020-03-30,2020-05-11,,Non-working days (COVID-19)
//! 2021-01-01,,krasnodar-krai,Federal rule: an answer within 8 days
//! ```
//!
//! `to` empty: a single day. `unit` empty: everywhere; else the unit and everything under it.
//!
//! People also enter events in the app, for a unit of their jurisdiction; those are stored in the
//! database ([`add`], [`remove`]) and shown beside the file's.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use duckdb::Connection;
use kpi_api::{Annotation, KpiLoadError, NewAnnotation};

use crate::auth::Parents;
use crate::error::{Error, Result};

/// The file beside the KPI files.
pub const FILE: &str = "annotations.csv";

/// Reads `dir/annotations.csv` (none is no annotations); a bad line is an error naming the file
/// and line, and is left out.
pub fn load(dir: &Path, units: &dyn Fn(&str) -> bool) -> (Vec<Annotation>, Vec<KpiLoadError>) {
    match std::fs::read_to_string(dir.join(FILE)) {
        Ok(text) => parse(&text, units),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(e) => (Vec::new(), vec![error(None, format!("cannot read: {e}"))]),
    }
}

fn error(line: Option<u32>, message: String) -> KpiLoadError {
    crate::kpi::load_error(FILE, line, message)
}

/// [`load`] on a file's text.
pub fn parse(text: &str, units: &dyn Fn(&str) -> bool) -> (Vec<Annotation>, Vec<KpiLoadError>) {
    let header = "from,to,unit,title";
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, l)| l.trim()) != Some(header) {
        return (
            Vec::new(),
            vec![error(Some(1), format!("the first line must be '{header}'"))],
        );
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        match annotation(line, units) {
            Ok(a) => out.push(a),
            Err(message) => errors.push(error(Some(i as u32 + 1), message)),
        }
    }
    (out, errors)
}

/// One line: `from,to,unit,title` (the title may hold commas; it is the rest).
fn annotation(line: &str, units: &dyn Fn(&str) -> bool) -> Result<Annotation, String> {
    let fields: Vec<&str> = line.splitn(4, ',').map(str::trim).collect();
    let [from, to, unit, title] = fields[..] else {
        return Err(format!(
            "expected from,to,unit,title; got {} fields",
            fields.len()
        ));
    };
    let day = |name: &str, text: &str| {
        text.parse::<NaiveDate>()
            .map_err(|_| format!("{name}: '{text}' is not a date YYYY-MM-DD"))
    };
    let from = day("from", from)?;
    let to = match to {
        "" => from,
        text => day("to", text)?,
    };
    if to < from {
        return Err(format!("to {to} is before from {from}"));
    }
    let unit = match unit {
        "" => None,
        u if units(u) => Some(u.to_string()),
        u => return Err(format!("no unit '{u}'")),
    };
    if title.is_empty() {
        return Err("the title is empty".into());
    }
    Ok(Annotation {
        from,
        to,
        unit,
        title: title.to_string(),
        id: None,
        by: None,
    })
}

/// The longest title an event entered in the app may have.
const MAX_TITLE: usize = 200;

/// The events entered in the app, oldest first.
pub fn stored(c: &Connection) -> Result<Vec<Annotation>> {
    read_stored(c, None)
}

/// The events entered in the app, or the one with `id`.
fn read_stored(c: &Connection, id: Option<&str>) -> Result<Vec<Annotation>> {
    let mut stmt = c.prepare(
        "SELECT id, from_day, to_day, unit_id, title, created_by FROM main.annotations
         WHERE CAST($1 AS VARCHAR) IS NULL OR id = $1 ORDER BY created_at, id",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Annotation {
                id: Some(r.get(0)?),
                from: r.get(1)?,
                to: r.get(2)?,
                unit: Some(r.get(3)?),
                title: r.get(4)?,
                by: Some(r.get(5)?),
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Checks and stores an event entered by `by` (whose jurisdiction the caller has checked).
pub fn add(c: &Connection, by: &str, new: &NewAnnotation) -> Result<Annotation> {
    let title = new.title.trim();
    if title.is_empty() {
        return Err(Error::bad_parameter("title", "the title is empty"));
    }
    if title.chars().count() > MAX_TITLE || title.chars().any(char::is_control) {
        return Err(Error::bad_parameter(
            "title",
            format!("at most {MAX_TITLE} characters, on one line"),
        ));
    }
    let to = new.to.unwrap_or(new.from);
    if to < new.from {
        return Err(Error::bad_parameter(
            "to",
            format!("{to} is before from {}", new.from),
        ));
    }
    let years = 1990..=2100;
    if !years.contains(&new.from.year()) || !years.contains(&to.year()) {
        return Err(Error::bad_parameter(
            "from",
            "the days must fall between 1990 and 2100",
        ));
    }
    let id: String = c.query_row(
        "INSERT INTO main.annotations (id, from_day, to_day, unit_id, title, created_by, created_at)
         VALUES ('a' || nextval('annotation_ids'), ?, ?, ?, ?, ?, now()) RETURNING id",
        duckdb::params![new.from, to, new.unit, title, by],
        |r| r.get(0),
    )?;
    Ok(Annotation {
        from: new.from,
        to,
        unit: Some(new.unit.clone()),
        title: title.to_string(),
        id: Some(id),
        by: Some(by.to_string()),
    })
}

/// Removes event `id`, which `may_remove` (its creator, an admin) allows; returns it.
pub fn remove(
    c: &Connection,
    id: &str,
    may_remove: &dyn Fn(&Annotation) -> Result<()>,
) -> Result<Annotation> {
    let found = read_stored(c, Some(id))?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no event '{id}' entered in the app")))?;
    may_remove(&found)?;
    c.execute("DELETE FROM main.annotations WHERE id = ?", [id])?;
    Ok(found)
}

/// The annotations that concern `unit`: everywhere's, and those of the unit or a unit above it.
pub fn for_unit(all: &[Annotation], unit: &str, parents: &Parents) -> Vec<Annotation> {
    all.iter()
        .filter(|a| a.unit.as_deref().is_none_or(|u| parents.is_within(unit, u)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use kpi_api::{Unit, UnitKind};

    use super::*;

    #[test]
    fn lines_become_annotations_and_bad_ones_are_named() {
        let (list, errors) = parse(
            "from,to,unit,title
2020-03-30,2020-05-11,,Non-working days, COVID-19
2021-01-01,,town,New rule
2021-02-01,2021-01-01,,Backwards
2021-01-01,,atlantis,Where
2021-01-01,,,
",
            &|u| u == "town",
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].title, "Non-working days, COVID-19");
        assert_eq!(list[1].to, list[1].from);
        let lines: Vec<Option<u32>> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(4), Some(5), Some(6)]);
        assert!(errors[1].message.contains("atlantis"));
    }

    #[test]
    fn a_unit_sees_everywheres_its_own_and_those_above_it() {
        let unit = |id: &str, parent: Option<&str>| Unit::new(id, parent, UnitKind::City);
        let units = [
            unit("krai", None),
            unit("town", Some("krai")),
            unit("other", Some("krai")),
        ];
        let parents = Parents::of(&units);
        let (list, _) = parse(
            "from,to,unit,title
2021-01-01,,,All
2021-01-01,,krai,Krai
2021-01-01,,town,Town
",
            &|_| true,
        );
        let titles = |unit: &str| -> Vec<String> {
            for_unit(&list, unit, &parents)
                .into_iter()
                .map(|a| a.title)
                .collect()
        };
        assert_eq!(titles("town"), ["All", "Krai", "Town"]);
        assert_eq!(titles("other"), ["All", "Krai"]);
        assert_eq!(titles("krai"), ["All", "Krai"]);
    }
}
