//! The embedded default: when the database holds no appeals, generate the seed exports (unless
//! they are already on disk) and import them, the org tree first and the plans last. A database
//! seeded before the seed had plans gets them on its next start.

use std::path::{Path, PathBuf};
use std::time::Instant;

use kpi_api::{NewUser, UserRole};

use crate::auth;
use crate::error::Result;
use crate::import;
use crate::plans::exchange::PlanFile;
use crate::state::AppState;

/// The password of every demo account (listed in the README). Only the seed creates them.
pub const DEMO_PASSWORD: &str = "kpiboard-demo";

/// The demo accounts: user name, display name, role, home unit.
pub const DEMO_USERS: &[(&str, &str, UserRole, Option<&str>)] = &[
    (
        "governor.perm",
        "Governor of Perm Krai",
        UserRole::Governor,
        Some("perm-krai"),
    ),
    ("mayor.perm", "Mayor of Perm", UserRole::Mayor, Some("perm")),
    (
        "governor.krasnodar",
        "Governor of Krasnodar Krai",
        UserRole::Governor,
        Some("krasnodar-krai"),
    ),
    (
        "mayor.shymkent",
        "Akim of Shymkent",
        UserRole::Mayor,
        Some("shymkent"),
    ),
    (
        "head.shymkent.economy",
        "Head of Shymkent's economy department",
        UserRole::DepartmentHead,
        Some("shymkent-economy"),
    ),
    (
        "mayor.mashhad",
        "Mayor of Mashhad",
        UserRole::Mayor,
        Some("mashhad"),
    ),
    (
        "mayor.rasht",
        "Mayor of Rasht",
        UserRole::Mayor,
        Some("rasht"),
    ),
    (
        "head.rasht.social",
        "Head of social affairs, Rasht district 1",
        UserRole::DepartmentHead,
        Some("rasht-district-1-social"),
    ),
    (
        "analyst.mashhad",
        "Mashhad analyst",
        UserRole::Analyst,
        Some("mashhad"),
    ),
    ("admin", "Administrator", UserRole::Admin, None),
];

/// Creates the demo accounts when the database has no users at all.
pub fn create_demo_users(state: &AppState) -> Result<usize> {
    let units = state.units();
    state.db.with(|c| {
        let users: i64 = c.query_row("SELECT count(*) FROM main.users", [], |r| r.get(0))?;
        if users > 0 {
            return Ok(0);
        }
        for (name, display, role, home) in DEMO_USERS {
            let new = NewUser {
                name: name.to_string(),
                display_name: Some(display.to_string()),
                role: *role,
                home_unit: home.map(str::to_string),
                password: DEMO_PASSWORD.to_string(),
            };
            auth::add_user(c, &new, &units)?;
        }
        crate::audit::record(
            c,
            None,
            "user_added",
            &format!("{} demo accounts created by the seed", DEMO_USERS.len()),
            None,
        )?;
        Ok(DEMO_USERS.len())
    })
}

/// The export files in `dir`, in the order they must be imported.
pub fn export_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "parquet"))
        .collect();
    import::import_order(&mut files);
    Ok(files)
}

/// The plan files of the seed in `dir`, plans before their check-ins.
fn plan_files(dir: &Path) -> Vec<PathBuf> {
    PlanFile::ALL
        .iter()
        .map(|f| dir.join(format!("{}.csv", f.name())))
        .collect()
}

/// Generates seed exports into `dir` at `scale` if they are not all there yet.
pub fn ensure_generated(dir: &Path, scale: f64) -> Result<()> {
    let whole = dir.join("org_units.csv").exists() && plan_files(dir).iter().all(|f| f.exists());
    if whole {
        return Ok(());
    }
    let started = Instant::now();
    tracing::info!(
        "generating seed exports (scale {scale}) into {}",
        dir.display()
    );
    let summary = kpi_seeds::generate(dir, scale)?;
    tracing::info!(
        "generated {} appeals, {} service cases, {} staffing rows in {:.1} s",
        summary.appeals,
        summary.service_cases,
        summary.staffing_rows,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Imports every export of `dir` when the database has no appeals yet, and creates the demo
/// accounts when it has no users (a database seeded before accounts existed gets them too).
pub fn load_if_empty(state: &AppState, dir: &Path, scale: f64) -> Result<bool> {
    let appeals: i64 = state
        .db
        .with(|c| Ok(c.query_row("SELECT count(*) FROM main.appeals", [], |r| r.get(0))?))?;
    if appeals > 0 {
        let plans: i64 = state
            .db
            .with(|c| Ok(c.query_row("SELECT count(*) FROM main.plans", [], |r| r.get(0))?))?;
        if plans == 0 {
            ensure_generated(dir, scale)?;
            import_all(state, plan_files(dir))?;
        }
        demo_accounts(state)?;
        seed_experiments(state)?;
        return Ok(false);
    }
    ensure_generated(dir, scale)?;
    let started = Instant::now();
    import_all(state, export_files(dir)?)?;
    tracing::info!("seed import took {:.1} s", started.elapsed().as_secs_f64());
    demo_accounts(state)?;
    seed_experiments(state)?;
    Ok(true)
}

/// The experiments behind the seed's planted effects, each stored once (a database seeded before
/// experiments existed gets them on its next seeded start).
fn seed_experiments(state: &AppState) -> Result<()> {
    state.db.with(|c| {
        for e in crate::experiments::seeded() {
            if crate::experiments::store::get(c, &e.id)?.is_none() {
                crate::experiments::store::save(c, &e, "seed", None)?;
            }
        }
        Ok(())
    })
}

fn import_all(state: &AppState, files: impl IntoIterator<Item = PathBuf>) -> Result<()> {
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let report = state.import(&file, &name)?;
        tracing::info!(
            "imported {name}: {} rows into {} in {} ms",
            report.rows_in_file,
            report.table,
            report.millis
        );
    }
    Ok(())
}

fn demo_accounts(state: &AppState) -> Result<()> {
    let created = create_demo_users(state)?;
    if created > 0 {
        tracing::info!(
            "created {created} demo accounts (password: {DEMO_PASSWORD}); see the README"
        );
    }
    Ok(())
}
