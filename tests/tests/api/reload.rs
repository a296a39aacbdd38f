//! Live reload: adding, editing and deleting a KPI file shows in the running server within two
//! seconds, and a broken edit keeps the previous version serving while its error is listed.

use std::time::{Duration, Instant};

use kpi_tests::TestServer;
use serde_json::Value;

const KPI: &str = "-- id: appeal_count
-- title: Appeals received
-- unit: count
-- direction: lower

SELECT a.grp, p.period, count(*) AS value
FROM appeals AS a
JOIN periods AS p ON a.received_at >= p.period AND a.received_at < p.period_end
GROUP BY ALL
";

/// Polls `GET /api/kpis` until `ok` holds; returns how long it took.
async fn until(server: &TestServer, what: &str, ok: impl Fn(&Value) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let (_, list) = server.get_json("/api/kpis").await;
        if ok(&list) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{what} did not show within 2 s: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn kpi<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list["kpis"].as_array()?.iter().find(|k| k["id"] == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_edited_broken_and_deleted_files_show_without_a_restart() {
    let (_dir, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let file = queries.join("appeal_count.sql");
    let values =
        "/api/kpis/appeal_count/values?unit=perm&from=2021-01-01&to=2021-03-31&grain=month";

    std::fs::write(&file, KPI).unwrap();
    let added = until(&server, "the new KPI", |l| kpi(l, "appeal_count").is_some()).await;
    let (status, series) = server.get_json(values).await;
    assert_eq!(status, 200, "{series}");
    let first: Vec<Value> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].clone())
        .collect();
    assert!(
        first.iter().all(|v| v.as_f64().unwrap_or(0.0) > 0.0),
        "{series}"
    );

    std::fs::write(
        &file,
        KPI.replace("Appeals received", "Appeals received, all channels"),
    )
    .unwrap();
    let edited = until(&server, "the edit", |l| {
        kpi(l, "appeal_count").is_some_and(|k| k["title"] == "Appeals received, all channels")
    })
    .await;

    std::fs::write(
        &file,
        KPI.replace("count(*) AS value", "count(*) AS value, no_such_column"),
    )
    .unwrap();
    let broken = until(&server, "the broken edit's error", |l| {
        l["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["file"] == "appeal_count.sql")
    })
    .await;
    let (_, list) = server.get_json("/api/kpis").await;
    let error = list["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == "appeal_count.sql")
        .unwrap()
        .clone();
    assert_eq!(error["line"], 6, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no_such_column"),
        "{error}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("previous version"),
        "{error}"
    );
    assert_eq!(
        kpi(&list, "appeal_count").unwrap()["title"],
        "Appeals received, all channels"
    );
    let (status, series) = server.get_json(values).await;
    assert_eq!(status, 200, "the previous version keeps serving: {series}");

    std::fs::remove_file(&file).unwrap();
    let deleted = until(&server, "the deletion", |l| {
        kpi(l, "appeal_count").is_none()
            && !l["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["file"] == "appeal_count.sql")
    })
    .await;
    let (status, _) = server.get_json(values).await;
    assert_eq!(status, 404);
    println!("reload seen after: added {added:?}, edited {edited:?}, broken {broken:?}, deleted {deleted:?}");
    // Each load went to the audit log.
    let (_, log) = server.get_json("/api/audit?limit=100").await;
    let loads = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "queries_loaded")
        .count();
    assert!(loads >= 5, "{loads} loads audited");
}
