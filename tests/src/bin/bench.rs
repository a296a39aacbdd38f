//! `scripts/bench`: the server measured against its own baselines, in one run, on this machine.
//! Prints one table; every figure stands beside the baseline measured in the same run, as
//! medians of repeated runs.
//!
//! - Import: the seed's data files, a file a month as a registry exports them, through
//!   `kpiboard import`'s path (checked, one transaction a file, roll-ups kept) against DuckDB's
//!   own `read_csv` bulk load of the same files.
//! - Cold: each KPI's series and the Perm and Perm Krai boards through HTTP with nothing cached,
//!   against the same SQL run straight on the same snapshot file in this process, with the
//!   worker's settings (each rep shifts the period a week, so nothing is cached).
//! - Warm: the same board asked again (from the result cache), p50 over many asks.
//! - Load: N clients on loopback for a fixed time, boards, series and comparisons mixed across
//!   units and roles: requests per second, p50, p99, errors.
//! - Peak memory of the server and its workers; the web app's transfer sizes.
//!
//! Options: `--scale 1` (the seed's size; 1 is about a million appeals; `--scale 1,10,100` runs
//! each and then prints how each figure grows with the data, as the ratio to the first scale),
//! `--seconds 10` (each load run), `--reps 5` (cold runs per figure), `--dist dist`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kpi_api::Grain;
use kpi_backend::kpi::{self, Periods, Scope};
use kpi_backend::sandbox::{worker, Rows, Sandbox};
use kpi_backend::{AppState, Config, Limits};
use kpi_tests::Session;

struct Options {
    scales: Vec<f64>,
    seconds: u64,
    reps: usize,
    dist: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        scales: vec![1.0],
        seconds: 10,
        reps: 5,
        dist: kpi_tests::repo_root().join("dist"),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--scale" => {
                o.scales = value
                    .split(',')
                    .map(|v| v.trim().parse().expect("--scale: numbers, comma-separated"))
                    .collect()
            }
            "--seconds" => o.seconds = value.parse().expect("--seconds: whole seconds"),
            "--reps" => o.reps = value.parse().expect("--reps: a count"),
            "--dist" => o.dist = PathBuf::from(value),
            other => panic!("unknown option {other}; see the top of tests/src/bin/bench.rs"),
        }
        i += 2;
    }
    o
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One row of the table: what, the figure, its baseline, and the target it is held to.
struct Row {
    /// What it is, the same at every scale.
    key: String,
    /// The figure as a number and its unit, for how it grows with the data.
    amount: Option<(f64, &'static str)>,
    what: String,
    value: String,
    baseline: String,
    ratio: Option<f64>,
    target: String,
    met: Option<bool>,
}

fn row(what: impl Into<String>, value: impl Into<String>, baseline: impl Into<String>) -> Row {
    let what = what.into();
    Row {
        key: what.clone(),
        amount: None,
        what,
        value: value.into(),
        baseline: baseline.into(),
        ratio: None,
        target: String::new(),
        met: None,
    }
}

fn ms(x: f64) -> String {
    format!("{:.1} ms", x * 1000.0)
}

/// The default period's end (the seed ends with 2021) and a week earlier for each rep.
fn period(rep: usize) -> (NaiveDate, NaiveDate) {
    let shift = chrono::Duration::days(7 * rep as i64);
    (
        NaiveDate::from_ymd_opt(2021, 10, 1).unwrap() - shift,
        NaiveDate::from_ymd_opt(2021, 12, 31).unwrap() - shift,
    )
}

fn peak_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|k| k.parse().ok())
        .unwrap_or(0)
}

