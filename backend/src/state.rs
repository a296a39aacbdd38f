//! What every request shares: the database, the sandbox, the org tree, the KPI catalog and
//! boards (kept in memory and swapped whole when an import or a reload changes them), the
//! sign-in limiter, the session cache and the plans' clock.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::NaiveDate;
use duckdb::OptionalExt;
use kpi_api::{BoardSummary, Unit, UnitKind};
use sha2::{Digest, Sha256};

use crate::audit;
use crate::auth::{self, Access, Jurisdiction, LoginLimiter};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::import;
use crate::kpi::{self, Catalog};
use crate::sandbox::{Cancel, Sandbox, SandboxConfig};
use crate::tables::Importer;

/// What `GET /api/health` tells a signed-in caller about the data inside its jurisdiction.
pub struct ScopedCounts {
    /// (table, rows) for each data table.
    pub rows: Vec<(String, i64)>,
    /// The first and last day with appeals.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// What every request shares. The org tree and the KPI catalog are small and read on every
/// request, so they are kept in memory and swapped whole when an import or a reload changes them.
pub struct AppState {
    pub db: Arc<Db>,
    /// Where analysts' SQL runs: every KPI number, preview and query.
    pub sandbox: Arc<Sandbox>,
    pub config: Config,
    units: RwLock<Arc<Vec<Unit>>>,
    catalog: RwLock<Arc<Catalog>>,
    boards: RwLock<Arc<Vec<BoardSummary>>>,
    /// The first and last day with appeals.
    data_range: RwLock<(Option<NaiveDate>, Option<NaiveDate>)>,
    pub login_limiter: LoginLimiter,
    /// Sessions already looked up (see [`auth::SessionCache`]).
    pub sessions: auth::SessionCache,
    /// Bumped at every load of the KPI files: the web app refreshes an open board when it moves.
    catalog_version: AtomicU64,
    /// What the queries folder looked like at the last load (names, sizes, modification times).
    queries_stamp: Mutex<String>,
    /// The manifest of the lake export being served (`serve --lake`).
    lake_stamp: Mutex<Option<String>>,
    /// Differs between runs of the server, so that a cached answer from before a restart is
    /// never taken for a current one.
    pub boot_id: u64,
    /// Previews and queries that their sender may cancel, by user and run id.
    pub running: Mutex<HashMap<(String, String), Arc<Cancel>>>,
    /// Analysts' queries and previews running now, by user (see [`Limits::queries_per_user`]).
    pub heavy: Mutex<HashMap<String, usize>>,
    /// The calendar of 12-week plans.
    pub clock: Clock,
    /// Experiment analyses already made, until the data, the KPI or the experiment changes.
    pub analyses: crate::experiments::Analyses,
}

impl AppState {
    pub fn new(config: Config) -> Result<Arc<AppState>> {
        let db = match (&config.database, &config.lake) {
            (Some(path), Some(lake)) => Db::open_over_lake(path, db::DEFAULT_MEMORY_LIMIT, lake)?,
            (Some(path), None) => Db::open(path, db::DEFAULT_MEMORY_LIMIT)?,
            (None, None) => Db::open_in_memory()?,
            (None, Some(_)) => {
                return Err(Error::bad_parameter(
                    "lake",
                    "a lake server needs a database file of its own (--database)",
                ))
            }
        };
        let sandbox = Sandbox::new(
            Arc::clone(&db),
            db.staging_dir().canonicalize()?.join("scopes"),
            SandboxConfig::new(config.sandbox.clone(), &config.limits.memory)?,
        )?;
        let state = Arc::new(AppState {
            db,
            sandbox: Arc::new(sandbox),
            clock: Clock::starting(config.today),
            config,
            units: RwLock::new(Arc::new(Vec::new())),
            catalog: RwLock::new(Arc::new(Catalog::default())),
            boards: RwLock::new(Arc::new(Vec::new())),
            data_range: RwLock::new((None, None)),
            login_limiter: LoginLimiter::default(),
            sessions: auth::SessionCache::default(),
            catalog_version: AtomicU64::new(0),
            queries_stamp: Mutex::new(String::new()),
            lake_stamp: Mutex::new(None),
            running: Mutex::new(HashMap::new()),
            heavy: Mutex::new(HashMap::new()),
            analyses: crate::experiments::Analyses::default(),
            boot_id: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default(),
        });
        *state.lake_stamp.lock().expect("lake stamp") =
            state.db.lake().and_then(crate::lake::stamp);
        state.refresh_data()?;
        state.reload_queries();
        Ok(state)
    }

