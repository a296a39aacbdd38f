//! The server: bound to its port from the configuration, serving the routes over a state, and
//! watching the queries folder while it runs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::state::AppState;

/// How often the queries folder is looked at for changes.
pub const QUERIES_POLL: Duration = Duration::from_millis(500);

/// Reloads the KPI files whenever the folder changes, and the data whenever the lake it serves
/// was exported again, for as long as the server runs.
fn watch_queries(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(QUERIES_POLL).await;
            let s = Arc::clone(&state);
            if tokio::task::spawn_blocking(move || {
                s.reload_if_changed();
                s.refresh_lake_if_changed();
            })
            .await
            .is_err()
            {
                tracing::error!("reloading the KPI files failed");
            }
        }
    })
}

/// The server, bound and ready to run.
pub struct Application {
    addr: SocketAddr,
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
}

impl Application {
    /// Opens the database, loads the KPIs and binds the port from the config.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let state = tokio::task::spawn_blocking(move || AppState::new(config)).await??;
        Self::with_state(state).await
    }

    /// Binds a server over existing state (the CLI imports seeds first, then serves).
    pub async fn with_state(state: Arc<AppState>) -> anyhow::Result<Application> {
        let bind = format!("{}:{}", state.config.host, state.config.port);
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
        let addr = listener.local_addr()?;
        Ok(Application {
            addr,
            state,
            listener,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    /// Serves until the process ends.
    pub async fn run(self) {
        watch_queries(Arc::clone(&self.state));
        let routes = crate::routes::routes(self.state);
        warp::serve(routes).incoming(self.listener).run().await;
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) {
        let watcher = watch_queries(Arc::clone(&self.state));
        let routes = crate::routes::routes(self.state);
        warp::serve(routes)
            .incoming(self.listener)
            .graceful(shutdown)
            .run()
            .await;
        watcher.abort();
    }
}
