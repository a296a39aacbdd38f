//! Importing operational exports (CSV or Parquet) into the database.
//!
//! One file is one transaction: every row lands or none does. A file is recognised by its header
//! (the set of column names), loaded as text into a staging table with the line each row came from,
//! checked column by column (type, allowed values, references to the org tree, row rules), and only
//! then merged into its table by key: new keys are inserted, known keys replaced (a corrected
//! export). The SHA-256 of the bytes is recorded, so re-sending the same file changes nothing.
//!
//! Plans and their check-ins come the same way (`plans.csv`, `plan_checkins.csv`); after the
//! column checks they are merged by [`crate::plans::exchange`], which checks a plan as a whole.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use duckdb::Connection;
use kpi_api::{ImportRecord, ImportReport};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::plans::exchange::PlanFile;
use crate::tables::{
    quote_ident, quote_literal, typed_select, Check, ColType, Importer, Merge, TableSpec,
};
pub use crate::tables::{spec, SPECS};

/// What one read of a file's bytes tells: their SHA-256, and whether DuckDB's reader may stage
/// it ([`PlainLines`]).
struct Scanned {
    sha256: String,
    plain_lines: bool,
}

/// Reads a file once, in chunks.
fn scan(path: &Path) -> Result<Scanned> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut plain = PlainLines::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        plain.feed(&buf[..n]);
    }
    Ok(Scanned {
        sha256: hex::encode(hasher.finalize()),
        plain_lines: plain.plain,
    })
}

/// Imports one export file. `name` is how the file is called in reports and errors;
/// `known_kpi` says whether a KPI id is loaded (a plan's goals name their KPI).
pub fn import_file(
    db: &Db,
    path: &Path,
    name: &str,
    by: Importer,
    known_kpi: &dyn Fn(&str) -> bool,
) -> Result<ImportReport> {
    let started = Instant::now();
    let Scanned {
        sha256,
        plain_lines,
    } = scan(path)?;
    // The engine reads files from the staging folder only (see `db::lock_down`); a file from
    // elsewhere is linked there (copied across file systems) first.
    let _staged;
    let path = if !path.starts_with(db.staging_dir()) {
        let ext = if is_parquet(path)? { "parquet" } else { "csv" };
        let copy = db.staging_dir().join(format!("{sha256}.{ext}"));
        let _ = std::fs::remove_file(&copy);
        if std::fs::hard_link(path, &copy).is_err() {
            std::fs::copy(path, &copy)?;
        }
        _staged = RemoveOnDrop(copy.clone());
        copy
    } else {
        path.to_path_buf()
    };
    let path = path.as_path();
    db.with_writer(|conn| {
        let known = conn
            .prepare("SELECT table_name, rows FROM main.imports WHERE sha256 = ?")?
            .query_map([&sha256], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .next()
            .transpose()?;
        if let Some((table, rows)) = known {
            return Ok(ImportReport {
                file: name.to_string(),
                table,
                sha256: sha256.clone(),
                rows_in_file: rows as u64,
                inserted: 0,
                updated: 0,
                already_imported: true,
                millis: started.elapsed().as_millis() as u64,
            });
        }
        drop_staging(conn)?;
        let mut phases = [started; 3];
        let outcome = stage(conn, path, name, plain_lines).and_then(|staged| {
            phases[0] = Instant::now();
            let spec = staged.spec;
            if db.lake().is_some() && matches!(spec.merge, Merge::Rows) {
                return Err(Error::Conflict(format!(
                    "{name}: this server serves a read-only lake; import {} into the server that owns the data and run kpiboard export-lake there",
                    spec.table
                )));
            }
            by.kinds.check(spec, name)?;
            validate(conn, spec, name, staged.rows)?;
            within_jurisdiction(conn, spec, name, by)?;
            owns_keys(conn, spec, name, by)?;
            phases[1] = Instant::now();
            let merged = merge(conn, &staged, name, &sha256, by, known_kpi);
            phases[2] = Instant::now();
            merged
        });
        if outcome.is_ok() {
            let ms = |a: Instant, b: Instant| b.duration_since(a).as_millis() as u64;
            tracing::info!(
                file = name,
                read_ms = ms(started, phases[0]),
                check_ms = ms(phases[0], phases[1]),
                merge_ms = ms(phases[1], phases[2]),
                "imported"
            );
        }
        drop_staging(conn)?;
        let (table, rows, inserted, updated) = outcome?;
        Ok(ImportReport {
            file: name.to_string(),
            table: table.to_string(),
            sha256: sha256.clone(),
            rows_in_file: rows,
            inserted,
            updated,
            already_imported: false,
            millis: started.elapsed().as_millis() as u64,
        })
    })
}

/// Deletes a staged copy once the import is done with it.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An importer with a jurisdiction brings rows of its own units only, and never the org tree.
fn within_jurisdiction(
    conn: &Connection,
    spec: &TableSpec,
    name: &str,
    by: Importer,
) -> Result<()> {
    let Some(home) = by.jurisdiction else {
        return Ok(());
    };
    if spec.table == "org_units" {
        return Err(Error::Forbidden(format!(
            "{name}: only an admin may import the org tree"
        )));
    }
    let Some(unit) = spec.unit_column else {
        return Ok(());
    };
    let q = quote_ident(unit);
    first_bad(
        conn,
        &format!(
            "SELECT line, {q} FROM temp.staging WHERE {q} NOT IN (SELECT unit_id FROM main.unit_closure WHERE ancestor_id = {home}) ORDER BY line LIMIT 1",
            home = quote_literal(home)
        ),
        name,
        "line",
        unit,
        |v| {
            format!(
                "unit '{}' is outside your jurisdiction ({home} and the units under it)",
                v.unwrap_or_default()
            )
        },
    )
    .map_err(|e| Error::Forbidden(e.to_string()))
}

/// An importer with a jurisdiction may add rows with new keys and replace rows of its own units,
/// never a row stored under a unit outside it (which would move it in and lose its values). The
/// refusal names the line and the key the file gave, and nothing of the stored row.
fn owns_keys(conn: &Connection, spec: &TableSpec, name: &str, by: Importer) -> Result<()> {
    let (Some(home), Some(unit)) = (by.jurisdiction, spec.unit_column) else {
        return Ok(());
    };
    if spec.merge != Merge::Rows {
        // Plans answer for their keys themselves (see plans::exchange).
        return Ok(());
    }
    let key = spec.key.join(", ");
    first_bad(
        conn,
        &format!(
            "SELECT s.line, concat_ws(', ', {keys}) FROM temp.staging s JOIN main.{table} t ON {join}
             WHERE t.{unit} NOT IN (SELECT unit_id FROM main.unit_closure WHERE ancestor_id = {home})
             ORDER BY s.line LIMIT 1",
            keys = spec
                .key
                .iter()
                .map(|k| format!("s.{}", quote_ident(k)))
                .collect::<Vec<_>>()
                .join(", "),
            table = spec.table,
            join = key_join(spec),
            unit = quote_ident(unit),
            home = quote_literal(home)
        ),
        name,
        "line",
        spec.key[0],
        |v| {
            format!(
                "{key} '{}' cannot be written from your jurisdiction: a file may add rows with new keys and correct the rows of {home} and the units under it",
                v.unwrap_or_default()
            )
        },
    )
    .map_err(|e| Error::Forbidden(e.to_string()))
}

fn is_parquet(path: &Path) -> Result<bool> {
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path)?;
    let n = file.read(&mut magic)?;
    Ok(n == 4 && &magic == b"PAR1")
}

