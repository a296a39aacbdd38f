//! A tiny hand-made administration for tests, small enough to compute every KPI by hand:
//! region r -> city c -> districts d1 (100 residents), d2 (200) -> one department each.
//! In the week of 2021-03-01, d1-x answers three appeals in 1, 2 and 3 hours, all on time;
//! d2-y answers two in 10 and 20 hours, one of them closed late.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::state::AppState;

pub const ORG_UNITS: &str = "id,parent_id,kind,name,population
r,,region,Region,300
c,r,city,City,300
d1,c,district,District 1,100
d2,c,district,District 2,200
d1-x,d1,department,Department X,
d2-y,d2,department,Department Y,
";

pub const APPEALS: &str = "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating
a1,d1-x,portal,housing,2021-03-01 09:00:00,2021-03-01 10:00:00,2021-03-01 10:00:00,2021-03-03 09:00:00,5
a2,d1-x,phone,roads,2021-03-01 09:00:00,2021-03-01 11:00:00,2021-03-01 11:00:00,2021-03-03 09:00:00,4
a3,d1-x,portal,housing,2021-03-01 09:00:00,2021-03-01 12:00:00,2021-03-01 12:00:00,2021-03-03 09:00:00,
a4,d2-y,reception,social,2021-03-01 09:00:00,2021-03-01 19:00:00,2021-03-01 19:00:00,2021-03-03 09:00:00,2
a5,d2-y,portal,other,2021-03-01 09:00:00,2021-03-02 05:00:00,2021-03-05 09:00:00,2021-03-03 09:00:00,
";

pub const SERVICE_CASES: &str = "case_id,unit_id,service_code,channel,submitted_at,completed_at,due_at,outcome
s1,d1-x,building-permit,electronic,2021-03-01 09:00:00,2021-03-03 09:00:00,2021-03-10 09:00:00,granted
s2,d2-y,building-permit,paper,2021-03-02 09:00:00,,2021-03-10 09:00:00,pending
";

pub const STAFFING: &str = "month,unit_id,headcount,vacancies,training_hours
2021-03-01,d1-x,9,1,12.5
2021-03-01,d2-y,18,2,4
";

/// The repository's own KPI folder.
pub fn queries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../queries")
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path
}

/// An in-memory state with the tiny administration imported and the real KPI files loaded.
pub fn tiny_state() -> (Arc<AppState>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::new(Config {
        database: None,
        lake: None,
        queries: queries_dir(),
        dist: dir.path().join("dist"),
        host: "127.0.0.1".to_string(),
        port: 0,
        limits: crate::config::Limits {
            query_time: std::time::Duration::from_secs(3),
            query_rows: 100,
            ..crate::config::Limits::default()
        },
        today: None,
        sandbox: crate::sandbox::Launch::Thread,
    })
    .expect("state");
    for (name, text) in [
        ("org_units.csv", ORG_UNITS),
        ("appeals.csv", APPEALS),
        ("service_cases.csv", SERVICE_CASES),
        ("staffing.csv", STAFFING),
    ] {
        let path = write(dir.path(), name, text);
        state.import(&path, name).expect("fixture imports");
    }
    state.reload_queries();
    state
        .db
        .with(|c| {
            for (name, role, home) in USERS {
                let new = kpi_api::NewUser {
                    name: name.to_string(),
                    display_name: None,
                    role: *role,
                    home_unit: home.map(str::to_string),
                    password: PASSWORD.to_string(),
                };
                crate::auth::add_user(c, &new, &state.units())?;
            }
            Ok(())
        })
        .expect("test users");
    (state, dir)
}

/// The password of every test user.
pub const PASSWORD: &str = "test-password-1";

/// Test users: an admin, a mayor of the city, the head of district 1, an analyst of district 2.
pub const USERS: &[(&str, kpi_api::UserRole, Option<&str>)] = &[
    ("root", kpi_api::UserRole::Admin, None),
    ("mayor", kpi_api::UserRole::Mayor, Some("c")),
    ("head1", kpi_api::UserRole::DepartmentHead, Some("d1")),
    ("analyst2", kpi_api::UserRole::Analyst, Some("d2")),
];

/// A session for `user`: the cookie header value and the CSRF token.
pub fn session(state: &AppState, user: &str) -> (String, String) {
    let (token, access) = state
        .db
        .with(|c| crate::auth::login(c, user, PASSWORD, std::time::Duration::from_secs(600), None))
        .expect("test login");
    (
        format!("{}={token}", kpi_api::SESSION_COOKIE),
        access.csrf_token,
    )
}

/// The shipped files beside the KPIs that name the seed's units (targets, annotations, evaluation
/// schemes): on a tiny org tree they are reported, as they should be, and tests allow for it.
pub fn names_seed_units(file: &str) -> bool {
    [crate::targets::FILE, crate::annotations::FILE].contains(&file)
        || file.starts_with(&format!("{}/", crate::evaluations::DIR))
}
