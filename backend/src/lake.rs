//! The read-only lake: the operational data as Parquet files that several servers can read at
//! once (`kpiboard export-lake DIR`).
//!
//! `DIR/<table>/lake_region=<root unit>/lake_month=<YYYY-MM>/*.parquet` for each data table
//! (appeals, service cases, staffing), partitioned by DuckDB's `COPY ... PARTITION_BY` on the
//! region the row's unit belongs to and the month of its date (received, submitted, the staffing
//! month), so that a reader after one region or one month can skip the other files. The partition columns are named `lake_*` so as not to meet a table's own (staffing has
//! a `month`).
//!
//! `DIR/org_units.parquet`, `unit_closure.parquet`, `rollup_kpis.parquet` and
//! `rollup_days.parquet` hold those tables whole, and `DIR/lake.json` says which export it is.
//!
//! `kpiboard serve --lake DIR` reads it: its own small database keeps users, sessions, plans,
//! experiments and the audit, and its data tables are views over the lake's files
//! ([`create_views`]). Every server over one lake answers the same; each notices a new export
//! by its manifest and starts reading it.
//!
//! The database writes only into its staging folder (see `db::lock_down`), so the lake is written
//! there first, then moved into place only when whole: a failed export leaves the lake that was
//! there, and a running server can export through its own connection.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::tables::{self, quote_ident, quote_literal};

/// What an export wrote: rows and files per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub table: &'static str,
    pub rows: u64,
    pub files: usize,
}

/// The region of every unit: the root of its tree.
const REGIONS: &str = "WITH RECURSIVE up(id, region) AS (
        SELECT id, id FROM main.org_units WHERE parent_id IS NULL
        UNION ALL
        SELECT o.id, up.region FROM main.org_units o JOIN up ON o.parent_id = up.id)";

/// Writes the lake of `db` into `dir` (replacing the lake there once the new one is whole).
pub fn export(db: &Db, dir: &Path) -> Result<Vec<Exported>> {
    let name = dir.file_name().ok_or_else(|| {
        Error::bad_parameter("dir", format!("{}: not a folder name", dir.display()))
    })?;
    let staging = db.staging_dir().join("lake.writing");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let exported = match db.with(|c| write(c, &staging)) {
        Ok(exported) => exported,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Beside the old lake, then in its place: a reader sees the old lake or the new one.
    let incoming = dir.with_file_name(format!("{}.incoming", name.to_string_lossy()));
    if incoming.exists() {
        std::fs::remove_dir_all(&incoming)?;
    }
    move_dir(&staging, &incoming)?;
    let old = dir.with_file_name(format!("{}.old", name.to_string_lossy()));
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    if dir.exists() {
        std::fs::rename(dir, &old)?;
    }
    std::fs::rename(&incoming, dir)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(exported)
}

/// Moves a folder, copying it when it is on another file system.
fn move_dir(from: &Path, to: &Path) -> Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    copy_dir(from, to)?;
    std::fs::remove_dir_all(from)?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The tables a lake holds whole, one file each: the org tree, its closure, and the roll-ups
/// with what they were built from (so a lake server routes KPIs as the file mode does).
const WHOLE: &[(&str, &str)] = &[
    ("org_units", "id"),
    ("unit_closure", "ancestor_id, unit_id"),
    ("rollup_kpis", "kpi"),
    ("rollup_days", "kpi, day, unit_id"),
];

/// The file that says which export a lake is: written last, read by lake servers to notice a
/// new export.
pub const MANIFEST: &str = "lake.json";

fn write(conn: &Connection, dir: &Path) -> Result<Vec<Exported>> {
    let mut out = Vec::new();
    for (table, order) in WHOLE {
        conn.execute_batch(&format!(
            "COPY (SELECT * FROM main.{table} ORDER BY {order}) TO {} (FORMAT parquet)",
            quote_literal(&dir.join(format!("{table}.parquet")).to_string_lossy())
        ))?;
    }
    for spec in tables::data_specs() {
        let (Some(unit), Some(month)) = (spec.unit_column, spec.freshness) else {
            continue;
        };
        let target = dir.join(spec.table);
        let rows: u64 = conn.query_row(
            &format!("SELECT count(*) FROM main.{}", quote_ident(spec.table)),
            [],
            |r| r.get(0),
        )?;
        if rows > 0 {
            conn.execute_batch(&format!(
                "COPY ({REGIONS}
                    SELECT t.*, up.region AS lake_region, strftime(t.{month}, '%Y-%m') AS lake_month
                    FROM main.{table} t JOIN up ON up.id = t.{unit})
                 TO {target} (FORMAT parquet, PARTITION_BY (lake_region, lake_month))",
                month = quote_ident(month),
                table = quote_ident(spec.table),
                unit = quote_ident(unit),
                target = quote_literal(&target.to_string_lossy()),
            ))?;
        }
        out.push(Exported {
            table: spec.table,
            rows,
            files: parquet_files(&target).len(),
        });
    }
    let rows: serde_json::Map<String, serde_json::Value> = out
        .iter()
        .map(|e| (e.table.to_string(), e.rows.into()))
        .collect();
    let imports: (i64, Option<String>) = conn.query_row(
        "SELECT count(*), CAST(max(imported_at) AS VARCHAR) FROM main.imports",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let manifest = serde_json::json!({
        "exported_at": chrono::Utc::now().to_rfc3339(),
        "imports": imports.0,
        "last_import": imports.1,
        "rows": rows,
    });
    std::fs::write(
        dir.join(MANIFEST),
        serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?,
    )?;
    Ok(out)
}

/// What identifies the lake's current export (its manifest's text); None when there is none.
pub fn stamp(lake: &Path) -> Option<String> {
    std::fs::read_to_string(lake.join(MANIFEST)).ok()
}

/// The tables a lake server reads from the lake: the data tables and [`WHOLE`].
fn lake_tables() -> Vec<&'static str> {
    WHOLE
        .iter()
        .map(|(t, _)| *t)
        .chain(tables::data_tables().map(|(t, _)| t))
        .collect()
}

