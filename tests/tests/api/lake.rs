//! The read-only lake: `kpiboard export-lake` from a server's database, then `kpiboard serve
//! --lake` in two processes of their own over that one lake. Every board and every KPI answers
//! as the file-mode server does, the two lake servers answer alike, an import followed by a new
//! export shows up in both, and a lake server refuses to import data.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kpi_tests::{
    free_port, kpiboard_binary, repo_root, seed_dir, wait_until_serving, Session, TestServer,
};
use serde_json::Value;

/// A `kpiboard serve --lake` process with a small database of its own, killed when dropped.
struct LakeServer {
    base: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl LakeServer {
    /// A server over `lake`, signing sessions with the key in `key` (shared by the replicas).
    async fn start(lake: &Path, key: &Path) -> LakeServer {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new(kpiboard_binary())
            .arg("--database")
            .arg(dir.path().join("own.duckdb"))
            .arg("--queries")
            .arg(repo_root().join("queries"))
            .args(["serve", "--port", &port.to_string(), "--lake"])
            .arg(lake)
            // The seed's plans, demo accounts and experiments; its data is the lake's.
            .arg("--seed")
            .arg(seed_dir())
            .arg("--session-key")
            .arg(key)
            .arg("--dist")
            .arg(dir.path().join("no-dist"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kpiboard starts");
        let base = format!("http://127.0.0.1:{port}");
        wait_until_serving(&base, Duration::from_secs(120), "the lake server").await;
        LakeServer {
            base,
            child,
            _dir: dir,
        }
    }

    async fn demo(&self, user: &str) -> Session {
        Session::sign_in(&self.base, user, kpi_backend::seed::DEMO_PASSWORD)
            .await
            .unwrap_or_else(|(s, b)| panic!("{user} cannot sign in to the lake server: {s} {b}"))
    }
}

impl Drop for LakeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the lake of `server`'s database into `lake`.
async fn export(server: &TestServer, lake: &Path) {
    let (state, lake) = (std::sync::Arc::clone(&server.state), lake.to_path_buf());
    tokio::task::spawn_blocking(move || kpi_backend::lake::export(&state.db, &lake).unwrap())
        .await
        .unwrap();
}

/// What every reader asks: each board at a region, a city and a district, and each KPI's series
/// by week and by Solar Hijri month, and its values by child unit.
async fn paths(session: &Session) -> Vec<String> {
    let (_, list) = session.get_json("/api/kpis").await;
    let kpis: Vec<String> = list["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_string())
        .collect();
    assert!(kpis.len() >= 9, "{list}");
    let mut paths = Vec::new();
    let period = "from=2021-07-01&to=2021-09-30";
    for unit in ["perm-krai", "perm", "perm-sverdlovsky", "mashhad"] {
        for board in ["overview", "appeals"] {
            paths.push(format!("/api/boards/{board}?unit={unit}&{period}"));
        }
        for kpi in &kpis {
            paths.push(format!(
                "/api/kpis/{kpi}/values?unit={unit}&{period}&grain=week"
            ));
            paths.push(format!(
                "/api/kpis/{kpi}/values?unit={unit}&from=2021-03-21&to=2021-09-22&grain=month&calendar=persian"
            ));
        }
    }
    paths
}

/// The answers to `paths`, each status and body.
async fn answers(session: &Session, paths: &[String]) -> Vec<(u16, Value)> {
    let mut out = Vec::new();
    for p in paths {
        out.push(session.get_json(p).await);
    }
    out
}

fn assert_same(what: &str, paths: &[String], a: &[(u16, Value)], b: &[(u16, Value)]) {
    assert_eq!(a.len(), b.len());
    for ((path, x), y) in paths.iter().zip(a).zip(b) {
        assert_eq!(x, y, "{what}: {path}");
    }
    // Outside a jurisdiction the answer is a refusal, the same everywhere; most are numbers.
    let answered = a.iter().filter(|(status, _)| *status == 200).count();
    assert!(
        answered * 4 >= a.len() * 3,
        "{what}: {answered} of {} answered",
        a.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lake_servers_answer_as_the_file_does_and_follow_a_new_export() {
    let file = TestServer::start(true).await;
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    export(&file, &lake).await;
    let key = dir.path().join("session.key");
    let one = LakeServer::start(&lake, &key).await;
    let two = LakeServer::start(&lake, &key).await;

    // The mayor (a jurisdiction, so each server's snapshots are scoped) and the admin.
    for user in ["governor.perm", "admin"] {
        let at_file = file.demo(user).await;
        let paths = paths(&at_file).await;
        let expected = answers(&at_file, &paths).await;
        let (a, b) = (one.demo(user).await, two.demo(user).await);
        assert_same(
            &format!("{user}, lake server one"),
            &paths,
            &expected,
            &answers(&a, &paths).await,
        );
        assert_same(
            &format!("{user}, lake server two"),
            &paths,
            &expected,
            &answers(&b, &paths).await,
        );
    }

    // Behind a load balancer a reader's next request may reach the other server: a session
    // opened on one is good on both (they share the key), and both answer it alike.
    let on_one = one.demo("mayor.perm").await;
    let on_two = Session {
        base: two.base.clone(),
        ..on_one.clone()
    };
    let board = "/api/boards/overview?unit=perm&from=2021-07-01&to=2021-09-30".to_string();
    let (a, b) = (
        answers(&on_one, std::slice::from_ref(&board)).await,
        answers(&on_two, std::slice::from_ref(&board)).await,
    );
    assert_eq!(a[0].0, 200, "{:?}", a[0].1);
    assert_eq!(a, b);
    let (status, _) = on_two.get_json("/api/boards/overview?unit=mashhad").await;
    assert_eq!(
        status, 403,
        "the jurisdiction holds on the other server too"
    );

    // A lake server does not take data: it says where to import.
    let admin = one.demo("admin").await;
    let appeals = std::fs::read(seed_dir().join("appeals_2021.csv")).unwrap();
    let (status, body) = admin.upload("appeals_2021.csv", appeals.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("export-lake"), "{body}");

    // A correction imported into the file server and exported again: both lake servers read it
    // on their next look at the lake, and answer as the file server does.
    let text = String::from_utf8(appeals).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let fixed: Vec<String> = lines
        .filter(|l| l.contains(",perm-"))
        .take(500)
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f[2] = "feedback_platform";
            f.join(",")
        })
        .collect();
    let upload = format!("{header}\n{}\n", fixed.join("\n"));
    let (status, body) = file
        .upload("appeals_2021_fixed.csv", upload.into_bytes())
        .await;
    assert_eq!(status, 201, "{body}");
    let path = "/api/kpis/feedback_platform_share/values?unit=perm&from=2021-01-01&to=2021-12-31&grain=month".to_string();
    let at_file = file.demo("admin").await;
    let before = answers(&admin, std::slice::from_ref(&path)).await;
    let after = answers(&at_file, std::slice::from_ref(&path)).await;
    assert_ne!(before, after, "the correction moves the share");
    export(&file, &lake).await;
    for server in [&one, &two] {
        let session = server.demo("admin").await;
        let started = Instant::now();
        loop {
            let now = answers(&session, std::slice::from_ref(&path)).await;
            if now == after {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{}: the lake server still answers {:?}",
                server.base,
                now
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
