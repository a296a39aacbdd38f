//! Roll-ups are right at every level: a ratio (appeals closed on time), a median (time to first
//! response) and a volume (open appeals past their deadline) for a region, its cities, a
//! district and its departments, each against the same figure computed here, independently of
//! the server, from the seed's export files.
//! A running quarter's forecast is checked the same way.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use kpi_tests::{seed_dir, TestServer};

const FROM: &str = "2021-01-01";
const TO: &str = "2021-03-31";

/// One appeal of the export, as the KPIs read it.
struct Appeal {
    unit: String,
    received: NaiveDateTime,
    first_response: Option<NaiveDateTime>,
    closed: Option<NaiveDateTime>,
    due: NaiveDateTime,
}

fn moment(text: &str) -> Option<NaiveDateTime> {
    (!text.is_empty()).then(|| {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    })
}

/// Every appeal of the seed, and each unit's parent (from `org_units.csv`).
fn read_seed() -> (Vec<Appeal>, HashMap<String, Option<String>>) {
    let dir = seed_dir();
    let org = std::fs::read_to_string(dir.join("org_units.csv")).unwrap();
    // id,parent_id,kind,name,population: only a name can be quoted, and it comes after these.
    let parents = org
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.splitn(3, ',');
            let id = fields.next().unwrap().to_string();
            let parent = fields.next().unwrap();
            (id, (!parent.is_empty()).then(|| parent.to_string()))
        })
        .collect();
    let mut appeals = Vec::new();
    for year in 2019..=2021 {
        let text = std::fs::read_to_string(dir.join(format!("appeals_{year}.csv"))).unwrap();
        for line in text.lines().skip(1) {
            // appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating
            let f: Vec<&str> = line.split(',').collect();
            appeals.push(Appeal {
                unit: f[1].to_string(),
                received: moment(f[4]).unwrap(),
                first_response: moment(f[5]),
                closed: moment(f[6]),
                due: moment(f[7]).unwrap(),
            });
        }
    }
    (appeals, parents)
}

/// Whether `unit` is `ancestor` or lies under it.
fn under(parents: &HashMap<String, Option<String>>, unit: &str, ancestor: &str) -> bool {
    let mut at = Some(unit.to_string());
    while let Some(u) = at {
        if u == ancestor {
            return true;
        }
        at = parents.get(&u).cloned().flatten();
    }
    false
}

/// Whole minutes between two moments, as DuckDB's `date_diff('minute', a, b)` counts them (the
/// minute boundaries crossed).
fn minutes(a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    let floor = |t: NaiveDateTime| t.with_second(0).unwrap().and_utc().timestamp() / 60;
    floor(b) - floor(a)
}