/// Finds the export kind whose columns are exactly `header`, or explains the closest miss.
fn recognise(header: &[String], name: &str) -> Result<&'static TableSpec> {
    let given: BTreeSet<&str> = header.iter().map(String::as_str).collect();
    if given.len() != header.len() {
        let dup = header
            .iter()
            .find(|h| header.iter().filter(|x| x == h).count() > 1)
            .map(String::as_str)
            .unwrap_or_default();
        return Err(Error::InvalidFile(format!(
            "{name}, line 1: column '{dup}' appears twice in the header"
        )));
    }
    let closest = SPECS
        .iter()
        .max_by_key(|s| s.columns.iter().filter(|c| given.contains(c.name)).count())
        .expect("there are specs");
    let wanted: BTreeSet<&str> = closest.columns.iter().map(|c| c.name).collect();
    let older: BTreeSet<&str> = closest
        .columns
        .iter()
        .filter(|c| !c.added)
        .map(|c| c.name)
        .collect();
    if given.is_subset(&wanted) && given.is_superset(&older) {
        return Ok(closest);
    }
    if wanted.intersection(&given).count() == 0 {
        let kinds: Vec<String> = SPECS
            .iter()
            .map(|s| {
                let cols: Vec<&str> = s.columns.iter().map(|c| c.name).collect();
                format!("{} ({})", s.table, cols.join(", "))
            })
            .collect();
        return Err(Error::InvalidFile(format!(
            "{name}, line 1: the header matches no known export; expected the columns of one of: {}",
            kinds.join("; ")
        )));
    }
    let missing: Vec<&str> = older.difference(&given).copied().collect();
    let unknown: Vec<&str> = given.difference(&wanted).copied().collect();
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        reasons.push(format!("missing column(s) {}", missing.join(", ")));
    }
    if !unknown.is_empty() {
        reasons.push(format!("unknown column(s) {}", unknown.join(", ")));
    }
    Err(Error::InvalidFile(format!(
        "{name}, line 1: looks like a {} export but has {}",
        closest.table,
        reasons.join(" and ")
    )))
}

fn create_staging(conn: &Connection, spec: &TableSpec) -> Result<()> {
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| format!("{} VARCHAR", quote_ident(c.name)))
        .collect();
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE staging (line BIGINT, {})",
        cols.join(", ")
    ))?;
    Ok(())
}

/// A file loaded as text into `temp.staging`.
struct Staged {
    spec: &'static TableSpec,
    rows: u64,
    /// Columns of the export that the file does not have (see [`crate::tables::Column::added`]).
    absent: Vec<&'static str>,
}

impl Staged {
    fn new(spec: &'static TableSpec, header: &[String], rows: u64) -> Staged {
        let absent = spec
            .columns
            .iter()
            .filter(|c| !header.iter().any(|h| h == c.name))
            .map(|c| c.name)
            .collect();
        Staged { spec, rows, absent }
    }
}

/// Loads the file as text into `temp.staging`.
fn stage(conn: &Connection, path: &Path, name: &str, plain_lines: bool) -> Result<Staged> {
    if is_parquet(path)? {
        return stage_parquet(conn, path, name);
    }
    // DuckDB's own reader, in parallel, for rows of a data table in a file where a row is a line
    // and no value needs trimming; the careful reader below for any other file, and for any the
    // fast one stumbles on, so that the error names the file's own line.
    let header = csv_header(&mut csv_reader(path, name)?, name)?;
    let spec = recognise(&header, name)?;
    if matches!(spec.merge, Merge::Rows) && plain_lines {
        match stage_csv_in_engine(conn, path, spec, &header) {
            Ok(staged) => return Ok(staged),
            Err(_) => drop_staging(conn)?,
        }
    }
    stage_csv(conn, path, name)
}

/// Drops what the last import staged (a table, or the engine reader's rows and their view).
pub(crate) fn drop_staging(conn: &Connection) -> Result<()> {
    let view: i64 = conn.query_row(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = 'staging'",
        [],
        |r| r.get(0),
    )?;
    conn.execute_batch(if view > 0 {
        "DROP VIEW temp.staging; DROP TABLE IF EXISTS temp.staging_rows;"
    } else {
        "DROP TABLE IF EXISTS temp.staging; DROP TABLE IF EXISTS temp.staging_rows;"
    })?;
    Ok(())
}

