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

use kpi_backend::{AppState, Application, Config, Limits};

/// The scale the integration tests seed at: large enough for every KPI to have values in every
/// city, small enough to import in a couple of seconds.
pub const TEST_SCALE: f64 = 0.03;

/// The checkout the tests run in: cargo names it when it runs them, so a test binary built for
/// another clone that shares the target folder still reads this one's files.
pub fn repo_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.join("..")
}

/// A copy of the repository's KPI folder (KPI files, boards, evaluation schemes) that a test may
/// add to, edit and delete from: `(the temporary folder that owns it, the copy's path)`.
pub fn queries_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let queries = dir.path().join("queries");
    const SUBS: [&str; 3] = ["", "boards", "evaluations"];
    for sub in SUBS {
        std::fs::create_dir_all(queries.join(sub)).expect("queries folder");
    }
    for sub in SUBS {
        for entry in std::fs::read_dir(repo_root().join("queries").join(sub)).expect("queries") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::copy(
                    &path,
                    queries.join(sub).join(path.file_name().expect("name")),
                )
                .expect("copy");
            }
        }
    }
    (dir, queries)
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

/// Seed exports at scale 1 (the embedded default's size, about a million appeals), generated
/// once per test binary: for the tests that need the planted effects at full strength.
pub fn full_seed_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        kpi_seeds::generate(dir.path(), 1.0).expect("seed exports generate");
        dir
    })
    .path()
}

/// The server's binary, beside the test binaries in the target folder (`cargo build` makes it;
/// scripts/test builds before it tests). The sandbox runs its workers from it.
pub fn kpiboard_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the running binary's path");
    // A test binary lives in target/debug/deps, a bin (the benchmark) in target/debug.
    let bin = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("kpiboard"))
        .find(|p| p.is_file());
    bin.unwrap_or_else(|| {
        panic!(
            "kpiboard is missing beside {}: run cargo build first (scripts/test does)",
            exe.display()
        )
    })
}

/// A running server over its own database file.
pub struct TestServer {
    pub base: String,
    pub state: Arc<AppState>,
    /// A session of [`TEST_ADMIN`].
    pub admin: Session,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    /// Starts a server on port 0; with `seeded`, the seed exports (and demo accounts) are
    /// imported first.
    pub async fn start(seeded: bool) -> TestServer {
        Self::start_with(seeded, Limits::default()).await
    }

    /// [`TestServer::start`] with other limits (a short query time, a small row cap).
    pub async fn start_with(seeded: bool, limits: Limits) -> TestServer {
        Self::start_full(seeded, limits, repo_root().join("queries")).await
    }

    /// A server over its own KPI folder (tests that add, edit and delete KPI files).
    pub async fn start_with_queries(seeded: bool, queries: PathBuf) -> TestServer {
        Self::start_full(seeded, Limits::default(), queries).await
    }

    /// A server seeded at scale 1 (about 5 s to import): the planted effects at full strength.
    pub async fn start_full_scale() -> TestServer {
        Self::start_seeded(
            Some((full_seed_dir(), 1.0)),
            Limits::default(),
            repo_root().join("queries"),
        )
        .await
    }

    async fn start_full(seeded: bool, limits: Limits, queries: PathBuf) -> TestServer {
        let seed = seeded.then(|| (seed_dir(), TEST_SCALE));
        Self::start_seeded(seed, limits, queries).await
    }

