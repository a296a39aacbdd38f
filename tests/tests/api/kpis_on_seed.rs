//! Every KPI file runs on the seed data and gives numbers at every level of the tree.

use chrono::Datelike;
use kpi_tests::TestServer;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kpi_file_loads_and_has_values_for_every_city() {
    let server = TestServer::start(true).await;
    let (status, list) = server.get_json("/api/kpis").await;
    assert_eq!(status, 200);
    assert_eq!(list["errors"], serde_json::json!([]), "broken KPI files");
    let ids: Vec<String> = list["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect();
    for required in [
        "appeal_response_hours_median",
        "appeal_on_time_share",
        "appeal_overdue_open",
        "resident_satisfaction_share",
        "e_service_share",
        "service_cases_per_1000",
        "service_days_median",
        "vacancy_rate",
    ] {
        assert!(ids.iter().any(|i| i == required), "{required} is shipped");
    }
    for id in &ids {
        for unit in [
            "perm-krai",
            "perm",
            "shymkent",
            "mashhad",
            "rasht",
            "krasnodar-krai",
        ] {
            let (status, series) = server
                .get_json(&format!(
                    "/api/kpis/{id}/values?unit={unit}&from=2021-01-01&to=2021-12-31&grain=month"
                ))
                .await;
            assert_eq!(status, 200, "{id} {unit}: {series}");
            let points = series["points"].as_array().unwrap();
            assert_eq!(points.len(), 12, "{id} {unit}");
            let with_value = points.iter().filter(|p| p["value"].is_number()).count();
            assert!(
                with_value >= 10,
                "{id} for {unit} has values in only {with_value} of 12 months"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_total_counts_exactly_its_districts_rows() {
    let server = TestServer::start(true).await;
    let period = "from=2021-01-01&to=2021-12-31";
    let (_, children) = server
        .get_json(&format!(
            "/api/kpis/appeal_overdue_open/children?unit=mashhad&{period}"
        ))
        .await;
    let rows = children["children"].as_array().unwrap();
    assert_eq!(rows.len(), 13, "Mashhad has 13 districts");
    let sum: f64 = rows
        .iter()
        .map(|r| r["value"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(children["total"].as_f64(), Some(sum));
}

/// A board's answer carries an entity tag: asked again with it, the server answers 304 without a
/// body; after an import that changes a number, the same board answers anew with the new number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boards_answer_with_etags_and_show_an_import_at_once() {
    let server = TestServer::start(true).await;
    let admin = &server.admin;
    let path = "/api/boards/overview?unit=perm&from=2021-01-01&to=2021-03-31";
    let ask = |etag: Option<String>| {
        let request = reqwest::Client::new()
            .get(server.url(path))
            .header("cookie", &admin.cookie);
        let request = match etag {
            Some(tag) => request.header("if-none-match", tag),
            None => request,
        };
        async move { request.send().await.expect("request") }
    };
    let overdue = |board: &serde_json::Value| {
        board["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kpi"]["id"] == "appeal_overdue_open")
            .and_then(|t| t["value"].as_f64())
            .expect("the overdue tile has a value")
    };
    let first = ask(None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let before: serde_json::Value = first.json().await.unwrap();
    let again = ask(Some(etag.clone())).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // One more appeal, never answered, past its deadline within the period.
    let file = "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating\n\
                A-test-overdue-1,perm-dzerzhinsky-housing,portal,housing,2021-02-01 09:00:00,,,2021-02-05 09:00:00,\n";
    let (status, body) = server.upload("late.csv", file.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{body}");
    let after = ask(Some(etag.clone())).await;
    assert_eq!(
        after.status(),
        200,
        "the board changed, so the old tag does not hold"
    );
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    let after: serde_json::Value = after.json().await.unwrap();
    assert_eq!(overdue(&after), overdue(&before) + 1.0);
}

/// What each change makes the result cache compute anew, seen through the admin's cache figures
/// on `/api/health`: a check-in nothing (no KPI reads plans, and the plan shows the tick at once);
/// a changed KPI file that KPI's answers only (the board shows its new number at once, and the
/// file's earlier text finds its answers still cached); an import every answer, with the new data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_a_check_in_and_a_kpi_change_each_make_anew_what_they_should() {
    let (_queries_dir, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let admin = &server.admin;
    let board_path = "/api/boards/overview?unit=perm&from=2021-01-01&to=2021-03-31";
    let figures = || async {
        let (_, health) = admin.get_json("/api/health").await;
        serde_json::from_value::<kpi_api::CacheFigures>(health["cache"].clone())
            .expect("an admin sees the cache's figures")
    };
    let board = || async {
        let (status, board) = admin.get_json(board_path).await;
        assert_eq!(status, 200, "{board}");
        board
    };
    let tile = |board: &Value, id: &str| -> f64 {
        board["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kpi"]["id"] == id)
            .and_then(|t| t["value"].as_f64())
            .unwrap_or_else(|| panic!("the {id} tile has a value: {board}"))
    };

    let start = figures().await;
    let first = board().await;
    let whole = figures().await.computed - start.computed;
    assert!(whole > 0);
    assert_eq!(board().await, first);
    let warm = figures().await;
    assert_eq!(
        warm.computed,
        start.computed + whole,
        "asked again: all from the cache"
    );
    let (_, mayor_health) = server
        .demo("mayor.perm")
        .await
        .get_json("/api/health")
        .await;
    assert!(
        mayor_health["cache"].is_null(),
        "only admins see the figures"
    );

    // A check-in: the plan shows it at once; no KPI answer is computed again.
    let head = server.demo("head.shymkent.economy").await;
    let today = chrono::Utc::now().date_naive();
    let monday = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64);
    let (status, plan) = head
        .post_json(
            "/api/plans",
            &json!({
                "unit": "shymkent-economy",
                "title": "Answer residents faster",
                "start": monday,
                "goals": [{ "title": "On-time answers", "kpi": "appeal_on_time_share", "target": 95,
                            "tactics": [{ "title": "Call back", "owner": "head.shymkent.economy", "due": { "kind": "weekly" } }] }],
            }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let id = plan["id"].as_str().unwrap();
    let (status, tick) = head
        .put_json(
            &format!("/api/plans/{id}/checkins/t1/1"),
            &json!({ "done": true, "revision": 0 }),
        )
        .await;
    assert_eq!(status, 200, "{tick}");
    let (_, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    assert_eq!(plan["checkins"][0]["done"], true, "{plan}");
    assert_eq!(board().await, first);
    let after_check_in = figures().await;
    assert_eq!(after_check_in.computed, warm.computed);
    assert_eq!(after_check_in.data_version, warm.data_version);

    // A KPI file changed: its tile shows the new number at once; only its answers are new.
    let file = queries.join("appeal_overdue_open.sql");
    let original = std::fs::read_to_string(&file).unwrap();
    let doubled: String = original
        .lines()
        .filter(|l| !l.starts_with("-- expect:"))
        .map(|l| {
            l.replace(
                "count(a.appeal_id) AS value",
                "count(a.appeal_id) * 2 AS value",
            ) + "\n"
        })
        .collect();
    let loaded = |catalog: u64| async move {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while figures().await.catalog_version == catalog {
            assert!(
                std::time::Instant::now() < deadline,
                "the change was not loaded within 5 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    std::fs::write(&file, doubled).unwrap();
    loaded(warm.catalog_version).await;
    let edited = board().await;
    let one_kpi = figures().await.computed - after_check_in.computed;
    assert!(
        one_kpi > 0 && one_kpi < whole,
        "{one_kpi} of {whole} answers computed anew"
    );
    assert_eq!(
        tile(&edited, "appeal_overdue_open"),
        2.0 * tile(&first, "appeal_overdue_open")
    );
    assert_eq!(
        tile(&edited, "appeal_on_time_share"),
        tile(&first, "appeal_on_time_share")
    );
    let catalog = figures().await.catalog_version;
    std::fs::write(&file, &original).unwrap();
    loaded(catalog).await;
    let before_revert = figures().await.computed;
    assert_eq!(board().await, first, "the earlier text's answers");
    assert_eq!(figures().await.computed, before_revert, "still cached");

    // An import: every answer is computed again, over the new data.
    let file = "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating\n\
                A-test-overdue-2,perm-dzerzhinsky-housing,portal,housing,2021-02-01 09:00:00,,,2021-02-05 09:00:00,\n";
    let (status, body) = server.upload("late.csv", file.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{body}");
    let before_import = figures().await;
    let imported = board().await;
    let after_import = figures().await;
    assert_eq!(after_import.data_version, before_import.data_version);
    assert!(after_import.data_version > warm.data_version);
    assert_eq!(after_import.computed - before_import.computed, whole);
    assert_eq!(
        tile(&imported, "appeal_overdue_open"),
        tile(&first, "appeal_overdue_open") + 1.0
    );
}
