//! The worker side of the sandbox: a process (`kpiboard sandbox-worker`) that opens one snapshot
//! file read-only, locks its engine down, and answers one query at a time on standard input and
//! output, a JSON line each way. The snapshot holds the rows of one jurisdiction and nothing
//! else, so whatever a query makes the engine do, it can only ever see those rows.
//!
//! The server caps the process's address space, so an allocation past the limit fails inside
//! DuckDB as an out-of-memory error instead of taking the machine's memory, and kills the process
//! when a query runs past its time (DuckDB checks for interruption only between chunks, and some
//! functions build one value for a long time). Tests run the same loop on a thread.

use std::io::{BufRead, Write};
use std::path::Path;

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// Changes whenever the messages below change: a server and a worker of different builds refuse
/// to talk (rebuild with `cargo build`).
pub const PROTOCOL: u32 = 1;

/// One query for the worker: the SQL, its positional parameters (bound, never spliced; each is
/// text or NULL and the SQL casts it), and how much may come back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub sql: String,
    pub params: Vec<Option<String>>,
    pub max_rows: usize,
    /// The most bytes of JSON the rows may take.
    pub max_bytes: usize,
}

/// What the worker says: that it is ready, or one query's rows or failure.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Response {
    Ready {
        protocol: u32,
    },
    Rows(Table),
    Failed {
        message: String,
        /// The engine ran out of memory (its own limit, or the process's address space).
        memory: bool,
    },
}

/// Rows a query returned, as JSON values: numbers stay numbers, dates and times ISO text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// More rows than `max_rows` were there.
    pub truncated: bool,
    /// The rows stopped at `max_bytes`.
    pub too_big: bool,
}

/// How the worker's engine runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineLimits {
    /// DuckDB's memory limit (`2GB`).
    pub memory: String,
    pub threads: usize,
}

/// Opens `snapshot` read-only with nothing reachable beyond it: no files, no network, no
/// extensions, no spilling to disk, settings locked.
pub fn open(snapshot: &Path, limits: &EngineLimits) -> Result<Connection> {
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)?
        .enable_autoload_extension(false)?;
    let conn = Connection::open_with_flags(snapshot, config)?;
    let quote = |s: &str| s.replace('\'', "''");
    conn.execute_batch(&format!(
        "SET memory_limit = '{memory}';
         SET threads = {threads};
         SET temp_directory = '';
         SET autoinstall_known_extensions = false;
         SET autoload_known_extensions = false;
         SET allow_community_extensions = false;
         SET enable_external_access = false;
         SET lock_configuration = true;",
        memory = quote(&limits.memory),
        threads = limits.threads.max(1),
    ))?;
    Ok(conn)
}

/// Answers requests from `input` on `output` until `input` ends.
pub fn serve(conn: &Connection, input: impl BufRead, mut output: impl Write) -> Result<()> {
    send(&mut output, &Response::Ready { protocol: PROTOCOL })?;
    for line in input.lines() {
        let line = line?;
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(request) => run(conn, &request),
            Err(e) => Response::Failed {
                message: format!("the sandbox could not read the request: {e}"),
                memory: false,
            },
        };
        send(&mut output, &response)?;
    }
    Ok(())
}

fn send(output: &mut impl Write, response: &Response) -> Result<()> {
    let mut line =
        serde_json::to_vec(response).map_err(|e| Error::Internal(format!("sandbox: {e}")))?;
    line.push(b'\n');
    output.write_all(&line)?;
    output.flush()?;
    Ok(())
}

fn run(conn: &Connection, request: &Request) -> Response {
    match rows(conn, request) {
        Ok(table) => Response::Rows(table),
        Err(e) => {
            let message = e.to_string();
            let memory = message.contains("Out of Memory") || message.contains("bad_alloc");
            Response::Failed { message, memory }
        }
    }
}

/// Runs `request` on `conn` as a worker would (the benchmark's baseline runs it in-process).
pub fn answer(conn: &Connection, request: &Request) -> Result<Table> {
    Ok(rows(conn, request)?)
}

