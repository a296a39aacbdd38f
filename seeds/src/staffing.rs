//! staffing.csv: one row per leaf department per month, 2019-01 .. 2021-12.

use std::io;
use std::path::{Path, PathBuf};

use crate::calendar::days_from_civil;
use crate::csvout::CsvOut;
use crate::effects;
use crate::org::{OrgTree, Program};
use crate::rng::{tag, Rng};

pub const STAFFING_HEADER: &str = "month,unit_id,headcount,vacancies,training_hours";
pub const MONTHS: u32 = 36;
/// Secretaries cut in each open-space department (six secretaries -> one reception desk).
const OPEN_SPACE_HEADCOUNT_CUT: u32 = 1;
/// Krasnodar Krai, November 2021: a 16-hour course for municipal employees.
const KRASNODAR_COURSE_MONTH: u32 = 34;
const KRASNODAR_COURSE_HOURS: f64 = 16.0;
const KRASNODAR_COURSE_SHARE: f64 = 0.4;

pub fn write(org: &OrgTree, seed: u64, dir: &Path) -> io::Result<(PathBuf, u64)> {
    let leaves = org.leaves();
    // Per-department constants: usual vacancy rate and training hours per person-month.
    let constants: Vec<(f64, f64)> = leaves
        .iter()
        .map(|&u| {
            let mut rng = Rng::stream(seed, &[tag::UNIT_PARAMS, org.units[u].hash, 2]);
            (rng.range(0.05, 0.11), rng.range(0.8, 2.4))
        })
        .collect();
    let mut out = CsvOut::create(&dir.join("staffing.csv"), STAFFING_HEADER)?;
    let open_space_month = 3; // April 2019
    for m in 0..MONTHS {
        let (y, mo) = (2019 + i64::from(m / 12), m % 12 + 1);
        let mut rngs: Vec<Rng> = leaves
            .iter()
            .map(|&u| Rng::stream(seed, &[tag::STAFF, org.units[u].hash, u64::from(m)]))
            .collect();
        let heads: Vec<u32> = leaves
            .iter()
            .zip(rngs.iter_mut())
            .map(|(&u, rng)| {
                let unit = &org.units[u];
                let mut h = (f64::from(unit.staff) + 0.8 * rng.normal())
                    .round()
                    .max(2.0) as u32;
                if unit.program == Program::ShymkentTreated && m >= open_space_month {
                    h -= OPEN_SPACE_HEADCOUNT_CUT;
                }
                h
            })
            .collect();

        // Perm city: total vacancies follow the planted rate exactly, apportioned to departments
        // by headcount (largest remainder).
        let perm: Vec<usize> = (0..leaves.len())
            .filter(|&i| org.units[leaves[i]].program == Program::PermCity)
            .collect();
        let perm_heads: u32 = perm.iter().map(|&i| heads[i]).sum();
        let rate = effects::perm_vacancy_rate(m);
        let perm_total = (f64::from(perm_heads) * rate / (1.0 - rate)).round() as u32;
        let mut vac = vec![0u32; leaves.len()];
        let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(perm.len());
        let mut assigned = 0;
        for &i in &perm {
            let quota = f64::from(perm_total) * f64::from(heads[i]) / f64::from(perm_heads.max(1));
            vac[i] = quota.floor() as u32;
            assigned += vac[i];
            remainders.push((quota - quota.floor(), i));
        }
        remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in remainders.iter().take((perm_total - assigned) as usize) {
            vac[i] += 1;
        }

        for (i, &u) in leaves.iter().enumerate() {
            let unit = &org.units[u];
            let rng = &mut rngs[i];
            let (usual_rate, training_rate) = constants[i];
            if unit.program != Program::PermCity {
                let v = f64::from(heads[i]) * usual_rate / (1.0 - usual_rate) + 0.7 * rng.normal();
                vac[i] = v.round().max(0.0) as u32;
            }
            let month_factor = match mo {
                1 => 0.4,
                7 | 8 => 0.5,
                _ => 1.0,
            };
            let covid = if y == 2020 && (mo == 4 || mo == 5) {
                0.6
            } else {
                1.0
            };
            let mut hours =
                f64::from(heads[i]) * training_rate * month_factor * covid * rng.range(0.8, 1.2);
            if unit.program == Program::Krasnodar && m == KRASNODAR_COURSE_MONTH {
                hours +=
                    KRASNODAR_COURSE_HOURS * (KRASNODAR_COURSE_SHARE * f64::from(heads[i])).round();
            }
            out.date(days_from_civil(y, mo, 1))
                .raw(unit.id.as_bytes())
                .u64(u64::from(heads[i]))
                .u64(u64::from(vac[i]))
                .tenths((hours * 10.0).round() as u64);
            out.end_row()?;
        }
    }
    out.finish()
}
