//! Crate tests: determinism, file formats, invariants, and recovery of the planted effects.
//! Most read one scale-0.2 data set generated once per test binary.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::calendar::{days_from_civil, Calendar, Country, DAY};
use crate::measure::*;
use crate::{generate, generate_with_seed, Stats, Summary, SEED};

/// A fresh directory under the system temp dir (old ones of this crate are swept after a day).
fn temp_dir(name: &str) -> PathBuf {
    let root = std::env::temp_dir();
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > Duration::from_secs(24 * 3600));
            if old
                && e.file_name()
                    .to_string_lossy()
                    .starts_with("kpi-seeds-test-")
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = root.join(format!("kpi-seeds-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

struct Shared {
    dir: PathBuf,
    summary: Summary,
    stats: Stats,
}

/// The scale-0.2 data set shared by the tests.
fn shared() -> &'static Shared {
    static S: OnceLock<Shared> = OnceLock::new();
    S.get_or_init(|| {
        let dir = temp_dir("shared-0.2");
        let (summary, stats) = generate_with_seed(&dir, 0.2, SEED).expect("generate");
        Shared {
            dir,
            summary,
            stats,
        }
    })
}

// ---- tests ----

#[test]
fn the_same_scale_gives_byte_identical_files() {
    let a = temp_dir("det-a");
    let b = temp_dir("det-b");
    let sa = generate(&a, 0.02).unwrap();
    let sb = generate(&b, 0.02).unwrap();
    assert_eq!(sa.appeals, sb.appeals);
    assert_eq!(sa.service_cases, sb.service_cases);
    assert_eq!(sa.files.len(), 10);
    for (fa, fb) in sa.files.iter().zip(&sb.files) {
        assert_eq!(fa.file_name(), fb.file_name());
        let (ba, bb) = (std::fs::read(fa).unwrap(), std::fs::read(fb).unwrap());
        assert!(ba == bb, "{} differs", fa.display());
    }
    // Regenerating into the same directory overwrites it with the same bytes.
    let again = generate(&a, 0.02).unwrap();
    assert_eq!(again, sa);
    assert_eq!(
        std::fs::read(a.join("appeals_2020.csv")).unwrap(),
        std::fs::read(b.join("appeals_2020.csv")).unwrap()
    );
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn a_different_seed_gives_different_rows_of_the_same_shape() {
    let a = temp_dir("seed-a");
    let (s, _) = generate_with_seed(&a, 0.01, SEED ^ 1).unwrap();
    let b = temp_dir("seed-b");
    let t = generate(&b, 0.01).unwrap();
    assert_ne!(
        std::fs::read(a.join("appeals_2019.csv")).unwrap(),
        std::fs::read(b.join("appeals_2019.csv")).unwrap()
    );
    let ratio = s.appeals as f64 / t.appeals as f64;
    assert!((ratio - 1.0).abs() < 0.05, "{ratio}");
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn csv_headers_are_exact_and_files_are_listed() {
    let s = shared();
    let names: Vec<String> = s
        .summary
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "org_units.csv",
            "appeals_2019.csv",
            "appeals_2020.csv",
            "appeals_2021.csv",
            "service_cases_2019.csv",
            "service_cases_2020.csv",
            "service_cases_2021.csv",
            "staffing.csv",
            "plans.csv",
            "plan_checkins.csv"
        ]
    );
    let first_line = |name: &str| {
        let text = std::fs::read_to_string(s.dir.join(name)).unwrap();
        text.lines().next().unwrap().to_string()
    };
    assert_eq!(
        first_line("org_units.csv"),
        "id,parent_id,kind,name,population,local_name"
    );
    for y in 2019..=2021 {
        assert_eq!(
            first_line(&format!("appeals_{y}.csv")),
            "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating,employee"
        );
        assert_eq!(
            first_line(&format!("service_cases_{y}.csv")),
            "case_id,unit_id,service_code,channel,submitted_at,completed_at,due_at,outcome"
        );
    }
    assert_eq!(
        first_line("staffing.csv"),
        "month,unit_id,headcount,vacancies,training_hours"
    );
    assert_eq!(
        first_line("plans.csv"),
        kpi_api::plan::PLAN_FILE_COLUMNS.join(",")
    );
    assert_eq!(
        first_line("plan_checkins.csv"),
        kpi_api::plan::CHECKIN_FILE_COLUMNS.join(",")
    );
    // No temporary files are left behind.
    for e in std::fs::read_dir(&s.dir).unwrap().flatten() {
        assert!(!e.file_name().to_string_lossy().ends_with(".tmp"));
    }
}

#[test]
fn the_org_tree_has_the_required_ids_with_parents_before_children() {
    let units = org_units(&shared().dir);
    let mut seen: HashMap<String, String> = HashMap::new();
    for (id, parent, kind, _name, pop) in &units {
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id}"
        );
        assert!(!seen.contains_key(id), "duplicate {id}");
        if !parent.is_empty() {
            assert!(
                seen.contains_key(parent),
                "{id}: parent {parent} not before it"
            );
            if kind == "department" {
                assert!(id.starts_with(&format!("{parent}-")), "{id}");
            }
        }
        match kind.as_str() {
            "department" => assert!(pop.is_empty(), "{id}"),
            "region" | "city" | "district" => {
                assert!(pop.parse::<u64>().unwrap() > 10_000, "{id}")
            }
            k => panic!("kind {k}"),
        }
        seen.insert(id.clone(), kind.clone());
    }
    let mut required: Vec<(String, &str)> = [
        ("perm-krai", "region"),
        ("perm", "city"),
        ("berezniki", "city"),
        ("solikamsk", "city"),
        ("shymkent", "city"),
        ("razavi-khorasan", "region"),
        ("mashhad", "city"),
        ("gilan", "region"),
        ("rasht", "city"),
        ("krasnodar-krai", "region"),
        ("perm-leninsky-housing", "department"),
    ]
    .into_iter()
    .map(|(id, kind)| (id.to_string(), kind))
    .collect();
    for d in [
        "dzerzhinsky",
        "industrialny",
        "kirovsky",
        "leninsky",
        "motovilikhinsky",
        "ordzhonikidzevsky",
        "sverdlovsky",
    ] {
        required.push((format!("perm-{d}"), "district"));
    }
    for d in ["abay", "al-farabi", "enbekshi", "karatau", "turan"] {
        required.push((format!("shymkent-{d}"), "district"));
    }
    for n in 1..=13 {
        required.push((format!("mashhad-district-{n}"), "district"));
    }
    for n in 1..=5 {
        required.push((format!("rasht-district-{n}"), "district"));
    }
    for c in KRASNODAR {
        required.push((c.to_string(), "city"));
    }
    for d in TREATED.iter().chain(&COMPARISON) {
        required.push((d.to_string(), "department"));
    }
    for (id, kind) in &required {
        assert_eq!(seen.get(id).map(String::as_str), Some(*kind), "{id}");
    }
    let parent_of: HashMap<&str, &str> =
        units.iter().map(|u| (u.0.as_str(), u.1.as_str())).collect();
    assert_eq!(parent_of["shymkent"], "");
    for d in TREATED.iter().chain(&COMPARISON) {
        assert_eq!(parent_of[d], "shymkent");
    }
    // Districts add up to their city; every district and small city has 3-5 departments.
    let mut sums: HashMap<&str, u64> = HashMap::new();
    let mut depts: HashMap<&str, usize> = HashMap::new();
    for u in &units {
        if u.2 == "district" {
            *sums.entry(u.1.as_str()).or_default() += u.4.parse::<u64>().unwrap();
        }
        if u.2 == "department" {
            *depts.entry(u.1.as_str()).or_default() += 1;
        }
    }
    for u in &units {
        if let Some(s) = sums.get(u.0.as_str()) {
            assert_eq!(*s, u.4.parse::<u64>().unwrap(), "{}", u.0);
        }
        if u.2 == "district" || (u.2 == "city" && !sums.contains_key(u.0.as_str())) {
            let n = depts[u.0.as_str()];
            assert!((3..=5).contains(&n), "{}: {n} departments", u.0);
        }
    }
}