    /// Runs `f` with the sandbox on a blocking thread (its calls wait for workers).
    pub async fn sandboxed<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Sandbox) -> Result<T> + Send + 'static,
    {
        let sandbox = Arc::clone(&self.sandbox);
        tokio::task::spawn_blocking(move || f(&sandbox))
            .await
            .map_err(|e| Error::Internal(format!("a sandbox task failed: {e}")))?
    }

    /// Runs an analyst's query or preview `f` in the sandbox, counted against the user's cap of
    /// [`Limits::queries_per_user`] running at once (past it, [`Error::TooMany`]).
    pub async fn analysts_query<T, F>(self: &Arc<Self>, user: &str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Sandbox) -> Result<T> + Send + 'static,
    {
        let running = self.heavy_query(user)?;
        self.sandboxed(move |s| {
            let _running = running;
            f(s)
        })
        .await
    }

    /// Counts one more analyst's query or preview of `user` while the guard lives; refused when
    /// the user already has [`Limits::queries_per_user`] running.
    fn heavy_query(self: &Arc<Self>, user: &str) -> Result<HeavyQuery> {
        let mut heavy = self.heavy.lock().expect("heavy lock");
        let running = heavy.entry(user.to_string()).or_insert(0);
        if *running >= self.config.limits.queries_per_user {
            return Err(Error::TooMany(format!(
                "you already have {} queries running; wait for one to finish or cancel it",
                running
            )));
        }
        *running += 1;
        Ok(HeavyQuery {
            state: Arc::clone(self),
            user: user.to_string(),
        })
    }

    pub fn units(&self) -> Arc<Vec<Unit>> {
        Arc::clone(&self.units.read().expect("units lock"))
    }

