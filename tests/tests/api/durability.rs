//! A check-in the server has answered survives the server being killed (`kill -9`) right after:
//! a real `kpiboard serve` process, killed and started again on the same database file.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use kpi_backend::seed::DEMO_PASSWORD;
use kpi_tests::{free_port, repo_root, seed_dir, Session, TEST_SCALE};
use serde_json::json;

/// The sandbox workers of the server over `db` that are still running (their command line names
/// a snapshot in the database's staging folder).
fn workers_of(db: &Path) -> usize {
    let staging = format!("{}.staging", db.display());
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .filter(|c| c.contains("sandbox-worker") && c.contains(&staging))
                .count()
        })
        .unwrap_or(0)
}

/// Starts `kpiboard serve` on `db` and waits until it answers.
async fn serve(db: &Path, port: u16) -> Child {
    let child = Command::new(kpi_tests::kpiboard_binary())
        .args(["--database"])
        .arg(db)
        .args(["--queries"])
        .arg(repo_root().join("queries"))
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--scale",
            &TEST_SCALE.to_string(),
            "--seed",
        ])
        .arg(seed_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kpiboard starts");
    kpi_tests::wait_until_serving(
        &format!("http://127.0.0.1:{port}"),
        Duration::from_secs(60),
        "kpiboard",
    )
    .await;
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_check_in_survives_a_killed_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plans.duckdb");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(&db, port).await;
    let head = Session::sign_in(&base, "head.shymkent.economy", DEMO_PASSWORD)
        .await
        .unwrap();
    let today = Utc::now().date_naive();
    let start = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64);
    let (status, plan) = head
        .post_json(
            "/api/plans",
            &json!({ "unit": "shymkent-economy", "title": "Durable", "start": start, "goals": [{ "title": "g", "kpi": "appeal_on_time_share", "target": 95, "tactics": [{ "title": "call back", "owner": "me", "due": { "kind": "weekly" } }] }] }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let id = plan["id"].as_str().unwrap();
    let (status, body) = head
        .put_json(
            &format!("/api/plans/{id}/checkins/t1/1"),
            &json!({ "done": true, "note": "kept", "revision": 0 }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = head.get_json("/api/boards/overview?unit=shymkent").await;
    assert_eq!(status, 200);
    assert!(workers_of(&db) > 0, "the board ran in sandbox workers");
    // SIGKILL at once: no shutdown, no checkpoint.
    server.kill().unwrap();
    server.wait().unwrap();
    // Its workers end with it, even though nobody told them.
    let killed = Instant::now();
    while workers_of(&db) > 0 {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "workers outlived their server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut server = serve(&db, port).await;
    let head = Session::sign_in(&base, "head.shymkent.economy", DEMO_PASSWORD)
        .await
        .unwrap();
    let (status, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200, "{plan}");
    let checkin = &plan["checkins"][0];
    assert_eq!(
        (checkin["done"].clone(), checkin["note"].clone()),
        (json!(true), json!("kept")),
        "{plan}"
    );
    assert_eq!(plan["scores"][0]["score"], 1.0);
}
