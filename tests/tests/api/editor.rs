//! The KPI editor's server side through the real server: preview (good, broken, refused,
//! cancelled), save (to the file and onto a board), and the KPI passport.

use std::time::{Duration, Instant};

use kpi_backend::seed::DEMO_PASSWORD;
use kpi_tests::TestServer;
use serde_json::{json, Value};

const PORTAL: &str = "-- id: appeal_portal_count
-- title: Appeals through the portal
-- unit: count
-- direction: higher
-- owner: Digital office
-- source: appeals registry

SELECT a.grp, p.period, count(*) AS value
FROM appeals AS a
JOIN periods AS p ON a.received_at >= p.period AND a.received_at < p.period_end
WHERE a.channel = 'portal'
GROUP BY ALL
";

fn preview(text: &str) -> Value {
    json!({ "text": text, "unit": "mashhad", "from": "2021-01-01", "to": "2021-03-31", "grain": "month", "run_id": "r-1" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn preview_cancel_save_and_passport() {
    let (_dir, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let analyst = server.sign_in("analyst.mashhad", DEMO_PASSWORD).await;
    let mayor = server.sign_in("mayor.perm", DEMO_PASSWORD).await;

    // A good text: its series and its first rows.
    let (status, body) = analyst
        .post_json("/api/kpis/preview", &preview(PORTAL))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error"], Value::Null, "{body}");
    assert_eq!(body["def"]["id"], "appeal_portal_count");
    let points = body["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    assert!(
        points
            .iter()
            .all(|p| p["value"].as_f64().unwrap_or(0.0) > 0.0),
        "{body}"
    );
    assert_eq!(body["rows"]["columns"], json!(["grp", "period", "value"]));
    assert_eq!(body["rows"]["rows"][0][0], "mashhad");
    // A broken text: the error at the text's own line.
    let broken = PORTAL.replace("WHERE a.channel", "WHERE a.chanel");
    let (status, body) = analyst
        .post_json("/api/kpis/preview", &preview(&broken))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error"]["line"], 11, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("chanel"),
        "{body}"
    );
    // A text that reads a file is refused, pointed at the file.
    let leak = PORTAL.replace("FROM appeals AS a", "FROM read_csv('/etc/passwd') AS a");
    let (_, body) = analyst
        .post_json("/api/kpis/preview", &preview(&leak))
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read_csv"),
        "{body}"
    );
    // Not for a mayor.
    let (status, _) = mayor.post_json("/api/kpis/preview", &preview(PORTAL)).await;
    assert_eq!(status, 403);

    // A long preview is cancelled by its sender.
    let runaway = PORTAL.replace(
        "WHERE a.channel = 'portal'",
        "CROSS JOIN range(100000) r1 CROSS JOIN range(100000) r2",
    );
    let started = Instant::now();
    let task = {
        let analyst = analyst.clone();
        tokio::spawn(async move {
            analyst
                .post_json("/api/kpis/preview", &preview(&runaway))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) = mayor
        .post_json("/api/query/cancel", &json!({ "run_id": "r-1" }))
        .await;
    assert_eq!(status, 404, "another user cannot cancel it: {body}");
    let (status, body) = analyst
        .post_json("/api/query/cancel", &json!({ "run_id": "r-1" }))
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = task.await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "query_cancelled");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancelled after {:?}",
        started.elapsed()
    );

    // Save: the file is written, loaded, put on the board, and the board shows its tile.
    let (status, body) = analyst
        .post_json("/api/kpis/preview", &preview(PORTAL))
        .await;
    assert_eq!(status, 200, "{body}");
    let put = |text: &str, id: &str, board: Option<&str>| {
        let analyst = analyst.clone();
        let body = json!({ "text": text, "board": board });
        let path = format!("/api/kpis/{id}");
        async move { analyst.put_json(&path, &body).await }
    };
    let (status, body) = put(&broken, "appeal_portal_count", None).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid_kpi");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("appeal_portal_count.sql, line 11"),
        "{body}"
    );
    assert!(
        !queries.join("appeal_portal_count.sql").exists(),
        "nothing written"
    );
    let (status, _) = put(PORTAL, "other_id", None).await;
    assert_eq!(status, 400);
    let (status, body) = put(PORTAL, "appeal_portal_count", Some("overview")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        std::fs::read_to_string(queries.join("appeal_portal_count.sql")).unwrap(),
        PORTAL
    );
    let (_, board) = analyst
        .get_json("/api/boards/overview?unit=mashhad&from=2021-01-01&to=2021-03-31")
        .await;
    let tile = board["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"]["id"] == "appeal_portal_count")
        .unwrap_or_else(|| panic!("the saved KPI is on the board: {board}"));
    assert!(tile["value"].as_f64().unwrap() > 0.0, "{tile}");

    // The passport.
    let (status, passport) = analyst.get_json("/api/kpis/appeal_portal_count").await;
    assert_eq!(status, 200, "{passport}");
    assert_eq!(passport["text"], PORTAL);
    assert_eq!(passport["def"]["owner"], "Digital office");
    assert_eq!(passport["tables"], json!(["appeals", "periods"]));
    assert!(
        passport["freshest"]
            .as_str()
            .unwrap()
            .starts_with("2021-12-31"),
        "{passport}"
    );
    assert!(passport["boards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["id"] == "overview"));
    let (status, _) = analyst.get_json("/api/kpis/no_such_kpi").await;
    assert_eq!(status, 404);
    let (_, log) = server.get_json("/api/audit?limit=100").await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"kpi_saved") && actions.contains(&"kpi_refused"),
        "{actions:?}"
    );
}