    /// The unit `id` when `access` may see numbers for it (403 outside the jurisdiction).
    pub fn unit_for(&self, access: &Access, id: &str) -> Result<Unit> {
        access.unit(&self.units(), id)
    }

    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.read().expect("catalog lock"))
    }

    pub fn boards(&self) -> Arc<Vec<BoardSummary>> {
        Arc::clone(&self.boards.read().expect("boards lock"))
    }

    /// The first and last day that have appeal data; the last sets the default period.
    pub fn data_range(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        *self.data_range.read().expect("data_range lock")
    }

    /// Re-reads what imports can change: the org tree and the latest data day.
    pub fn refresh_data(&self) -> Result<()> {
        let (units, range) = self
            .db
            .with(|c| Ok((read_units(c)?, read_data_range(c)?)))?;
        *self.units.write().expect("units lock") = Arc::new(units);
        *self.data_range.write().expect("data_range lock") = range;
        Ok(())
    }

    /// How many times the KPI files have been loaded.
    pub fn catalog_version(&self) -> u64 {
        self.catalog_version.load(AtomicOrdering::SeqCst)
    }

    /// The status of `value` of `def` for `unit` over a period ending on `day`, against the
    /// target in force then (see [`crate::targets`]), with that target.
    pub fn judge(
        &self,
        def: &kpi_api::KpiDef,
        unit: &str,
        day: NaiveDate,
        value: Option<f64>,
    ) -> (kpi_api::Status, crate::targets::InForce) {
        let targets = &self.catalog().targets;
        // Most KPIs have no rule: their own target, without walking the org tree.
        let in_force = if targets.rules.iter().any(|r| r.kpi == def.id) {
            let units = self.units();
            targets.in_force(def, unit, day, &auth::Parents::of(&units))
        } else {
            crate::targets::InForce::own(def)
        };
        let status = kpi_api::status::status(value, in_force.target, in_force.amber, def.direction);
        (status, in_force)
    }

    /// Loads the files beside the KPIs that name units (targets, annotations, evaluation
    /// schemes) into `catalog`,
    /// checked against the KPIs it holds and the org tree as it is now; their earlier errors go.
    fn load_unit_files(&self, dir: &Path, catalog: &mut Catalog) {
        let units = self.units();
        // Before the org tree is imported there is nothing to check a unit against.
        let known = |unit: &str| units.is_empty() || units.iter().any(|u| u.id == unit);
        let (targets, target_errors) = crate::targets::Targets::load(
            dir,
            &|id| catalog.kpis.get(id).map(|k| k.def.clone()),
            &known,
        );
        let (annotations, annotation_errors) = crate::annotations::load(dir, &known);
        let (evaluations, evaluation_errors) = crate::evaluations::load(
            dir,
            &|id| {
                let kpi = catalog.kpis.get(id)?;
                let tables = crate::kpi::tables_of(&self.sandbox, kpi).ok()?;
                Some((kpi.def.clone(), tables))
            },
            &known,
        );
        let evaluations_dir = format!("{}/", crate::evaluations::DIR);
        catalog.errors.retain(|e| {
            e.file != crate::targets::FILE
                && e.file != crate::annotations::FILE
                && !e.file.starts_with(&evaluations_dir)
        });
        for e in target_errors
            .iter()
            .chain(&annotation_errors)
            .chain(&evaluation_errors)
        {
            tracing::warn!(file = %e.file, line = ?e.line, "not loaded: {}", e.message);
        }
        catalog.errors.extend(target_errors);
        catalog.errors.extend(annotation_errors);
        catalog.errors.extend(evaluation_errors);
        catalog.targets = targets;
        catalog.annotations = annotations;
        catalog.evaluations = evaluations;
    }

    /// Loads and validates every KPI file and board. A KPI whose file no longer validates keeps
    /// serving its last good version (its error is listed all the same); a deleted file's KPI goes.
    pub fn reload_queries(&self) {
        let dir = self.config.queries.clone();
        *self.queries_stamp.lock().expect("stamp lock") = queries_stamp(&dir);
        let previous = self.catalog();
        let mut catalog = kpi::load_dir(&self.sandbox, &dir, self.config.limits.query_time);
        for e in catalog.errors.iter_mut() {
            let id = e.file.strip_suffix(".sql").unwrap_or_default();
            if let Some(old) = previous.kpis.get(id) {
                if !catalog.kpis.contains_key(id) && old.def.file == e.file {
                    catalog.kpis.insert(id.to_string(), old.clone());
                    e.message.push_str(
                        " (the previous version of this KPI keeps serving until the file is fixed)",
                    );
                }
            }
        }
        for e in &catalog.errors {
            tracing::warn!(file = %e.file, line = ?e.line, "KPI not loaded: {}", e.message);
        }
        self.ensure_rollups(&mut catalog);
        let (boards, board_errors) =
            kpi::load_boards(&dir.join("boards"), &|id| catalog.kpis.contains_key(id));
        for e in &board_errors {
            tracing::warn!(file = %e.file, "board not loaded: {}", e.message);
        }
        catalog.errors.extend(board_errors);
        self.load_unit_files(&dir, &mut catalog);
        if let Err(e) = self.audit_definitions(&dir, &catalog, boards.len()) {
            tracing::warn!("cannot write the audit log: {e}");
        }
        *self.catalog.write().expect("catalog lock") = Arc::new(catalog);
        self.catalog_version.fetch_add(1, AtomicOrdering::SeqCst);
        *self.boards.write().expect("boards lock") = Arc::new(boards);
    }

    /// Builds the roll-ups of KPIs new or changed since they were last built (holding the import
    /// lock, so no import runs meanwhile). A KPI whose roll-up cannot be built serves from its
    /// raw rows; the error goes to the log only, since it may quote any unit's rows.
    fn ensure_rollups(&self, catalog: &mut Catalog) {
        let wanted = catalog.rollups();
        let started = std::time::Instant::now();
        // Over a lake, the roll-ups are the ones exported with it: a KPI routes to its roll-up
        // only if the lake's was built from the same text.
        let ensured = match self.db.lake() {
            Some(_) => self
                .db
                .with(|c| crate::rollup::missing(c, &wanted))
                .map(|missing| (0, missing)),
            None => self.db.with_writer(|c| crate::rollup::ensure(c, &wanted)),
        };
        match ensured {
            Ok((built, failed)) => {
                for (id, why) in failed {
                    tracing::warn!(kpi = %id, "roll-up not built, the KPI reads its raw rows: {why}");
                    if let Some(k) = catalog.kpis.get_mut(&id) {
                        k.rollup = None;
                    }
                }
                if built > 0 {
                    tracing::info!(
                        built,
                        millis = started.elapsed().as_millis() as u64,
                        "roll-ups built"
                    );
                    self.sandbox.data_changed();
                }
            }
            Err(e) => {
                tracing::warn!("roll-ups not checked, every KPI reads its raw rows: {e}");
                for k in catalog.kpis.values_mut() {
                    k.rollup = None;
                }
            }
        }
    }

    /// Writes a KPI file that validated (the editor's Save) and loads it, optionally putting it on
    /// a board too. Files are replaced whole (written aside, then renamed), so the watcher never
    /// reads half a file.
    pub fn save_kpi(&self, kpi: &kpi::Kpi, text: &str, board: Option<&str>) -> Result<()> {
        let dir = &self.config.queries;
        let board_path = match board {
            Some(board) => {
                let path = dir.join("boards").join(format!("{board}.json"));
                if !self.boards().iter().any(|b| b.id == board) || !path.is_file() {
                    return Err(Error::bad_parameter(
                        "board",
                        format!("no board with id '{board}'"),
                    ));
                }
                Some(path)
            }
            None => None,
        };
        write_whole(&dir.join(&kpi.def.file), text.as_bytes())?;
        if let Some(path) = board_path {
            let mut board: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)
                .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
            let kpis = board["kpis"]
                .as_array_mut()
                .ok_or_else(|| Error::Internal(format!("{}: no kpis list", path.display())))?;
            if !kpis.iter().any(|k| k == kpi.def.id.as_str()) {
                kpis.push(serde_json::Value::String(kpi.def.id.clone()));
                let mut pretty = serde_json::to_vec_pretty(&board)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                pretty.push(b'\n');
                write_whole(&path, &pretty)?;
            }
        }
        self.reload_queries();
        Ok(())
    }

    /// Starts reading a new export of the lake this server serves, if there is one since the
    /// last look: snapshots, cached answers, units and the KPIs' routes (the roll-ups came with
    /// it) all follow. True when it did.
    pub fn refresh_lake_if_changed(&self) -> bool {
        let Some(lake) = self.db.lake() else {
            return false;
        };
        let now = crate::lake::stamp(lake);
        {
            let mut stamp = self.lake_stamp.lock().expect("lake stamp");
            if now.is_none() || *stamp == now {
                return false;
            }
            *stamp = now;
        }
        tracing::info!("the lake was exported again: reading the new export");
        self.sandbox.data_changed();
        if let Err(e) = self.refresh_data() {
            tracing::warn!("cannot read the new lake: {e}");
        }
        self.reload_queries();
        true
    }

    /// Reloads the KPI files if the folder changed since the last load; true when it did.
    pub fn reload_if_changed(&self) -> bool {
        let now = queries_stamp(&self.config.queries);
        if *self.queries_stamp.lock().expect("stamp lock") == now {
            return false;
        }
        tracing::info!("the queries folder changed: reloading the KPI files");
        self.reload_queries();
        true
    }

    /// Records a load of the KPI and board files in the audit log when their text differs from
    /// the last load recorded (a start-up with unchanged files is not news), with a fingerprint
    /// of every file so that the next load can tell.
    fn audit_definitions(&self, dir: &Path, catalog: &Catalog, boards: usize) -> Result<()> {
        let mut files: Vec<(String, String)> = Vec::new();
        for sub in definition_folders(dir) {
            if let Ok(entries) = std::fs::read_dir(&sub) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.is_file() {
                        let text = std::fs::read(&path).unwrap_or_default();
                        let name = path
                            .strip_prefix(dir)
                            .unwrap_or(&path)
                            .display()
                            .to_string();
                        files.push((name, hex::encode(&Sha256::digest(&text)[..6])));
                    }
                }
            }
        }
        files.sort();
        let listing: String = files.iter().map(|(f, h)| format!("{f}={h} ")).collect();
        let fingerprint = hex::encode(&Sha256::digest(listing.as_bytes())[..6]);
        self.db.with(|c| {
            let last: Option<String> = c
                .query_row(
                    "SELECT detail FROM main.audit_log WHERE action = 'queries_loaded' ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if last.is_some_and(|d| d.contains(&format!("fingerprint {fingerprint}"))) {
                return Ok(());
            }
            let detail = format!(
                "{} KPIs and {} boards loaded from {}, {} refused{}; fingerprint {fingerprint}; files {}",
                catalog.kpis.len(),
                boards,
                dir.display(),
                catalog.errors.len(),
                catalog
                    .errors
                    .iter()
                    .map(|e| format!("; {}: {}", e.file, e.message))
                    .collect::<String>(),
                listing.trim_end()
            );
            audit::record(c, None, "queries_loaded", &detail, None)
        })
    }

    /// Imports one file (blocking) as the machine's operator (command line, seed).
    pub fn import(&self, path: &Path, name: &str) -> Result<kpi_api::ImportReport> {
        self.import_by(path, name, Importer::OPERATOR, None)
    }

    /// Imports one file (blocking) for `by`, refreshes what it may have changed, and records it
    /// (or its refusal) in the audit log.
    pub fn import_by(
        &self,
        path: &Path,
        name: &str,
        by: Importer,
        ip: Option<&str>,
    ) -> Result<kpi_api::ImportReport> {
        let catalog = self.catalog();
        if self.db.lake().is_none() {
            let wanted = catalog.rollups();
            if let Err(e) = self.db.with_writer(|c| crate::rollup::forget(c, &wanted)) {
                tracing::warn!("cannot drop the roll-ups no KPI takes: {e}");
            }
        }
        let result =
            import::import_file(&self.db, path, name, by, &|k| catalog.kpis.contains_key(k));
        let (action, detail) = match &result {
            Ok(r) if r.already_imported => (
                "import",
                format!("{name}: already imported (sha256 {})", r.sha256),
            ),
            Ok(r) => (
                "import",
                format!(
                    "{name}: {} rows into {} ({} new, {} replaced), sha256 {}",
                    r.rows_in_file, r.table, r.inserted, r.updated, r.sha256
                ),
            ),
            Err(e) => ("import_failed", e.to_string()),
        };
        if let Err(e) = self
            .db
            .with(|c| audit::record(c, by.user, action, &detail, ip))
        {
            tracing::warn!("cannot write the audit log: {e}");
        }
        let report = result?;
        if !report.already_imported {
            self.sandbox.data_changed();
            let units_before = self.units();
            self.refresh_data()?;
            // New units may be what a target or an annotation names: those files are checked
            // again (the KPI files do not name units).
            if *units_before != *self.units() {
                let mut catalog = (*self.catalog()).clone();
                self.load_unit_files(&self.config.queries, &mut catalog);
                *self.catalog.write().expect("catalog lock") = Arc::new(catalog);
                self.catalog_version.fetch_add(1, AtomicOrdering::SeqCst);
            }
        }
        Ok(report)
    }

    /// Rows per data table and the first and last day with appeals, inside `jurisdiction`.
    pub fn scoped_counts(&self, jurisdiction: &Jurisdiction) -> Result<ScopedCounts> {
        let home = jurisdiction.home().map(str::to_string);
        self.db.with(|c| {
            let scope = "(SELECT unit_id FROM main.unit_closure WHERE CAST($1 AS VARCHAR) IS NULL AND depth = 0 \
                 OR ancestor_id = CAST($1 AS VARCHAR))";
            let mut rows = Vec::new();
            let counted = std::iter::once(("org_units", "id")).chain(crate::tables::data_tables());
            for (table, column) in counted {
                let n: i64 = c.query_row(
                    &format!("SELECT count(*) FROM main.{table} WHERE {column} IN {scope}"),
                    [&home],
                    |r| r.get(0),
                )?;
                rows.push((table.to_string(), n));
            }
            let (from, to) = c.query_row(
                &format!("SELECT CAST(min(received_at) AS DATE), CAST(max(received_at) AS DATE) FROM main.appeals WHERE unit_id IN {scope}"),
                [&home],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(ScopedCounts { rows, from, to })
        })
    }

    /// The default period: the last full quarter that has data.
    pub fn default_period(&self) -> (NaiveDate, NaiveDate) {
        let end = self
            .data_range()
            .1
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let quarter_start = kpi_api::Grain::Quarter.start_of(end);
        let next = kpi_api::Grain::Quarter.next(quarter_start);
        let last_full_end = if end.succ_opt() == Some(next) {
            end
        } else {
            quarter_start.pred_opt().unwrap_or(end)
        };
        (
            kpi_api::Grain::Quarter.start_of(last_full_end),
            last_full_end,
        )
    }
}

