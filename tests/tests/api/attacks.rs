//! Attacks on "every number is computed only from rows inside the caller's jurisdiction", each
//! through the real server as a demo role, asserting the refusal and that no row, count, path or
//! internal name from outside the caller's reach comes back anywhere in the answer: throwing
//! predicates over every scoped table in ad-hoc queries and KPI previews, functions that read the
//! server, imports that would move another city's rows, check-in files that would rewrite who
//! answered and when, parallel password guesses, junk user names, and queries DuckDB cannot
//! interrupt.

use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use kpi_backend::seed::DEMO_PASSWORD;
use kpi_backend::Limits;
use kpi_tests::{Session, TestServer};
use serde_json::{json, Value};

/// What no answer may hold: the server's own tables, the sandbox's inner names, and paths.
const INTERNAL: &[&str] = &[
    "unit_closure",
    "unit_groups",
    "main.users",
    "sessions",
    "password_hash",
    "snapshot",
    "scopes",
    ".duckdb",
    "staging",
    "/tmp/",
];

/// Texts that only rows outside `home` carry: the ids of units outside it (those with a dash,
/// which no text of the home's own rows contains) and the id prefixes of other cities' appeals
/// and service cases.
fn foreign_markers(server: &TestServer, home: &str) -> Vec<String> {
    let units = server.state.units();
    let inside = |id: &str| {
        let mut at = Some(id.to_string());
        while let Some(u) = at {
            if u == home {
                return true;
            }
            at = units
                .iter()
                .find(|x| x.id == u)
                .and_then(|x| x.parent_id.clone());
        }
        false
    };
    let mut markers = Vec::new();
    for u in units.iter().filter(|u| !inside(&u.id)) {
        if u.id.contains('-') {
            markers.push(u.id.clone());
        }
        if u.kind == kpi_api::UnitKind::City {
            markers.push(format!("A-{}-", u.id));
            markers.push(format!("S-{}-", u.id));
        }
    }
    assert!(markers.len() > 50, "the seed has other cities: {markers:?}");
    markers
}

/// Fails when `body` holds a foreign marker or an internal name that the request (`asked`) did
/// not say itself: an answer may quote the caller's own text back.
fn assert_clean(body: &Value, markers: &[String], asked: &str) {
    let text = body.to_string();
    for m in markers.iter().filter(|m| !asked.contains(m.as_str())) {
        assert!(
            !text.contains(m.as_str()),
            "'{m}' leaked for {asked}: {text}"
        );
    }
    for name in INTERNAL {
        if !asked.contains(name) {
            assert!(!text.contains(name), "'{name}' leaked for {asked}: {text}");
        }
    }
}

fn query(sql: &str, unit: &str) -> Value {
    json!({ "sql": sql, "unit": unit, "from": "2019-01-01", "to": "2021-12-31", "grain": "quarter" })
}

/// A KPI file's text around `select` (which must return grp, period and value).
fn kpi_text(id: &str, select: &str) -> String {
    format!("-- id: {id}\n-- title: Probe\n-- unit: count\n-- direction: lower\n\n{select}\n")
}

