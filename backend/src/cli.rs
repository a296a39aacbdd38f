//! What each `kpiboard` command does, one function each; `main.rs` parses the command line and
//! calls one of these. Each that opens the database blocks (call it from a blocking thread).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use kpi_api::NewUser;

use crate::auth;
use crate::config::Config;
use crate::db::{Db, DEFAULT_MEMORY_LIMIT};
use crate::server::Application;
use crate::state::AppState;

/// `kpiboard serve`: the state over the configured database, the seed imported first when a
/// folder is given and the database is empty, then the server until the process ends.
pub async fn serve(config: Config, seed: Option<PathBuf>, scale: f64) -> anyhow::Result<()> {
    let dist = config.dist.clone();
    let state = blocking(move || Ok(AppState::new(config)?)).await?;
    if let Some(dir) = seed {
        let s = Arc::clone(&state);
        blocking(move || Ok(crate::seed::load_if_empty(&s, &dir, scale)?)).await?;
    }
    if !dist.join("index.html").exists() {
        tracing::warn!(
            "{} has no index.html: the web app is not built (scripts/run builds it)",
            dist.display()
        );
    }
    let users = {
        let s = Arc::clone(&state);
        blocking(move || Ok(s.db.with(auth::list_users)?.len())).await?
    };
    if users == 0 {
        tracing::warn!(
            "no users yet: nobody can sign in. Add an admin with: scripts/kpiboard user add NAME --role admin (the password on standard input)"
        );
    }
    if state.clock.is_moved() {
        tracing::warn!(
            "12-week plans run as if today were {} (--today)",
            state.clock.today()
        );
    }
    let app = Application::with_state(state).await?;
    let addr = app.addr();
    println!();
    println!("KPI boards are ready: http://{addr}/boards/overview?unit=perm");
    println!(
        "Sign in as mayor.perm (password {}); the README lists every demo account.",
        crate::seed::DEMO_PASSWORD
    );
    println!();
    app.run().await;
    Ok(())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await?
}

/// `kpiboard import FILE...`: each file in one transaction; false when any was refused.
pub fn import(config: Config, files: &[PathBuf]) -> anyhow::Result<bool> {
    let state = AppState::new(config)?;
    let mut all = true;
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match state.import(file, &name) {
            Ok(r) if r.already_imported => println!(
                "{name}: already imported ({} rows into {}); nothing changed",
                r.rows_in_file, r.table
            ),
            Ok(r) => println!(
                "{name}: {} rows into {} ({} new, {} replaced) in {} ms",
                r.rows_in_file, r.table, r.inserted, r.updated, r.millis
            ),
            Err(e) => {
                eprintln!("{e}");
                all = false;
            }
        }
    }
    Ok(all)
}

