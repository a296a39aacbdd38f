//! Experiments in the database: the current definition with its revision, and every earlier
//! version (who changed it, when) as the audit trail.

use chrono::NaiveDateTime;
use duckdb::{params, Connection, OptionalExt};
use kpi_api::experiment::{Experiment, StoredExperiment};

use crate::db::in_transaction;
use crate::error::{Error, Result};

fn read(
    id: String,
    definition: String,
    revision: i64,
    updated_by: String,
    updated_at: NaiveDateTime,
) -> Result<StoredExperiment> {
    let experiment: Experiment = serde_json::from_str(&definition)
        .map_err(|e| Error::Internal(format!("experiment {id} is stored unreadably: {e}")))?;
    Ok(StoredExperiment {
        experiment,
        revision: revision as u32,
        updated_by,
        updated_at,
    })
}

/// Every stored experiment, by id.
pub fn list(conn: &Connection) -> Result<Vec<StoredExperiment>> {
    read_all(
        conn,
        "SELECT id, definition, revision, updated_by, updated_at FROM main.experiments ORDER BY id",
        [],
    )
}

/// The experiments a query selects as (id, definition, revision, by, at).
fn read_all(
    conn: &Connection,
    sql: &str,
    params: impl duckdb::Params,
) -> Result<Vec<StoredExperiment>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    rows.map(|r| {
        let (id, definition, revision, by, at) = r?;
        read(id, definition, revision, by, at)
    })
    .collect()
}

/// One experiment, if stored.
pub fn get(conn: &Connection, id: &str) -> Result<Option<StoredExperiment>> {
    let row = conn
        .query_row(
            "SELECT id, definition, revision, updated_by, updated_at FROM main.experiments WHERE id = ?",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(id, definition, revision, by, at)| read(id, definition, revision, by, at))
        .transpose()
}

/// Every version of experiment `id`, newest first (empty if there is none).
pub fn history(conn: &Connection, id: &str) -> Result<Vec<StoredExperiment>> {
    read_all(
        conn,
        "SELECT id, definition, revision, changed_by, changed_at FROM main.experiment_versions WHERE id = ? ORDER BY revision DESC",
        [id],
    )
}

/// Stores `experiment` as changed by `by`: new when `expected` is None (409 if the id is taken),
/// else only if the stored revision is still `expected` (409 otherwise: someone changed it
/// since). Returns the new revision. The version goes to the history in the same transaction.
pub fn save(
    conn: &Connection,
    experiment: &Experiment,
    by: &str,
    expected: Option<u32>,
) -> Result<u32> {
    in_transaction(conn, || save_in(conn, experiment, by, expected))
}

/// What an import of an experiments file did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Stores every experiment of a file in one transaction: new ones created, changed ones as a new
/// revision, identical ones left as they are.
pub fn import(conn: &Connection, experiments: &[Experiment], by: &str) -> Result<Imported> {
    in_transaction(conn, || {
        let mut done = Imported::default();
        for e in experiments {
            match get(conn, &e.id)? {
                None => {
                    save_in(conn, e, by, None)?;
                    done.created += 1;
                }
                Some(stored) if stored.experiment == *e => done.unchanged += 1,
                Some(stored) => {
                    save_in(conn, e, by, Some(stored.revision))?;
                    done.changed += 1;
                }
            }
        }
        Ok(done)
    })
}

fn save_in(
    conn: &Connection,
    experiment: &Experiment,
    by: &str,
    expected: Option<u32>,
) -> Result<u32> {
    let definition = serde_json::to_string(experiment)
        .map_err(|e| Error::Internal(format!("cannot write the experiment: {e}")))?;
    {
        let stored: Option<i64> = conn
            .query_row(
                "SELECT revision FROM main.experiments WHERE id = ?",
                [&experiment.id],
                |r| r.get(0),
            )
            .optional()?;
        let revision = match (stored, expected) {
            (None, None) => 1,
            (Some(_), None) => {
                return Err(Error::Conflict(format!(
                    "an experiment '{}' exists already; choose another id",
                    experiment.id
                )))
            }
            (None, Some(_)) => {
                return Err(Error::NotFound(format!(
                    "no experiment '{}'",
                    experiment.id
                )))
            }
            (Some(now), Some(expected)) if now != i64::from(expected) => {
                return Err(Error::Conflict(format!(
                    "experiment '{}' was changed since you opened it (revision {now}, yours {expected}); reload it",
                    experiment.id
                )))
            }
            (Some(now), Some(_)) => now as u32 + 1,
        };
        conn.execute(
            "INSERT OR REPLACE INTO main.experiments (id, definition, revision, updated_by, updated_at) VALUES (?, ?, ?, ?, now())",
            params![experiment.id, definition, revision, by],
        )?;
        conn.execute(
            "INSERT INTO main.experiment_versions (id, revision, definition, changed_by, changed_at) VALUES (?, ?, ?, ?, now())",
            params![experiment.id, revision, definition, by],
        )?;
        Ok(revision)
    }
}
