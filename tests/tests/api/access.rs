//! Access through the real HTTP server over the seed data and its demo accounts: sign-in,
//! sessions, CSRF, the rate limit, every role on every endpoint family, jurisdictions in every
//! number, and the analysts' SQL sandbox.

use std::time::{Duration, Instant};

use kpi_backend::seed::DEMO_PASSWORD;
use kpi_backend::Limits;
use kpi_tests::{Session, TestServer};
use serde_json::{json, Value};

const PERIOD: &str = "from=2021-01-01&to=2021-03-31";

fn tile_values(board: &Value) -> Vec<(String, Value)> {
    board["tiles"]
        .as_array()
        .unwrap_or_else(|| panic!("not a board: {board}"))
        .iter()
        .map(|t| {
            (
                t["kpi"]["id"].as_str().unwrap().to_string(),
                t["value"].clone(),
            )
        })
        .collect()
}

/// Who may do what: for each demo role, one allowed and one forbidden request on every endpoint
/// family. `None` as a body means GET.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_is_allowed_its_own_and_refused_the_rest_on_every_endpoint_family() {
    let server = TestServer::start(true).await;
    let appeal_header =
        "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating";
    let mashhad_row = format!("{appeal_header}\nx-m-1,mashhad-district-1,portal,housing,2021-06-01 09:00:00,,,2021-06-11 09:00:00,\n");
    let perm_row = format!("{appeal_header}\nx-p-1,perm-leninsky,portal,housing,2021-06-01 09:00:00,,,2021-06-11 09:00:00,\n");
    struct Case {
        user: &'static str,
        path: String,
        body: Option<Value>,
        status: u16,
    }
    let get = |user: &'static str, path: &str, status: u16| Case {
        user,
        path: path.to_string(),
        body: None,
        status,
    };
    let post = |user: &'static str, path: &str, body: Value, status: u16| Case {
        user,
        path: path.to_string(),
        body: Some(body),
        status,
    };
    let board = |unit: &str| format!("/api/boards/overview?unit={unit}&{PERIOD}");
    let values = |unit: &str| {
        format!("/api/kpis/appeal_on_time_share/values?unit={unit}&{PERIOD}&grain=month")
    };
    let children =
        |unit: &str| format!("/api/kpis/appeal_on_time_share/children?unit={unit}&{PERIOD}");
    let query = |unit: &str| json!({ "sql": "SELECT grp, count(*) AS n FROM appeals GROUP BY grp", "unit": unit, "from": "2021-01-01", "to": "2021-03-31" });
    let new_user = |name: &str| json!({ "name": name, "role": "mayor", "home_unit": "berezniki", "password": "a-long-password" });
    let mut cases = vec![
        // governor of Perm Krai
        get("governor.perm", &board("perm-krai"), 200),
        get("governor.perm", &board("shymkent"), 403),
        get("governor.perm", &values("berezniki"), 200),
        get("governor.perm", &values("mashhad"), 403),
        get("governor.perm", &children("perm-krai"), 200),
        get("governor.perm", &children("krasnodar-krai"), 403),
        post("governor.perm", "/api/query", query("perm"), 403),
        get("governor.perm", "/api/users", 403),
        get("governor.perm", "/api/audit", 403),
        get("governor.perm", "/api/imports", 403),
        // mayor of Perm
        get("mayor.perm", &board("perm"), 200),
        get("mayor.perm", &board("berezniki"), 403),
        get("mayor.perm", &values("perm-leninsky"), 200),
        get("mayor.perm", &values("solikamsk"), 403),
        get("mayor.perm", &children("perm"), 200),
        get("mayor.perm", &children("rasht"), 403),
        post("mayor.perm", "/api/users", new_user("m1"), 403),
        // mayor of Shymkent
        get("mayor.shymkent", &board("shymkent"), 200),
        get("mayor.shymkent", &board("perm"), 403),
        get("mayor.shymkent", &values("shymkent-abay"), 200),
        get("mayor.shymkent", &values("perm"), 403),
        post(
            "mayor.shymkent",
            "/api/users/admin/password",
            json!({ "password": "taken-over-now" }),
            403,
        ),
        // a Shymkent department head
        get("head.shymkent.economy", &board("shymkent-economy"), 200),
        get("head.shymkent.economy", &board("shymkent-housing"), 403),
        get("head.shymkent.economy", &values("shymkent-economy"), 200),
        get("head.shymkent.economy", &values("shymkent-tourism"), 403),
        post(
            "head.shymkent.economy",
            "/api/query",
            query("shymkent-economy"),
            403,
        ),
        // the Mashhad analyst
        get("analyst.mashhad", &board("mashhad"), 200),
        get("analyst.mashhad", &board("rasht"), 403),
        post("analyst.mashhad", "/api/query", query("mashhad"), 200),
        post("analyst.mashhad", "/api/query", query("rasht"), 403),
        get("analyst.mashhad", "/api/imports", 200),
        get("analyst.mashhad", "/api/users", 403),
        get("analyst.mashhad", "/api/audit", 403),
        // the admin
        get("admin", &board("perm"), 200),
        get("admin", &board("mashhad"), 200),
        post("admin", "/api/query", query("shymkent"), 200),
        get("admin", "/api/users", 200),
        post("admin", "/api/users", new_user("mayor.berezniki"), 201),
        post("admin", "/api/users", new_user("mayor.berezniki"), 409),
        post(
            "admin",
            "/api/users",
            json!({ "name": "x", "role": "mayor", "home_unit": "atlantis", "password": "a-long-password" }),
            400,
        ),
        post(
            "admin",
            "/api/users",
            json!({ "name": "y", "role": "mayor", "home_unit": "perm", "password": "short" }),
            400,
        ),
        post(
            "admin",
            "/api/users/mayor.berezniki/password",
            json!({ "password": "another-long-one" }),
            204,
        ),
        post(
            "admin",
            "/api/users/nobody/password",
            json!({ "password": "another-long-one" }),
            404,
        ),
        get("admin", "/api/audit?limit=5", 200),
        get("admin", "/api/audit?limit=0", 400),
    ];
    // Every signed-in role reads the session, its units, the KPI list, the boards, the API description.
    for user in [
        "governor.perm",
        "mayor.perm",
        "mayor.shymkent",
        "head.shymkent.economy",
        "analyst.mashhad",
        "admin",
    ] {
        for path in [
            "/api/session",
            "/api/units",
            "/api/kpis",
            "/api/boards",
            "/api/openapi.json",
        ] {
            cases.push(get(user, path, 200));
        }
    }
    let mut sessions = std::collections::HashMap::new();
    for case in &cases {
        if !sessions.contains_key(case.user) {
            sessions.insert(case.user, server.demo(case.user).await);
        }
        let session = &sessions[case.user];
        let (status, body) = match &case.body {
            None => session.get_json(&case.path).await,
            Some(body) => session.post_json(&case.path, body).await,
        };
        assert_eq!(status, case.status, "{} {}: {body}", case.user, case.path);
        if status == 403 {
            assert_eq!(
                body["code"], "forbidden",
                "{} {}: {body}",
                case.user, case.path
            );
        }
    }
    // Imports: the analyst brings Mashhad rows, never Perm's, never the org tree; a mayor none.
    let analyst = &sessions["analyst.mashhad"];
    let (status, body) = analyst
        .upload("mashhad.csv", mashhad_row.into_bytes())
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = analyst
        .upload("perm.csv", perm_row.clone().into_bytes())
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["message"],
        "perm.csv, line 2, column unit_id: unit 'perm-leninsky' is outside your jurisdiction (mashhad and the units under it)"
    );
    let (status, _) = analyst
        .upload(
            "org.csv",
            b"id,parent_id,kind,name,population\nnew-city,,city,New,1\n".to_vec(),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = sessions["mayor.perm"]
        .upload("perm.csv", perm_row.into_bytes())
        .await;
    assert_eq!(status, 403);
    // Units: each role's list is its own subtree.
    let (_, units) = sessions["mayor.shymkent"].get_json("/api/units").await;
    let ids: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], "shymkent");
    assert!(ids.iter().all(|id| id.starts_with("shymkent")), "{ids:?}");
    let (_, units) = sessions["admin"].get_json("/api/units").await;
    assert!(units.as_array().unwrap().len() > ids.len());
    // The audit log saw the sign-ins, the imports (and the refused one) and the user changes.
    let (_, log) = sessions["admin"].get_json("/api/audit?limit=1000").await;
    let actions: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or("-"),
                e["action"].as_str().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("mayor.perm", "login"),
        ("analyst.mashhad", "import"),
        ("analyst.mashhad", "import_failed"),
        ("analyst.mashhad", "query_run"),
        ("admin", "user_added"),
        ("admin", "password_reset"),
    ] {
        assert!(
            actions.contains(&expected),
            "{expected:?} missing from {actions:?}"
        );
    }
}

