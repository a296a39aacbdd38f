//! `kpiboard check` runs every `-- expect:` line of the KPI files: a true one passes, a false one
//! fails the whole check and is named with its file and line.

use kpi_tests::{repo_root, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_expectation_passes_and_a_wrong_one_fails_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let queries = dir.path().join("queries");
    std::fs::create_dir_all(queries.join("boards")).unwrap();
    // The shipped files without their expectations (those hold on the full-size seed only).
    for entry in std::fs::read_dir(repo_root().join("queries")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sql") {
            let text = std::fs::read_to_string(&path).unwrap();
            let kept: String = text
                .lines()
                .filter(|l| !l.starts_with("-- expect:"))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(queries.join(path.file_name().unwrap()), kept).unwrap();
        }
    }
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let (status, counted) = server
        .admin
        .post_json(
            "/api/query",
            &json!({ "sql": "SELECT count(*) FROM appeals WHERE received_at >= DATE '2021-01-01' AND received_at < DATE '2021-04-01'", "unit": "perm" }),
        )
        .await;
    assert_eq!(status, 200, "{counted}");
    let n = counted["rows"][0][0].as_i64().unwrap();
    assert!(n > 100);
    let kpi = |expectations: &str| {
        format!(
            "-- id: appeal_total\n-- title: Appeals received\n-- unit: count\n-- direction: lower\n{expectations}\nSELECT a.grp, p.period, count(*) AS value\nFROM appeals AS a JOIN periods AS p ON a.received_at >= p.period AND a.received_at < p.period_end\nGROUP BY ALL\n"
        )
    };
    let good = format!("-- expect: perm 2021-01-01..2021-03-31 = {n} ± 0");
    let wrong = format!("-- expect: perm 2021-01-01..2021-03-31 = {} ± 0.5", n + 10);
    std::fs::write(
        queries.join("appeal_total.sql"),
        kpi(&format!("{good}\n{wrong}")),
    )
    .unwrap();
    server.state.reload_queries();
    let report = kpi_backend::check::run(&server.state);
    assert!(!report.ok, "{}", report.table);
    assert_eq!(
        (report.passed, report.expectations),
        (1, 2),
        "{}",
        report.table
    );
    assert!(
        report.table.contains("PASS   appeal_total.sql:5"),
        "{}",
        report.table
    );
    assert!(
        report.table.contains("FAIL   appeal_total.sql:6"),
        "{}",
        report.table
    );
    assert!(
        report.table.contains(&format!("got {n}.0000")),
        "{}",
        report.table
    );

    std::fs::write(queries.join("appeal_total.sql"), kpi(&good)).unwrap();
    server.state.reload_queries();
    let report = kpi_backend::check::run(&server.state);
    assert!(report.ok, "{}", report.table);
    assert!(
        report
            .table
            .ends_with("10 KPIs loaded, 0 broken; 1 of 1 expectations hold\n"),
        "{}",
        report.table
    );
}