/// Drops the lake views of an earlier start, so that the schema finds its (empty) tables.
pub fn drop_views(conn: &Connection) -> Result<()> {
    for table in lake_tables() {
        let view: i64 = conn.query_row(
            "SELECT count(*) FROM duckdb_views() WHERE schema_name = 'main' AND view_name = ?",
            [table],
            |r| r.get(0),
        )?;
        if view > 0 {
            conn.execute_batch(&format!("DROP VIEW main.{}", quote_ident(table)))?;
        }
    }
    Ok(())
}

/// Replaces each table the lake holds by a view over its files (a table the lake has no file
/// of stays, empty). The views name the lake's folders, not its files, so a new export that
/// replaced the lake is read by the next query.
pub fn create_views(conn: &Connection, lake: &Path) -> Result<()> {
    if stamp(lake).is_none() {
        return Err(Error::bad_parameter(
            "lake",
            format!(
                "{}: not a lake (no {MANIFEST}); write one with kpiboard export-lake",
                lake.display()
            ),
        ));
    }
    crate::db::in_transaction(conn, || {
        for table in lake_tables() {
            let whole = lake.join(format!("{table}.parquet"));
            let source = if whole.is_file() {
                format!(
                    "SELECT * FROM read_parquet({})",
                    quote_literal(&whole.to_string_lossy())
                )
            } else if !parquet_files(&lake.join(table)).is_empty() {
                read_back(lake, table)
            } else {
                continue;
            };
            let rows: i64 = conn.query_row(
                &format!("SELECT count(*) FROM main.{}", quote_ident(table)),
                [],
                |r| r.get(0),
            )?;
            if rows > 0 {
                return Err(Error::bad_parameter(
                    "database",
                    format!(
                        "its table {table} holds {rows} rows: a lake server keeps a database of its own, without data"
                    ),
                ));
            }
            conn.execute_batch(&format!(
                "DROP TABLE main.{t}; CREATE VIEW main.{t} AS {source};",
                t = quote_ident(table)
            ))?;
        }
        Ok(())
    })
}

/// Every Parquet file under `dir`.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The SQL that reads `table` back from the lake in `dir`, with the table's own columns.
pub fn read_back(dir: &Path, table: &str) -> String {
    format!(
        "SELECT * EXCLUDE (lake_region, lake_month) FROM read_parquet({}, hive_partitioning = true)",
        quote_literal(
            &dir.join(table)
                .join("**")
                .join("*.parquet")
                .to_string_lossy()
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lake_holds_every_row_of_every_data_table_by_region_and_month() {
        let (state, dir) = crate::testkit::tiny_state();
        let db = &state.db;
        let lake = dir.path().join("lake");
        let exported = export(db, &lake).unwrap();
        let names: Vec<&str> = exported.iter().map(|e| e.table).collect();
        assert_eq!(names, vec!["appeals", "service_cases", "staffing"]);
        // The same rows: count and order-free fingerprint of whole rows, in the database and
        // read back from the lake by an engine of its own (the server's may not read files).
        let fingerprint = |c: &Connection, from: &str| -> duckdb::Result<(u64, String)> {
            c.query_row(
                &format!("SELECT count(*), CAST(sum(hash(t)::HUGEINT) AS VARCHAR) FROM ({from}) t"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        };
        let reader = Connection::open_in_memory().unwrap();
        for e in &exported {
            assert!(e.rows > 0 && e.files > 0, "{e:?}");
            let stored = db
                .with(|c| {
                    Ok(fingerprint(
                        c,
                        &format!("SELECT * FROM main.{}", quote_ident(e.table)),
                    )?)
                })
                .unwrap();
            let read = fingerprint(&reader, &read_back(&lake, e.table)).unwrap();
            assert_eq!(read, stored, "{}", e.table);
            assert_eq!(read.0, e.rows);
        }
        // One folder per region (the tree's root), then per month.
        let mut folders: Vec<String> = parquet_files(&lake.join("appeals"))
            .iter()
            .filter_map(|f| f.parent())
            .map(|p| p.strip_prefix(&lake).unwrap().to_string_lossy().to_string())
            .collect();
        folders.dedup();
        assert_eq!(folders, vec!["appeals/lake_region=r/lake_month=2021-03"]);
        // The org tree, whole.
        let units: u64 = reader
            .query_row(
                &format!(
                    "SELECT count(*) FROM read_parquet({})",
                    quote_literal(&lake.join("org_units.parquet").to_string_lossy())
                ),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(units, 6);
        // Exporting again replaces the lake whole.
        let again = export(db, &lake).unwrap();
        assert_eq!(again, exported);
        assert!(!lake.with_file_name("lake.incoming").exists());
        assert!(!lake.with_file_name("lake.old").exists());
        assert!(!db.staging_dir().join("lake.writing").exists());
    }
}