/// Whether a row of the file is one line and its values are as the careful reader would read
/// them: no quote (so no field spans lines), no blank line, no carriage return but before a line
/// feed, and no white space at either end of a value. Then row n is line n + 1. Fed the file's
/// bytes in order.
struct PlainLines {
    plain: bool,
    /// The last bytes seen (the newest last): the start of the file is the start of a line.
    last: [u8; 4],
}

impl PlainLines {
    fn new() -> PlainLines {
        PlainLines {
            plain: true,
            last: [0u8, 0, 0, b'\n'],
        }
    }

    fn feed(&mut self, buf: &[u8]) {
        let boundary = |b: u8| b == b',' || b == b'\n' || b == b'\r';
        let n = buf.len();
        for i in 0..n {
            if !self.plain {
                return;
            }
            let (b, last) = (buf[i], self.last);
            let prev = last[3];
            let plain = match b {
                b'"' | b'\t' => false,
                b'\n' => prev != b'\n' && !(prev == b'\r' && last[2] == b'\n'),
                b' ' => prev != b',' && prev != b'\n',
                b',' => prev != b' ' && prev != b'\r',
                0x80.. if prev == b',' || prev == b'\n' => {
                    // The first character of a value: not white space.
                    let ahead = &buf[i..n.min(i + 4)];
                    let valid = match std::str::from_utf8(ahead) {
                        Ok(s) => s,
                        Err(e) => std::str::from_utf8(&ahead[..e.valid_up_to()]).unwrap_or(""),
                    };
                    valid.chars().next().is_some_and(|c| !c.is_whitespace())
                }
                _ => true,
            };
            // A carriage return must end its line; the last character of a value before a
            // separator must not be white space.
            self.plain = plain
                && (prev != b'\r' || b == b'\n')
                && !(boundary(b) && prev >= 0x80 && ends_in_space(&last));
            self.last = [last[1], last[2], last[3], b];
        }
    }
}

/// Whether the UTF-8 bytes `last` (the newest last) end in a white-space character.
fn ends_in_space(last: &[u8; 4]) -> bool {
    (0..4)
        .filter_map(|start| std::str::from_utf8(&last[start..]).ok())
        .find_map(|s| s.chars().last())
        .is_some_and(char::is_whitespace)
}

/// The header of a CSV file, as the import names columns (no BOM, no spaces around).
fn csv_header(reader: &mut csv::Reader<std::fs::File>, name: &str) -> Result<Vec<String>> {
    Ok(reader
        .headers()
        .map_err(|e| csv_error(name, &e))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_string()
        })
        .collect())
}

fn csv_reader(path: &Path, name: &str) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_path(path)
        .map_err(|e| Error::InvalidFile(format!("{name}: {e}")))
}

/// Stages a file whose rows are its lines with DuckDB's CSV reader, every value as text (empty
/// as NULL) as [`stage_csv`] does: the rows in `temp.staging_rows`, and `temp.staging` a view
/// adding each row's line (rows keep the file's order, so the n-th is line n + 1). Any error is
/// left for the careful reader to word.
fn stage_csv_in_engine(
    conn: &Connection,
    path: &Path,
    spec: &'static TableSpec,
    header: &[String],
) -> Result<Staged> {
    let fields: Vec<String> = (0..header.len())
        .map(|i| format!("'c{i}': 'VARCHAR'"))
        .collect();
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| {
            let q = quote_ident(c.name);
            match header.iter().position(|h| h == c.name) {
                Some(i) => format!("NULLIF(c{i}, '') AS {q}"),
                None => format!("CAST(NULL AS VARCHAR) AS {q}"),
            }
        })
        .collect();
    conn.execute(
        &format!(
            "CREATE TEMP TABLE staging_rows AS SELECT {} \
             FROM read_csv({}, header = false, skip = 1, auto_detect = false, delim = ',', quote = '\"', \
                           escape = '\"', columns = {{{}}}, strict_mode = true, null_padding = false, \
                           all_varchar = true)",
            cols.join(", "),
            quote_literal(&path.to_string_lossy()),
            fields.join(", ")
        ),
        [],
    )?;
    conn.execute_batch(
        "CREATE TEMP VIEW staging AS SELECT rowid + 2 AS line, * FROM temp.staging_rows",
    )?;
    let rows: i64 = conn.query_row("SELECT count(*) FROM temp.staging_rows", [], |r| r.get(0))?;
    Ok(Staged::new(spec, header, rows as u64))
}

fn stage_csv(conn: &Connection, path: &Path, name: &str) -> Result<Staged> {
    let mut reader = csv_reader(path, name)?;
    let header = csv_header(&mut reader, name)?;
    let spec = recognise(&header, name)?;
    create_staging(conn, spec)?;
    // The staging columns are in the spec's order; map each to its position in the file.
    let positions: Vec<Option<usize>> = spec
        .columns
        .iter()
        .map(|c| header.iter().position(|h| h == c.name))
        .collect();
    let mut appender = conn.appender_to_catalog_and_db("staging", "temp", "main")?;
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(name, &e)),
        }
        let line = record.position().map(|p| p.line() as i64).unwrap_or(0);
        let values = std::iter::once(Some(line.to_string())).chain(positions.iter().map(|&i| {
            let v = i.and_then(|i| record.get(i)).unwrap_or("").trim();
            (!v.is_empty()).then(|| v.to_string())
        }));
        appender.append_row(duckdb::appender_params_from_iter(values))?;
        rows += 1;
    }
    appender.flush()?;
    Ok(Staged::new(spec, &header, rows))
}

fn csv_error(name: &str, e: &csv::Error) -> Error {
    let at = e
        .position()
        .map(|p| format!(", line {}", p.line()))
        .unwrap_or_default();
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    Error::InvalidFile(format!("{name}{at}: {reason}"))
}