    async fn start_seeded(
        seed: Option<(&'static Path, f64)>,
        limits: Limits,
        queries: PathBuf,
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let dist = std::env::var_os("KPI_DIST")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("dist"));
        let config = Config {
            database: Some(dir.path().join("kpi.duckdb")),
            lake: None,
            queries,
            dist,
            host: "127.0.0.1".to_string(),
            port: 0,
            limits,
            today: None,
            sandbox: kpi_backend::sandbox::Launch::Process(kpiboard_binary()),
        };
        let state = tokio::task::spawn_blocking(move || {
            let state = AppState::new(config).expect("state");
            if let Some((dir, scale)) = seed {
                kpi_backend::seed::load_if_empty(&state, dir, scale).expect("seed import");
            }
            let units = state.units();
            state
                .db
                .with(|c| {
                    kpi_backend::auth::add_user(
                        c,
                        &kpi_api::NewUser {
                            name: TEST_ADMIN.to_string(),
                            display_name: None,
                            role: kpi_api::UserRole::Admin,
                            home_unit: None,
                            password: TEST_PASSWORD.to_string(),
                        },
                        &units,
                    )
                })
                .expect("test admin");
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
        let admin = Session::sign_in(&base, TEST_ADMIN, TEST_PASSWORD)
            .await
            .expect("the test admin signs in");
        TestServer {
            base,
            state,
            admin,
            _dir: dir,
            _shutdown: tx,
        }
    }

    /// Signs in as one of the seed's demo accounts.
    pub async fn demo(&self, user: &str) -> Session {
        self.sign_in(user, kpi_backend::seed::DEMO_PASSWORD).await
    }

    /// Signs in as `user` with `password`.
    pub async fn sign_in(&self, user: &str, password: &str) -> Session {
        Session::sign_in(&self.base, user, password)
            .await
            .unwrap_or_else(|(status, body)| panic!("{user} cannot sign in: {status} {body}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET as the test admin.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        self.admin.get_json(path).await
    }

    /// Imports an export as the test admin.
    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
        self.admin.upload(name, bytes).await
    }
}

/// The admin every test server has (besides the seed's demo accounts).
pub const TEST_ADMIN: &str = "test.admin";
pub const TEST_PASSWORD: &str = "test-password-1";

/// A signed-in client: the session cookie and the CSRF token, sent by hand.
#[derive(Debug, Clone)]
pub struct Session {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    pub info: serde_json::Value,
}

async fn answer(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

impl Session {
    /// POST /api/login; Err carries the status and body of a refusal.
    pub async fn sign_in(
        base: &str,
        user: &str,
        password: &str,
    ) -> Result<Session, (u16, serde_json::Value)> {
        let res = reqwest::Client::new()
            .post(format!("{base}/api/login"))
            .header("content-type", "application/json")
            .body(serde_json::json!({ "user": user, "password": password }).to_string())
            .send()
            .await
            .expect("request");
        let cookie = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_string());
        let (status, info) = answer(res).await;
        match (status, cookie) {
            (200, Some(cookie)) => Ok(Session {
                base: base.to_string(),
                cookie,
                csrf: info["csrf_token"].as_str().unwrap_or_default().to_string(),
                info,
            }),
            _ => Err((status, info)),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        answer(self.get(path).await).await
    }

    /// GET of a text answer (a CSV export).
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }

    /// POSTs JSON with the session's cookie and CSRF token.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    /// PUTs JSON with the session's cookie and CSRF token.
    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    /// DELETEs with the session's cookie and CSRF token; the status.
    pub async fn delete(&self, path: &str) -> u16 {
        reqwest::Client::new()
            .delete(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    }

    async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        answer(res).await
    }

    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> (u16, serde_json::Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/api/imports?file={name}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .body(bytes)
            .send()
            .await
            .expect("request");
        answer(res).await
    }
}

/// Waits until a server started as a process at `base` answers `/api/health`, for at most
/// `limit`; panics saying `what` did not start.
pub async fn wait_until_serving(base: &str, limit: std::time::Duration, what: &str) {
    let started = std::time::Instant::now();
    while reqwest::get(format!("{base}/api/health")).await.is_err() {
        assert!(started.elapsed() < limit, "{what} did not start");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
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

    /// A browser in which the interface language `lang` was chosen on `server`, as a person's
    /// own choice is remembered, so a test reads the words it expects whatever language the
    /// signed-in user's home unit speaks.
    pub async fn start_speaking(lang: &str, server: &TestServer) -> anyhow::Result<Browser> {
        let browser = Browser::start().await?;
        browser.client.goto(&server.url("/login")).await?;
        browser
            .client
            .execute(
                "localStorage.setItem('kpiboard.lang', arguments[0])",
                vec![serde_json::Value::String(lang.to_string())],
            )
            .await?;
        Ok(browser)
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
