//! Evaluations: scorecards of unit heads and of staff, each within the reader's jurisdiction,
//! with every score recomputable from what the card shows and the values from the export files.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use kpi_tests::{queries_copy, seed_dir, TestServer};
use serde_json::Value;

/// The Rasht experts' scheme over a whole year with a low row floor, so that the small test seed
/// gives most experts a total.
fn yearly_scheme(queries: &std::path::Path) {
    let path = queries.join("evaluations/rasht_experts.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace("\"period\": \"quarter\"", "\"period\": \"year\"")
        .replace("\"min_rows\": 20", "\"min_rows\": 5");
    std::fs::write(&path, text).unwrap();
}

fn cards(evaluation: &Value) -> &Vec<Value> {
    evaluation["cards"].as_array().unwrap()
}

/// Each line's score follows from its value, target and floor; the points from the weights of
/// the scored lines; the total is their sum; ranks follow the totals.
fn check_arithmetic(evaluation: &Value) {
    let scheme = &evaluation["scheme"];
    let mut last: Option<f64> = None;
    for card in cards(evaluation) {
        let lines = card["lines"].as_array().unwrap();
        let scored: f64 = lines
            .iter()
            .filter(|l| !l["score"].is_null())
            .map(|l| l["weight"].as_f64().unwrap())
            .sum();
        assert!(
            (card["scored_weight"].as_f64().unwrap() - scored).abs() < 1e-9,
            "{card}"
        );
        let mut sum = 0.0;
        for (line, kpi) in lines.iter().zip(scheme["kpis"].as_array().unwrap()) {
            let Some(score) = line["score"].as_f64() else {
                assert!(line["unscored"].is_string(), "{line}");
                assert!(line["points"].is_null(), "{line}");
                continue;
            };
            let (v, t, f) = (
                line["value"].as_f64().unwrap(),
                line["target"].as_f64().unwrap(),
                line["floor"].as_f64().unwrap(),
            );
            let expected = ((v - f) / (t - f)).clamp(0.0, 1.0) * 100.0;
            assert!((score - expected).abs() < 1e-9, "{line} in {kpi}");
            let points = line["points"].as_f64().unwrap();
            assert!((points - score * line["weight"].as_f64().unwrap() / scored).abs() < 1e-9);
            sum += points;
        }
        match card["total"].as_f64() {
            Some(total) => {
                assert!(scored >= 50.0 - 1e-9, "{card}");
                assert!((total - sum).abs() < 1e-9, "{card}");
                assert!(last.is_none_or(|l| l >= total), "ranked by total: {card}");
                last = Some(total);
            }
            None => assert!(scored < 50.0, "{card}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_scorecards_stay_inside_the_readers_jurisdiction_and_match_the_files() {
    let (_dir, queries) = queries_copy();
    yearly_scheme(&queries);
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let (_, list) = server.get_json("/api/kpis").await;
    assert_eq!(list["errors"], serde_json::json!([]), "{list}");

    // The mayor sees every expert of the city, ranked, each card adding up.
    let mayor = server.demo("mayor.rasht").await;
    let (status, city) = mayor
        .get_json("/api/evaluations/rasht_experts?from=2021-01-01")
        .await;
    assert_eq!(status, 200, "{city}");
    assert_eq!(city["from"], "2021-01-01");
    assert_eq!(city["to"], "2021-12-31");
    let departments: std::collections::BTreeSet<&str> = cards(&city)
        .iter()
        .map(|c| c["unit"]["id"].as_str().unwrap())
        .collect();
    assert!(departments.len() > 5, "{departments:?}");
    assert!(departments.iter().all(|d| d.starts_with("rasht-")));
    assert!(
        cards(&city)
            .iter()
            .filter(|c| c["total"].is_number())
            .count()
            > 10
    );
    check_arithmetic(&city);

    // The head of one department sees that department's experts only, with the same numbers.
    let head = server.demo("head.rasht.social").await;
    let (_, schemes) = head.get_json("/api/evaluations").await;
    let listed: Vec<(&str, &str)> = schemes["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["unit"].as_str().unwrap()))
        .collect();
    // Rasht's scheme and the one for every unit, both at the head's own department; no heads
    // scheme, since a department has no units below it.
    assert_eq!(
        listed,
        [
            ("rasht_experts", "rasht-district-1-social"),
            ("staff", "rasht-district-1-social")
        ]
    );
    let (status, own) = head
        .get_json("/api/evaluations/rasht_experts?from=2021-01-01")
        .await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["unit"]["id"], "rasht-district-1-social");
    assert!(!cards(&own).is_empty());
    for card in cards(&own) {
        assert_eq!(card["unit"]["id"], "rasht-district-1-social", "{card}");
        let same = cards(&city)
            .iter()
            .find(|c| c["employee"] == card["employee"] && c["unit"] == card["unit"])
            .expect("the mayor sees the same expert");
        assert_eq!(same["lines"], card["lines"]);
    }
    // Another department's staff, or the whole city's: refused, naming why, showing nothing.
    for unit in ["rasht-district-1-transport", "rasht"] {
        let (status, refusal) = head
            .get_json(&format!("/api/evaluations/rasht_experts?unit={unit}"))
            .await;
        assert_eq!(status, 403, "{unit}: {refusal}");
        assert!(refusal.get("cards").is_none(), "{refusal}");
    }
    // A governor of another region, and an analyst, cannot open Rasht's staff at all.
    let governor = server.demo("governor.krasnodar").await;
    let (status, refusal) = governor.get_json("/api/evaluations/rasht_experts").await;
    assert_eq!(status, 403, "{refusal}");
    let (status, _) = governor
        .get_json("/api/evaluations/rasht_experts?unit=rasht-district-1-social")
        .await;
    assert_eq!(status, 403);
    let analyst = server.demo("analyst.mashhad").await;
    let (_, schemes) = analyst.get_json("/api/evaluations").await;
    let ids: Vec<&str> = schemes["schemes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["heads"], "an analyst reads no staff scorecards");
    let (status, refusal) = analyst.get_json("/api/evaluations/rasht_experts").await;
    assert_eq!(status, 403, "{refusal}");
    assert!(refusal["message"]
        .as_str()
        .unwrap()
        .contains("staff scorecards"));

    // One expert's on-time share and its rows, from the export files.
    let card = cards(&own)
        .iter()
        .find(|c| c["lines"][1]["rows"].as_f64().unwrap_or(0.0) >= 5.0)
        .expect("an expert with appeals due");
    let name = card["employee"].as_str().unwrap();
    let (mut due, mut on_time) = (0u32, 0u32);
    let moment = |t: &str| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok();
    let (from, to) = (
        NaiveDate::from_ymd_opt(2021, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        NaiveDate::from_ymd_opt(2022, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    let mut employees: HashMap<String, u32> = HashMap::new();
    for year in 2019..=2021 {
        let text = std::fs::read_to_string(seed_dir().join(format!("appeals_{year}.csv"))).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let (unit, closed, due_at, employee) =
            (at("unit_id"), at("closed_at"), at("due_at"), at("employee"));
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            if f[unit] != "rasht-district-1-social" {
                continue;
            }
            *employees.entry(f[employee].to_string()).or_default() += 1;
            let d = moment(f[due_at]).unwrap();
            if f[employee] == name && d >= from && d < to {
                due += 1;
                if moment(f[closed]).is_some_and(|c| c <= d) {
                    on_time += 1;
                }
            }
        }
    }
    let line = &card["lines"][1];
    assert_eq!(line["kpi"], "appeal_on_time_share");
    assert_eq!(line["rows"].as_f64(), Some(f64::from(due)), "{line}");
    let value = f64::from(on_time) / f64::from(due) * 100.0;
    assert!(
        (line["value"].as_f64().unwrap() - value).abs() < 1e-9,
        "{line}"
    );
    // Every expert of the department who answered in the year has a card.
    assert!(cards(&own).len() <= employees.keys().filter(|e| !e.is_empty()).count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governor_scores_the_heads_of_the_municipalities() {
    let server = TestServer::start(true).await;
    let governor = server.demo("governor.krasnodar").await;
    let (status, heads) = governor
        .get_json("/api/evaluations/krasnodar_heads?from=2021-10-01")
        .await;
    assert_eq!(status, 200, "{heads}");
    assert_eq!(heads["unit"]["id"], "krasnodar-krai");
    let (_, units) = governor.get_json("/api/units").await;
    let children: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["parent_id"] == "krasnodar-krai")
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    let mut judged: Vec<&str> = cards(&heads)
        .iter()
        .map(|c| c["unit"]["id"].as_str().unwrap())
        .collect();
    judged.sort();
    let mut expected = children.clone();
    expected.sort();
    assert_eq!(judged, expected);
    for card in cards(&heads) {
        assert!(card["subject"].as_str().unwrap().starts_with("Head of "));
        // The federal 8-day rule is the target the answer time is scored against.
        assert_eq!(card["lines"][0]["target"], 192.0, "{card}");
        assert!(card["lines"][0]["target_source"]
            .as_str()
            .unwrap()
            .contains("8 days"));
    }
    check_arithmetic(&heads);
    // A head's value is the municipality's own, as its board shows it.
    let first = &cards(&heads)[0];
    let unit = first["unit"]["id"].as_str().unwrap();
    let (_, board) = governor
        .get_json(&format!(
            "/api/boards/appeals?unit={unit}&from=2021-10-01&to=2021-12-31"
        ))
        .await;
    let tile = board["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"]["id"] == "resident_satisfaction_share")
        .unwrap();
    assert_eq!(tile["value"], first["lines"][1]["value"]);
    // The mayor of a city elsewhere cannot read the krai's heads.
    let mayor = server.demo("mayor.rasht").await;
    let (status, _) = mayor.get_json("/api/evaluations/krasnodar_heads").await;
    assert_eq!(status, 403);
}

/// The schemes for every unit are read at each reader's own: a mayor scores the heads of the
/// city's districts, a governor those of the region's cities, each from rows inside their own
/// jurisdiction, and nobody reads them at a unit outside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemes_for_every_unit_are_read_at_each_readers_own() {
    let server = TestServer::start(true).await;
    for (user, home) in [
        ("mayor.perm", "perm"),
        ("governor.perm", "perm-krai"),
        ("mayor.shymkent", "shymkent"),
        ("mayor.mashhad", "mashhad"),
    ] {
        let reader = server.demo(user).await;
        let (status, heads) = reader
            .get_json("/api/evaluations/heads?from=2021-10-01")
            .await;
        assert_eq!(status, 200, "{user}: {heads}");
        assert_eq!(heads["unit"]["id"], home);
        let (_, units) = reader.get_json("/api/units").await;
        let children = units
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["parent_id"] == home)
            .count();
        assert_eq!(cards(&heads).len(), children, "{user}");
        check_arithmetic(&heads);
        let (status, staff) = reader
            .get_json("/api/evaluations/staff?from=2021-10-01")
            .await;
        assert_eq!(status, 200, "{user}: {staff}");
        assert!(!cards(&staff).is_empty());
        check_arithmetic(&staff);
        let (status, _) = reader.get_json("/api/evaluations/heads?unit=rasht").await;
        assert_eq!(status, 403, "{user}");
    }
}
