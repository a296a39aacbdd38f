//! `kpiboard`: serve the boards, import exports, generate seed data, check KPI files.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kpi_api::{NewUser, UserRole};
use kpi_backend::db::{Db, DEFAULT_MEMORY_LIMIT};
use kpi_backend::{auth, AppState, Application, Config, Limits};

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
    /// scripts/test do, after trunk builds), and print their sizes.
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
        sandbox_worker(snapshot, memory_limit, *threads, *address_space)
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

fn sandbox_worker(
    snapshot: &std::path::Path,
    memory: &str,
    threads: usize,
    address_space: Option<u64>,
) -> anyhow::Result<ExitCode> {
    use kpi_backend::sandbox::worker;
    worker::confine(address_space)?;
    let conn = worker::open(
        snapshot,
        &worker::EngineLimits {
            memory: memory.to_string(),
            threads,
        },
    )?;
    worker::serve(&conn, std::io::stdin().lock(), std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
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
        } => {
            let mut config = config(&cli, host.clone(), *port, dist.clone());
            config.today = *today;
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
            };
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
            let users = {
                let s = Arc::clone(&state);
                blocking(move || Ok(s.db.with(auth::list_users)?.len())).await?
            };
            if users == 0 {
                tracing::warn!(
                    "no users yet: nobody can sign in. Add an admin with: scripts/kpiboard user add NAME --role admin (the password on standard input)"
                );
            }
            if state.clock.is_moved() {
                tracing::warn!(
                    "12-week plans run as if today were {} (--today)",
                    state.clock.today()
                );
            }
            let app = Application::with_state(state).await?;
            let addr = app.addr();
            println!();
            println!("KPI boards are ready: http://{addr}/boards/overview?unit=perm");
            println!(
                "Sign in as mayor.perm (password {}); the README lists every demo account.",
                kpi_backend::seed::DEMO_PASSWORD
            );
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
                use kpi_backend::plans::exchange::{self, PlanFile};
                let file = PlanFile::parse(&what).ok_or_else(|| {
                    anyhow::anyhow!("what: '{what}' is not plans or plan_checkins")
                })?;
                let db = Db::open(&database, DEFAULT_MEMORY_LIMIT)?;
                let text = db.with(|c| {
                    let ids = match &plan {
                        Some(plan) => vec![plan.clone()],
                        None => exchange::plan_ids(c, &exchange::units_under(c, unit.as_deref())?)?,
                    };
                    file.write(c, &ids)
                })?;
                match &out {
                    Some(path) => std::fs::write(path, text)
                        .with_context(|| format!("writing {}", path.display()))?,
                    None => print!("{text}"),
                }
                Ok(ExitCode::SUCCESS)
            })
            .await
        }
        Command::Seed {
            out,
            scale,
            report,
            spread,
        } => {
            let (out, scale, report, spread) = (out.clone(), *scale, *report, *spread);
            blocking(move || {
                if let Some(count) = spread {
                    print!("{}", kpi_seeds::measure::spread(count)?);
                    return Ok(ExitCode::SUCCESS);
                }
                let started = std::time::Instant::now();
                let s = kpi_seeds::generate(&out, scale).with_context(|| format!("writing {}", out.display()))?;
                println!(
                    "{} units, {} appeals, {} service cases, {} staffing rows, {} plans with {} check-ins in {} files under {} ({:.1} s)",
                    s.units, s.appeals, s.service_cases, s.staffing_rows, s.plans, s.plan_checkins,
                    s.files.len(), out.display(), started.elapsed().as_secs_f64()
                );
                if report {
                    for f in &s.files {
                        let size = std::fs::metadata(f)?.len();
                        println!("  {} {:.1} MB", f.display(), size as f64 / 1e6);
                    }
                    if scale <= 2.0 {
                        print!("{}", kpi_seeds::measure::report(&out));
                    } else {
                        println!("(the effects are measured at scale 2 at most: they are read into memory)");
                    }
                }
                Ok(ExitCode::SUCCESS)
            })
            .await
        }
        Command::User { action } => {
            let config = config(&cli, String::new(), 0, PathBuf::new());
            let action = match action {
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
                    Some(NewUser {
                        name: name.clone(),
                        display_name: display_name.clone(),
                        role,
                        home_unit: unit.clone(),
                        password: read_password()?,
                    })
                }
                _ => None,
            };
            let reset = match &cli.command {
                Command::User {
                    action: UserAction::ResetPassword { name },
                } => Some((name.clone(), read_password()?)),
                _ => None,
            };
            let database = config.database.clone().expect("a database file");
            blocking(move || {
                // Users only: the KPI files are not loaded, nor the state built.
                let db = Db::open(&database, DEFAULT_MEMORY_LIMIT)?;
                db.with(|c| {
                    let units = kpi_backend::state::read_units(c)?;
                    if let Some(new) = &action {
                        let user = auth::add_user(c, new, &units)?;
                        kpi_backend::audit::record(
                            c,
                            None,
                            "user_added",
                            &format!("{} as {} (command line)", user.name, user.role.as_str()),
                            None,
                        )?;
                        println!(
                            "added {} ({}, {})",
                            user.name,
                            user.role.as_str(),
                            user.home_unit.as_deref().unwrap_or("every unit")
                        );
                    } else if let Some((name, password)) = &reset {
                        auth::reset_password(c, name, password)?;
                        kpi_backend::audit::record(
                            c,
                            None,
                            "password_reset",
                            &format!("password of {name} reset (command line)"),
                            None,
                        )?;
                        println!("password of {name} reset; their sessions ended");
                    } else {
                        for u in auth::list_users(c)? {
                            println!(
                                "{:<24} {:<16} {:<20} {}",
                                u.name,
                                u.role.as_str(),
                                u.home_unit.as_deref().unwrap_or("(every unit)"),
                                u.display_name
                            );
                        }
                    }
                    Ok(())
                })?;
                Ok(ExitCode::SUCCESS)
            })
            .await
        }
        Command::Audit { limit } => {
            let database = cli.database.clone();
            let limit = *limit;
            blocking(move || {
                let db = Db::open(&database, DEFAULT_MEMORY_LIMIT)?;
                for e in db.with(|c| kpi_backend::audit::recent(c, limit))? {
                    println!(
                        "{} {:<16} {:<20} {:<16} {}",
                        e.at,
                        e.action,
                        e.actor.as_deref().unwrap_or("-"),
                        e.ip.as_deref().unwrap_or("-"),
                        e.detail
                    );
                }
                Ok(ExitCode::SUCCESS)
            })
            .await
        }
        Command::SandboxWorker { .. } => unreachable!("answered before the runtime starts"),
        Command::Precompress { dir } => {
            let dir = dir.clone();
            blocking(move || {
                let sizes = kpi_backend::transfer::precompress(&dir)
                    .with_context(|| format!("precompressing {}", dir.display()))?;
                let (mut raw, mut br, mut gz) = (0, 0, 0);
                for (file, r, b, g) in &sizes {
                    println!("{file:<44} {r:>9} B  brotli {b:>8} B  gzip {g:>8} B");
                    (raw, br, gz) = (raw + r, br + b, gz + g);
                }
                println!(
                    "{:<44} {raw:>9} B  brotli {br:>8} B  gzip {gz:>8} B",
                    "total"
                );
                Ok(ExitCode::SUCCESS)
            })
            .await
        }
        Command::Check { seed, scale } => {
            let config = config(&cli, String::new(), 0, PathBuf::new());
            let (seed, scale) = (seed.clone(), *scale);
            blocking(move || {
                let state = AppState::new(config)?;
                if let Some(dir) = &seed {
                    kpi_backend::seed::load_if_empty(&state, dir, scale)?;
                }
                let report = kpi_backend::check::run(&state);
                print!("{}", report.table);
                Ok(if report.ok {
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
