//! Importing exports through the real server: a seed file, the same file again, a corrupt file.

use kpi_tests::{seed_dir, TestServer};

fn rows(health: &serde_json::Value, table: &str) -> i64 {
    health["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["table"] == table)
        .and_then(|r| r["rows"].as_i64())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_file_imports_once_and_a_corrupt_one_is_refused_without_loss() {
    let server = TestServer::start(false).await;
    let org = std::fs::read(seed_dir().join("org_units.csv")).unwrap();
    let (status, report) = server.upload("org_units.csv", org).await;
    assert_eq!(status, 201, "{report}");
    let appeals = std::fs::read(seed_dir().join("appeals_2020.csv")).unwrap();
    let lines = appeals.iter().filter(|b| **b == b'\n').count() as u64 - 1;

    let (status, report) = server.upload("appeals_2020.csv", appeals.clone()).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["table"], "appeals");
    assert_eq!(report["rows_in_file"].as_u64(), Some(lines));
    assert_eq!(report["inserted"].as_u64(), Some(lines));
    let (_, health) = server.get_json("/api/health").await;
    let before = rows(&health, "appeals");
    assert_eq!(before as u64, lines);
    let (_, board_before) = server
        .get_json("/api/boards/overview?unit=perm&from=2020-01-01&to=2020-12-31&grain=month")
        .await;

    // The same bytes again: recognised, nothing changes.
    let (status, report) = server.upload("appeals_2020.csv", appeals.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["already_imported"], true);
    let (_, health) = server.get_json("/api/health").await;
    assert_eq!(rows(&health, "appeals"), before);

    // A corrupt copy: one bad date deep inside the file; the whole file is refused.
    let text = String::from_utf8(appeals).unwrap();
    let mut corrupt_lines: Vec<String> = text.lines().map(str::to_string).collect();
    let target = corrupt_lines.len() / 2;
    let received = corrupt_lines[target].split(',').nth(4).unwrap().to_string();
    let first_id = corrupt_lines[1].split(',').next().unwrap().to_string();
    corrupt_lines[target] = corrupt_lines[target].replacen(&received, "2020-13-45 25:00:00", 1);
    // Rows before the bad one would be new if they landed: make the first row a new key.
    corrupt_lines[1] = corrupt_lines[1].replacen(&first_id, "brand-new-appeal", 1);
    let corrupt = corrupt_lines.join("\n") + "\n";
    let (status, err) = server
        .upload("appeals_2020_fixed.csv", corrupt.into_bytes())
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "invalid_file");
    let expected = format!(
        "appeals_2020_fixed.csv, line {}, column received_at: '2020-13-45 25:00:00' is not a timestamp",
        target + 1
    );
    assert!(
        err["message"].as_str().unwrap().starts_with(&expected),
        "{err}"
    );
    let (_, health) = server.get_json("/api/health").await;
    assert_eq!(rows(&health, "appeals"), before);
    let (_, board_after) = server
        .get_json("/api/boards/overview?unit=perm&from=2020-01-01&to=2020-12-31&grain=month")
        .await;
    assert_eq!(board_before, board_after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_empty_uploads_get_clear_errors() {
    let server = TestServer::start(true).await;
    let (status, err) = server
        .upload("photo.csv", vec![0xff, 0xd8, 0xff, 0xe0, 0, 1, 2])
        .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["message"].as_str().unwrap().starts_with("photo.csv"),
        "{err}"
    );
    let (status, err) = server.upload("empty.csv", Vec::new()).await;
    assert_eq!(status, 422, "{err}");
    // A broken Parquet file is named by its own name, never by where the server staged it.
    let mut broken = b"PAR1".to_vec();
    broken.extend_from_slice(&[7; 64]);
    broken.extend_from_slice(b"PAR1");
    let (status, err) = server.upload("broken.parquet", broken).await;
    assert_eq!(status, 422, "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.starts_with("broken.parquet"), "{err}");
    for path in ["staging", "/tmp", ".upload", ".duckdb"] {
        assert!(!message.contains(path), "'{path}' in {err}");
    }
    let (status, err) = server.upload("../../etc/passwd", b"x".to_vec()).await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["message"].as_str().unwrap().starts_with("file:"),
        "{err}"
    );
}

/// The seed's org tree names each unit in its own language as well as in English, and the units
/// answer with both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_carry_their_names_in_their_own_language() {
    let server = TestServer::start(true).await;
    let (status, units) = server.get_json("/api/units").await;
    assert_eq!(status, 200, "{units}");
    let local = |id: &str| -> Option<String> {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .and_then(|u| u["local_name"].as_str().map(str::to_string))
    };
    assert_eq!(local("perm").as_deref(), Some("Пермь"));
    assert_eq!(local("shymkent").as_deref(), Some("Шымкент"));
    assert_eq!(local("mashhad").as_deref(), Some("مشهد"));
    assert_eq!(local("rasht").as_deref(), Some("رشت"));
    assert_eq!(local("mashhad-district-8").as_deref(), Some("منطقه ۸"));
    assert_eq!(
        local("perm-sverdlovsky-housing").as_deref(),
        Some("Отдел жилищно-коммунального хозяйства")
    );
    // Every unit has one.
    let missing: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["local_name"].as_str().is_none_or(str::is_empty))
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}
