//! Every KPI file runs on the seed data and gives numbers at every level of the tree.

use kpi_tests::TestServer;

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