/// (table, its unit column, a text of its row that names the row).
const TABLES: &[(&str, &str, &str)] = &[
    (
        "appeals",
        "unit_id",
        "appeal_id || ' ' || unit_id || ' ' || channel",
    ),
    (
        "service_cases",
        "unit_id",
        "case_id || ' ' || unit_id || ' ' || service_code",
    ),
    (
        "staffing",
        "unit_id",
        "unit_id || ' ' || CAST(headcount AS VARCHAR)",
    ),
    (
        "org_units",
        "id",
        "id || ' ' || name || ' ' || CAST(population AS VARCHAR)",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throwing_predicates_see_only_the_callers_rows_in_queries_and_kpi_files() {
    let (_queries, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries).await;
    let analyst = server.demo("analyst.mashhad").await;
    let markers = foreign_markers(&server, "mashhad");
    for (table, unit, row) in TABLES {
        let own = format!("{unit} LIKE 'mashhad%'");
        // Each of these throws on the first row outside Mashhad it meets: they answer only
        // because no such row is ever there to meet, whatever order the optimiser picks.
        for sql in [
            format!("SELECT count(*) AS n FROM {table} WHERE 1 // (CASE WHEN {own} THEN 1 ELSE 0 END) = 1"),
            format!("SELECT count(*) AS n FROM {table} WHERE CAST(CASE WHEN {own} THEN '1' ELSE {row} END AS INTEGER) = 1"),
            format!("SELECT count(*) AS n FROM {table} x JOIN {table} y ON x.{unit} = y.{unit} WHERE 1 / (CASE WHEN y.{own_y} THEN 1 ELSE 0 END) > 0", own_y = own),
        ] {
            let (status, body) = analyst.post_json("/api/query", &query(&sql, "mashhad")).await;
            assert_eq!(status, 200, "{sql}: {body}");
            assert!(body["rows"][0][0].as_i64().unwrap() > 0, "{sql}: {body}");
            assert_clean(&body, &markers, &sql);
        }
        // A predicate that fails on every row fails on one of the caller's own, and says which.
        for sql in [
            format!("SELECT count(*) FROM {table} WHERE CAST({row} AS INTEGER) IS NULL"),
            format!(
                "SELECT count(*) FROM {table} WHERE NOT ({own}) AND CAST({row} AS INTEGER) IS NULL"
            ),
            format!("SELECT count(*) FROM {table} WHERE {own} OR CAST({row} AS INTEGER) = 1"),
        ] {
            let (status, body) = analyst
                .post_json("/api/query", &query(&sql, "mashhad"))
                .await;
            assert!(status == 200 || status == 422, "{sql}: {status} {body}");
            assert_clean(&body, &markers, &sql);
        }
        // error() is not a function analysts may call at all.
        let sql = format!("SELECT count(*) FROM {table} WHERE error({row}) IS NULL");
        let (status, body) = analyst
            .post_json("/api/query", &query(&sql, "mashhad"))
            .await;
        assert_eq!(status, 422, "{sql}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("'error'"),
            "{body}"
        );

        // The same through a KPI file: preview (validation, series and rows) and save.
        for throwing in [
            format!("CAST(CASE WHEN t.{own} THEN '1' ELSE {row} END AS INTEGER) = 1"),
            format!("1 // (CASE WHEN t.{own} THEN 1 ELSE 0 END) = 1"),
        ] {
            let select = format!(
                "SELECT t.grp, p.period, count(*) AS value FROM {table} t JOIN periods p ON true \
                 WHERE {throwing} GROUP BY ALL",
            );
            let text = kpi_text("probe_throwing", &select);
            let (status, body) = analyst
                .post_json("/api/kpis/preview", &json!({ "text": text, "unit": "mashhad", "from": "2021-01-01", "to": "2021-03-31" }))
                .await;
            assert_eq!(status, 200, "{body}");
            assert!(body["error"].is_null(), "{table}: {body}");
            assert!(
                body["points"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["value"].as_f64() > Some(0.0)),
                "{body}"
            );
            assert_clean(&body, &markers, &select);
        }
        let failing = kpi_text(
            "probe_failing",
            &format!("SELECT grp, period, count(*) AS value FROM {table} JOIN periods ON true WHERE CAST({row} AS INTEGER) = 1 GROUP BY ALL"),
        );
        let (status, body) = analyst
            .post_json(
                "/api/kpis/preview",
                &json!({ "text": failing, "unit": "mashhad" }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            !body["error"].is_null(),
            "it fails on Mashhad's own rows: {body}"
        );
        assert_clean(&body, &markers, &failing);
        // Saving validates over empty tables: nothing to fail on, nothing to leak.
        let (status, body) = analyst
            .put_json("/api/kpis/probe_failing", &json!({ "text": failing }))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_clean(&body, &markers, &failing);
        let (_, body) = analyst
            .get_json("/api/kpis/probe_failing/values?unit=mashhad&from=2021-01-01&to=2021-03-31")
            .await;
        assert_clean(&body, &markers, &failing);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_that_read_the_server_plan_or_catalogue_are_refused_by_name() {
    let server = TestServer::start(true).await;
    let analyst = server.demo("analyst.mashhad").await;
    let markers = foreign_markers(&server, "mashhad");
    for (sql, name) in [
        (
            "SELECT json_serialize_plan('SELECT count(*) FROM main.users', optimize := true) AS p",
            "json_serialize_plan",
        ),
        (
            "SELECT json_serialize_sql('SELECT 1') AS p",
            "json_serialize_sql",
        ),
        (
            "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
            "json_execute_serialized_sql",
        ),
        ("SELECT current_query() AS q", "current_query"),
        ("SELECT current_setting('memory_limit')", "current_setting"),
        ("SELECT getvariable('x')", "getvariable"),
        ("SELECT version()", "version"),
        ("SELECT current_catalog", "current_catalog"),
        ("SELECT current_schema()", "current_schema"),
        ("SELECT current_database()", "current_database"),
        ("SELECT user", "user"),
        ("SELECT stats(appeal_id) FROM appeals", "stats"),
        (
            "SELECT count(*) FROM appeals WHERE error(appeal_id || unit_id) IS NULL",
            "error",
        ),
        (
            "SELECT count(*) FROM staffing WHERE error(unit_id) IS NULL",
            "error",
        ),
        ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
        ("SELECT * FROM duckdb_tables()", "duckdb_tables"),
        ("SELECT * FROM duckdb_functions()", "duckdb_functions"),
        (
            "SELECT * FROM pragma_database_size()",
            "pragma_database_size",
        ),
        (
            "SELECT * FROM pragma_storage_info('appeals')",
            "pragma_storage_info",
        ),
        ("SELECT * FROM query('SELECT * FROM main.users')", "query"),
        ("SELECT * FROM query_table('users')", "query_table"),
        ("SELECT * FROM read_text('/etc/passwd')", "read_text"),
        ("SELECT * FROM glob('/*')", "glob"),
        (
            "SELECT * FROM information_schema.tables",
            "information_schema",
        ),
        ("SELECT * FROM unit_closure", "unit_closure"),
        ("EXPLAIN SELECT * FROM appeals", "only one SELECT"),
        ("SELECT * FROM (DESCRIBE appeals)", "DESCRIBE"),
        ("SUMMARIZE appeals", "SUMMARIZE"),
        ("PRAGMA show_tables", "only one SELECT"),
        ("SELECT repeat('x', 1000000000000)", "repeat"),
        ("SELECT len(range(10000000000))", "range"),
        (
            "SELECT list_aggregate([1], 'json_group_array')",
            "list_aggregate",
        ),
        ("SELECT appeal_id.upper() FROM appeals", "appeal_id.upper"),
        ("SELECT CAST(appeal_id AS JSON) FROM appeals", "json"),
    ] {
        let (status, body) = analyst
            .post_json("/api/query", &query(sql, "mashhad"))
            .await;
        assert_eq!(status, 422, "{sql}: {body}");
        assert_eq!(body["code"], "query_refused", "{sql}: {body}");
        let message = body["message"].as_str().unwrap().to_lowercase();
        assert!(message.contains(&name.to_lowercase()), "{sql}: {body}");
        assert_clean(&body, &markers, sql);
        // The same text in a KPI file is refused by its preview, naming the same thing.
        let text = kpi_text("probe_server", sql);
        let (status, body) = analyst
            .post_json(
                "/api/kpis/preview",
                &json!({ "text": text, "unit": "mashhad" }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(!body["error"].is_null(), "{sql}: {body}");
        assert_clean(&body, &markers, sql);
    }
}

/// An appeals, service-case or staffing row as an analyst of Mashhad would write it.
fn export_line(table: &str, key: &str, unit: &str) -> (String, String) {
    match table {
        "appeals" => (
            "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating".to_string(),
            format!("{key},{unit},portal,housing,2021-03-01 09:00:00,2021-03-01 10:00:00,2021-03-02 10:00:00,2021-03-10 09:00:00,5"),
        ),
        "service_cases" => (
            "case_id,unit_id,service_code,channel,submitted_at,completed_at,due_at,outcome".to_string(),
            format!("{key},{unit},building-permit,electronic,2021-03-01 09:00:00,2021-03-02 09:00:00,2021-03-10 09:00:00,granted"),
        ),
        _ => (
            "month,unit_id,headcount,vacancies,training_hours".to_string(),
            format!("{key},{unit},1,99,0"),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysts_import_cannot_move_or_overwrite_another_citys_rows() {
    let server = TestServer::start(true).await;
    let analyst = server.demo("analyst.mashhad").await;
    let markers = foreign_markers(&server, "mashhad");
    let own_unit = server
        .state
        .units()
        .iter()
        .find(|u| u.id.starts_with("mashhad-") && u.kind == kpi_api::UnitKind::Department)
        .unwrap()
        .id
        .clone();
    let admin_rows = |sql: String| {
        let admin = server.admin.clone();
        async move {
            let (status, body) = admin.post_json("/api/query", &query(&sql, "perm")).await;
            assert_eq!(status, 200, "{sql}: {body}");
            body["rows"].clone()
        }
    };
    for (table, key_column) in [("appeals", "appeal_id"), ("service_cases", "case_id")] {
        let before = admin_rows(format!(
            "SELECT {key_column}, unit_id, channel FROM {table} ORDER BY 1 LIMIT 1"
        ))
        .await;
        let (key, unit) = (
            before[0][0].as_str().unwrap(),
            before[0][1].as_str().unwrap(),
        );
        assert!(unit.starts_with("perm-"), "{before}");
        let (header, line) = export_line(table, key, &own_unit);
        let file = format!("{header}\n{line}\n");
        let (status, body) = analyst
            .upload(&format!("{table}_fix.csv"), file.into_bytes())
            .await;
        assert_eq!(status, 403, "{table}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("line 2") && message.contains(key_column),
            "{body}"
        );
        assert!(
            body.get("updated").is_none() && body.get("inserted").is_none(),
            "{body}"
        );
        assert_clean(&body, &markers, key);
        let after = admin_rows(format!(
            "SELECT {key_column}, unit_id, channel FROM {table} WHERE {key_column} = '{key}'"
        ))
        .await;
        assert_eq!(after, json!([before[0]]), "the Perm row is as it was");
        // A new key of its own goes in.
        let (_, line) = export_line(table, &format!("{key}-mashhad-new"), &own_unit);
        let (status, body) = analyst
            .upload(
                &format!("{table}_new.csv"),
                format!("{header}\n{line}\n").into_bytes(),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["inserted"], 1, "{body}");
    }
    // Staffing's key holds the unit: a Perm row cannot be named, and Mashhad's own month is its own.
    let perm_month = admin_rows(
        "SELECT CAST(month AS VARCHAR), unit_id, vacancies FROM staffing ORDER BY 1, 2 LIMIT 1"
            .to_string(),
    )
    .await;
    let (month, perm_unit) = (
        perm_month[0][0].as_str().unwrap(),
        perm_month[0][1].as_str().unwrap(),
    );
    let (header, line) = export_line("staffing", month, perm_unit);
    let (status, body) = analyst
        .upload(
            "staffing_fix.csv",
            format!("{header}\n{line}\n").into_bytes(),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (_, line) = export_line("staffing", month, &own_unit);
    let (status, body) = analyst
        .upload(
            "staffing_own.csv",
            format!("{header}\n{line}\n").into_bytes(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["updated"], 1, "Mashhad's own month: {body}");
    let after = admin_rows(format!(
        "SELECT CAST(month AS VARCHAR), unit_id, vacancies FROM staffing WHERE unit_id = '{perm_unit}' AND month = DATE '{month}'"
    ))
    .await;
    assert_eq!(after, perm_month, "Perm's staffing is as it was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_file_cannot_say_who_answered_or_when_nor_reopen_a_closed_plan() {
    let server = TestServer::start(true).await;
    let head = server.demo("head.shymkent.economy").await;
    let user = "head.shymkent.economy";
    // The seed's plans of 2019-2021 are all closed by now.
    let (_, exported) = head
        .get_text("/api/exports/plan_checkins?unit=shymkent-economy")
        .await;
    let mut lines = exported.lines();
    let header = lines.next().unwrap().to_string();
    let first: Vec<String> = lines
        .find(|l| !l.contains('"'))
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let flipped = {
        let mut row = first.clone();
        row[3] = if row[3] == "true" { "false" } else { "true" }.to_string();
        row[6] = user.to_string();
        row
    };
    let upload = |rows: Vec<Vec<String>>, name: &str| {
        let head = head.clone();
        let text = std::iter::once(header.clone())
            .chain(rows.iter().map(|r| r.join(",")))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        let name = name.to_string();
        async move { head.upload(&name, text.into_bytes()).await }
    };
    let (status, body) = upload(vec![flipped.clone()], "reopen.csv").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("review week is over"),
        "{body}"
    );
    let mut forged = flipped.clone();
    forged[6] = "mayor.shymkent".to_string();
    let (status, body) = upload(vec![forged], "forged.csv").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("checked_by"),
        "{body}"
    );
    let (_, again) = head
        .get_text("/api/exports/plan_checkins?unit=shymkent-economy")
        .await;
    assert_eq!(again, exported, "nothing changed");

    // A plan running now: a file's check-in is recorded as the head's, now, whatever it says.
    let today = Utc::now().date_naive();
    let monday = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64);
    let new = json!({
        "unit": "shymkent-economy", "title": "Now", "start": monday,
        "goals": [{ "title": "On time", "kpi": "appeal_on_time_share", "target": 95,
                    "tactics": [{ "title": "Weekly", "owner": user, "due": { "kind": "weekly" } }] }],
    });
    let (status, plan) = head.post_json("/api/plans", &new).await;
    assert_eq!(status, 201, "{plan}");
    let id = plan["id"].as_str().unwrap().to_string();
    let row = |by: &str, at: &str| {
        vec![
            id.clone(),
            "t1".into(),
            "1".into(),
            "true".into(),
            "".into(),
            "false".into(),
            by.into(),
            at.into(),
        ]
    };
    let (status, body) = upload(
        vec![row("mayor.shymkent", "2019-01-01 10:00:00")],
        "other.csv",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("checked_by"),
        "{body}"
    );
    let (status, body) = upload(vec![row(user, "2019-01-01 10:00:00")], "mine.csv").await;
    assert_eq!(status, 201, "{body}");
    let (_, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    let checkin = &plan["checkins"][0];
    assert_eq!(checkin["by"], user, "{plan}");
    assert!(
        checkin["at"]
            .as_str()
            .unwrap()
            .starts_with(&today.format("%Y-%m-%d").to_string())
            || checkin["at"].as_str().unwrap().starts_with(
                &(today + chrono::Duration::days(1))
                    .format("%Y-%m-%d")
                    .to_string()
            ),
        "stamped now, not in 2019: {checkin}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_wrong_passwords_get_429_past_the_limit() {
    let server = TestServer::start(true).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let base = server.base.clone();
            tokio::spawn(async move {
                Session::sign_in(&base, "mayor.perm", &format!("wrong-{i}"))
                    .await
                    .map(|_| 200)
                    .unwrap_or_else(|(status, _)| status)
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(wrong, 5, "exactly the limit was tried: {statuses:?}");
    assert_eq!(limited, 45, "{statuses:?}");
    // Even the right password waits for the window now.
    let (status, body) = Session::sign_in(&server.base, "mayor.perm", DEMO_PASSWORD)
        .await
        .map(|s| (200, s.info))
        .unwrap_or_else(|e| e);
    assert_eq!(status, 429, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_user_name_is_refused_and_never_stored_whole() {
    let server = TestServer::start(false).await;
    let huge = "x".repeat(250 * 1024);
    let (status, body) = Session::sign_in(&server.base, &huge, "whatever")
        .await
        .unwrap_err();
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "too_large");
    let long = "y".repeat(10 * 1024);
    let (status, _) = Session::sign_in(&server.base, &long, "whatever")
        .await
        .unwrap_err();
    assert_eq!(status, 401);
    let (status, log) = server.get_json("/api/audit?limit=20").await;
    assert_eq!(status, 200, "{log}");
    let entries = log.as_array().unwrap();
    let tried = entries
        .iter()
        .find(|e| e["actor"].as_str().is_some_and(|a| a.starts_with("yyy")))
        .expect("the failure is in the log");
    assert!(
        tried["actor"].as_str().unwrap().chars().count() <= 65,
        "{tried}"
    );
    assert!(
        log.to_string().len() < 20_000,
        "the log holds no junk name whole"
    );
}

/// A seeded server whose queries stop after two seconds.
async fn seeded_with_two_second_queries() -> TestServer {
    let limits = Limits {
        query_time: Duration::from_secs(2),
        ..Limits::default()
    };
    TestServer::start_with(true, limits).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_query_duckdb_cannot_interrupt_stops_alone_while_boards_answer() {
    let server = seeded_with_two_second_queries().await;
    let analyst = server.demo("analyst.mashhad").await;
    let mayor = server.demo("mayor.perm").await;
    // Sorting one list of thirty million numbers is a single call DuckDB never interrupts.
    let uninterruptible = "SELECT list_sort(list(r.range)) IS NULL, list_sort(list(r.range + 1)) IS NULL FROM range(30000000) r";
    let started = Instant::now();
    let runaway = {
        let analyst = analyst.clone();
        tokio::spawn(async move {
            let r = analyst
                .post_json("/api/query", &query(uninterruptible, "mashhad"))
                .await;
            (r, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, board) = mayor.get_json("/api/boards/overview?unit=perm").await;
    let answered = started.elapsed();
    assert_eq!(status, 200, "{board}");
    let ((status, body), stopped) = runaway.await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "query_timeout", "{body}");
    assert!(
        stopped < Duration::from_secs(5),
        "stopped after {stopped:?}"
    );
    assert!(
        answered < stopped,
        "the board ({answered:?}) before the runaway ended ({stopped:?})"
    );
    // A value built past the memory limit fails in its own worker, with its own message.
    let hog = "SELECT length(string_agg(CAST(range AS VARCHAR) || 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', '')) FROM range(40000000)";
    let (status, body) = analyst
        .post_json("/api/query", &query(hog, "mashhad"))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["code"] == "query_memory" || body["code"] == "query_timeout",
        "{body}"
    );
    // The functions that build a value from a number are not there to call.
    for (sql, name) in [
        ("SELECT len(repeat('x', 1000000000000))", "repeat"),
        ("SELECT len(range(10000000000))", "range"),
    ] {
        let (status, body) = analyst
            .post_json("/api/query", &query(sql, "mashhad"))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["message"].as_str().unwrap().contains(name), "{body}");
    }
    // And everyone is answered after.
    let (status, _) = mayor.get_json("/api/boards/overview?unit=perm").await;
    assert_eq!(status, 200);
    let (status, body) = analyst
        .post_json(
            "/api/query",
            &query("SELECT count(*) FROM appeals", "mashhad"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    println!(
        "board answered after {answered:?}; the uninterruptible query stopped after {stopped:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_user_runs_at_most_two_heavy_queries_at_once() {
    let server = seeded_with_two_second_queries().await;
    let analyst = server.demo("analyst.mashhad").await;
    let slow = "SELECT sum(a.range * b.range) FROM range(10000000) a, range(10000000) b";
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let analyst = analyst.clone();
            tokio::spawn(async move {
                analyst
                    .post_json("/api/query", &query(slow, "mashhad"))
                    .await
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        codes.push((
            status,
            body["code"].as_str().unwrap_or_default().to_string(),
        ));
    }
    assert_eq!(
        codes
            .iter()
            .filter(|(s, c)| *s == 429 && c == "too_many_queries")
            .count(),
        1,
        "{codes:?}"
    );
    // Another analyst is not held up by this one's cap.
    let admin = server.admin.clone();
    let (status, body) = admin
        .post_json("/api/query", &query("SELECT 1", "perm"))
        .await;
    assert_eq!(status, 200, "{body}");
}