#[test]
fn every_appeal_belongs_to_a_leaf_department_and_its_timestamps_are_ordered() {
    let s = shared();
    let units = org_units(&s.dir);
    let leaves: BTreeSet<&str> = units
        .iter()
        .filter(|u| u.2 == "department")
        .map(|u| u.0.as_str())
        .collect();
    let parents: BTreeSet<&str> = units.iter().map(|u| u.1.as_str()).collect();
    assert!(leaves.iter().all(|l| !parents.contains(l)));
    // What the importer accepts is what the generator may write.
    let channels = kpi_api::vocab::APPEAL_CHANNELS;
    let categories = kpi_api::vocab::APPEAL_CATEGORIES;
    let end = days_from_civil(2021, 12, 31) * DAY + DAY - 1;
    let mut ids = HashMap::new();
    let mut staff: HashMap<String, BTreeSet<String>> = HashMap::new();
    let (mut n, mut rated, mut closed, mut open_overdue) = (0u64, 0u64, 0u64, 0u64);
    for (i, p) in appeal_files(&s.dir).iter().enumerate() {
        let year = 2019 + i as i64;
        let mut last_received = 0;
        rows(p, crate::events::APPEALS_HEADER, |f| {
            assert_eq!(f.len(), 10, "{f:?}");
            n += 1;
            assert!(ids.insert(f[0].to_string(), ()).is_none(), "dup {}", f[0]);
            assert!(leaves.contains(f[1]), "{} is not a leaf", f[1]);
            assert!(
                channels.contains(&f[2]) && categories.contains(&f[3]),
                "{f:?}"
            );
            let r = ts(f[4]).unwrap();
            assert!(r >= last_received, "file not sorted by received_at");
            last_received = r;
            assert_eq!(f[4][..4].parse::<i64>().unwrap(), year);
            let first = ts(f[5]);
            let close = ts(f[6]);
            let due = ts(f[7]).unwrap();
            assert!(due > r);
            if let Some(t) = first {
                assert!(t >= r && t <= end, "{f:?}");
            }
            // Who answered: named exactly when there is an answer, from the department's staff.
            assert_eq!(first.is_some(), !f[9].is_empty(), "{f:?}");
            if !f[9].is_empty() {
                staff
                    .entry(f[1].to_string())
                    .or_default()
                    .insert(f[9].to_string());
            }
            match close {
                Some(c) => {
                    closed += 1;
                    assert!(c >= first.expect("closed implies answered") && c <= end);
                }
                None => {
                    if due < end {
                        open_overdue += 1;
                    }
                }
            }
            if !f[8].is_empty() {
                rated += 1;
                assert!(close.is_some());
                assert!((1..=5).contains(&f[8].parse::<u8>().unwrap()));
            }
        });
    }
    assert_eq!(n, s.summary.appeals);
    for (unit, names) in &staff {
        assert!((1..=6).contains(&names.len()), "{unit}: {names:?}");
    }
    let rated_share = rated as f64 / closed as f64;
    assert!((rated_share - 0.4).abs() < 0.02, "{rated_share}");
    assert!(open_overdue > 0);
}