fn worker_pids(db: &Path) -> Vec<u32> {
    let staging = format!("{}.staging", db.display());
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let pid: u32 = e.file_name().to_str()?.parse().ok()?;
                    let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
                    let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
                    (cmd.contains("sandbox-worker") && cmd.contains(&staging)).then_some(pid)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let o = options();
    let mut tables = Vec::new();
    for &scale in &o.scales {
        tables.push((scale, measure(&o, scale).await));
    }
    let Some(((first, base), rest)) = tables.split_first() else {
        return;
    };
    if rest.is_empty() {
        return;
    }
    println!("\nhow each figure grows with the data (the ratio to scale {first})\n");
    print!("{:<62} {:>16}", "figure", format!("scale {first}"));
    for (scale, _) in rest {
        print!(" {:>16} {:>7}", format!("scale {scale}"), "ratio");
    }
    println!();
    for r in base {
        let Some((a, unit)) = r.amount else { continue };
        print!("{:<62} {:>16}", r.key, amount(a, unit));
        for (_, rows) in rest {
            match rows.iter().find(|x| x.key == r.key).and_then(|x| x.amount) {
                Some((b, _)) => print!(" {:>16} {:>6.2}x", amount(b, unit), b / a),
                None => print!(" {:>16} {:>7}", "", ""),
            }
        }
        println!();
    }
}

/// Splits an export of appeals or service cases into one file per month of its date (received,
/// submitted), named `<name>_<YYYY-MM>.csv`, and removes it; other files stay whole.
fn monthly(file: &Path) -> Vec<PathBuf> {
    use std::collections::BTreeMap;
    use std::io::{BufRead, BufWriter, Write};
    let text = std::fs::File::open(file).expect("a seed file");
    let mut lines = std::io::BufReader::with_capacity(1 << 20, text).lines();
    let header = lines.next().expect("a header").expect("text");
    let Some(column) = header
        .split(',')
        .position(|c| c == "received_at" || c == "submitted_at")
    else {
        return vec![file.to_path_buf()];
    };
    let stem = file.file_stem().unwrap().to_string_lossy().to_string();
    let mut out: BTreeMap<String, (PathBuf, BufWriter<std::fs::File>)> = BTreeMap::new();
    for line in lines {
        let line = line.expect("text");
        let month = line
            .split(',')
            .nth(column)
            .unwrap_or_default()
            .get(..7)
            .unwrap_or("none")
            .to_string();
        let (_, w) = out.entry(month.clone()).or_insert_with(|| {
            let path = file.with_file_name(format!("{stem}_{month}.csv"));
            let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
            writeln!(w, "{header}").unwrap();
            (path, w)
        });
        writeln!(w, "{line}").unwrap();
    }
    std::fs::remove_file(file).unwrap();
    out.into_values()
        .map(|(path, mut w)| {
            w.flush().unwrap();
            path
        })
        .collect()
}

/// A figure with its unit: seconds as milliseconds, the others as they are.
fn amount(x: f64, unit: &str) -> String {
    match unit {
        "s" => ms(x),
        unit => format!("{x:.0} {unit}"),
    }
}

