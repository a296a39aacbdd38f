//! Measurements of the effects planted in the seed, read back from its files: what the tests
//! assert and what `kpiboard seed --report` prints (the numbers `seeds/README.md` quotes).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::calendar::{days_from_civil, DAY};

pub(crate) const TREATED: [&str; 5] = [
    "shymkent-entrepreneurship",
    "shymkent-economy",
    "shymkent-agriculture",
    "shymkent-industry",
    "shymkent-tourism",
];
pub(crate) const COMPARISON: [&str; 5] = [
    "shymkent-housing",
    "shymkent-construction",
    "shymkent-land",
    "shymkent-architecture",
    "shymkent-transport",
];

/// Calls `f` with the fields of every data row of `path`, after checking the header.
pub(crate) fn rows(path: &Path, header: &str, mut f: impl FnMut(&[&str])) {
    let text = std::fs::read_to_string(path).expect("read csv");
    let mut lines = text.split('\n');
    assert_eq!(lines.next(), Some(header), "{}", path.display());
    let mut fields = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(line.split(','));
        f(&fields);
    }
    assert!(text.ends_with('\n'));
}

/// Seconds since 1970-01-01 of `YYYY-MM-DD HH:MM:SS`; None for an empty field.
pub(crate) fn ts(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    assert_eq!(s.len(), 19, "{s}");
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().expect(s);
    let day = days_from_civil(n(0, 4), n(5, 7) as u32, n(8, 10) as u32);
    Some(day * DAY + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19))
}

pub(crate) fn median(v: &mut [f64]) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub(crate) fn appeal_files(dir: &Path) -> Vec<PathBuf> {
    (2019..=2021)
        .map(|y| dir.join(format!("appeals_{y}.csv")))
        .collect()
}

pub(crate) fn service_files(dir: &Path) -> Vec<PathBuf> {
    (2019..=2021)
        .map(|y| dir.join(format!("service_cases_{y}.csv")))
        .collect()
}

pub(crate) fn for_appeals(dir: &Path, mut f: impl FnMut(&[&str])) {
    for p in appeal_files(dir) {
        rows(&p, crate::events::APPEALS_HEADER, &mut f);
    }
}

pub(crate) fn for_cases(dir: &Path, mut f: impl FnMut(&[&str])) {
    for p in service_files(dir) {
        rows(&p, crate::events::SERVICES_HEADER, &mut f);
    }
}

/// org_units.csv as (id, parent, kind, name, population); the local name is left out.
pub(crate) fn org_units(dir: &Path) -> Vec<(String, String, String, String, String)> {
    let mut out = Vec::new();
    rows(&dir.join("org_units.csv"), crate::ORG_UNITS_HEADER, |f| {
        assert_eq!(f.len(), 6, "{f:?}");
        assert!(!f[5].is_empty(), "every unit has its local name: {f:?}");
        out.push((
            f[0].to_string(),
            f[1].to_string(),
            f[2].to_string(),
            f[3].to_string(),
            f[4].to_string(),
        ));
    });
    out
}

// ---- effect measurements (also printed by the scale-1 report) ----

/// Shymkent: (treated after/before) / (comparison after/before) of median first-response hours.
pub(crate) fn shymkent_ratio(dir: &Path) -> (f64, [usize; 4]) {
    let (r, n, _) = shymkent_medians(dir);
    (r, n)
}

/// [`shymkent_ratio`] with the four medians (treated pre, post, comparison pre, post).
pub(crate) fn shymkent_medians(dir: &Path) -> (f64, [usize; 4], Vec<f64>) {
    let start = days_from_civil(2019, 4, 1) * DAY;
    let mut groups: [Vec<f64>; 4] = Default::default(); // treated pre, post, comparison pre, post
    for_appeals(dir, |f| {
        let g = if TREATED.contains(&f[1]) {
            0
        } else if COMPARISON.contains(&f[1]) {
            2
        } else {
            return;
        };
        let (Some(r), Some(first)) = (ts(f[4]), ts(f[5])) else {
            return;
        };
        let post = usize::from(r >= start);
        groups[g + post].push((first - r) as f64 / 3600.0);
    });
    let sizes = [0, 1, 2, 3].map(|i| groups[i].len());
    let m: Vec<f64> = groups.iter_mut().map(|g| median(g)).collect();
    ((m[1] / m[0]) / (m[3] / m[2]), sizes, m)
}

/// Mashhad: electronic share of service cases submitted in `month` of 2020, (districts 8 and
/// 12, the other eleven).
pub(crate) fn mashhad_shares(dir: &Path, month: u32) -> (f64, f64, u64, u64) {
    let mut c = [[0u64; 2]; 2]; // [pilot][electronic]
    let prefix = format!("2020-{month:02}");
    for_cases(dir, |f| {
        let Some(rest) = f[1].strip_prefix("mashhad-district-") else {
            return;
        };
        if !f[4].starts_with(&prefix) {
            return;
        }
        let n: u32 = rest.split('-').next().unwrap().parse().unwrap();
        let pilot = usize::from(n == 8 || n == 12);
        c[pilot][usize::from(f[3] == "electronic")] += 1;
    });
    let share = |x: [u64; 2]| x[1] as f64 / (x[0] + x[1]).max(1) as f64;
    (
        share(c[1]),
        share(c[0]),
        c[1][0] + c[1][1],
        c[0][0] + c[0][1],
    )
}

