//! The server side of the sandbox: snapshots of each jurisdiction's rows, and the worker
//! processes that run analysts' SQL over them.
//!
//! A snapshot is a DuckDB file holding the rows of one jurisdiction and nothing else: the data
//! tables, its part of the org tree, and the groups a KPI may roll up to. It is written by the
//! server from the database (one statement per table) the first time that jurisdiction asks for
//! a number after an import, and read by workers that open it read-only. Every KPI value, series,
//! comparison, check, preview and ad-hoc query is evaluated by a worker over the snapshot of the
//! caller's jurisdiction; a KPI being validated gets a snapshot with no rows at all.
//!
//! A worker runs one query at a time. One past its time limit is killed (and the next query of
//! its jurisdiction starts a fresh one), so a query that DuckDB cannot interrupt stops alone;
//! one past its memory fails inside its own process. At most [`SandboxConfig::workers`] run at
//! once and [`SandboxConfig::kept`] stay alive; the longest idle makes room for a new one.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::worker::{self, EngineLimits, Request, Response, Table};
use crate::auth::Jurisdiction;
use crate::db::{Db, Watchdog};
use crate::error::{Error, Result};

/// How workers start: a process of the server's own binary (`kpiboard sandbox-worker`), or, in
/// unit tests, a thread of the test (same protocol, no kill, no address-space cap).
#[derive(Debug, Clone)]
pub enum Launch {
    Process(PathBuf),
    Thread,
}

impl Launch {
    /// A process of the running binary: the server's own choice.
    pub fn this_binary() -> Launch {
        match std::env::current_exe() {
            Ok(exe) => Launch::Process(exe),
            Err(_) => Launch::Process(PathBuf::from("kpiboard")),
        }
    }
}

/// What the sandbox may take.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub launch: Launch,
    /// Each worker's engine: its memory limit and threads.
    pub engine: EngineLimits,
    /// Each worker process's address space, in bytes (None: not capped).
    pub address_space: Option<u64>,
    /// The most queries running at once (each in a worker of its own).
    pub workers: usize,
    /// The most workers kept alive, running or idle: idle ones wait for the next query of their
    /// jurisdiction (a worker starts in a few tens of milliseconds; keeping it saves that).
    pub kept: usize,
}

impl SandboxConfig {
    /// Workers of `launch` with `memory` each (DuckDB's form: `2GB`, `512MB`): the address space
    /// is the memory limit plus room for the engine's own code, threads and allocator.
    pub fn new(launch: Launch, memory: &str) -> Result<SandboxConfig> {
        let bytes = parse_bytes(memory).ok_or_else(|| {
            Error::bad_parameter(
                "memory-limit",
                format!("'{memory}' is not a size like 2GB or 512MB"),
            )
        })?;
        // Boards ask many small questions at once: one thread per worker and a worker per core
        // and a half answer them faster than fewer workers with more threads each.
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(SandboxConfig {
            launch,
            engine: EngineLimits {
                memory: memory.to_string(),
                threads: 1,
            },
            address_space: Some(bytes + ENGINE_ROOM),
            workers: (cores * 3).div_ceil(2).max(2),
            kept: 12,
        })
    }
}

/// Address space a worker needs besides its queries' memory: DuckDB's code, thread stacks and
/// the allocator's reservations.
const ENGINE_ROOM: u64 = 1536 << 20;

/// A worker idle this long is ended.
const IDLE: Duration = Duration::from_secs(600);

/// How long a new worker may take to open its snapshot.
const START: Duration = Duration::from_secs(20);

/// "2GB", "512MB", "1.5GiB", "800kB" as bytes (DuckDB counts 1GB as 1000^3 and 1GiB as 1024^3).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        _ => return None,
    };
    let bytes = number * scale;
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes as u64)
}

/// Which rows a snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rows {
    /// Every row (admins, the command line).
    All,
    /// The rows of a unit and everything under it.
    Under(String),
    /// None: the schema alone, to validate a KPI against.
    Empty,
}

impl Rows {
    pub fn of(jurisdiction: &Jurisdiction) -> Rows {
        match jurisdiction.home() {
            Some(home) => Rows::Under(home.to_string()),
            None => Rows::All,
        }
    }

    /// A file-name part: unit ids are slugs (the import checks them).
    fn tag(&self) -> String {
        match self {
            Rows::All => "all".to_string(),
            Rows::Empty => "empty".to_string(),
            Rows::Under(unit) => format!(
                "under-{}",
                unit.chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    })
                    .collect::<String>()
            ),
        }
    }
}

