//! Helpers for the end-to-end tests: a real server on port 0 over a fresh database loaded with
//! generated seed exports, and a headless Chromium driven through chromedriver.
//!
//! # Layout
//! - [`TestServer`]: the server, its database folder, and its base URL.
//! - [`seed_dir`]: seed exports generated once per test binary.
//! - [`Browser`]: chromedriver + Chromium with the flags this machine needs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use kpi_backend::{AppState, Application, Config};

/// The scale the integration tests seed at: large enough for every KPI to have values in every
/// city, small enough to import in a couple of seconds.
pub const TEST_SCALE: f64 = 0.03;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Seed exports at [`TEST_SCALE`], generated once per test binary.
pub fn seed_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        kpi_seeds::generate(dir.path(), TEST_SCALE).expect("seed exports generate");
        dir
    })
    .path()
}

/// A running server over its own database file.
pub struct TestServer {
    pub base: String,
    pub state: Arc<AppState>,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    /// Starts a server on port 0; with `seeded`, the seed exports are imported first.
    pub async fn start(seeded: bool) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let dist = std::env::var_os("KPI_DIST")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("dist"));
        let config = Config {
            database: Some(dir.path().join("kpi.duckdb")),
            queries: repo_root().join("queries"),
            dist,
            host: "127.0.0.1".to_string(),
            port: 0,
        };
        let state = tokio::task::spawn_blocking(move || {
            let state = AppState::new(config).expect("state");
            if seeded {
                kpi_backend::seed::load_if_empty(&state, seed_dir(), TEST_SCALE)
                    .expect("seed import");
            }
            state
        })
        .await
        .expect("startup");
        let app = Application::with_state(Arc::clone(&state))
            .await
            .expect("bind");
        let base = format!("http://{}", app.addr());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        TestServer {
            base,
            state,
            _dir: dir,
            _shutdown: tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = reqwest::get(self.url(path)).await.expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
        let res = reqwest::Client::new()
            .post(self.url(&format!("/api/imports?file={name}")))
            .body(bytes)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver driving a headless Chromium; both end when this is dropped.
pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> anyhow::Result<Browser> {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!("cannot start chromedriver (scripts/test installs it): {e}")
            })?;
        let profile = tempfile::tempdir()?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_string(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match fantoccini::ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => anyhow::bail!("cannot open a Chromium session: {e}"),
            }
        };
        Ok(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