/// One running analyst's query, counted in [`AppState::heavy`] until dropped.
pub struct HeavyQuery {
    state: Arc<AppState>,
    user: String,
}

impl Drop for HeavyQuery {
    fn drop(&mut self) {
        let mut heavy = self.state.heavy.lock().expect("heavy lock");
        if let Some(n) = heavy.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                heavy.remove(&self.user);
            }
        }
    }
}

/// Every KPI and board file's name, size and modification time: cheap to take twice a second,
/// and different after any add, edit or delete.
/// The folders of definition files: the KPIs (with targets and annotations), the boards and
/// the evaluation schemes.
fn definition_folders(dir: &Path) -> [std::path::PathBuf; 3] {
    [
        dir.to_path_buf(),
        dir.join("boards"),
        dir.join(crate::evaluations::DIR),
    ]
}

fn queries_stamp(dir: &Path) -> String {
    let mut entries = Vec::new();
    for sub in definition_folders(dir) {
        if let Ok(read) = std::fs::read_dir(&sub) {
            for entry in read.flatten() {
                if let Ok(meta) = entry.metadata() {
                    if meta.is_file() {
                        let modified = meta
                            .modified()
                            .ok()
                            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                            .map(|d| d.as_nanos())
                            .unwrap_or_default();
                        entries.push(format!(
                            "{}:{}:{modified}",
                            entry.path().display(),
                            meta.len()
                        ));
                    }
                }
            }
        }
    }
    entries.sort();
    entries.join("\n")
}

