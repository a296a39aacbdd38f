//! `kpiboard`: serve the boards, import exports, generate seed data, check KPI files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kpi_api::{NewUser, UserRole};
use kpi_backend::{cli, Config, Limits};

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
        /// Serve the data of this read-only lake (written by export-lake) instead of the
        /// database's; --database is then the server's own small database (users, sessions,
        /// plans, the audit). Any number of servers may serve one lake.
        #[arg(long)]
        lake: Option<PathBuf>,
        /// Sign sessions with the key in this file (made if missing), so that every server
        /// given the same file takes a session opened on any of them: replicas behind a load
        /// balancer.
        #[arg(long)]
        session_key: Option<PathBuf>,
        /// The seed scale: 1 is about a million appeals.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// A KPI evaluation or an analyst's query is stopped after this many seconds.
        #[arg(long, default_value_t = 10.0)]
        query_seconds: f64,
        /// The most rows an analyst's query returns.
        #[arg(long, default_value_t = 10_000)]
        query_rows: usize,
        /// The memory one KPI evaluation or analyst's query may use (its sandbox worker's
        /// limit; the worker process is capped a little above it).
        #[arg(long, default_value = kpi_backend::config::DEFAULT_QUERY_MEMORY)]
        memory_limit: String,
        /// How long a sign-in lasts.
        #[arg(long, default_value_t = 8.0)]
        session_hours: f64,
        /// Mark the session cookie Secure (HTTPS only): use it behind a TLS proxy.
        #[arg(long)]
        secure_cookies: bool,
        /// Run 12-week plans as if today were this date (YYYY-MM-DD; the clock runs on from it),
        /// e.g. to walk a training group through the seed's 2019 plans.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Manage users (the server must not be running: DuckDB lets one process open the file).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Print the newest entries of the audit log.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Import export files (CSV or Parquet), each in one transaction.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write the plans (plans) or their check-ins (plan_checkins) as a CSV file that imports
    /// back.
    Export {
        /// plans or plan_checkins.
        what: String,
        /// Only the plans of the units under this org unit.
        #[arg(long)]
        unit: Option<String>,
        /// Only this plan.
        #[arg(long)]
        plan: Option<String>,
        /// The file to write (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write the operational data as a read-only lake of Parquet files partitioned by region and
    /// month (the org tree beside them), replacing the lake in DIR once the new one is whole.
    ExportLake { dir: PathBuf },
    /// Generate the seed exports.
    Seed {
        #[arg(long, default_value = "data/seeds")]
        out: PathBuf,
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Also print each file's size and the planted effects measured back from the files
        /// (the numbers seeds/README.md quotes; read into memory, so at scale 2 at most).
        #[arg(long)]
        report: bool,
        /// Instead, print the Shymkent estimate for this many other seeds at scale 0.2.
        #[arg(long)]
        spread: Option<u64>,
    },
    /// Write brotli and gzip copies of the built web app's files beside them (scripts/run and
    /// scripts/test do, after xtask builds it), and print their sizes.
    Precompress {
        #[arg(default_value = "dist")]
        dir: PathBuf,
    },
    /// (Started by the server, not by people.) One sandbox worker: answers queries over one
    /// snapshot file on standard input and output.
    #[command(hide = true)]
    SandboxWorker {
        #[arg(long)]
        snapshot: PathBuf,
        #[arg(long)]
        memory_limit: String,
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// The process's address space, in bytes.
        #[arg(long)]
        address_space: Option<u64>,
    },
    /// Validate every KPI file against the database and run every `-- expect:` line; exits
    /// non-zero if any file is broken or any expectation fails.
    Check {
        /// Import the seed exports from this folder first when the database is empty (generating
        /// them if missing), so that expectations run on the seed data.
        #[arg(long)]
        seed: Option<PathBuf>,
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        name: String,
        /// governor, mayor, department_head, analyst or admin.
        #[arg(long)]
        role: String,
        /// The root of the user's jurisdiction (an org unit id); required except for admins.
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a user's password (read from standard input) and end their sessions.
    ResetPassword { name: String },
    /// List the users.
    List,
}

fn config(cli: &Cli, host: String, port: u16, dist: PathBuf) -> Config {
    Config {
        database: Some(cli.database.clone()),
        lake: None,
        queries: cli.queries.clone(),
        dist,
        host,
        port,
        limits: Limits::default(),
        today: None,
        sandbox: kpi_backend::sandbox::Launch::this_binary(),
    }
}

/// The first line of standard input, without its line end.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,kpiboard=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // A sandbox worker confines itself before anything else starts: no runtime, no threads.
    let outcome = if let Command::SandboxWorker {
        snapshot,
        memory_limit,
        threads,
        address_space,
    } = &cli.command
    {
        cli::sandbox_worker(snapshot, memory_limit, *threads, *address_space)
            .map(|()| ExitCode::SUCCESS)
    } else {
        tokio::runtime::Runtime::new()
            .map_err(anyhow::Error::from)
            .and_then(|runtime| runtime.block_on(run(cli)))
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ok = |all: bool| {
        if all {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    };
    match &cli.command {
        Command::Serve {
            host,
            port,
            dist,
            seed,
            scale,
            query_seconds,
            query_rows,
            memory_limit,
            session_hours,
            secure_cookies,
            today,
            lake,
            session_key,
        } => {
            let mut config = config(&cli, host.clone(), *port, dist.clone());
            config.today = *today;
            config.lake = lake.clone();
            if !(*query_seconds > 0.0 && *session_hours > 0.0) {
                anyhow::bail!("--query-seconds and --session-hours must be positive");
            }
            config.limits = Limits {
                query_time: std::time::Duration::from_secs_f64(*query_seconds),
                query_rows: *query_rows,
                memory: memory_limit.clone(),
                queries_per_user: Limits::default().queries_per_user,
                session_ttl: std::time::Duration::from_secs_f64(session_hours * 3600.0),
                secure_cookies: *secure_cookies,
                session_key: match session_key {
                    Some(path) => Some(kpi_backend::auth::SessionKey::load_or_create(path)?),
                    None => None,
                },
            };
            cli::serve(config, seed.clone(), *scale).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files } => {
            let (config, files) = (
                config(&cli, String::new(), 0, PathBuf::new()),
                files.clone(),
            );
            blocking(move || cli::import(config, &files)).await.map(ok)
        }
        Command::Export {
            what,
            unit,
            plan,
            out,
        } => {
            let (database, what, unit, plan, out) = (
                cli.database.clone(),
                what.clone(),
                unit.clone(),
                plan.clone(),
                out.clone(),
            );
            blocking(move || {
                cli::export(
                    &database,
                    &what,
                    unit.as_deref(),
                    plan.as_deref(),
                    out.as_deref(),
                )
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::ExportLake { dir } => {
            let (config, dir) = (config(&cli, String::new(), 0, PathBuf::new()), dir.clone());
            blocking(move || cli::export_lake(config, &dir)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed {
            out,
            scale,
            report,
            spread,
        } => {
            let (out, scale, report, spread) = (out.clone(), *scale, *report, *spread);
            blocking(move || cli::seed(&out, scale, report, spread)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User { action } => {
            let command = match action {
                UserAction::Add {
                    name,
                    role,
                    unit,
                    display_name,
                } => {
                    let role = UserRole::parse(role).ok_or_else(|| {
                        anyhow::anyhow!(
                            "--role: '{role}' is not one of governor, mayor, department_head, analyst, admin"
                        )
                    })?;
                    cli::UserCommand::Add(NewUser {
                        name: name.clone(),
                        display_name: display_name.clone(),
                        role,
                        home_unit: unit.clone(),
                        password: read_password()?,
                    })
                }
                UserAction::ResetPassword { name } => cli::UserCommand::ResetPassword {
                    name: name.clone(),
                    password: read_password()?,
                },
                UserAction::List => cli::UserCommand::List,
            };
            let database = cli.database.clone();
            blocking(move || cli::user(&database, command)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { limit } => {
            let (database, limit) = (cli.database.clone(), *limit);
            blocking(move || cli::audit(&database, limit)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::SandboxWorker { .. } => unreachable!("answered before the runtime starts"),
        Command::Precompress { dir } => {
            let dir = dir.clone();
            blocking(move || cli::precompress(&dir)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { seed, scale } => {
            let config = config(&cli, String::new(), 0, PathBuf::new());
            let (seed, scale) = (seed.clone(), *scale);
            blocking(move || cli::check(config, seed.as_deref(), scale))
                .await
                .map(ok)
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await?
}
