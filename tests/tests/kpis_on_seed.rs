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