fn stage_parquet(conn: &Connection, path: &Path, name: &str) -> Result<Staged> {
    let source = format!(
        "read_parquet({}, file_row_number = true)",
        quote_literal(&path.to_string_lossy())
    );
    // DuckDB names the file it read (the staged copy, a path on the server) and quotes the SQL
    // it ran, which is the server's own: say the upload's name, and leave the SQL out.
    let staged = path.to_string_lossy().to_string();
    let folder = path
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let unstaged = |e: duckdb::Error| {
        let text = e.to_string();
        let text = text.split("\n\nLINE").next().unwrap_or_default().trim();
        let text = text.replace(&staged, name);
        if folder.is_empty() {
            text
        } else {
            text.replace(&folder, "")
        }
    };
    let header: Vec<String> = conn
        .prepare(&format!(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM {source})"
        ))
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<duckdb::Result<Vec<_>>>()
        })
        .map_err(|e| {
            Error::InvalidFile(format!(
                "{name}: not a readable Parquet file: {}",
                unstaged(e)
            ))
        })?
        .into_iter()
        .filter(|c| c != "file_row_number")
        .collect();
    let spec = recognise(&header, name)?;
    create_staging(conn, spec)?;
    let cols: Vec<String> = spec
        .columns
        .iter()
        .map(|c| match header.iter().any(|h| h == c.name) {
            true => format!("CAST({} AS VARCHAR)", quote_ident(c.name)),
            false => "CAST(NULL AS VARCHAR)".to_string(),
        })
        .collect();
    let rows = conn
        .execute(
            &format!(
                "INSERT INTO temp.staging SELECT file_row_number + 1, {} FROM {source}",
                cols.join(", ")
            ),
            [],
        )
        .map_err(|e| Error::InvalidFile(format!("{name}: {}", unstaged(e))))?;
    Ok(Staged::new(spec, &header, rows as u64))
}

/// The first offending row for `sql` (which selects `line, value`), as "file, line N, column C: ...".
fn first_bad(
    conn: &Connection,
    sql: &str,
    name: &str,
    row_word: &str,
    column: &str,
    reason: impl Fn(Option<String>) -> String,
) -> Result<()> {
    let hit = conn
        .prepare(sql)?
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .next()
        .transpose()?;
    match hit {
        Some((line, value)) => Err(Error::InvalidFile(format!(
            "{name}, {row_word} {line}, column {column}: {}",
            reason(value)
        ))),
        None => Ok(()),
    }
}

/// Checks every staged row; the first problem (in file order per check) is the error.
fn validate(conn: &Connection, spec: &TableSpec, name: &str, rows: u64) -> Result<()> {
    if rows == 0 {
        return Err(Error::InvalidFile(format!(
            "{name}: the file has a header but no rows"
        )));
    }
    let row_word = "line";
    for c in spec.columns {
        let q = quote_ident(c.name);
        if c.required {
            first_bad(
                conn,
                &format!("SELECT line, CAST(NULL AS VARCHAR) FROM temp.staging WHERE {q} IS NULL ORDER BY line LIMIT 1"),
                name,
                row_word,
                c.name,
                |_| "a value is required".to_string(),
            )?;
        }
        if c.ty != ColType::Text {
            first_bad(
                conn,
                &format!(
                    "SELECT line, {q} FROM temp.staging WHERE {q} IS NOT NULL AND TRY_CAST({q} AS {}) IS NULL ORDER BY line LIMIT 1",
                    c.ty.sql()
                ),
                name,
                row_word,
                c.name,
                |v| format!("'{}' is not {}", v.unwrap_or_default(), c.ty.expected()),
            )?;
        }
        match c.check {
            Check::Any => {}
            Check::OneOf(allowed) => {
                let list: Vec<String> = allowed.iter().map(|a| quote_literal(a)).collect();
                first_bad(
                    conn,
                    &format!(
                        "SELECT line, {q} FROM temp.staging WHERE {q} NOT IN ({}) ORDER BY line LIMIT 1",
                        list.join(", ")
                    ),
                    name,
                    row_word,
                    c.name,
                    |v| format!("'{}' is not one of {}", v.unwrap_or_default(), allowed.join(", ")),
                )?;
            }
            Check::Range(lo, hi) => {
                first_bad(
                    conn,
                    &format!(
                        "SELECT line, {q} FROM temp.staging WHERE CAST({q} AS {}) NOT BETWEEN {lo} AND {hi} ORDER BY line LIMIT 1",
                        c.ty.sql()
                    ),
                    name,
                    row_word,
                    c.name,
                    |v| format!("{} is outside {lo}..{hi}", v.unwrap_or_default()),
                )?;
            }
            Check::Slug => {
                first_bad(
                    conn,
                    &format!(
                        "SELECT line, {q} FROM temp.staging WHERE NOT regexp_full_match({q}, '[a-z0-9]+(-[a-z0-9]+)*') ORDER BY line LIMIT 1"
                    ),
                    name,
                    row_word,
                    c.name,
                    |v| {
                        format!(
                            "'{}' is not an id (lower-case letters, digits and single dashes)",
                            v.unwrap_or_default()
                        )
                    },
                )?;
            }
        }
    }
    // The same key twice in one file is ambiguous: which row is right?
    let key_cols: Vec<String> = spec.key.iter().map(|k| quote_ident(k)).collect();
    first_bad(
        conn,
        &format!(
            "SELECT max(line), concat_ws(' / ', {k}) || ' (first on line ' || min(line) || ')' FROM temp.staging GROUP BY {k} HAVING count(*) > 1 ORDER BY max(line) LIMIT 1",
            k = key_cols.join(", ")
        ),
        name,
        row_word,
        &spec.key.join("+"),
        |v| format!("duplicate key {}", v.unwrap_or_default()),
    )?;
    if let Some(unit) = spec.unit_column {
        let q = quote_ident(unit);
        first_bad(
            conn,
            &format!(
                "SELECT line, {q} FROM temp.staging WHERE {q} NOT IN (SELECT id FROM main.org_units) ORDER BY line LIMIT 1"
            ),
            name,
            row_word,
            unit,
            |v| {
                format!(
                    "unit '{}' is not in the org tree (import the org_units export first)",
                    v.unwrap_or_default()
                )
            },
        )?;
    }
    if spec.table == "org_units" {
        first_bad(
            conn,
            "SELECT line, parent_id FROM temp.staging WHERE parent_id IS NOT NULL
               AND parent_id NOT IN (SELECT id FROM temp.staging)
               AND parent_id NOT IN (SELECT id FROM main.org_units) ORDER BY line LIMIT 1",
            name,
            row_word,
            "parent_id",
            |v| {
                format!(
                    "parent '{}' is neither in this file nor in the org tree",
                    v.unwrap_or_default()
                )
            },
        )?;
    }
    if !spec.rules.is_empty() {
        let typed = typed_select(spec);
        for rule in spec.rules {
            first_bad(
                conn,
                &format!(
                    "SELECT line, CAST({c} AS VARCHAR) FROM ({typed}) WHERE {bad} ORDER BY line LIMIT 1",
                    c = quote_ident(rule.column),
                    bad = rule.bad
                ),
                name,
                row_word,
                rule.column,
                |_| rule.message.to_string(),
            )?;
        }
    }
    Ok(())
}