/// A user of one district asking for the whole city sees that district's numbers, in every
/// tile, series and comparison, because the rows outside are never read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_total_for_a_district_user_is_that_districts_number() {
    let server = TestServer::start(true).await;
    let (status, body) = server
        .admin
        .post_json(
            "/api/users",
            &json!({ "name": "head.leninsky", "role": "mayor", "home_unit": "perm-leninsky", "password": "leninsky-password" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let district = server.sign_in("head.leninsky", "leninsky-password").await;
    let (_, as_city) = district
        .get_json(&format!("/api/boards/overview?unit=perm&{PERIOD}"))
        .await;
    let (_, as_district) = server
        .get_json(&format!("/api/boards/overview?unit=perm-leninsky&{PERIOD}"))
        .await;
    let (_, whole_city) = server
        .get_json(&format!("/api/boards/overview?unit=perm&{PERIOD}"))
        .await;
    let city = tile_values(&as_city);
    assert_eq!(city, tile_values(&as_district));
    assert!(
        city.iter().filter(|(_, v)| v.is_number()).count() >= 7,
        "{city:?}"
    );
    assert_ne!(
        city,
        tile_values(&whole_city),
        "the whole city differs from one district"
    );
    // The series and the comparison table agree.
    let series = |unit: &str| {
        format!("/api/kpis/appeal_response_hours_median/values?unit={unit}&{PERIOD}&grain=month")
    };
    let (_, a) = district.get_json(&series("perm")).await;
    let (_, b) = server.get_json(&series("perm-leninsky")).await;
    assert_eq!(a["points"], b["points"]);
    let (_, children) = district
        .get_json(&format!(
            "/api/kpis/appeal_on_time_share/children?unit=perm&{PERIOD}"
        ))
        .await;
    let rows = children["children"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        1,
        "only the user's own district is listed: {children}"
    );
    assert_eq!(rows[0]["unit"]["id"], "perm-leninsky");
    assert_eq!(rows[0]["value"], children["total"]);
    // Health counts the district's rows only.
    let (_, health) = district.get_json("/api/health").await;
    let (_, all) = server.get_json("/api/health").await;
    let appeals = |h: &Value| {
        h["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["table"] == "appeals")
            .unwrap()["rows"]
            .as_i64()
            .unwrap()
    };
    assert!(
        appeals(&health) > 0 && appeals(&health) * 10 < appeals(&all),
        "{health} vs {all}"
    );
    // A sibling district is refused.
    let (status, _) = district
        .get_json(&format!(
            "/api/boards/overview?unit=perm-motovilikhinsky&{PERIOD}"
        ))
        .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sessions_csrf_and_the_rate_limit() {
    let server = TestServer::start(true).await;
    let base = server.base.clone();
    // Without a session every API route but health and login answers 401.
    let anonymous = reqwest::Client::new();
    for path in [
        "/api/units",
        "/api/kpis",
        "/api/boards",
        "/api/boards/overview?unit=perm",
        "/api/session",
        "/api/audit",
        "/api/users",
        "/api/openapi.json",
        "/api/imports",
    ] {
        let res = anonymous.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 401, "{path}");
    }
    let res = anonymous
        .get(format!("{base}/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let health: Value = res.json().await.unwrap();
    assert_eq!(health["rows"], json!([]), "no numbers without a session");
    // A wrong password.
    let err = Session::sign_in(&base, "mayor.perm", "wrong-password")
        .await
        .unwrap_err();
    assert_eq!(err.0, 401);
    assert_eq!(err.1["code"], "bad_credentials");
    let err = Session::sign_in(&base, "nobody", "wrong-password")
        .await
        .unwrap_err();
    assert_eq!(
        err.1["code"], "bad_credentials",
        "an unknown name looks the same"
    );
    // The cookie is HttpOnly, SameSite=Strict and expires.
    let res = anonymous
        .post(format!("{base}/api/login"))
        .header("content-type", "application/json")
        .body(json!({ "user": "mayor.perm", "password": DEMO_PASSWORD }).to_string())
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Max-Age=28800"),
        "{cookie}"
    );
    // A sign-in from another site's form (not JSON) or another origin is refused.
    let res = anonymous
        .post(format!("{base}/api/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user=mayor.perm&password=kpiboard-demo")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let res = anonymous
        .post(format!("{base}/api/login"))
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(json!({ "user": "mayor.perm", "password": DEMO_PASSWORD }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // A state-changing request without the CSRF token, or with a wrong one, is refused.
    let admin = server.demo("admin").await;
    for token in [None, Some("0123456789abcdef0123456789abcdef")] {
        let mut req = anonymous
            .post(format!("{base}/api/users"))
            .header("cookie", &admin.cookie)
            .header("content-type", "application/json")
            .body(
                json!({ "name": "csrf.victim", "role": "admin", "password": "a-long-password" })
                    .to_string(),
            );
        if let Some(t) = token {
            req = req.header("x-csrf-token", t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), 403);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "csrf");
    }
    let (_, users) = admin.get_json("/api/users").await;
    assert!(!users.to_string().contains("csrf.victim"));
    // An expired session is 401, though it was answered a moment before.
    let short = TestServer::start_with(
        true,
        Limits {
            session_ttl: Duration::from_secs(2),
            ..Limits::default()
        },
    )
    .await;
    let mayor = short.demo("mayor.perm").await;
    assert_eq!(mayor.get_json("/api/session").await.0, 200);
    assert_eq!(
        mayor.get_json("/api/boards/overview?unit=perm").await.0,
        200
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, body) = mayor.get_json("/api/boards/overview?unit=perm").await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthenticated");
    // Signing out ends the session.
    let governor = server.demo("governor.perm").await;
    let (status, _) = governor.post_json("/api/logout", &json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(governor.get_json("/api/session").await.0, 401);
    // Five wrong passwords for one name, and even the right one waits.
    for _ in 0..5 {
        let err = Session::sign_in(&base, "mayor.shymkent", "guess-guess")
            .await
            .unwrap_err();
        assert_eq!(err.0, 401);
    }
    let res = anonymous
        .post(format!("{base}/api/login"))
        .header("content-type", "application/json")
        .body(json!({ "user": "mayor.shymkent", "password": DEMO_PASSWORD }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Another user is not locked out by it.
    server.demo("head.shymkent.economy").await;
    let (_, log) = admin.get_json("/api/audit?limit=1000").await;
    let failed = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login_failed")
        .count();
    assert!(
        failed >= 7,
        "every failed sign-in is in the audit log: {failed}"
    );
}

/// Each escape an analyst might try, through the real server: a clear 422 refusal, never data
/// and never a 500. The list is the closing note's.
pub const ESCAPES: &[&str] = &[
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('data/kpiboard.duckdb')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    "SELECT * FROM read_json('/etc/hosts')",
    "SELECT * FROM glob('/*')",
    "COPY (SELECT * FROM appeals) TO '/tmp/leak.csv'",
    "COPY appeals FROM '/tmp/x.csv'",
    "ATTACH '/tmp/other.duckdb' AS other",
    "ATTACH ':memory:' AS m",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET memory_limit = '100GB'",
    "RESET ALL",
    "PRAGMA database_list",
    "CALL pragma_version()",
    "EXPORT DATABASE '/tmp/dump'",
    "CREATE TABLE stolen AS SELECT * FROM appeals",
    "CREATE MACRO m() AS 1",
    "INSERT INTO appeals SELECT * FROM appeals",
    "UPDATE staffing SET vacancies = 0",
    "DELETE FROM appeals",
    "DROP TABLE appeals",
    "DETACH main",
    "CHECKPOINT",
    "SELECT 1; DROP TABLE appeals",
    "SELECT 1; SELECT * FROM main.appeals",
    "SELECT * FROM main.appeals",
    "SELECT * FROM memory.main.appeals",
    "SELECT * FROM unit_closure",
    "SELECT * FROM users",
    "SELECT * FROM sessions",
    "SELECT * FROM audit_log",
    "SELECT * FROM imports",
    "SELECT * FROM information_schema.tables",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_tables()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM sqlite_master",
    "SELECT current_setting('home_directory')",
    "SELECT getvariable('x')",
    "SELECT * FROM query('SELECT * FROM main.appeals')",
    "SELECT * FROM query_table('users')",
    "DESCRIBE appeals",
    "SUMMARIZE appeals",
    "SHOW TABLES",
    "WITH users AS (SELECT 1) SELECT * FROM users",
    "SELECT * FROM (WITH unit_closure AS (SELECT 1) SELECT * FROM unit_closure) a, unit_closure b",
    "SELECT * FROM appeals WHERE unit_id IN (SELECT unit_id FROM main.appeals)",
    "SELECT (SELECT count(*) FROM main.staffing)",
    "SELECT * FROM appeals WHERE unit_id = $1",
    "1) AS kpi, (SELECT * FROM main.appeals",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_refuses_every_escape_and_scopes_what_it_allows() {
    let server = TestServer::start(true).await;
    let analyst = server.demo("analyst.mashhad").await;
    let run = |sql: &str| json!({ "sql": sql, "unit": "mashhad", "from": "2021-01-01", "to": "2021-03-31" });
    for sql in ESCAPES {
        let (status, body) = analyst.post_json("/api/query", &run(sql)).await;
        assert_eq!(status, 422, "{sql}: {body}");
        assert_eq!(body["code"], "query_refused", "{sql}: {body}");
        assert!(!body["message"].as_str().unwrap_or_default().is_empty());
    }
    // Nothing was written or dropped: the board still has its numbers.
    let (status, board) = analyst
        .get_json(&format!("/api/boards/overview?unit=mashhad&{PERIOD}"))
        .await;
    assert_eq!(status, 200);
    assert!(tile_values(&board).iter().any(|(_, v)| v.is_number()));
    // What is allowed reads the jurisdiction's rows only, even asked for every unit id.
    let (status, body) = analyst
        .post_json(
            "/api/query",
            &run("SELECT count(*) AS outside FROM appeals WHERE unit_id NOT LIKE 'mashhad%'"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"], json!([[0]]));
    let (_, body) = analyst
        .post_json("/api/query", &run("SELECT DISTINCT grp FROM org_units"))
        .await;
    assert_eq!(body["rows"], json!([["mashhad"]]));
    // The row cap: more rows than the limit come back cut, and say so.
    let (_, body) = analyst
        .post_json("/api/query", &run("SELECT * FROM range(20000)"))
        .await;
    assert_eq!(body["truncated"], true);
    assert_eq!(body["rows"].as_array().unwrap().len(), 10_000);
    // A KPI file that reads a file does not load, and says why and where.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leak.sql"),
        "-- id: leak\n-- title: Leak\n-- unit: count\n-- direction: lower\n\nSELECT grp, period, count(*) AS value\nFROM read_csv('/etc/passwd'), groups, periods\nGROUP BY ALL\n",
    )
    .unwrap();
    let catalog =
        kpi_backend::kpi::load_dir(&server.state.sandbox, dir.path(), Duration::from_secs(5));
    assert!(catalog.kpis.is_empty());
    assert!(
        catalog.errors[0].message.contains("read_csv"),
        "{:?}",
        catalog.errors
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_runaway_query_is_interrupted_at_its_limit_while_others_are_answered() {
    let limits = Limits {
        query_time: Duration::from_secs(3),
        memory: "512MB".to_string(),
        ..Limits::default()
    };
    let server = TestServer::start_with(true, limits).await;
    let analyst = server.demo("analyst.mashhad").await;
    let mayor = server.demo("mayor.perm").await;
    let started = Instant::now();
    let runaway = {
        let analyst = analyst.clone();
        tokio::spawn(async move {
            let r = analyst
                .post_json(
                    "/api/query",
                    &json!({ "sql": "SELECT sum(a.range * b.range) FROM range(10000000) a, range(10000000) b", "unit": "mashhad" }),
                )
                .await;
            (r, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, board) = mayor
        .get_json(&format!("/api/boards/overview?unit=perm&{PERIOD}"))
        .await;
    let answered = started.elapsed();
    assert_eq!(status, 200, "{board}");
    assert!(
        tile_values(&board).iter().all(|(_, v)| v.is_number()),
        "{board}"
    );
    let ((status, body), stopped) = runaway.await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "query_timeout", "{body}");
    assert!(
        stopped < Duration::from_secs(6),
        "stopped after {stopped:?}"
    );
    assert!(
        answered < stopped,
        "the board ({answered:?}) came before the runaway ended ({stopped:?})"
    );
    println!("board answered after {answered:?}; runaway stopped after {stopped:?}");
    // A query that needs more memory than the limit is stopped with its own message.
    let (status, body) = analyst
        .post_json(
            "/api/query",
            &json!({ "sql": "SELECT list(range) FROM range(300000000)", "unit": "mashhad" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "query_memory", "{body}");
    // And the server goes on.
    let (status, _) = analyst.get_json("/api/boards/overview?unit=mashhad").await;
    assert_eq!(status, 200);
}