#[test]
fn answers_are_given_in_office_hours_on_working_days() {
    let s = shared();
    let cals: HashMap<&str, Calendar> = [
        ("perm", Country::Russia),
        ("shymkent", Country::Kazakhstan),
        ("mashhad", Country::Iran),
    ]
    .into_iter()
    .map(|(c, k)| (c, Calendar::new(k)))
    .collect();
    let (mut answered, mut fallbacks_like) = (0u64, 0u64);
    for_appeals(&s.dir, |f| {
        let city = ["perm", "shymkent", "mashhad"]
            .into_iter()
            .find(|c| f[1].starts_with(&format!("{c}-")));
        let Some(city) = city else { return };
        let cal = &cals[city];
        for (i, t) in [ts(f[5]), ts(f[6])].into_iter().enumerate() {
            let Some(t) = t else { continue };
            answered += 1;
            assert!(cal.is_working(t.div_euclid(DAY)), "{f:?}");
            if i == 1 && f[6] != f[5] {
                assert!(cal.answerable(t), "{f:?}");
            }
            let sod = t.rem_euclid(DAY);
            if sod < cal.hours().0 + 90 * 60 {
                fallbacks_like += 1;
            }
        }
    });
    assert!(answered > 10_000);
    // Most answers are not squeezed into the first office hour.
    assert!((fallbacks_like as f64) < 0.35 * answered as f64);
    let share = s.stats.fallbacks as f64 / s.summary.appeals as f64;
    assert!(share < 0.02, "fallback share {share}");
}

#[test]
fn service_cases_are_well_formed() {
    let s = shared();
    let units = org_units(&s.dir);
    let leaves: BTreeSet<&str> = units
        .iter()
        .filter(|u| u.2 == "department")
        .map(|u| u.0.as_str())
        .collect();
    let mut n = 0;
    let mut by_channel: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut pending = 0;
    for_cases(&s.dir, |f| {
        assert_eq!(f.len(), 8);
        n += 1;
        assert!(leaves.contains(f[1]), "{}", f[1]);
        assert!(crate::org::SERVICES.contains(&f[2]), "{}", f[2]);
        let sub = ts(f[4]).unwrap();
        let due = ts(f[6]).unwrap();
        assert!(due > sub);
        match (ts(f[5]), f[7]) {
            (Some(c), "granted" | "refused" | "withdrawn") => {
                assert!(c >= sub);
                by_channel
                    .entry(f[3].to_string())
                    .or_default()
                    .push((c - sub) as f64 / DAY as f64);
            }
            (None, "pending") => pending += 1,
            other => panic!("{other:?} in {f:?}"),
        }
    });
    assert_eq!(n, s.summary.service_cases);
    assert!(pending > 0);
    let mut med: BTreeMap<String, f64> = BTreeMap::new();
    for (k, mut v) in by_channel {
        med.insert(k, median(&mut v));
    }
    assert_eq!(med.len(), 3);
    assert!(med["electronic"] < med["one_stop_centre"] && med["one_stop_centre"] < med["paper"]);
    assert!((2.0..5.0).contains(&med["electronic"]), "{med:?}");
    assert!((5.0..10.0).contains(&med["one_stop_centre"]), "{med:?}");
    assert!((9.0..16.0).contains(&med["paper"]), "{med:?}");
}