pub(crate) fn perm_city_units(dir: &Path) -> BTreeSet<String> {
    let units = org_units(dir);
    let districts: BTreeSet<String> = units
        .iter()
        .filter(|u| u.1 == "perm")
        .map(|u| u.0.clone())
        .collect();
    units
        .into_iter()
        .filter(|u| districts.contains(&u.1))
        .map(|u| u.0)
        .collect()
}

/// Perm city vacancy rate per month ("YYYY-MM-01" -> rate).
pub(crate) fn perm_vacancy(dir: &Path) -> BTreeMap<String, f64> {
    let perm = perm_city_units(dir);
    let mut acc: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    rows(
        &dir.join("staffing.csv"),
        crate::staffing::STAFFING_HEADER,
        |f| {
            if perm.contains(f[1]) {
                let e = acc.entry(f[0].to_string()).or_default();
                e.0 += f[2].parse::<u64>().unwrap();
                e.1 += f[3].parse::<u64>().unwrap();
            }
        },
    );
    acc.into_iter()
        .map(|(m, (h, v))| (m, v as f64 / (h + v) as f64))
        .collect()
}

/// Perm city electronic share of service cases per year.
pub(crate) fn perm_e_share(dir: &Path) -> BTreeMap<String, f64> {
    let perm = perm_city_units(dir);
    let mut acc: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for_cases(dir, |f| {
        if perm.contains(f[1]) {
            let e = acc.entry(f[4][..4].to_string()).or_default();
            e.0 += 1;
            e.1 += u64::from(f[3] == "electronic");
        }
    });
    acc.into_iter()
        .map(|(y, (n, e))| (y, e as f64 / n as f64))
        .collect()
}

pub(crate) const KRASNODAR: [&str; 5] = [
    "timashevsk",
    "belorechensk",
    "krymsk",
    "labinsk",
    "tikhoretsk",
];

/// Krasnodar: feedback-platform share per half-year, and median first-response hours of
/// feedback-platform messages over portal/reception/one-stop ones in the same departments.
pub(crate) fn krasnodar(dir: &Path) -> (BTreeMap<String, f64>, f64) {
    let mut share: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut fp = Vec::new();
    let mut other = Vec::new();
    for_appeals(dir, |f| {
        if !KRASNODAR.iter().any(|c| f[1].starts_with(&format!("{c}-"))) {
            return;
        }
        let half = if &f[4][5..7] <= "06" { "H1" } else { "H2" };
        let e = share.entry(format!("{}-{half}", &f[4][..4])).or_default();
        e.0 += 1;
        let is_fp = f[2] == "feedback_platform";
        e.1 += u64::from(is_fp);
        if let (Some(r), Some(first)) = (ts(f[4]), ts(f[5])) {
            let h = (first - r) as f64 / 3600.0;
            if is_fp {
                fp.push(h);
            } else if ["portal", "reception", "one_stop_centre"].contains(&f[2]) {
                other.push(h);
            }
        }
    });
    let shares = share
        .into_iter()
        .map(|(k, (n, x))| (k, x as f64 / n as f64))
        .collect();
    (shares, median(&mut fp) / median(&mut other))
}

/// The seed's measured effects in `dir` (as generated at `scale`), one line each.
pub fn report(dir: &Path) -> String {
    let mut out = String::new();
    let (ratio, sizes) = shymkent_ratio(dir);
    let _ = writeln!(
        out,
        "shymkent median DiD ratio {ratio:.4} (groups {sizes:?})"
    );
    for m in [3, 6, 9, 12] {
        let (p, r, np, nr) = mashhad_shares(dir, m);
        let _ = writeln!(
            out,
            "mashhad 2020-{m:02}: pilot e-share {p:.3} (n {np}), others {r:.3} (n {nr})"
        );
    }
    let v = perm_vacancy(dir);
    let _ = writeln!(
        out,
        "perm vacancy 2019-01 {:.4}, 2020-06 {:.4}, 2021-12 {:.4}",
        v["2019-01-01"], v["2020-06-01"], v["2021-12-01"]
    );
    let _ = writeln!(out, "perm e-share by year {:?}", perm_e_share(dir));
    let (shares, fp_ratio) = krasnodar(dir);
    let _ = writeln!(
        out,
        "krasnodar fp share {shares:?}; fp/other median first response {fp_ratio:.4}"
    );
    out
}

/// The Shymkent estimate of `count` seeds other than the shipped one at scale 0.2, one line each:
/// the spread of the test statistic the crate tests hold the shipped seed to.
pub fn spread(count: u64) -> std::io::Result<String> {
    let mut out = String::new();
    for k in 0..count {
        let dir = std::env::temp_dir().join(format!("kpi-seeds-spread-{}-{k}", std::process::id()));
        let (_, stats) = crate::generate_with_seed(&dir, 0.2, crate::SEED.wrapping_add(k * 7919))?;
        let (ratio, sizes, m) = shymkent_medians(&dir);
        let _ = writeln!(
            out,
            "seed {k}: ratio {ratio:.4} groups {sizes:?} medians {m:.2?} fallbacks {}",
            stats.fallbacks
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(out)
}
