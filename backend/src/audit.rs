//! The audit log: sign-ins (and failures), sign-outs, imports, user changes, query-definition
//! loads and analysts' queries, each with who, when, what and from where. Admins read it.

use duckdb::Connection;
use kpi_api::AuditEntry;

use crate::error::Result;

/// The longest actor (user name, or the name someone tried) an entry keeps.
pub const MAX_ACTOR_CHARS: usize = 128;
/// The longest detail an entry keeps.
pub const MAX_DETAIL_CHARS: usize = 4000;

/// Appends one entry. `actor` is the user (or the name tried); None is the server itself.
pub fn record(
    conn: &Connection,
    actor: Option<&str>,
    action: &str,
    detail: &str,
    ip: Option<&str>,
) -> Result<()> {
    // Every field is for people and bounded: a runaway text is cut rather than stored whole.
    let cut = |text: &str, max: usize| crate::auth::bounded(text, max);
    conn.execute(
        "INSERT INTO main.audit_log (happened_at, actor, action, detail, ip) VALUES (now(), ?, ?, ?, ?)",
        duckdb::params![
            actor.map(|a| cut(a, MAX_ACTOR_CHARS)),
            cut(action, 64),
            cut(detail, MAX_DETAIL_CHARS),
            ip.map(|i| cut(i, 64))
        ],
    )?;
    Ok(())
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, strftime(happened_at, '%Y-%m-%dT%H:%M:%SZ'), actor, action, detail, ip
         FROM main.audit_log ORDER BY id DESC LIMIT ?",
    )?;
    let entries = stmt
        .query_map([limit as i64], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
                ip: r.get(5)?,
            })
        })?
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(entries)
}