#[test]
fn staffing_has_one_row_per_department_and_month() {
    let s = shared();
    let leaves = org_units(&s.dir)
        .into_iter()
        .filter(|u| u.2 == "department")
        .count();
    let mut n = 0;
    let mut keys = BTreeSet::new();
    rows(
        &s.dir.join("staffing.csv"),
        crate::staffing::STAFFING_HEADER,
        |f| {
            n += 1;
            assert!(f[0].ends_with("-01") && f[0].len() == 10);
            assert!(keys.insert((f[0].to_string(), f[1].to_string())));
            f[2].parse::<u64>().unwrap();
            f[3].parse::<u64>().unwrap();
            let (int, dec) = f[4].split_once('.').unwrap_or((f[4], "0"));
            int.parse::<u64>().unwrap();
            assert!(dec.len() <= 1);
        },
    );
    assert_eq!(n, leaves * 36);
    assert_eq!(n as u64, s.summary.staffing_rows);
    assert_eq!(keys.first().unwrap().0, "2019-01-01");
    assert_eq!(keys.last().unwrap().0, "2021-12-01");
}

#[test]
fn appeal_volume_is_about_one_million_per_unit_of_scale() {
    let per_scale = shared().summary.appeals as f64 / 0.2;
    assert!((950_000.0..1_050_000.0).contains(&per_scale), "{per_scale}");
}

#[test]
fn shymkent_open_space_answers_twenty_percent_faster() {
    let (ratio, sizes) = shymkent_ratio(&shared().dir);
    assert!(sizes.iter().all(|&n| n > 200), "{sizes:?}");
    assert!(
        (ratio - 0.8).abs() < 0.05,
        "ratio {ratio}, groups {sizes:?}"
    );
}

#[test]
fn mashhad_districts_8_and_12_go_electronic_first() {
    let dir = &shared().dir;
    let (pilot, rest, np, nr) = mashhad_shares(dir, 6);
    assert!(np > 30 && nr > 300, "{np} {nr}");
    assert!(pilot > rest + 0.35, "June 2020: pilot {pilot}, rest {rest}");
    assert!((pilot - 0.75).abs() < 0.12 && (rest - 0.15).abs() < 0.05);
    // Before the pilot both are at ~15%; after the roll-out both at ~75%.
    let (p1, r1, _, _) = mashhad_shares(dir, 2);
    assert!((p1 - r1).abs() < 0.15, "{p1} {r1}");
    let (p2, r2, _, _) = mashhad_shares(dir, 12);
    assert!((p2 - r2).abs() < 0.15 && r2 > 0.65, "{p2} {r2}");
}

#[test]
fn perm_cuts_vacant_posts_while_its_electronic_share_grows() {
    let dir = &shared().dir;
    let v = perm_vacancy(dir);
    assert!((v["2019-01-01"] - 0.12).abs() < 0.002, "{v:?}");
    assert!((v["2021-12-01"] - 0.04).abs() < 0.002, "{v:?}");
    let e = perm_e_share(dir);
    assert!((e["2019"] - 0.40).abs() < 0.03, "{e:?}");
    assert!((e["2021"] - 0.60).abs() < 0.03, "{e:?}");
}

#[test]
fn krasnodar_feedback_platform_grows_and_answers_faster() {
    let (shares, ratio) = krasnodar(&shared().dir);
    assert!(shares["2019-H2"] < 0.07, "{shares:?}");
    assert!(shares["2021-H2"] > 0.35, "{shares:?}");
    assert!(shares["2020-H2"] > shares["2020-H1"]);
    assert!((ratio - 0.35).abs() < 0.06, "fp / other median {ratio}");
}