fn rows(conn: &Connection, request: &Request) -> duckdb::Result<Table> {
    let mut stmt = conn.prepare(&request.sql)?;
    let mut rows = stmt.query(duckdb::params_from_iter(request.params.iter()))?;
    let columns: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut table = Table {
        columns,
        ..Table::default()
    };
    let mut bytes = 0usize;
    while let Some(row) = rows.next()? {
        if table.rows.len() == request.max_rows {
            table.truncated = true;
            break;
        }
        let mut values = Vec::with_capacity(table.columns.len());
        for i in 0..table.columns.len() {
            let value = json_value(row.get::<_, duckdb::types::Value>(i)?);
            bytes += approximate_size(&value);
            values.push(value);
        }
        if bytes > request.max_bytes {
            table.too_big = true;
            break;
        }
        table.rows.push(values);
    }
    Ok(table)
}

/// About the bytes `value` takes as JSON (exact enough to bound an answer).
pub(crate) fn approximate_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(approximate_size).sum::<usize>() + 2,
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + approximate_size(v)).sum(),
        _ => 24,
    }
}

/// A DuckDB value as JSON: numbers stay numbers, times become ISO text, the rest its SQL text.
pub fn json_value(value: duckdb::types::Value) -> Value {
    use duckdb::types::Value as V;
    use serde_json::Value as J;
    let number = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or(J::Null)
    };
    match value {
        V::Null => J::Null,
        V::Boolean(b) => J::Bool(b),
        V::TinyInt(n) => J::from(n),
        V::SmallInt(n) => J::from(n),
        V::Int(n) => J::from(n),
        V::BigInt(n) => J::from(n),
        V::UTinyInt(n) => J::from(n),
        V::USmallInt(n) => J::from(n),
        V::UInt(n) => J::from(n),
        V::UBigInt(n) => J::from(n),
        V::HugeInt(n) => J::String(n.to_string()),
        V::Float(f) => number(f as f64),
        V::Double(f) => number(f),
        V::Decimal(d) => d.to_string().parse::<f64>().map(number).unwrap_or(J::Null),
        V::Text(t) => J::String(t),
        V::Date32(days) => chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map(|d| J::String(d.to_string()))
            .unwrap_or(J::Null),
        V::Timestamp(unit, n) => {
            let micros = match unit {
                duckdb::types::TimeUnit::Second => n.saturating_mul(1_000_000),
                duckdb::types::TimeUnit::Millisecond => n.saturating_mul(1_000),
                duckdb::types::TimeUnit::Microsecond => n,
                duckdb::types::TimeUnit::Nanosecond => n / 1_000,
            };
            chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| J::String(t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()))
                .unwrap_or(J::Null)
        }
        V::List(items) | V::Array(items) => J::Array(items.into_iter().map(json_value).collect()),
        other => J::String(format!("{other:?}")),
    }
}

/// The worker process's own set-up before it opens anything: end with the server, and cap the
/// address space at `address_space` bytes so that no allocation can grow past it.
///
/// A worker whose server is gone (killed, even with SIGKILL) is adopted by another process: a
/// thread that looks at the parent's id each second ends the worker then, whatever query it is
/// in. (The parent-death signal is not used: Linux sends it when the *thread* that started the
/// worker ends, and the server starts workers from a pool of threads that come and go.)
pub fn confine(address_space: Option<u64>) -> Result<()> {
    let server = rustix::process::getppid();
    std::thread::Builder::new()
        .name("server-watch".to_string())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if rustix::process::getppid() != server {
                std::process::exit(0);
            }
        })
        .map_err(|e| Error::Internal(format!("sandbox: cannot watch the server: {e}")))?;
    if let Some(bytes) = address_space {
        rustix::process::setrlimit(
            rustix::process::Resource::As,
            rustix::process::Rlimit {
                current: Some(bytes),
                maximum: Some(bytes),
            },
        )
        .map_err(|e| Error::Internal(format!("sandbox: cannot cap the address space: {e}")))?;
    }
    Ok(())
}