/// `kpiboard export plans|plan_checkins`: the plans of a unit (or one plan) as the CSV file
/// that imports back, to `out` or standard output.
pub fn export(
    database: &Path,
    what: &str,
    unit: Option<&str>,
    plan: Option<&str>,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::plans::exchange::{self, PlanFile};
    let file = PlanFile::parse(what)
        .ok_or_else(|| anyhow::anyhow!("what: '{what}' is not plans or plan_checkins"))?;
    let db = Db::open(database, DEFAULT_MEMORY_LIMIT)?;
    let text = db.with(|c| {
        let ids = match plan {
            Some(plan) => vec![plan.to_string()],
            None => exchange::plan_ids(c, &exchange::units_under(c, unit)?)?,
        };
        file.write(c, &ids)
    })?;
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// `kpiboard export-lake DIR`: the lake of [`crate::lake`], with what it wrote.
pub fn export_lake(config: Config, dir: &Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    // The state, not the bare database: loading the KPI files brings their roll-ups up to date,
    // and the lake carries them.
    let state = AppState::new(config)?;
    let exported = crate::lake::export(&state.db, dir)?;
    for e in &exported {
        println!("{}: {} rows in {} files", e.table, e.rows, e.files);
    }
    println!(
        "lake written to {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `kpiboard seed`: the seed exports into `out`, with a report of their sizes and measured
/// effects when asked; or, with `spread`, the Shymkent estimate across other seeds.
pub fn seed(out: &Path, scale: f64, report: bool, spread: Option<u64>) -> anyhow::Result<()> {
    if let Some(count) = spread {
        print!("{}", kpi_seeds::measure::spread(count)?);
        return Ok(());
    }
    let started = std::time::Instant::now();
    let s =
        kpi_seeds::generate(out, scale).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{} units, {} appeals, {} service cases, {} staffing rows, {} plans with {} check-ins in {} files under {} ({:.1} s)",
        s.units, s.appeals, s.service_cases, s.staffing_rows, s.plans, s.plan_checkins,
        s.files.len(), out.display(), started.elapsed().as_secs_f64()
    );
    if report {
        for f in &s.files {
            let size = std::fs::metadata(f)?.len();
            println!("  {} {:.1} MB", f.display(), size as f64 / 1e6);
        }
        if scale <= 2.0 {
            print!("{}", kpi_seeds::measure::report(out));
        } else {
            println!("(the effects are measured at scale 2 at most: they are read into memory)");
        }
    }
    Ok(())
}

/// What `kpiboard user` is asked to do.
pub enum UserCommand {
    Add(NewUser),
    ResetPassword { name: String, password: String },
    List,
}

/// `kpiboard user`: users only (the KPI files are not loaded, nor the state built).
pub fn user(database: &Path, command: UserCommand) -> anyhow::Result<()> {
    let db = Db::open(database, DEFAULT_MEMORY_LIMIT)?;
    db.with(|c| {
        let units = crate::state::read_units(c)?;
        match &command {
            UserCommand::Add(new) => {
                let user = auth::add_user(c, new, &units)?;
                crate::audit::record(
                    c,
                    None,
                    "user_added",
                    &format!("{} as {} (command line)", user.name, user.role.as_str()),
                    None,
                )?;
                println!(
                    "added {} ({}, {})",
                    user.name,
                    user.role.as_str(),
                    user.home_unit.as_deref().unwrap_or("every unit")
                );
            }
            UserCommand::ResetPassword { name, password } => {
                auth::reset_password(c, name, password)?;
                crate::audit::record(
                    c,
                    None,
                    "password_reset",
                    &format!("password of {name} reset (command line)"),
                    None,
                )?;
                println!("password of {name} reset; their sessions ended");
            }
            UserCommand::List => {
                for u in auth::list_users(c)? {
                    println!(
                        "{:<24} {:<16} {:<20} {}",
                        u.name,
                        u.role.as_str(),
                        u.home_unit.as_deref().unwrap_or("(every unit)"),
                        u.display_name
                    );
                }
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// `kpiboard audit`: the newest `limit` entries of the audit log.
pub fn audit(database: &Path, limit: usize) -> anyhow::Result<()> {
    let db = Db::open(database, DEFAULT_MEMORY_LIMIT)?;
    for e in db.with(|c| crate::audit::recent(c, limit))? {
        println!(
            "{} {:<16} {:<20} {:<16} {}",
            e.at,
            e.action,
            e.actor.as_deref().unwrap_or("-"),
            e.ip.as_deref().unwrap_or("-"),
            e.detail
        );
    }
    Ok(())
}

/// `kpiboard precompress DIR`: brotli and gzip copies of the web app's files, and their sizes.
pub fn precompress(dir: &Path) -> anyhow::Result<()> {
    let sizes = crate::transfer::precompress(dir)
        .with_context(|| format!("precompressing {}", dir.display()))?;
    let (mut raw, mut br, mut gz) = (0, 0, 0);
    for (file, r, b, g) in &sizes {
        println!("{file:<44} {r:>9} B  brotli {b:>8} B  gzip {g:>8} B");
        (raw, br, gz) = (raw + r, br + b, gz + g);
    }
    println!(
        "{:<44} {raw:>9} B  brotli {br:>8} B  gzip {gz:>8} B",
        "total"
    );
    Ok(())
}

/// `kpiboard check`: every KPI file validated and every expectation run (on the seed when a
/// folder is given and the database is empty); false when anything failed.
pub fn check(config: Config, seed: Option<&Path>, scale: f64) -> anyhow::Result<bool> {
    let state = AppState::new(config)?;
    if let Some(dir) = seed {
        crate::seed::load_if_empty(&state, dir, scale)?;
    }
    let report = crate::check::run(&state);
    print!("{}", report.table);
    Ok(report.ok)
}

/// `kpiboard sandbox-worker`: one sandbox worker over `snapshot`, confined before it opens it.
pub fn sandbox_worker(
    snapshot: &Path,
    memory: &str,
    threads: usize,
    address_space: Option<u64>,
) -> anyhow::Result<()> {
    use crate::sandbox::worker;
    worker::confine(address_space)?;
    let conn = worker::open(
        snapshot,
        &worker::EngineLimits {
            memory: memory.to_string(),
            threads,
        },
    )?;
    worker::serve(&conn, std::io::stdin().lock(), std::io::stdout().lock())?;
    Ok(())
}