/// A snapshot file, deleted when the last worker reading it has gone.
struct Snapshot {
    rows: Rows,
    path: PathBuf,
    /// The data version it was taken at.
    version: u64,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let mut wal = self.path.as_os_str().to_owned();
        wal.push(".wal");
        let _ = std::fs::remove_file(PathBuf::from(wal));
    }
}

/// Writes the snapshot of `rows` at `path`. `alias` is unique among snapshots being written.
fn write_snapshot(conn: &duckdb::Connection, rows: &Rows, path: &Path, alias: &str) -> Result<()> {
    let quoted = path.display().to_string().replace('\'', "''");
    conn.execute_batch(&format!("ATTACH '{quoted}' AS {alias}"))?;
    let written = (|| -> Result<()> {
        // `$1` is the home unit; every predicate below is one of the three shapes.
        let (inside, groups, home): (&str, &str, Option<&str>) = match rows {
            Rows::All => ("true", "true", None),
            Rows::Empty => ("false", "false", None),
            Rows::Under(home) => (
                "IN (SELECT unit_id FROM main.unit_closure WHERE ancestor_id = CAST($1 AS VARCHAR))",
                "IN (SELECT ancestor_id FROM main.unit_closure WHERE unit_id = CAST($1 AS VARCHAR))",
                Some(home.as_str()),
            ),
        };
        let test = |column: &str, predicate: &str| {
            if predicate.starts_with("IN") {
                format!("{column} {predicate}")
            } else {
                predicate.to_string()
            }
        };
        let params: Vec<&str> = home.into_iter().collect();
        let run = |sql: String| -> Result<()> {
            conn.execute(&sql, duckdb::params_from_iter(params.iter()))?;
            Ok(())
        };
        run(format!(
            "CREATE TABLE {alias}.unit_closure AS SELECT ancestor_id, unit_id, depth FROM main.unit_closure WHERE {}",
            test("unit_id", inside)
        ))?;
        run(format!(
            "CREATE TABLE {alias}.org_units AS SELECT * FROM main.org_units WHERE {}",
            test("id", inside)
        ))?;
        // A group inside the jurisdiction has its own population; one above it (on the path to
        // the home unit) counts the home unit's people only.
        let population = match home {
            Some(_) => format!(
                "CASE WHEN {} THEN population ELSE (SELECT h.population FROM main.org_units h WHERE h.id = CAST($1 AS VARCHAR)) END",
                test("id", inside)
            ),
            None => "population".to_string(),
        };
        run(format!(
            "CREATE TABLE {alias}.unit_groups AS SELECT id AS grp, parent_id, name, {population} AS population \
             FROM main.org_units WHERE {} OR {}",
            test("id", inside),
            test("id", groups)
        ))?;
        for (table, unit) in crate::tables::data_tables() {
            run(format!(
                "CREATE TABLE {alias}.{table} AS SELECT * FROM main.{table} WHERE {}",
                test(unit, inside)
            ))?;
        }
        // The roll-ups' parts of the same units (see `crate::rollup`).
        run(format!(
            "CREATE TABLE {alias}.rollup_days AS SELECT kpi, unit_id, day, numerator, denominator \
             FROM main.rollup_days WHERE {} ORDER BY kpi, day",
            test("unit_id", inside)
        ))?;
        Ok(())
    })();
    let detached = conn.execute_batch(&format!("DETACH {alias}"));
    written?;
    detached?;
    Ok(())
}

/// Stops a running query from another thread: kills its worker.
type Stop = Arc<dyn Fn() + Send + Sync>;

/// A way for someone else to stop a running query (the editor's Cancel button).
#[derive(Default)]
pub struct Cancel {
    stop: Mutex<Option<Stop>>,
    cancelled: AtomicBool,
}

impl Cancel {
    pub fn new() -> Arc<Cancel> {
        Arc::new(Cancel::default())
    }

    /// Stops the query if it runs, and marks it cancelled either way.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(stop) = self.stop.lock().expect("cancel lock").as_ref() {
            stop();
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    fn arm(&self, stop: Stop) {
        *self.stop.lock().expect("cancel lock") = Some(stop);
    }

    fn disarm(&self) {
        self.stop.lock().expect("cancel lock").take();
    }
}

enum Child {
    Process(Arc<Mutex<std::process::Child>>),
    Thread(Arc<duckdb::InterruptHandle>),
}

