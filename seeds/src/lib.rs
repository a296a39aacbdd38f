//! Deterministic generator of realistic operational exports for the municipal KPI boards:
//! the org tree, resident appeals, public service cases and monthly staffing, for Perm Krai,
//! Shymkent, Mashhad (Razavi Khorasan), Rasht (Gilan) and five Krasnodar Krai municipalities,
//! 2019-01-01 ..= 2021-12-31, with four planted management effects (see `README.md`), and the
//! 12-week plans of the Shymkent departments in the open-space experiment with their check-ins.
//!
//! Same scale -> byte-identical files: every draw comes from a SplitMix64 stream keyed by
//! (seed, purpose, unit, day or batch) or from per-unit sequences run in calendar order, never
//! from iteration order of hash maps, threads or the clock.
//! Rows are streamed to disk two weeks at a time, so memory stays flat at any scale.
//!
//! # Layout
//! - [`generate`]: the entry point; [`Summary`]: what it wrote.
//! - `org`: the org tree, populations and per-department volumes.
//! - `effects`: the planted effects and every other time-varying parameter.
//! - `events`: appeals and service cases (yearly files); `staffing`: staffing.csv.
//! - `plans`: plans.csv and plan_checkins.csv.
//! - `calendar`: dates, working calendars (weekends, holidays, office hours) and formatting.
//! - `rng`: the PRNG and distributions; `csvout`: the CSV writer.

use std::io;
use std::path::{Path, PathBuf};

mod calendar;
mod csvout;
mod effects;
mod events;
mod local_names;
pub mod measure;
mod org;
mod plans;
mod rng;
mod staff;
mod staffing;

#[cfg(test)]
mod tests;

/// The seed of the published data set.
const SEED: u64 = 0x4b50_495f_5345_4544;

pub const ORG_UNITS_HEADER: &str = "id,parent_id,kind,name,population,local_name";

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Every file written, org_units.csv first, then appeals and service cases by year, then
    /// staffing.csv, plans.csv and plan_checkins.csv.
    pub files: Vec<PathBuf>,
    pub appeals: u64,
    pub service_cases: u64,
    pub staffing_rows: u64,
    /// 12-week plans, and their check-ins.
    pub plans: u64,
    pub plan_checkins: u64,
    /// Rows of org_units.csv (regions, cities, districts and departments).
    pub units: u64,
}

/// Writes the seed exports into `dir` (created if missing):
/// `org_units.csv`, `appeals_{2019,2020,2021}.csv`, `service_cases_{2019,2020,2021}.csv`,
/// `staffing.csv`, `plans.csv` and `plan_checkins.csv`.
///
/// scale 1.0 = about one million appeals over 2019-01-01..=2021-12-31; 10.0 and 100.0 for
/// benchmarks. Appeal and service-case counts scale linearly; the org tree, staffing and plans
/// do not.
/// The same scale always gives byte-identical files. Each file is written under a `.tmp` name
/// and renamed when complete, and `org_units.csv` is renamed last, so its presence means the
/// whole set is there.
pub fn generate(dir: &Path, scale: f64) -> io::Result<Summary> {
    generate_with_seed(dir, scale, SEED).map(|(s, _)| s)
}

/// Internal statistics of a run (not part of the exports).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    /// Appeals whose first response no drawn duration fitted (moved to the nearer working time).
    pub fallbacks: u64,
}

pub(crate) fn generate_with_seed(
    dir: &Path,
    scale: f64,
    seed: u64,
) -> io::Result<(Summary, Stats)> {
    if !scale.is_finite() || scale < 0.0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("scale must be a finite number >= 0, got {scale}"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    // Until the new set is complete, no org_units.csv may suggest that it is.
    match std::fs::remove_file(dir.join("org_units.csv")) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }

    let tree = org::build(seed);
    let cals = calendar::Calendars::new();
    let ctx = events::Ctx {
        org: &tree,
        cals: &cals,
        scale,
        seed,
    };
    let mut files = Vec::new();
    let mut appeals = 0;
    let mut service_cases = 0;
    let mut stats = Stats::default();
    let mut event_files = Vec::new();
    let mut seqs = events::Sequences::new(&tree, seed);
    for year in 2019..=2021 {
        let y = events::write_year(&ctx, dir, year, &mut seqs, &mut event_files)?;
        appeals += y.appeals;
        service_cases += y.services;
        stats.fallbacks += y.fallbacks;
    }
    let (staffing_file, staffing_rows) = staffing::write(&tree, seed, dir)?;
    let last_day = chrono::NaiveDate::from_ymd_opt(2021, 12, 31).expect("a date");
    let plans = plans::write(&tree, seed, dir, last_day)?;
    let (org_file, units) = write_org_units(&tree, dir)?;

    files.push(org_file);
    // appeals_2019, service_cases_2019, appeals_2020, ... -> appeals by year, then services.
    files.extend(event_files.iter().step_by(2).cloned());
    files.extend(event_files.iter().skip(1).step_by(2).cloned());
    files.push(staffing_file);
    files.push(plans.plans_file);
    files.push(plans.checkins_file);
    Ok((
        Summary {
            files,
            appeals,
            service_cases,
            staffing_rows,
            plans: plans.plans,
            plan_checkins: plans.checkins,
            units,
        },
        stats,
    ))
}

fn write_org_units(tree: &org::OrgTree, dir: &Path) -> io::Result<(PathBuf, u64)> {
    let mut out = csvout::CsvOut::create(&dir.join("org_units.csv"), ORG_UNITS_HEADER)?;
    for u in &tree.units {
        out.raw(u.id.as_bytes());
        match u.parent {
            Some(p) => out.raw(tree.units[p].id.as_bytes()),
            None => out.empty(),
        };
        out.raw(u.kind.as_str().as_bytes()).str(&u.name);
        match u.population {
            Some(p) => out.u64(p),
            None => out.empty(),
        };
        match local_names::local_name(u) {
            Some(name) => out.str(&name),
            None => out.empty(),
        };
        out.end_row()?;
    }
    out.finish()
}