#[test]
fn a_negative_scale_is_refused_and_zero_writes_headers_only() {
    assert!(generate(&temp_dir("neg"), -1.0).is_err());
    assert!(generate(&temp_dir("nan"), f64::NAN).is_err());
    let dir = temp_dir("zero");
    let s = generate(&dir, 0.0).unwrap();
    assert_eq!((s.appeals, s.service_cases), (0, 0));
    assert!(s.staffing_rows > 0 && s.units > 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads a CSV file written by the generator into header-keyed records.
fn records(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn the_open_space_departments_run_12_week_plans_that_improve_over_the_first_cycles() {
    use chrono::{Datelike, NaiveDate, NaiveDateTime};
    use kpi_api::plan::{parse_schedule, scores, week_of, CheckIn, Tactic, TacticVersion};

    let s = shared();
    let first = NaiveDate::from_ymd_opt(2019, 4, 1).unwrap();
    // plan id -> (unit, start, tactics by id, in the file's order)
    let mut plans: BTreeMap<String, (String, NaiveDate, Vec<Tactic>)> = BTreeMap::new();
    let mut changed = 0;
    for r in records(&s.dir.join("plans.csv")) {
        let start: NaiveDate = r["start"].parse().unwrap();
        let plan = plans
            .entry(r["plan_id"].clone())
            .or_insert_with(|| (r["unit_id"].clone(), start, Vec::new()));
        let version = TacticVersion {
            from_week: r["from_week"].parse().unwrap(),
            due: parse_schedule(&r["due"]).unwrap(),
        };
        if version.from_week > 1 {
            changed += 1;
        }
        match plan.2.iter_mut().find(|t| t.id == r["tactic_id"]) {
            Some(t) => t.versions.push(version),
            None => plan.2.push(Tactic {
                id: r["tactic_id"].clone(),
                title: r["tactic_title"].clone(),
                owner: r["tactic_owner"].clone(),
                versions: vec![version],
            }),
        }
    }
    // Five departments, one plan each per 13-week cycle from 2019-04-01 to the end of 2021.
    assert_eq!(plans.len() as u64, s.summary.plans);
    assert_eq!(plans.len(), 5 * 11);
    for (id, (unit, start, tactics)) in &plans {
        assert!(TREATED.contains(&unit.as_str()), "{id}: {unit}");
        assert_eq!(start.weekday(), chrono::Weekday::Mon);
        assert_eq!((*start - first).num_days() % 91, 0, "{id}");
        assert!(tactics.len() >= 4, "{id}");
    }
    assert!(changed >= 5, "some plans change while they run: {changed}");

    let mut answers: BTreeMap<String, Vec<CheckIn>> = BTreeMap::new();
    let (mut late, mut all) = (0, 0);
    for r in records(&s.dir.join("plan_checkins.csv")) {
        let (_, start, tactics) = &plans[&r["plan_id"]];
        let week: u32 = r["week"].parse().unwrap();
        let tactic = tactics.iter().find(|t| t.id == r["tactic_id"]).unwrap();
        assert!(tactic.due_in(week), "{r:?}");
        let at = NaiveDateTime::parse_from_str(&r["checked_at"], "%Y-%m-%d %H:%M:%S").unwrap();
        let given = week_of(*start, at.date()).expect("given by the end of the review week");
        assert!(given >= week, "{r:?}");
        assert_eq!(r["late"] == "true", given > week, "{r:?}");
        late += usize::from(given > week);
        all += 1;
        answers
            .entry(r["plan_id"].clone())
            .or_default()
            .push(CheckIn {
                tactic: r["tactic_id"].clone(),
                week,
                done: r["done"] == "true",
                note: None,
                late: given > week,
            });
    }
    assert_eq!(all as u64, s.summary.plan_checkins);
    let late_share = late as f64 / all as f64;
    assert!((0.08..0.25).contains(&late_share), "{late_share}");
    // The final cumulative score of each cycle, averaged over the departments.
    let mut by_cycle: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for (id, (_, start, tactics)) in &plans {
        let final_score = scores(tactics, &answers[id])
            .last()
            .unwrap()
            .cumulative
            .unwrap();
        by_cycle
            .entry((*start - first).num_days() / 91)
            .or_default()
            .push(final_score);
    }
    let mean = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let first_cycle = mean(&by_cycle[&0]);
    let settled: Vec<f64> = by_cycle.range(3..).flat_map(|(_, v)| v.clone()).collect();
    let settled = mean(&settled);
    assert!(
        first_cycle < 0.80,
        "the first cycle is below the benchmark: {first_cycle}"
    );
    assert!(
        (0.75..0.92).contains(&settled),
        "later cycles come near the benchmark: {settled}"
    );
}