/// Merges the staged rows into their table and records the file, all in one transaction.
fn merge(
    conn: &Connection,
    staged: &Staged,
    name: &str,
    sha256: &str,
    by: Importer,
    known_kpi: &dyn Fn(&str) -> bool,
) -> Result<(&'static str, u64, u64, u64)> {
    let (spec, rows) = (staged.spec, staged.rows);
    // Plan files take the plans' write lock before their transaction begins, so that a check-in
    // given meanwhile is either seen by the import or waits for it, never overwritten.
    let _plan_writes = spec
        .is_plan_file()
        .then(|| crate::plans::WRITES.lock().expect("plan write lock"));
    let (inserted, updated) = crate::db::in_transaction(conn, || {
        let (inserted, updated) = match spec.merge {
            Merge::Rows => merge_rows(conn, staged, name)?,
            Merge::Plans => crate::plans::exchange::merge_plans(conn, spec, name, by, known_kpi)?,
            Merge::PlanCheckins => crate::plans::exchange::merge_checkins(conn, spec, name, by)?,
        };
        conn.execute(
            "INSERT INTO main.imports (sha256, file, table_name, rows, inserted, updated, imported_at, imported_by)
             VALUES (?, ?, ?, ?, ?, ?, now(), ?)",
            duckdb::params![
                sha256,
                name,
                spec.table,
                rows as i64,
                inserted as i64,
                updated as i64,
                by.user
            ],
        )?;
        Ok((inserted, updated))
    })?;
    Ok((spec.table, rows, inserted, updated))
}

/// Inserts new keys and replaces known ones; returns (inserted, updated).
fn merge_rows(conn: &Connection, staged: &Staged, name: &str) -> Result<(u64, u64)> {
    let spec = staged.spec;
    // The days each roll-up over this table must rebuild: those of the rows the file brings and
    // those of the stored rows it replaces (read as they go).
    // Stocks instead count the rows taken away out and the rows brought in.
    let (stocks, rollups): (Vec<_>, Vec<_>) = crate::rollup::recorded(conn, spec.table)?
        .into_iter()
        .partition(crate::rollup::Daily::is_stock);
    let mut changes = crate::rollup::Changes::default();
    let mut spans = crate::rollup::days_of(conn, &rollups, &typed_select(spec))?;
    let updated = if crate::db::unindexed(spec.table) {
        replace_rows(conn, staged, &rollups, &mut spans, &stocks, &mut changes)?
    } else {
        let stored = format!(
            "SELECT t.* FROM main.{} t JOIN temp.staging s ON {}",
            spec.table,
            key_join(spec)
        );
        for (span, old) in spans
            .iter_mut()
            .zip(crate::rollup::days_of(conn, &rollups, &stored)?)
        {
            if let Some((lo, hi)) = old {
                crate::rollup::widen(span, lo, hi);
            }
        }
        changes.add(conn, &stocks, &stored, -1.0)?;
        let updated = upsert_rows(conn, staged)?;
        changes.add(conn, &stocks, &stored, 1.0)?;
        updated
    };
    let refreshing = Instant::now();
    crate::rollup::refresh(conn, &rollups, &spans)?;
    changes.apply(conn)?;
    let rollups = [rollups, stocks].concat();
    if !rollups.is_empty() {
        tracing::info!(
            file = name,
            rollups = rollups.len(),
            millis = refreshing.elapsed().as_millis() as u64,
            "roll-ups brought up to date"
        );
    }
    if spec.table == "org_units" {
        Db::rebuild_closure(conn)?;
        let cycle: Option<String> = conn
            .prepare("SELECT unit_id FROM main.unit_closure WHERE depth > 32 LIMIT 1")?
            .query_map([], |r| r.get(0))?
            .next()
            .transpose()?;
        if let Some(unit) = cycle {
            return Err(Error::InvalidFile(format!(
                "{name}: the parents of '{unit}' form a cycle; the org tree must be a tree"
            )));
        }
    }
    Ok((staged.rows - updated, updated))
}