fn median(values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// What the three KPIs are made of for the appeals under `unit` in `FROM..=TO`, from the rows.
struct Parts {
    /// Closed on time, of those due in the period.
    on_time: usize,
    due: usize,
    /// Hours to a first response, of those received in the period and answered, sorted.
    hours: Vec<f64>,
    /// Open past the deadline at the period's end.
    overdue: usize,
}

fn parts(appeals: &[Appeal], parents: &HashMap<String, Option<String>>, unit: &str) -> Parts {
    let start = FROM
        .parse::<NaiveDate>()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let end = TO
        .parse::<NaiveDate>()
        .unwrap()
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mine: Vec<&Appeal> = appeals
        .iter()
        .filter(|a| under(parents, &a.unit, unit))
        .collect();
    let due: Vec<&&Appeal> = mine
        .iter()
        .filter(|a| a.due >= start && a.due < end)
        .collect();
    let mut hours: Vec<f64> = mine
        .iter()
        .filter(|a| a.received >= start && a.received < end)
        .filter_map(|a| {
            a.first_response
                .map(|r| minutes(a.received, r) as f64 / 60.0)
        })
        .collect();
    hours.sort_by(f64::total_cmp);
    Parts {
        on_time: due
            .iter()
            .filter(|a| a.closed.is_some_and(|c| c <= a.due))
            .count(),
        due: due.len(),
        hours,
        overdue: mine
            .iter()
            .filter(|a| a.due < end && a.received < end && a.closed.is_none_or(|c| c >= end))
            .count(),
    }
}

/// The three KPIs for the appeals under `unit`, computed from the rows.
fn by_hand(
    appeals: &[Appeal],
    parents: &HashMap<String, Option<String>>,
    unit: &str,
) -> [Option<f64>; 3] {
    let p = parts(appeals, parents, unit);
    let share = (p.due > 0).then(|| p.on_time as f64 / p.due as f64 * 100.0);
    [share, median(p.hours), Some(p.overdue as f64)]
}

const KPIS: [&str; 3] = [
    "appeal_on_time_share",
    "appeal_response_hours_median",
    "appeal_overdue_open",
];

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ratio_a_median_and_a_volume_add_up_at_every_level() {
    let server = TestServer::start(true).await;
    let (appeals, parents) = tokio::task::block_in_place(read_seed);
    assert!(appeals.len() > 10_000, "{} appeals", appeals.len());
    // Region -> cities, city -> districts, district -> departments: the parent's total and each
    // child's value, at every level down to the departments where the appeals are filed.
    let mut checked = 0;
    for parent in ["perm-krai", "perm", "perm-leninsky", "mashhad", "shymkent"] {
        for (k, kpi) in KPIS.iter().enumerate() {
            let (status, answer) = server
                .get_json(&format!(
                    "/api/kpis/{kpi}/children?unit={parent}&from={FROM}&to={TO}"
                ))
                .await;
            assert_eq!(status, 200, "{answer}");
            let want = by_hand(&appeals, &parents, parent)[k];
            let got = answer["total"].as_f64();
            assert!(
                close(got, want),
                "{kpi} for {parent}: server {got:?}, files {want:?}"
            );
            let children = answer["children"].as_array().unwrap();
            assert!(!children.is_empty(), "{parent} has children");
            for child in children {
                let unit = child["unit"]["id"].as_str().unwrap();
                let want = by_hand(&appeals, &parents, unit)[k];
                let got = child["value"].as_f64();
                assert!(
                    close(got, want),
                    "{kpi} for {unit}: server {got:?}, files {want:?}"
                );
                checked += 1;
            }
        }
    }
    // The region's share is its appeals' share, not the mean of its cities' shares.
    let (_, cities) = server
        .get_json(&format!(
            "/api/kpis/appeal_on_time_share/children?unit=perm-krai&from={FROM}&to={TO}"
        ))
        .await;
    let values: Vec<f64> = cities["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["value"].as_f64())
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    assert!(
        (mean - cities["total"].as_f64().unwrap()).abs() > 1e-6,
        "the test would not tell a mean of shares from the share"
    );
    assert!(checked >= 60, "{checked} values checked");
}

/// The league table's intervals are those of the rows: Wilson from the share's counts, the
/// median's order statistics, and exact Poisson for the overdue count per 1,000 residents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_league_tables_intervals_come_from_the_rows() {
    let server = TestServer::start(true).await;
    let (appeals, parents) = tokio::task::block_in_place(read_seed);
    let league = |kpi: &'static str| {
        let server = &server;
        async move {
            let (status, league) = server
                .get_json(&format!(
                    "/api/kpis/{kpi}/league?unit=perm&from={FROM}&to={TO}"
                ))
                .await;
            assert_eq!(status, 200, "{league}");
            league
        }
    };
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let (share, hours, overdue) = (
        league("appeal_on_time_share").await,
        league("appeal_response_hours_median").await,
        league("appeal_overdue_open").await,
    );
    assert_eq!(share["method"], "wilson");
    assert_eq!(hours["method"], "order_statistic");
    assert_eq!(overdue["method"], "poisson");
    assert_eq!(overdue["per_capita"], true);
    let units: HashMap<String, i64> = {
        let (_, list) = server.get_json("/api/units").await;
        list.as_array()
            .unwrap()
            .iter()
            .filter_map(|u| Some((u["id"].as_str()?.to_string(), u["population"].as_i64()?)))
            .collect()
    };
    let row = |league: &serde_json::Value, unit: &str| -> serde_json::Value {
        league["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit"]["id"] == unit)
            .unwrap_or_else(|| panic!("{unit} in {league}"))
            .clone()
    };
    let districts: Vec<String> = share["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(districts.len(), 7, "Perm's seven districts");
    for unit in &districts {
        let p = parts(&appeals, &parents, unit);
        let (low, high) = kpi_stats::league::wilson(p.on_time as f64, p.due as f64, 0.95).unwrap();
        let r = row(&share, unit);
        assert!(near(r["low"].as_f64().unwrap(), low * 100.0), "{unit}: {r}");
        assert!(
            near(r["high"].as_f64().unwrap(), high * 100.0),
            "{unit}: {r}"
        );
        assert_eq!(r["volume"].as_f64(), Some(p.due as f64));

        let n = p.hours.len();
        assert!(n >= 6, "{unit}: {n} answered appeals");
        let half = 0.98 * (n as f64).sqrt();
        let j = ((n as f64 / 2.0 - half).floor() as usize).max(1);
        let k = ((n as f64 / 2.0 + 1.0 + half).ceil() as usize).min(n);
        let r = row(&hours, unit);
        assert!(
            near(r["low"].as_f64().unwrap(), p.hours[j - 1]),
            "{unit}: {r}"
        );
        assert!(
            near(r["high"].as_f64().unwrap(), p.hours[k - 1]),
            "{unit}: {r}"
        );
        assert_eq!(r["volume"].as_f64(), Some(n as f64));
        // The normal-approximation ranks are those of the exact binomial, or one wider.
        let (exact_j, exact_k) = kpi_stats::league::median_ranks(n as u64, 0.95).unwrap();
        assert!(
            j <= exact_j as usize && exact_j as usize - j <= 1,
            "{n}: {j} against {exact_j}"
        );
        assert!(
            k >= exact_k as usize && k - exact_k as usize <= 1,
            "{n}: {k} against {exact_k}"
        );

        let people = units[unit] as f64;
        let (low, high) = kpi_stats::league::poisson(p.overdue as f64, 0.95).unwrap();
        let r = row(&overdue, unit);
        assert!(
            near(
                r["value"].as_f64().unwrap(),
                p.overdue as f64 / people * 1000.0
            ),
            "{unit}: {r}"
        );
        assert!(
            near(r["low"].as_f64().unwrap(), low / people * 1000.0),
            "{unit}: {r}"
        );
        assert!(
            near(r["high"].as_f64().unwrap(), high / people * 1000.0),
            "{unit}: {r}"
        );
    }
    // Ranked best first: the highest share, the shortest median.
    let values = |league: &serde_json::Value| -> Vec<f64> {
        league["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["value"].as_f64())
            .collect()
    };
    assert!(values(&share).windows(2).all(|w| w[0] >= w[1]));
    assert!(values(&hours).windows(2).all(|w| w[0] <= w[1]));
    // "Better" or "worse" only where the interval leaves out the city's own value.
    for league in [&share, &hours, &overdue] {
        let city = league["parent_value"].as_f64().unwrap();
        for r in league["rows"].as_array().unwrap() {
            let (low, high) = (r["low"].as_f64().unwrap(), r["high"].as_f64().unwrap());
            let differs = low > city || high < city;
            assert_eq!(r["versus"] != "alike", differs, "{r} against {city}");
        }
        assert!(!league["funnel"].as_array().unwrap().is_empty());
    }
}

/// A tile compares with the period before and the same period a year before, across a year
/// boundary and an ISO week 53: ISO week 1 of 2021 against week 53 of 2020 and week 1 of 2020.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tile_compares_with_the_week_before_and_the_same_week_a_year_before() {
    let server = TestServer::start(true).await;
    let board = |from: &'static str, to: &'static str| {
        let server = &server;
        async move {
            let (status, board) = server
                .get_json(&format!(
                    "/api/boards/overview?unit=perm&from={from}&to={to}&grain=week"
                ))
                .await;
            assert_eq!(status, 200, "{board}");
            board
        }
    };
    let week = board("2021-01-04", "2021-01-10").await;
    assert_eq!(week["previous_from"], "2020-12-28");
    assert_eq!(week["previous_to"], "2021-01-03");
    assert_eq!(week["year_ago_from"], "2019-12-30");
    assert_eq!(week["year_ago_to"], "2020-01-05");
    let before = board("2020-12-28", "2021-01-03").await;
    let year_ago = board("2019-12-30", "2020-01-05").await;
    let value = |board: &serde_json::Value, kpi: &str, field: &str| -> Option<f64> {
        board["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kpi"]["id"] == kpi)
            .unwrap()[field]
            .as_f64()
    };
    let mut compared = 0;
    for tile in week["tiles"].as_array().unwrap() {
        let kpi = tile["kpi"]["id"].as_str().unwrap();
        let now = value(&week, kpi, "value");
        assert_eq!(
            value(&week, kpi, "previous"),
            value(&before, kpi, "value"),
            "{kpi}"
        );
        assert_eq!(
            value(&week, kpi, "year_ago"),
            value(&year_ago, kpi, "value"),
            "{kpi}"
        );
        if let (Some(now), Some(then)) = (now, value(&year_ago, kpi, "value")) {
            let change = value(&week, kpi, "change_year").unwrap();
            assert!((change - (now - then)).abs() < 1e-9, "{kpi}");
            compared += 1;
        }
    }
    assert!(
        compared >= 4,
        "{compared} tiles compared with a year before"
    );
    // Week 53 of 2020 itself compares with week 52 of 2019, which has no week 53.
    assert_eq!(before["year_ago_from"], "2019-12-23");
    assert_eq!(before["year_ago_to"], "2019-12-29");
}