/// Replaces `path` with `bytes` in one rename.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let aside = path.with_file_name(format!(".{name}.saving"));
    std::fs::write(&aside, bytes)?;
    std::fs::rename(&aside, path)?;
    Ok(())
}

/// The org tree, parents first (the command line's user commands read it without a whole state).
pub fn read_units(c: &duckdb::Connection) -> Result<Vec<Unit>> {
    // Parents before children: order by depth in the tree, then by name as people count
    // ("District 2" before "District 10").
    let mut stmt = c.prepare(
        "SELECT u.id, u.parent_id, u.kind, u.name, u.population, coalesce(d.depth, 0), u.local_name
         FROM main.org_units u
         LEFT JOIN (SELECT unit_id, max(depth) AS depth FROM main.unit_closure GROUP BY unit_id) d ON d.unit_id = u.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, i32>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut units = Vec::new();
    for row in rows {
        let (id, parent_id, kind, name, population, depth, local_name) = row?;
        let kind = UnitKind::parse(&kind)
            .ok_or_else(|| Error::Internal(format!("unit {id} has unknown kind {kind}")))?;
        units.push((
            depth,
            Unit {
                id,
                parent_id,
                kind,
                name,
                population,
                local_name,
            },
        ));
    }
    units.sort_by(|(da, a), (db, b)| da.cmp(db).then_with(|| natural_cmp(&a.name, &b.name)));
    Ok(units.into_iter().map(|(_, u)| u).collect())
}

/// Compares names with runs of digits taken as numbers: "District 2" < "District 10".
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, xa), (db, xb)) in ca.iter().zip(cb.iter()) {
        let ord = if *da && *db {
            let na = xa.trim_start_matches('0');
            let nb = xb.trim_start_matches('0');
            na.len().cmp(&nb.len()).then_with(|| na.cmp(nb))
        } else {
            xa.cmp(xb)
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}

fn read_data_range(c: &duckdb::Connection) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    Ok(c.query_row(
        "SELECT CAST(min(received_at) AS DATE), CAST(max(received_at) AS DATE) FROM main.appeals",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering;

    #[test]
    fn unit_names_sort_as_people_count() {
        assert_eq!(natural_cmp("District 2", "District 10"), Ordering::Less);
        assert_eq!(natural_cmp("District 10", "District 9"), Ordering::Greater);
        assert_eq!(
            natural_cmp("Abay district", "Al-Farabi district"),
            Ordering::Less
        );
        assert_eq!(natural_cmp("District 1", "District 1"), Ordering::Equal);
        assert_eq!(natural_cmp("District", "District 1"), Ordering::Less);
    }
}