/// Replaces the stored rows of the staged keys and adds the new ones, in a table without a key
/// index: the stored rows go, then every staged row comes in. A column the file lacks keeps its
/// stored value. The days the stored rows fell on widen `spans` (one per roll-up). Returns how
/// many stored rows were replaced.
fn replace_rows(
    conn: &Connection,
    staged: &Staged,
    rollups: &[crate::rollup::Daily],
    spans: &mut [crate::rollup::Span],
    stocks: &[crate::rollup::Daily],
    changes: &mut crate::rollup::Changes,
) -> Result<u64> {
    let (spec, absent) = (staged.spec, &staged.absent);
    let t = spec.table;
    let names: Vec<String> = spec.columns.iter().map(|c| quote_ident(c.name)).collect();
    let typed = typed_select(spec);
    let source = if absent.is_empty() {
        format!("({typed})")
    } else {
        let kept: Vec<String> = spec
            .columns
            .iter()
            .map(|c| {
                let q = quote_ident(c.name);
                match absent.contains(&c.name) {
                    true => format!("t.{q} AS {q}"),
                    false => format!("s.{q} AS {q}"),
                }
            })
            .collect();
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE incoming AS SELECT s.line, {} FROM ({typed}) s LEFT JOIN main.{t} t ON {}",
            kept.join(", "),
            key_join(spec)
        ))?;
        "temp.incoming".to_string()
    };
    // One pass over the table's keys: the stored rows go, and say which days they were on
    // (and, for each stock, their unit and the days they began and ended counting).
    let days: Vec<String> = rollups
        .iter()
        .map(|d| format!("CAST(t.{} AS DATE)", quote_ident(&d.column)))
        .chain(stocks.iter().map(|s| s.body.clone()))
        .chain(["CAST(NULL AS DATE)".to_string()])
        .collect();
    let mut delete = conn.prepare(&format!(
        "DELETE FROM main.{t} AS t USING temp.staging AS s WHERE {} RETURNING {}",
        key_join(spec),
        days.join(", ")
    ))?;
    let mut gone = delete.query([])?;
    let mut replaced = 0u64;
    while let Some(row) = gone.next()? {
        replaced += 1;
        for (i, span) in spans.iter_mut().enumerate() {
            if let Some(day) = row.get::<_, Option<chrono::NaiveDate>>(i)? {
                crate::rollup::widen(span, day, day);
            }
        }
        for (j, stock) in stocks.iter().enumerate() {
            let at = rollups.len() + 3 * j;
            changes.remove(&stock.kpi, row.get(at)?, row.get(at + 1)?, row.get(at + 2)?);
        }
    }
    drop(gone);
    drop(delete);
    conn.execute(
        &format!(
            "INSERT INTO main.{t} ({cols}) SELECT {cols} FROM {source}",
            cols = names.join(", ")
        ),
        [],
    )?;
    changes.add(conn, stocks, &format!("SELECT * FROM {source}"), 1.0)?;
    conn.execute_batch("DROP TABLE IF EXISTS temp.incoming")?;
    Ok(replaced)
}

/// Inserts new keys and replaces known ones in a table with a key index; returns how many were
/// replaced.
fn upsert_rows(conn: &Connection, staged: &Staged) -> Result<u64> {
    let (spec, absent) = (staged.spec, &staged.absent);
    let updated: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM temp.staging s JOIN main.{} t ON {}",
            spec.table,
            key_join(spec)
        ),
        [],
        |r| r.get(0),
    )?;
    let names: Vec<String> = spec.columns.iter().map(|c| quote_ident(c.name)).collect();
    let set: Vec<String> = spec
        .columns
        .iter()
        .filter(|c| !spec.key.contains(&c.name) && !absent.contains(&c.name))
        .map(|c| format!("{q} = excluded.{q}", q = quote_ident(c.name)))
        .collect();
    let keys: Vec<String> = spec.key.iter().map(|k| quote_ident(k)).collect();
    let typed = typed_select(spec);
    conn.execute(
        &format!(
            "INSERT INTO main.{t} ({cols}) SELECT {cols} FROM ({typed}) ORDER BY line ON CONFLICT ({keys}) DO UPDATE SET {set}",
            t = spec.table,
            cols = names.join(", "),
            keys = keys.join(", "),
            set = set.join(", ")
        ),
        [],
    )?;
    Ok(updated as u64)
}