/// The on-time share's tile of a board.
fn on_time_tile(board: &serde_json::Value) -> &serde_json::Value {
    board["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"]["id"] == "appeal_on_time_share")
        .unwrap()
}

/// A board that stops inside a quarter forecasts the quarter: a share lands where it stands, and
/// the rest of the quarter must average what brings the whole to the target, at the rows a week
/// seen so far; computed here from the export files. A board over a whole quarter has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_quarter_is_forecast_from_the_rows_so_far() {
    let (appeals, parents) = read_seed();
    let server = TestServer::start(true).await;
    let mayor = server.demo("mayor.perm").await;
    let (status, board) = mayor
        .get_json("/api/boards/appeals?unit=perm&from=2021-10-01&to=2021-11-14")
        .await;
    assert_eq!(status, 200, "{board}");
    let tile = on_time_tile(&board);
    let f = &tile["forecast"];
    assert_eq!(f["from"], "2021-10-01", "{f}");
    assert_eq!(f["to"], "2021-12-31");
    assert_eq!(f["as_of"], "2021-11-14");
    let at = |d: &str| {
        d.parse::<NaiveDate>()
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    };
    let (start, end) = (at("2021-10-01"), at("2021-11-15"));
    let due: Vec<&Appeal> = appeals
        .iter()
        .filter(|a| under(&parents, &a.unit, "perm") && a.due >= start && a.due < end)
        .collect();
    let on_time = due
        .iter()
        .filter(|a| a.closed.is_some_and(|c| c <= a.due))
        .count() as f64;
    let n = due.len() as f64;
    let share = on_time / n * 100.0;
    assert!(close(f["so_far"].as_f64(), Some(share)), "{f}");
    assert!(close(f["landing"].as_f64(), Some(share)), "{f}");
    // 45 of the quarter's 92 days are known.
    let rows_end = n * 92.0 / 45.0;
    let target = f["target"].as_f64().unwrap();
    if share < target {
        let needed = (target / 100.0 * rows_end - on_time) / (rows_end - n) * 100.0;
        assert!(close(f["needed"].as_f64(), Some(needed)), "{f}");
        assert_ne!(f["outlook"], "on_course");
    } else {
        assert_eq!(f["outlook"], "on_course", "{f}");
    }
    assert!(
        close(f["rows_per_week"].as_f64(), Some(n / (45.0 / 7.0))),
        "{f}"
    );
    let (_, whole) = mayor
        .get_json("/api/boards/appeals?unit=perm&from=2021-10-01&to=2021-12-31")
        .await;
    assert!(whole["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["forecast"].is_null()));
}

/// Mashhad's series by Solar Hijri month: each bucket is the real month (Farvardin 1400 starts on
/// 21 March 2021), and each value equals the same KPI over exactly that range of days; a board's
/// comparisons follow the same calendar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_solar_hijri_month_is_a_real_bucket() {
    let server = TestServer::start(true).await;
    let mayor = server.demo("mayor.mashhad").await;
    let (status, series) = mayor
        .get_json(
            "/api/kpis/appeal_on_time_share/values?unit=mashhad&from=2021-03-21&to=2021-06-21&grain=month&calendar=persian",
        )
        .await;
    assert_eq!(status, 200, "{series}");
    assert_eq!(series["calendar"], "persian");
    let points = series["points"].as_array().unwrap();
    let starts: Vec<&str> = points
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["2021-03-21", "2021-04-21", "2021-05-22"]);
    let ends = ["2021-04-20", "2021-05-21", "2021-06-21"];
    for (point, end) in points.iter().zip(ends) {
        let start = point["period"].as_str().unwrap();
        let (_, board) = mayor
            .get_json(&format!(
                "/api/boards/appeals?unit=mashhad&from={start}&to={end}"
            ))
            .await;
        let tile = on_time_tile(&board);
        assert!(point["value"].is_number(), "{point}");
        assert_eq!(point["value"], tile["value"], "{start}..={end}");
    }
    // The quarter compares with the three Solar Hijri months before and the same quarter of
    // 1399 (from Nowruz), each the KPI over exactly those days.
    let (_, board) = mayor
        .get_json("/api/boards/appeals?unit=mashhad&from=2021-03-21&to=2021-06-21&calendar=persian")
        .await;
    assert_eq!(board["previous_from"], "2020-12-21", "{board}");
    assert_eq!(board["previous_to"], "2021-03-20");
    assert_eq!(board["year_ago_from"], "2020-03-20");
    assert_eq!(board["year_ago_to"], "2020-06-20");
    let (_, before) = mayor
        .get_json("/api/boards/appeals?unit=mashhad&from=2020-03-20&to=2020-06-20")
        .await;
    assert!(on_time_tile(&board)["year_ago"].is_number());
    assert_eq!(
        on_time_tile(&board)["year_ago"],
        on_time_tile(&before)["value"]
    );
    let (status, refusal) = mayor
        .get_json("/api/kpis/appeal_on_time_share/values?unit=mashhad&calendar=julian")
        .await;
    assert_eq!(status, 400);
    assert!(refusal["message"].as_str().unwrap().starts_with("calendar"));
}