/// Every figure at `scale`, printed as one table and returned.
async fn measure(o: &Options, scale: f64) -> Vec<Row> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let seeds = dir.path().join("seeds");
    let db_path = dir.path().join("bench.duckdb");
    eprintln!("generating the seed at scale {scale} ...");
    let summary = kpi_seeds::generate(&seeds, scale).expect("the seed generates");
    let mut rows = Vec::new();

    // Import, in this process, against DuckDB's own bulk load of the same files.
    let data: Vec<PathBuf> = summary
        .files
        .iter()
        .filter(|f| {
            let name = f.file_name().unwrap().to_string_lossy();
            !name.starts_with("plan")
        })
        .cloned()
        .collect();
    // As a registry exports them: a file a month (a year of appeals at scale 100 is 34
    // million rows, more than one transaction should hold).
    let data: Vec<PathBuf> = data.iter().flat_map(|f| monthly(f)).collect();
    let mut data = data;
    kpi_backend::import::import_order(&mut data);
    let config = Config {
        database: Some(db_path.clone()),
        lake: None,
        queries: kpi_tests::repo_root().join("queries"),
        dist: o.dist.clone(),
        host: "127.0.0.1".to_string(),
        port: 0,
        limits: Limits::default(),
        today: None,
        sandbox: kpi_backend::sandbox::Launch::Process(kpi_tests::kpiboard_binary()),
    };
    // File by file: DuckDB's bulk load of the file (into memory, dropped at once), then the
    // import of the same file; then the file goes (at scale 100 the files and the database
    // would not fit on the disk together).
    let (state, imported, import_secs, bulk_secs) = tokio::task::spawn_blocking(move || {
        let state = AppState::new(config).expect("state");
        let bulk = duckdb::Connection::open_in_memory().unwrap();
        let (mut n, mut import_secs, mut bulk_secs) = (0u64, 0.0, 0.0);
        for file in &data {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            let started = Instant::now();
            bulk.execute_batch(&format!(
                "CREATE TABLE bulk AS SELECT * FROM read_csv('{}', header = true)",
                file.display()
            ))
            .unwrap();
            bulk_secs += started.elapsed().as_secs_f64();
            bulk.execute_batch("DROP TABLE bulk").unwrap();
            let started = Instant::now();
            n += state
                .import(file, &name)
                .expect("a seed file imports")
                .rows_in_file;
            import_secs += started.elapsed().as_secs_f64();
            if name.starts_with("appeals") || name.starts_with("service_cases") {
                std::fs::remove_file(file).unwrap();
            }
        }
        (state, n, import_secs, bulk_secs)
    })
    .await
    .unwrap();
    let mut r = row(
        format!("import: {imported} rows of the seed's data files"),
        format!("{:.0} rows/s", imported as f64 / import_secs),
        format!("{:.0} rows/s (read_csv)", imported as f64 / bulk_secs),
    );
    r.ratio = Some(import_secs / bulk_secs);
    r.key = "import of the seed's data files".to_string();
    r.amount = Some((imported as f64 / import_secs, "rows/s"));
    r.target = ">= 70% of read_csv".to_string();
    r.met = Some(bulk_secs / import_secs >= 0.7);
    rows.push(r);
    {
        let state = std::sync::Arc::clone(&state);
        let seeds = seeds.clone();
        tokio::task::spawn_blocking(move || {
            kpi_backend::seed::load_if_empty(&state, &seeds, scale).expect("plans and accounts")
        })
        .await
        .unwrap();
    }

    // The same SQL straight on the same snapshot, in this process, with the worker's settings.
    let catalog = state.catalog();
    let kpis: Vec<kpi::Kpi> = catalog.kpis.values().cloned().collect();
    let board_kpis: Vec<kpi::Kpi> = state
        .boards()
        .iter()
        .find(|b| b.id == "overview")
        .expect("the overview board")
        .kpis
        .iter()
        .map(|id| catalog.kpis[id].clone())
        .collect();
    let engine = worker::EngineLimits {
        memory: Limits::default().memory,
        threads: 1,
    };
    // The admin's snapshot (every row): the HTTP side below asks as the admin too.
    // (Written where the server's engine may write: its staging folder.)
    let snapshot = state.db.staging_dir().join("raw-all.duckdb");
    let started = Instant::now();
    Sandbox::write_snapshot_file(&state.db, &Rows::All, &snapshot).expect("a snapshot");
    let snapshot_secs = started.elapsed().as_secs_f64();
    let mut r = row(
        "snapshot of every row (the admin's, after an import)",
        ms(snapshot_secs),
        format!(
            "{} MB",
            std::fs::metadata(&snapshot).map(|m| m.len()).unwrap_or(0) >> 20
        ),
    );
    r.amount = Some((snapshot_secs, "s"));
    rows.push(r);
    // One connection, warmed once over every query, as a worker is after its first board.
    let conn = worker::open(&snapshot, &engine).expect("the snapshot opens");
    let raw = |requests: Vec<kpi_backend::sandbox::Request>| {
        let started = Instant::now();
        for request in &requests {
            worker::answer(&conn, request).expect("the SQL runs");
        }
        started.elapsed().as_secs_f64()
    };
    let series_request = |k: &kpi::Kpi, unit: &str, rep: usize| {
        let (from, to) = period(rep);
        kpi::evaluation(k, Scope::Unit(unit), &Periods::grain(Grain::Week, from, to))
    };
    let requests_of = |kpis: &[kpi::Kpi], unit: &str, rep: usize| {
        let (from, to) = period(rep);
        kpis.iter()
            .flat_map(|k| {
                [
                    kpi::evaluation(k, Scope::Unit(unit), &Periods::comparisons(from, to).0),
                    kpi::evaluation(k, Scope::Unit(unit), &Periods::grain(Grain::Week, from, to)),
                ]
            })
            .collect::<Vec<_>>()
    };
    for k in &kpis {
        raw(vec![series_request(k, "perm", 0)]);
    }
    raw(requests_of(&board_kpis, "perm", 0));
    raw(requests_of(&board_kpis, "perm-krai", 0));
    let mut raw_series = Vec::new();
    for k in &kpis {
        let times: Vec<f64> = (0..o.reps)
            .map(|rep| raw(vec![series_request(k, "perm", rep)]))
            .collect();
        raw_series.push(median(times));
    }
    let raw_boards: Vec<f64> = ["perm", "perm-krai"]
        .iter()
        .map(|unit| {
            median(
                (0..o.reps)
                    .map(|rep| raw(requests_of(&board_kpis, unit, rep)))
                    .collect(),
            )
        })
        .collect();
    // The same boards with every KPI on its raw rows: what the roll-ups save.
    let unrolled: Vec<kpi::Kpi> = board_kpis
        .iter()
        .map(|k| {
            let mut k = k.clone();
            k.rollup = None;
            k
        })
        .collect();
    raw(requests_of(&unrolled, "perm", 0));
    for (i, unit) in ["perm", "perm-krai"].iter().enumerate() {
        let t = median(
            (0..o.reps)
                .map(|rep| raw(requests_of(&unrolled, unit, rep)))
                .collect(),
        );
        let mut r = row(
            format!("board {unit}, straight SQL, roll-ups vs raw rows only"),
            ms(raw_boards[i]),
            format!("{} raw rows only", ms(t)),
        );
        r.key = format!("board {unit} from raw rows only (straight SQL)");
        r.amount = Some((t, "s"));
        r.ratio = Some(raw_boards[i] / t);
        rows.push(r);
    }
    drop(conn);
    drop(catalog);
    drop(state);
    // A copy of every row: at scale 100 the disk holds two at most.
    std::fs::remove_file(&snapshot).expect("the snapshot goes");

    // The server, as `scripts/run` starts it, on the same database.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server: Child = Command::new(kpi_tests::kpiboard_binary())
        .arg("--database")
        .arg(&db_path)
        .arg("--queries")
        .arg(kpi_tests::repo_root().join("queries"))
        .args(["serve", "--port", &port.to_string(), "--dist"])
        .arg(&o.dist)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kpiboard starts");
    let base = format!("http://127.0.0.1:{port}");
    kpi_tests::wait_until_serving(&base, Duration::from_secs(120), "kpiboard").await;
    let password = kpi_backend::seed::DEMO_PASSWORD;
    let admin = Session::sign_in(&base, "admin", password).await.unwrap();
    let mayor = Session::sign_in(&base, "mayor.perm", password)
        .await
        .unwrap();
    let governor = Session::sign_in(&base, "governor.perm", password)
        .await
        .unwrap();
    let analyst = Session::sign_in(&base, "analyst.mashhad", password)
        .await
        .unwrap();
    let timed = |s: &Session, path: String| {
        let s = s.clone();
        async move {
            let started = Instant::now();
            let (status, _) = s.get_json(&path).await;
            assert_eq!(status, 200, "{path}");
            started.elapsed().as_secs_f64()
        }
    };
    // Snapshots and workers first: "cold" is about answers, not about starting processes.
    timed(&admin, "/api/boards/overview?unit=perm".to_string()).await;

    // The median over reps of a path that names its period: each rep a week earlier, uncached.
    let cold = |path: &dyn Fn(NaiveDate, NaiveDate) -> String| {
        let paths: Vec<String> = (0..o.reps)
            .map(|rep| {
                // Not the default period, which the first board above already asked for.
                let (from, to) = period(rep + 1);
                path(from, to)
            })
            .collect();
        let admin = admin.clone();
        async move {
            let mut times = Vec::new();
            for p in paths {
                times.push(timed(&admin, p).await);
            }
            median(times)
        }
    };
    let held = |what: String, http: f64, raw: f64, baseline: String| {
        let mut r = row(what, ms(http), baseline);
        r.amount = Some((http, "s"));
        r.ratio = Some(http / raw);
        r.target = "<= 1.2x".to_string();
        r.met = Some(http / raw <= 1.2);
        r
    };
    for (i, k) in kpis.iter().enumerate() {
        let id = k.def.id.clone();
        let http = cold(&move |from, to| {
            format!("/api/kpis/{id}/values?unit=perm&from={from}&to={to}&grain=week")
        })
        .await;
        rows.push(held(
            format!("cold series {} (perm, 13 weeks)", k.def.id),
            http,
            raw_series[i],
            ms(raw_series[i]),
        ));
    }
    for (i, (unit, limit)) in [("perm", 0.3), ("perm-krai", 1.0)].iter().enumerate() {
        let http =
            cold(&move |from, to| format!("/api/boards/overview?unit={unit}&from={from}&to={to}"))
                .await;
        let mut r = held(
            format!("cold board {unit} ({} queries)", board_kpis.len() * 2),
            http,
            raw_boards[i],
            format!("{} (one after another)", ms(raw_boards[i])),
        );
        r.target = format!("<= 1.2x, < {}", ms(*limit));
        r.met = Some(http / raw_boards[i] <= 1.2 && http < *limit);
        rows.push(r);
    }
    let mut warm = Vec::new();
    for _ in 0..200 {
        warm.push(timed(&mayor, "/api/boards/overview?unit=perm".to_string()).await);
    }
    warm.sort_by(|a, b| a.total_cmp(b));
    let mut r = row(
        "warm board perm (cached), p50 of 200",
        ms(percentile(&warm, 0.5)),
        format!("{} cold", ms(raw_boards[0])),
    );
    r.amount = Some((percentile(&warm, 0.5), "s"));
    r.target = "p50 < 5 ms".to_string();
    r.met = Some(percentile(&warm, 0.5) < 0.005);
    rows.push(r);

    // Experiments: each seeded analysis asked for the first time (the KPI by unit and period,
    // then every re-run) and again (kept until the data, the KPI or the experiment change).
    for (id, kpi) in [
        ("shymkent-open-space", "appeal_response_hours_median"),
        ("mashhad-e-municipality", "e_service_share"),
        ("perm-portal-and-posts", "vacancy_rate"),
        ("perm-portal-and-posts", "e_service_share"),
        ("krasnodar-feedback-platform", "feedback_platform_share"),
    ] {
        let path = format!("/api/experiments/{id}/analysis?kpi={kpi}");
        let first = timed(&admin, path.clone()).await;
        let again = timed(&admin, path).await;
        let mut r = row(
            format!("experiment {id}: {kpi}"),
            format!("{} first", ms(first)),
            format!("{} asked again", ms(again)),
        );
        r.ratio = Some(first / again);
        r.amount = Some((first, "s"));
        r.target = "first < 1 s".to_string();
        r.met = Some(first < 1.0);
        rows.push(r);
    }

    // Load: boards, series and comparisons of four roles, warm.
    let mix: Vec<(Session, String)> = vec![
        (mayor.clone(), "/api/boards/overview?unit=perm".into()),
        (
            mayor.clone(),
            "/api/kpis/appeal_on_time_share/values?unit=perm".into(),
        ),
        (
            governor.clone(),
            "/api/boards/overview?unit=perm-krai".into(),
        ),
        (
            governor.clone(),
            "/api/kpis/appeal_on_time_share/children?unit=perm-krai".into(),
        ),
        (admin.clone(), "/api/boards/overview?unit=shymkent".into()),
        (
            admin.clone(),
            "/api/kpis/e_service_share/values?unit=shymkent&grain=month".into(),
        ),
        (analyst.clone(), "/api/boards/overview?unit=mashhad".into()),
        (
            analyst.clone(),
            "/api/kpis/vacancy_rate/children?unit=mashhad".into(),
        ),
    ];
    for (s, path) in &mix {
        timed(s, path.clone()).await;
    }
    for clients in [8usize, 32] {
        let until = Instant::now() + Duration::from_secs(o.seconds);
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                let mix = mix.clone();
                tokio::spawn(async move {
                    let http = reqwest::Client::new();
                    let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, c);
                    while Instant::now() < until {
                        let (s, path) = &mix[i % mix.len()];
                        i += 1;
                        let started = Instant::now();
                        let ok = match http
                            .get(format!("{}{path}", s.base))
                            .header("cookie", &s.cookie)
                            .send()
                            .await
                        {
                            Ok(res) => res.status() == 200 && res.bytes().await.is_ok(),
                            Err(_) => false,
                        };
                        lat.push(started.elapsed().as_secs_f64());
                        if !ok {
                            errors += 1;
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        let (mut lat, mut errors) = (Vec::new(), 0);
        for t in tasks {
            let (l, e) = t.await.unwrap();
            lat.extend(l);
            errors += e;
        }
        lat.sort_by(|a, b| a.total_cmp(b));
        let rps = lat.len() as f64 / o.seconds as f64;
        let (p50, p99) = (percentile(&lat, 0.5), percentile(&lat, 0.99));
        let mut r = row(
            format!("load: {clients} clients, {} s, warm mix", o.seconds),
            format!("{rps:.0} req/s, p50 {}, p99 {}", ms(p50), ms(p99)),
            format!("{errors} errors"),
        );
        r.amount = Some((rps, "req/s"));
        if clients == 32 {
            r.target = ">= 3000 req/s, p99 < 50 ms".to_string();
            r.met = Some(rps >= 3000.0 && p99 < 0.05 && errors == 0);
        }
        rows.push(r);
    }

    let workers = worker_pids(&db_path);
    let worker_peak: u64 = workers.iter().map(|p| peak_kb(*p)).sum();
    let server_peak = peak_kb(server.id());
    let mut r = row(
        "peak memory (VmHWM)",
        format!("server {} MB", server_peak / 1024),
        format!("{} workers {} MB in all", workers.len(), worker_peak / 1024),
    );
    r.key = "peak memory of the server".to_string();
    r.amount = Some((server_peak as f64 / 1024.0, "MB"));
    r.target = "server < 4 GiB".to_string();
    r.met = Some(server_peak < 4 << 20);
    rows.push(r);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(
        PathBuf::from(format!("{}.staging", db_path.display())).join("scopes"),
    );

    // The lake: written from the database, then served by a server of its own, read only.
    let lake = dir.path().join("lake");
    let started = Instant::now();
    let status = Command::new(kpi_tests::kpiboard_binary())
        .arg("--database")
        .arg(&db_path)
        .arg("--queries")
        .arg(kpi_tests::repo_root().join("queries"))
        .arg("export-lake")
        .arg(&lake)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("kpiboard export-lake runs");
    assert!(status.success(), "export-lake failed");
    let export_secs = started.elapsed().as_secs_f64();
    let lake_bytes: u64 = kpi_backend::lake::parquet_files(&lake)
        .iter()
        .filter_map(|f| f.metadata().ok().map(|m| m.len()))
        .sum();
    let db_bytes = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);
    let mut r = row(
        "export-lake: Parquet by region and month",
        format!("{:.1} s, {} MB", export_secs, lake_bytes >> 20),
        format!("database file {} MB", db_bytes >> 20),
    );
    r.key = "export-lake".to_string();
    r.amount = Some((export_secs, "s"));
    rows.push(r);
    let lake_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let own = dir.path().join("lake-server.duckdb");
    let mut lake_server: Child = Command::new(kpi_tests::kpiboard_binary())
        .arg("--database")
        .arg(&own)
        .arg("--queries")
        .arg(kpi_tests::repo_root().join("queries"))
        .args(["serve", "--port", &lake_port.to_string(), "--lake"])
        .arg(&lake)
        .arg("--seed")
        .arg(&seeds)
        .arg("--dist")
        .arg(&o.dist)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the lake server starts");
    let lake_base = format!("http://127.0.0.1:{lake_port}");
    let spawned = Instant::now();
    kpi_tests::wait_until_serving(&lake_base, Duration::from_secs(600), "the lake server").await;
    let start_secs = spawned.elapsed().as_secs_f64();
    let lake_admin = Session::sign_in(&lake_base, "admin", password)
        .await
        .unwrap();
    let started = Instant::now();
    timed(&lake_admin, "/api/boards/overview?unit=perm".to_string()).await;
    let mut r = row(
        "lake server: first board (its snapshot of the lake)",
        ms(started.elapsed().as_secs_f64()),
        format!("{} to start", ms(start_secs)),
    );
    r.key = "lake server: first board".to_string();
    r.amount = Some((started.elapsed().as_secs_f64(), "s"));
    rows.push(r);
    for (unit, file_row) in [
        ("perm", "cold board perm"),
        ("perm-krai", "cold board perm-krai"),
    ] {
        let paths: Vec<String> = (0..o.reps)
            .map(|rep| {
                let (from, to) = period(rep + 1);
                format!("/api/boards/overview?unit={unit}&from={from}&to={to}")
            })
            .collect();
        let mut times = Vec::new();
        for p in paths {
            times.push(timed(&lake_admin, p).await);
        }
        let t = median(times);
        let file_time = rows
            .iter()
            .find(|r| r.what.starts_with(file_row))
            .and_then(|r| r.amount)
            .map(|(x, _)| x)
            .unwrap_or(f64::NAN);
        let mut r = row(
            format!("lake server: cold board {unit}"),
            ms(t),
            format!("{} from the database file", ms(file_time)),
        );
        r.amount = Some((t, "s"));
        r.ratio = Some(t / file_time);
        rows.push(r);
    }
    let _ = lake_server.kill();
    let _ = lake_server.wait();

    let size = |suffix: &str| -> u64 {
        std::fs::read_dir(&o.dist)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        let name = p.to_string_lossy();
                        match suffix {
                            "" => !name.ends_with(".br") && !name.ends_with(".gz"),
                            s => name.ends_with(s),
                        }
                    })
                    .filter_map(|p| p.metadata().ok().map(|m| m.len()))
                    .sum()
            })
            .unwrap_or(0)
    };
    let (plain, gz, br) = (size(""), size(".gz"), size(".br"));
    let mut r = row(
        "web app transfer (all files)",
        format!("brotli {} KB, gzip {} KB", br / 1024, gz / 1024),
        format!("{} KB raw", plain / 1024),
    );
    r.target = "< 400 KB compressed".to_string();
    r.met = Some(br > 0 && br < 400 * 1024);
    rows.push(r);

    println!(
        "\nkpiboard benchmark: scale {} ({} appeals, {} service cases), {} reps, {} s loads\n",
        scale, summary.appeals, summary.service_cases, o.reps, o.seconds
    );
    println!(
        "{:<50} {:>34} {:>34} {:>7}  {:<26} met",
        "figure", "value", "baseline", "ratio", "target"
    );
    for r in &rows {
        println!(
            "{:<50} {:>34} {:>34} {:>7}  {:<26} {}",
            r.what,
            r.value,
            r.baseline,
            r.ratio.map(|x| format!("{x:.2}x")).unwrap_or_default(),
            r.target,
            match r.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            }
        );
    }
    rows
}