/// `t.key = CAST(s.key AS type) AND ...`: a staged row `s` and a stored row `t` with the same key.
fn key_join(spec: &TableSpec) -> String {
    spec.key
        .iter()
        .map(|k| {
            format!(
                "t.{q} = CAST(s.{q} AS {ty})",
                q = quote_ident(k),
                ty = key_type(spec, k)
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn key_type(spec: &TableSpec, key: &str) -> &'static str {
    spec.columns
        .iter()
        .find(|c| c.name == key)
        .map(|c| c.ty.sql())
        .unwrap_or("VARCHAR")
}

/// The history of imports, newest first: everyone's, or only `by`'s.
pub fn history(c: &Connection, by: Option<&str>) -> Result<Vec<ImportRecord>> {
    let mut stmt = c.prepare(
        "SELECT file, table_name, sha256, rows, inserted, updated, CAST(imported_at AS VARCHAR), imported_by
         FROM main.imports WHERE CAST($1 AS VARCHAR) IS NULL OR imported_by = CAST($1 AS VARCHAR)
         ORDER BY imported_at DESC",
    )?;
    let rows = stmt
        .query_map([by], |r| {
            Ok(ImportRecord {
                file: r.get(0)?,
                table: r.get(1)?,
                sha256: r.get(2)?,
                rows: r.get(3)?,
                inserted: r.get(4)?,
                updated: r.get(5)?,
                imported_at: r.get(6)?,
                imported_by: r.get(7)?,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The order files of a seed folder must be imported in: the org tree first, then the data,
/// then plans, then their check-ins.
pub fn import_order(files: &mut [std::path::PathBuf]) {
    files.sort_by_key(|p| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let rank = if name.starts_with("org_units") {
            0
        } else if name.starts_with(PlanFile::CheckIns.name()) {
            3
        } else if name.starts_with(PlanFile::Plans.name()) {
            2
        } else {
            1
        };
        (rank, name)
    });
}

#[cfg(test)]
mod tests {
    use crate::testkit::{tiny_state, write, APPEALS};

    fn count(state: &crate::AppState, table: &str) -> i64 {
        state
            .db
            .with(|c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
            .unwrap()
    }

    #[test]
    fn the_same_file_twice_changes_nothing() {
        let (state, dir) = tiny_state();
        let path = write(dir.path(), "appeals.csv", APPEALS);
        let report = state.import(&path, "appeals.csv").unwrap();
        assert!(report.already_imported);
        assert_eq!(report.inserted + report.updated, 0);
        assert_eq!(count(&state, "appeals"), 5);
    }

    #[test]
    fn the_engines_reader_and_the_careful_one_stage_the_same_rows() {
        let (state, dir) = tiny_state();
        let dump = || -> Vec<String> {
            state
                .db
                .with(|c| {
                    let mut stmt = c.prepare(
                        "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM appeals ORDER BY appeal_id",
                    )?;
                    let rows = stmt
                        .query_map([], |r| {
                            Ok((0..10)
                                .map(|i| r.get::<_, Option<String>>(i).unwrap_or_default())
                                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                                .collect::<Vec<_>>()
                                .join("|"))
                        })?
                        .collect::<duckdb::Result<Vec<_>>>()?;
                    Ok(rows)
                })
                .unwrap()
        };
        let before = dump();
        // Windows line ends, no quotes: DuckDB's reader.
        let crlf = APPEALS.replace('\n', "\r\n");
        let path = write(dir.path(), "crlf.csv", &crlf);
        assert!(super::scan(&path).unwrap().plain_lines);
        assert_eq!(state.import(&path, "crlf.csv").unwrap().updated, 5);
        assert_eq!(dump(), before);
        // Spaces around a value, every field quoted: the careful reader, which trims.
        let padded = APPEALS.replace(",portal,", ", portal ,");
        let quoted: Vec<String> = APPEALS
            .lines()
            .map(|l| {
                l.split(',')
                    .map(|f| format!("\"{f}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        for (file, text) in [
            ("padded.csv", padded),
            ("quoted.csv", quoted.join("\n") + "\n"),
        ] {
            let path = write(dir.path(), file, &text);
            assert!(!super::scan(&path).unwrap().plain_lines, "{file}");
            assert_eq!(state.import(&path, file).unwrap().updated, 5, "{file}");
            assert_eq!(dump(), before, "{file}");
        }
        // What else sends a file to the careful reader: a blank line (it would shift the
        // engine's line numbers), a lone carriage return, a tab, a no-break space ending a value.
        for (text, plain) in [
            ("a,b\n1,x\n\n2,y\n", false),
            ("a,b\n1,x\r2,y\n", false),
            ("a,b\n1,\tx\n", false),
            ("a,b\n1,\u{647}\u{648}\u{a0}\n", false),
            ("a,b\n1,\u{a0}x\n", false),
            (
                "a,b\n1,\u{631}\u{62d}\u{6cc}\u{645}\u{6cc} \u{627}.\n",
                true,
            ),
            ("a,b\r\n1,x\r\n", true),
        ] {
            let path = write(dir.path(), "t.csv", text);
            assert_eq!(super::scan(&path).unwrap().plain_lines, plain, "{text:?}");
        }
    }

    #[test]
    fn a_corrected_export_replaces_rows_by_key() {
        let (state, dir) = tiny_state();
        let corrected = APPEALS.replace(
            "2021-03-05 09:00:00,2021-03-03",
            "2021-03-02 09:00:00,2021-03-03",
        ) + "a6,d2-y,portal,other,2021-03-04 09:00:00,,,2021-03-14 09:00:00,\n";
        let path = write(dir.path(), "appeals_fixed.csv", &corrected);
        let report = state.import(&path, "appeals_fixed.csv").unwrap();
        assert_eq!(
            (report.rows_in_file, report.inserted, report.updated),
            (6, 1, 5)
        );
        assert_eq!(count(&state, "appeals"), 6);
        let closed: String = state
            .db
            .with(|c| {
                Ok(c.query_row(
                    "SELECT CAST(closed_at AS VARCHAR) FROM appeals WHERE appeal_id = 'a5'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(closed, "2021-03-02 09:00:00");
    }

    /// The employee column came later: an export with it records who answered, and an older
    /// export without it is still read and leaves the names stored before as they were.
    #[test]
    fn an_export_without_the_employee_column_keeps_the_names_stored() {
        let (state, dir) = tiny_state();
        let employee = |id: &str| -> Option<String> {
            state
                .db
                .with(|c| {
                    Ok(c.query_row(
                        "SELECT employee FROM appeals WHERE appeal_id = ?",
                        [id],
                        |r| r.get(0),
                    )?)
                })
                .unwrap()
        };
        let mut lines = APPEALS.lines();
        let mut with = format!("{},employee\n", lines.next().unwrap());
        for (line, name) in lines.zip(["Ivanova A.", "Petrov B.", "", "Orlova \"Sasha\" C.", ""]) {
            let name = if name.contains('"') {
                format!("\"{}\"", name.replace('"', "\"\""))
            } else {
                name.to_string()
            };
            with.push_str(&format!("{line},{name}\n"));
        }
        let path = write(dir.path(), "with_staff.csv", &with);
        state.import(&path, "with_staff.csv").unwrap();
        assert_eq!(employee("a1").as_deref(), Some("Ivanova A."));
        assert_eq!(employee("a4").as_deref(), Some("Orlova \"Sasha\" C."));
        assert_eq!(employee("a3"), None);
        // The older export again, with one date corrected: the date changes, the names stay.
        let older = APPEALS.replace(
            "2021-03-01 10:00:00,2021-03-01 10:00:00",
            "2021-03-01 10:30:00,2021-03-01 10:30:00",
        );
        let path = write(dir.path(), "older.csv", &older);
        let report = state.import(&path, "older.csv").unwrap();
        assert_eq!((report.inserted, report.updated), (0, 5));
        assert_eq!(employee("a1").as_deref(), Some("Ivanova A."));
        // An employee on an appeal nobody has answered yet is refused, with its line.
        let unanswered = format!(
            "{}a9,d1-x,portal,housing,2021-03-01 09:00:00,,,2021-03-03 09:00:00,,Ivanova A.\n",
            with
        );
        let path = write(dir.path(), "unanswered.csv", &unanswered);
        let e = state
            .import(&path, "unanswered.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 7, column employee") && e.contains("not yet answered"),
            "{e}"
        );
        assert_eq!(employee("a1").as_deref(), Some("Ivanova A."));
    }

    #[test]
    fn a_bad_value_is_refused_with_file_line_and_column_and_nothing_changes() {
        let (state, dir) = tiny_state();
        let bad = APPEALS.replace(
            "a3,d1-x,portal,housing,2021-03-01 09:00:00",
            "a3,d1-x,portal,housing,yesterday",
        ) + "a7,d1-x,portal,housing,2021-03-09 09:00:00,,,2021-03-19 09:00:00,\n";
        let path = write(dir.path(), "appeals_bad.csv", &bad);
        let err = state
            .import(&path, "appeals_bad.csv")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "appeals_bad.csv, line 4, column received_at: 'yesterday' is not a timestamp YYYY-MM-DD HH:MM:SS"
        );
        assert_eq!(count(&state, "appeals"), 5);
        // The refused file was not recorded, so once fixed it imports.
        assert_eq!(count(&state, "imports"), 4);
    }

    #[test]
    fn each_kind_of_bad_row_names_its_reason() {
        let (state, dir) = tiny_state();
        let header = APPEALS.lines().next().unwrap();
        let cases = [
            ("a9,nowhere,portal,housing,2021-03-01 09:00:00,,,2021-03-03 09:00:00,", "unit 'nowhere' is not in the org tree"),
            ("a9,d1-x,pigeon,housing,2021-03-01 09:00:00,,,2021-03-03 09:00:00,", "'pigeon' is not one of portal"),
            ("a9,d1-x,portal,housing,2021-03-01 09:00:00,2021-03-01 10:00:00,2021-03-01 10:00:00,2021-03-03 09:00:00,7", "7 is outside 1..5"),
            ("a9,d1-x,portal,housing,2021-03-01 09:00:00,2021-02-01 10:00:00,,2021-03-03 09:00:00,", "the first response is earlier"),
            ("a9,d1-x,portal,housing,,,,2021-03-03 09:00:00,", "column received_at: a value is required"),
            ("a9,d1-x,portal,housing,2021-03-01 09:00:00,,,2021-03-03 09:00:00", "the row has 8 fields but the header has 9"),
        ];
        for (row, expected) in cases {
            let path = write(dir.path(), "one.csv", &format!("{header}\n{row}\n"));
            let err = state.import(&path, "one.csv").unwrap_err().to_string();
            assert!(err.starts_with("one.csv, line 2"), "{err}");
            assert!(err.contains(expected), "{err} should say {expected}");
        }
        let dup = format!(
            "{header}\n{}\n{}\n",
            APPEALS.lines().nth(1).unwrap(),
            APPEALS.lines().nth(1).unwrap()
        );
        let path = write(dir.path(), "dup.csv", &dup);
        let err = state.import(&path, "dup.csv").unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("duplicate key a1"),
            "{err}"
        );
        assert_eq!(count(&state, "appeals"), 5);
    }

    #[test]
    fn an_unknown_header_says_what_is_missing_or_extra() {
        let (state, dir) = tiny_state();
        let path = write(dir.path(), "x.csv", "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_date,rating\n");
        let err = state.import(&path, "x.csv").unwrap_err().to_string();
        assert!(
            err.contains("appeals")
                && err.contains("missing column(s) due_at")
                && err.contains("unknown column(s) due_date"),
            "{err}"
        );
        let path = write(dir.path(), "y.csv", "foo,bar\n1,2\n");
        let err = state.import(&path, "y.csv").unwrap_err().to_string();
        assert!(err.contains("matches no known export"), "{err}");
    }

    #[test]
    fn a_parquet_export_imports_like_its_csv() {
        let (state, dir) = tiny_state();
        let parquet = dir.path().join("more.parquet");
        let csv = write(
            dir.path(),
            "more.csv",
            &(APPEALS.lines().next().unwrap().to_string()
                + "\nb1,d1-x,portal,housing,2021-04-01 09:00:00,,,2021-04-11 09:00:00,\nb2,d2-y,phone,roads,2021-04-02 09:00:00,,,2021-04-12 09:00:00,\n"),
        );
        // The server's own engine reads no files outside its staging folder: a plain one writes it.
        duckdb::Connection::open_in_memory()
            .unwrap()
            .execute_batch(&format!(
                "COPY (SELECT * FROM read_csv('{}', all_varchar = true)) TO '{}' (FORMAT parquet)",
                csv.display(),
                parquet.display()
            ))
            .unwrap();
        let report = state.import(&parquet, "more.parquet").unwrap();
        assert_eq!((report.table.as_str(), report.inserted), ("appeals", 2));
        assert_eq!(count(&state, "appeals"), 7);
    }

    #[test]
    fn an_org_tree_with_a_cycle_is_refused() {
        let (state, dir) = tiny_state();
        let path = write(
            dir.path(),
            "tree.csv",
            "id,parent_id,kind,name,population\nr,c,region,Region,300\n",
        );
        let err = state.import(&path, "tree.csv").unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
        assert_eq!(count(&state, "org_units"), 6);
        assert_eq!(
            state
                .units()
                .iter()
                .find(|u| u.id == "r")
                .unwrap()
                .parent_id,
            None
        );
    }
}
