//! `kpiboard`: serve the boards, import exports, generate seed data, check KPI files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kpi_backend::{AppState, Application, Config};

#[derive(Parser)]
#[command(
    name = "kpiboard",
    version,
    about = "KPI boards for city and regional administrations"
)]
struct Cli {
    /// The DuckDB database file.
    #[arg(long, global = true, default_value = "data/kpiboard.duckdb")]
    database: PathBuf,
    /// The folder of KPI files (and boards/).
    #[arg(long, global = true, default_value = "queries")]
    queries: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web app.
    Serve {
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The built web app (trunk's output).
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
        /// When the database has no data: generate seed exports into this folder (if missing)
        /// and import them.
        #[arg(long)]
        seed: Option<PathBuf>,
        /// The seed scale: 1 is about a million appeals.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
    /// Import export files (CSV or Parquet), each in one transaction.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Generate the seed exports.
    Seed {
        #[arg(long, default_value = "data/seeds")]
        out: PathBuf,
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
    /// Validate every KPI file against the database; exits non-zero if any is broken.
    Check,
}

fn config(cli: &Cli, host: String, port: u16, dist: PathBuf) -> Config {
    Config {
        database: Some(cli.database.clone()),
        queries: cli.queries.clone(),
        dist,
        host,
        port,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,kpiboard=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve {
            host,
            port,
            dist,
            seed,
            scale,
        } => {
            let config = config(&cli, host.clone(), *port, dist.clone());
            let state = blocking(move || Ok(AppState::new(config)?)).await?;
            if let Some(dir) = seed.clone() {
                let (s, scale) = (Arc::clone(&state), *scale);
                blocking(move || Ok(kpi_backend::seed::load_if_empty(&s, &dir, scale)?)).await?;
            }
            if !dist.join("index.html").exists() {
                tracing::warn!(
                    "{} has no index.html: the web app is not built (scripts/run builds it)",
                    dist.display()
                );
            }
            let app = Application::with_state(state).await?;
            let addr = app.addr();
            println!();
            println!("KPI boards are ready: http://{addr}/boards/overview?unit=perm");
            println!();
            app.run().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files } => {
            let config = config(&cli, String::new(), 0, PathBuf::new());
            let files = files.clone();
            blocking(move || {
                let state = AppState::new(config)?;
                let mut failed = false;
                for file in files {
                    let name = file
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    match state.import(&file, &name) {
                        Ok(r) if r.already_imported => println!(
                            "{name}: already imported ({} rows into {}); nothing changed",
                            r.rows_in_file, r.table
                        ),
                        Ok(r) => println!(
                            "{name}: {} rows into {} ({} new, {} replaced) in {} ms",
                            r.rows_in_file, r.table, r.inserted, r.updated, r.millis
                        ),
                        Err(e) => {
                            eprintln!("{e}");
                            failed = true;
                        }
                    }
                }
                Ok(if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                })
            })
            .await
        }
        Command::Seed { out, scale } => {
            let (out, scale) = (out.clone(), *scale);
            blocking(move || {
                let started = std::time::Instant::now();
                let s = kpi_seeds::generate(&out, scale).with_context(|| format!("writing {}", out.display()))?;
                println!(
                    "{} units, {} appeals, {} service cases, {} staffing rows in {} files under {} ({:.1} s)",
                    s.units, s.appeals, s.service_cases, s.staffing_rows, s.files.len(), out.display(),
                    started.elapsed().as_secs_f64()
                );
                Ok(ExitCode::SUCCESS)
            })
            .await
        }
        Command::Check => {
            let config = config(&cli, String::new(), 0, PathBuf::new());
            blocking(move || {
                let state = AppState::new(config)?;
                let catalog = state.catalog();
                for kpi in catalog.kpis.values() {
                    println!("ok     {}", kpi.def.file);
                }
                for e in &catalog.errors {
                    let at = match (e.line, e.column) {
                        (Some(l), Some(c)) => format!(":{l}:{c}"),
                        (Some(l), None) => format!(":{l}"),
                        _ => String::new(),
                    };
                    println!("BROKEN {}{at}: {}", e.file, e.message);
                }
                println!(
                    "{} KPIs loaded, {} broken",
                    catalog.kpis.len(),
                    catalog.errors.len()
                );
                Ok(if catalog.errors.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                })
            })
            .await
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await?
}