/// One worker: its snapshot, and the two ends of its conversation.
struct Worker {
    snapshot: Arc<Snapshot>,
    child: Child,
    input: Box<dyn Write + Send>,
    output: BufReader<Box<dyn Read + Send>>,
    idle_since: Instant,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Child::Process(child) = &self.child {
            let mut child = child.lock().expect("child lock");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// How a call to a worker ended, when it did not bring rows.
enum Failure {
    /// The engine refused or failed the SQL; the worker goes on.
    Sql(String),
    /// The query ran out of memory inside the worker; the worker goes on.
    Memory,
    /// Stopped at its time limit, or cancelled: the worker was killed.
    Timeout,
    Cancelled,
    /// The worker ended without answering (its process crashed).
    Died,
}

impl Worker {
    fn stopper(&self) -> Stop {
        match &self.child {
            Child::Process(child) => {
                let child = Arc::clone(child);
                Arc::new(move || {
                    let _ = child.lock().expect("child lock").kill();
                })
            }
            Child::Thread(handle) => {
                let handle = Arc::clone(handle);
                Arc::new(move || handle.interrupt())
            }
        }
    }

    /// Reads one answer line, of at most `max` bytes.
    fn answer(&mut self, max: usize) -> Option<Response> {
        let mut line = Vec::new();
        let read = (&mut self.output)
            .take(max as u64)
            .read_until(b'\n', &mut line)
            .ok()?;
        if read == 0 || line.last() != Some(&b'\n') {
            return None;
        }
        serde_json::from_slice(&line).ok()
    }

    fn call(
        &mut self,
        request: &Request,
        limit: Duration,
        cancel: Option<&Cancel>,
    ) -> std::result::Result<Table, Failure> {
        let mut line = serde_json::to_vec(request).map_err(|_| Failure::Died)?;
        line.push(b'\n');
        if self
            .input
            .write_all(&line)
            .and_then(|()| self.input.flush())
            .is_err()
        {
            return Err(Failure::Died);
        }
        let stop = self.stopper();
        if let Some(cancel) = cancel {
            cancel.arm(Arc::clone(&stop));
            if cancel.is_cancelled() {
                stop();
            }
        }
        let watchdog = Watchdog::start(limit, move || stop());
        // The rows' bound plus room for the JSON around them.
        let answer = self.answer(request.max_bytes.saturating_mul(2) + (1 << 20));
        let fired = watchdog.finish();
        if let Some(cancel) = cancel {
            cancel.disarm();
            if cancel.is_cancelled() {
                return Err(Failure::Cancelled);
            }
        }
        if fired {
            return Err(Failure::Timeout);
        }
        match answer {
            Some(Response::Rows(table)) => Ok(table),
            Some(Response::Failed { memory: true, .. }) => Err(Failure::Memory),
            Some(Response::Failed { message, .. }) => Err(Failure::Sql(message)),
            Some(Response::Ready { .. }) | None => Err(Failure::Died),
        }
    }
}

struct Pool {
    idle: Vec<Worker>,
    /// Workers running a query now.
    running: usize,
}

/// What makes two questions the same: the same rows (jurisdiction and data version), the same
/// SQL (a KPI file's text, so a changed file is a new question) with the same parameters, and the
/// same bounds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Question {
    rows: Rows,
    version: u64,
    sql: String,
    params: Vec<Option<String>>,
    max_rows: usize,
    max_bytes: usize,
}

/// An answer's weight in the cache: about the bytes it holds.
#[derive(Clone)]
struct AnswerWeight;

impl quick_cache::Weighter<Question, Arc<Table>> for AnswerWeight {
    fn weight(&self, question: &Question, answer: &Arc<Table>) -> u64 {
        let rows: usize = answer
            .rows
            .iter()
            .map(|r| r.iter().map(worker::approximate_size).sum::<usize>())
            .sum();
        (question.sql.len() + rows + 64) as u64
    }
}

/// How the cache has done since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Questions answered from the cache.
    pub hits: u64,
    /// Questions a worker answered.
    pub computed: u64,
}

/// The most bytes of answers kept.
const CACHE_BYTES: u64 = 256 << 20;

/// The snapshots and the workers over them.
pub struct Sandbox {
    db: Arc<Db>,
    dir: PathBuf,
    config: SandboxConfig,
    /// Moved by every import of data: a snapshot taken before is out of date.
    data_version: AtomicU64,
    next_file: AtomicU64,
    snapshots: Mutex<HashMap<Rows, Arc<Snapshot>>>,
    /// One snapshot is written at a time.
    writing: Mutex<()>,
    pool: Mutex<Pool>,
    freed: Condvar,
    /// Answers already computed, by question; identical questions asked at once compute once.
    answers: quick_cache::sync::Cache<Question, Arc<Table>, AnswerWeight>,
    hits: AtomicU64,
    computed: AtomicU64,
}

impl Sandbox {
    /// A sandbox over `db`; its snapshots live in `dir` (emptied first: files of an earlier run
    /// are out of date).
    pub fn new(db: Arc<Db>, dir: PathBuf, config: SandboxConfig) -> Result<Sandbox> {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Sandbox {
            db,
            dir,
            config,
            data_version: AtomicU64::new(1),
            next_file: AtomicU64::new(0),
            snapshots: Mutex::new(HashMap::new()),
            writing: Mutex::new(()),
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                running: 0,
            }),
            freed: Condvar::new(),
            answers: quick_cache::sync::Cache::with_weighter(20_000, CACHE_BYTES, AnswerWeight),
            hits: AtomicU64::new(0),
            computed: AtomicU64::new(0),
        })
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Writes the snapshot of `rows` from `db` at `path`, as the sandbox would (the benchmark
    /// runs the sandbox's SQL straight on one).
    pub fn write_snapshot_file(db: &Db, rows: &Rows, path: &Path) -> Result<()> {
        db.with(|c| write_snapshot(c, rows, path, "snapshot_file"))
    }

    /// Checks an analyst's text before it runs (see [`super::check`]); returns the scoped tables
    /// it reads.
    /// Runs `f` on a connection of the server's own engine (to parse, never to read rows).
    pub fn with_engine<T>(&self, f: impl FnOnce(&duckdb::Connection) -> Result<T>) -> Result<T> {
        self.db.with(f)
    }

    pub fn check(&self, sql: &str) -> Result<Vec<String>> {
        self.db.with(|c| super::check::check(c, sql))
    }

    /// The data changed (an import committed): every snapshot is out of date, and so is every
    /// answer computed over one.
    pub fn data_changed(&self) {
        self.data_version.fetch_add(1, Ordering::SeqCst);
        self.answers.clear();
    }

    /// The version of the data that answers are computed over.
    pub fn data_version(&self) -> u64 {
        self.data_version.load(Ordering::SeqCst)
    }

    /// How many questions the cache answered and how many a worker did.
    pub fn cache_stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            computed: self.computed.load(Ordering::Relaxed),
        }
    }

    /// Runs `request` over `rows` within `limit`, in a worker. The SQL's own failure is an
    /// [`Error::Sql`] with DuckDB's message; past the limit, [`Error::Timeout`]; out of memory,
    /// [`Error::OutOfMemory`]; stopped by `cancel`, [`Error::Cancelled`].
    ///
    /// The limit is the query's: it starts once the jurisdiction's snapshot is there. Taking the
    /// snapshot after an import is the server's work (at 100 million appeals a region's takes
    /// longer than any limit), and counting it would fail every tile of the first board, leave
    /// nothing cached, and make the next askers compute it all again at once.
    pub fn run(
        &self,
        rows: &Rows,
        request: &Request,
        limit: Duration,
        cancel: Option<&Cancel>,
    ) -> Result<Table> {
        let snapshot = self.snapshot(rows)?;
        let started = Instant::now();
        let question = Question {
            rows: rows.clone(),
            version: snapshot.version,
            sql: request.sql.clone(),
            params: request.params.clone(),
            max_rows: request.max_rows,
            max_bytes: request.max_bytes,
        };
        // The same question asked while it is being answered waits for that answer.
        match self.answers.get_value_or_guard(&question, Some(limit)) {
            quick_cache::sync::GuardResult::Value(answer) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Ok(Table::clone(&answer))
            }
            quick_cache::sync::GuardResult::Guard(guard) => {
                let table = self.compute(&snapshot, request, (started + limit, limit), cancel)?;
                let _ = guard.insert(Arc::new(table.clone()));
                Ok(table)
            }
            quick_cache::sync::GuardResult::Timeout => Err(Error::Timeout(format!(
                "the same query, asked just before, ran longer than the {} limit",
                crate::db::seconds(limit)
            ))),
        }
    }

    /// The answer to `request` over `rows` if the cache holds it for the current data; never
    /// waits, never computes (a board asks this first, on the async side).
    pub fn cached(&self, rows: &Rows, request: &Request) -> Option<Table> {
        let version = match rows {
            Rows::Empty => 0,
            _ => self.data_version.load(Ordering::SeqCst),
        };
        let current = self
            .snapshots
            .lock()
            .expect("snapshots lock")
            .get(rows)
            .is_some_and(|s| s.version == version);
        if !current {
            return None;
        }
        let question = Question {
            rows: rows.clone(),
            version,
            sql: request.sql.clone(),
            params: request.params.clone(),
            max_rows: request.max_rows,
            max_bytes: request.max_bytes,
        };
        let answer = self.answers.get(&question)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(Table::clone(&answer))
    }

    /// Asks a worker over `snapshot`, to answer by `deadline` (the query's `limit` from its start).
    fn compute(
        &self,
        snapshot: &Arc<Snapshot>,
        request: &Request,
        (deadline, limit): (Instant, Duration),
        cancel: Option<&Cancel>,
    ) -> Result<Table> {
        self.computed.fetch_add(1, Ordering::Relaxed);
        let mut worker = self.checkout(snapshot, deadline)?;
        let left = deadline.saturating_duration_since(Instant::now());
        match worker.call(request, left, cancel) {
            Ok(table) => {
                self.checkin(worker);
                Ok(table)
            }
            Err(Failure::Sql(message)) => {
                self.checkin(worker);
                Err(Error::Sql(self.scrub(&message)))
            }
            Err(Failure::Memory) => {
                self.checkin(worker);
                Err(self.out_of_memory())
            }
            Err(failure) => {
                self.retire(worker);
                Err(match failure {
                    Failure::Timeout => Error::Timeout(format!(
                        "the query ran longer than the {} limit and was stopped; narrow the period or simplify it",
                        crate::db::seconds(limit)
                    )),
                    Failure::Cancelled => Error::Cancelled,
                    _ => self.out_of_memory(),
                })
            }
        }
    }

    fn out_of_memory(&self) -> Error {
        Error::OutOfMemory(format!(
            "the query needed more memory than its {} limit and was stopped; narrow the period or simplify it",
            self.config.engine.memory
        ))
    }

    /// A message without the server's paths in it.
    fn scrub(&self, message: &str) -> String {
        let mut out = message.to_string();
        for path in [self.dir.as_path(), self.db.staging_dir()] {
            out = out.replace(&path.display().to_string(), "<sandbox>");
        }
        out
    }

    /// The current snapshot of `rows`, written first if there is none or the data moved since.
    fn snapshot(&self, rows: &Rows) -> Result<Arc<Snapshot>> {
        let version = match rows {
            Rows::Empty => 0,
            _ => self.data_version.load(Ordering::SeqCst),
        };
        let current = |snapshots: &HashMap<Rows, Arc<Snapshot>>| {
            snapshots
                .get(rows)
                .filter(|s| s.version == version)
                .map(Arc::clone)
        };
        if let Some(s) = current(&self.snapshots.lock().expect("snapshots lock")) {
            return Ok(s);
        }
        let _writing = self.writing.lock().expect("snapshot lock");
        if let Some(s) = current(&self.snapshots.lock().expect("snapshots lock")) {
            return Ok(s);
        }
        let n = self.next_file.fetch_add(1, Ordering::SeqCst);
        let path = self
            .dir
            .join(format!("{}-{version}-{n}.duckdb", rows.tag()));
        let alias = format!("snapshot_{n}");
        let snapshot = Arc::new(Snapshot {
            rows: rows.clone(),
            path,
            version,
        });
        let started = Instant::now();
        self.db
            .with(|c| write_snapshot(c, rows, &snapshot.path, &alias))
            .map_err(|e| {
                Error::Internal(format!(
                    "cannot take a snapshot of the data: {}",
                    self.scrub(&e.to_string())
                ))
            })?;
        tracing::debug!(rows = ?rows, ms = started.elapsed().as_millis() as u64, "snapshot written");
        self.snapshots
            .lock()
            .expect("snapshots lock")
            .insert(rows.clone(), Arc::clone(&snapshot));
        Ok(snapshot)
    }

    fn is_current(&self, snapshot: &Arc<Snapshot>) -> bool {
        self.snapshots
            .lock()
            .expect("snapshots lock")
            .get(&snapshot.rows)
            .is_some_and(|s| Arc::ptr_eq(s, snapshot))
    }

    /// An idle worker over `snapshot`, or a new one; waits for a free slot until `deadline`.
    fn checkout(&self, snapshot: &Arc<Snapshot>, deadline: Instant) -> Result<Worker> {
        let mut pool = self.pool.lock().expect("pool lock");
        loop {
            let mut ended = Vec::new();
            let mut i = 0;
            while i < pool.idle.len() {
                let w = &pool.idle[i];
                if w.idle_since.elapsed() > IDLE || !self.is_current(&w.snapshot) {
                    ended.push(pool.idle.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            if pool.running < self.config.workers {
                pool.running += 1;
                if let Some(i) = pool
                    .idle
                    .iter()
                    .position(|w| Arc::ptr_eq(&w.snapshot, snapshot))
                {
                    return Ok(pool.idle.swap_remove(i));
                }
                if pool.running + pool.idle.len() > self.config.kept {
                    // The longest idle worker (of another jurisdiction) makes room.
                    if let Some(oldest) =
                        (0..pool.idle.len()).min_by_key(|&i| pool.idle[i].idle_since)
                    {
                        ended.push(pool.idle.swap_remove(oldest));
                    }
                }
                drop(pool);
                drop(ended);
                return self.spawn(snapshot).inspect_err(|_| self.release());
            }
            drop(ended);
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout(
                    "the sandbox was busy with other queries until this one's time limit; try again"
                        .to_string(),
                ));
            }
            pool = self
                .freed
                .wait_timeout(pool, deadline - now)
                .expect("pool lock")
                .0;
        }
    }

    fn checkin(&self, mut worker: Worker) {
        worker.idle_since = Instant::now();
        let mut pool = self.pool.lock().expect("pool lock");
        pool.running -= 1;
        pool.idle.push(worker);
        drop(pool);
        self.freed.notify_one();
    }

    fn retire(&self, worker: Worker) {
        drop(worker);
        self.release();
    }

    fn release(&self) {
        self.pool.lock().expect("pool lock").running -= 1;
        self.freed.notify_one();
    }

    fn spawn(&self, snapshot: &Arc<Snapshot>) -> Result<Worker> {
        let mut worker = match &self.config.launch {
            Launch::Process(exe) => {
                let mut command = Command::new(exe);
                command
                    .arg("sandbox-worker")
                    .arg("--snapshot")
                    .arg(&snapshot.path)
                    .arg("--memory-limit")
                    .arg(&self.config.engine.memory)
                    .arg("--threads")
                    .arg(self.config.engine.threads.to_string());
                if let Some(bytes) = self.config.address_space {
                    command.arg("--address-space").arg(bytes.to_string());
                }
                let mut child = command
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .map_err(|e| Error::Internal(format!("cannot start a sandbox worker: {e}")))?;
                let input = child.stdin.take().expect("piped stdin");
                let output = child.stdout.take().expect("piped stdout");
                Worker {
                    snapshot: Arc::clone(snapshot),
                    child: Child::Process(Arc::new(Mutex::new(child))),
                    input: Box::new(input),
                    output: BufReader::new(Box::new(output)),
                    idle_since: Instant::now(),
                }
            }
            Launch::Thread => {
                let (from_server, input) = std::io::pipe()?;
                let (output, to_server) = std::io::pipe()?;
                let conn = worker::open(&snapshot.path, &self.config.engine)?;
                let handle = conn.interrupt_handle();
                std::thread::spawn(move || {
                    let _ = worker::serve(&conn, BufReader::new(from_server), to_server);
                });
                Worker {
                    snapshot: Arc::clone(snapshot),
                    child: Child::Thread(handle),
                    input: Box::new(input),
                    output: BufReader::new(Box::new(output)),
                    idle_since: Instant::now(),
                }
            }
        };
        // The first line says the worker opened its snapshot, in this build's protocol.
        let stop = worker.stopper();
        let watchdog = Watchdog::start(START, move || stop());
        let ready = worker.answer(1 << 16);
        watchdog.finish();
        match ready {
            Some(Response::Ready { protocol }) if protocol == worker::PROTOCOL => Ok(worker),
            Some(Response::Ready { protocol }) => Err(Error::Internal(format!(
                "the sandbox worker speaks protocol {protocol}, the server {}: rebuild with cargo build",
                worker::PROTOCOL
            ))),
            _ => Err(Error::Internal(
                "a sandbox worker did not start (its error is in the server's log)".to_string(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_duckdb_writes_them() {
        assert_eq!(parse_bytes("2GB"), Some(2_000_000_000));
        assert_eq!(parse_bytes("512MB"), Some(512_000_000));
        assert_eq!(parse_bytes("1.5GiB"), Some(1_610_612_736));
        assert_eq!(parse_bytes("4 gb"), Some(4_000_000_000));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("0GB"), None);
    }
}
