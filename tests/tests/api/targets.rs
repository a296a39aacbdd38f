//! Targets that change by unit and date (`queries/targets.csv`): the status of tiles, children
//! and league rows, and the target line of a series, follow the rule in force; a bad rule is
//! named with its line while the others apply.

use std::time::{Duration, Instant};

use kpi_tests::TestServer;
use serde_json::Value;

fn tile<'a>(board: &'a Value, kpi: &str) -> &'a Value {
    board["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"]["id"] == kpi)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_in_force_for_the_unit_and_period_sets_target_and_status() {
    let (_dir, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    // The shipped rules all load on the seed's org tree.
    let (_, list) = server.get_json("/api/kpis").await;
    assert_eq!(list["errors"], serde_json::json!([]), "{list}");
    let board = |unit: &'static str, from: &'static str, to: &'static str| {
        let server = &server;
        async move {
            let (status, board) = server
                .get_json(&format!(
                    "/api/boards/overview?unit={unit}&from={from}&to={to}&grain=month"
                ))
                .await;
            assert_eq!(status, 200, "{board}");
            board
        }
    };
    // Krasnodar Krai's federal rule from 2021: 60% satisfied (amber from 55), not the file's 80%.
    let krai_2021 = board("krasnodar-krai", "2021-01-01", "2021-12-31").await;
    let satisfied = tile(&krai_2021, "resident_satisfaction_share");
    assert_eq!(satisfied["target"], 60.0);
    assert_eq!(satisfied["amber"], 55.0);
    assert!(satisfied["target_note"]
        .as_str()
        .unwrap()
        .contains("Federal"));
    let value = satisfied["value"].as_f64().unwrap();
    let want = if value >= 60.0 {
        "green"
    } else if value >= 55.0 {
        "amber"
    } else {
        "red"
    };
    assert_eq!(satisfied["status"], want, "{satisfied}");
    // In 2020 the rule was not yet in force: the file's own target.
    let krai_2020 = board("krasnodar-krai", "2020-01-01", "2020-12-31").await;
    assert_eq!(
        tile(&krai_2020, "resident_satisfaction_share")["target"],
        80.0
    );
    assert!(tile(&krai_2020, "resident_satisfaction_share")["target_note"].is_null());
    // A municipality falls under its region's rule; another region does not.
    let town = board("timashevsk", "2021-01-01", "2021-12-31").await;
    assert_eq!(tile(&town, "resident_satisfaction_share")["target"], 60.0);
    let perm = board("perm", "2021-01-01", "2021-12-31").await;
    assert_eq!(tile(&perm, "resident_satisfaction_share")["target"], 80.0);

    // Perm's own goal from July 2021: the series' target steps from 95 to 97.
    let (_, series) = server
        .get_json("/api/kpis/appeal_on_time_share/values?unit=perm-leninsky&from=2021-04-01&to=2021-09-30&grain=month")
        .await;
    let targets: Vec<f64> = series["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect();
    assert_eq!(targets, [95.0, 95.0, 95.0, 97.0, 97.0, 97.0]);
    // The children's and the league's statuses use the rule of each child.
    let (_, children) = server
        .get_json("/api/kpis/resident_satisfaction_share/children?unit=krasnodar-krai&from=2021-01-01&to=2021-12-31")
        .await;
    let (_, league) = server
        .get_json("/api/kpis/resident_satisfaction_share/league?unit=krasnodar-krai&from=2021-01-01&to=2021-12-31")
        .await;
    for child in children["children"].as_array().unwrap() {
        let v = child["value"].as_f64().unwrap();
        let want = if v >= 60.0 {
            "green"
        } else if v >= 55.0 {
            "amber"
        } else {
            "red"
        };
        assert_eq!(child["status"], want, "{child}");
        let row = league["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit"]["id"] == child["unit"]["id"])
            .unwrap();
        assert_eq!(row["status"], want, "{row}");
    }

    // A broken line is named with its line; the other rules still apply.
    let file = queries.join("targets.csv");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("appeal_on_time_share,nowhere,2021-01-01,99,98,\n");
    std::fs::write(&file, &text).unwrap();
    let started = Instant::now();
    let errors = loop {
        let (_, list) = server.get_json("/api/kpis").await;
        let errors: Vec<Value> = list["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["file"] == "targets.csv")
            .cloned()
            .collect();
        if !errors.is_empty() {
            break errors;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let lines = text.lines().count() as u64;
    assert_eq!(errors[0]["line"], lines, "{errors:?}");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("no unit 'nowhere'"));
    let again = board("krasnodar-krai", "2021-01-01", "2021-12-31").await;
    assert_eq!(tile(&again, "resident_satisfaction_share")["target"], 60.0);
}

/// Annotations (`queries/annotations.csv`) reach the unit they name and everything under it, and
/// everywhere's reach every unit; outside the jurisdiction they are refused like any number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotations_concern_their_unit_and_everything_under_it() {
    let server = TestServer::start(true).await;
    let governor = server.demo("governor.krasnodar").await;
    let titles = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, town) = governor.get_json("/api/annotations?unit=timashevsk").await;
    assert_eq!(status, 200, "{town}");
    let town = titles(&town);
    assert!(town.iter().any(|t| t.contains("8 days")), "{town:?}");
    assert!(town.iter().any(|t| t.contains("COVID-19")), "{town:?}");
    let (_, perm) = server.get_json("/api/annotations?unit=perm").await;
    let perm = titles(&perm);
    assert!(!perm.iter().any(|t| t.contains("8 days")), "{perm:?}");
    assert!(perm.iter().any(|t| t.contains("COVID-19")), "{perm:?}");
    let (status, _) = governor.get_json("/api/annotations?unit=perm").await;
    assert_eq!(status, 403);
    let (status, _) = governor.get_json("/api/annotations").await;
    assert_eq!(status, 400);
}

/// An event entered in the app reaches its unit and everything under it, inside the author's
/// jurisdiction only; a bad one is refused naming its field; only its author (or an admin)
/// removes it, and every change is in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_entered_in_the_app_reach_their_unit_and_only_their_author_removes_them() {
    let server = TestServer::start(true).await;
    let mayor = server.demo("mayor.perm").await;
    let event = serde_json::json!({
        "from": "2021-05-04", "to": "2021-05-07", "unit": "perm-sverdlovsky",
        "title": "The district office moves to an open space"
    });
    let (status, added) = mayor.post_json("/api/annotations", &event).await;
    assert_eq!(status, 201, "{added}");
    let id = added["id"].as_str().unwrap().to_string();
    assert_eq!(added["by"], "mayor.perm");
    let has = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    };
    let (_, units) = mayor.get_json("/api/units").await;
    let dept = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["parent_id"] == "perm-sverdlovsky")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (unit, shown) in [
        ("perm-sverdlovsky", true),
        (dept.as_str(), true),
        ("perm", false),
    ] {
        let (status, list) = mayor
            .get_json(&format!("/api/annotations?unit={unit}"))
            .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(has(&list), shown, "{unit}: {list}");
    }
    // Bad events, named by field; outside the jurisdiction, refused.
    for (bad, field) in [
        (
            serde_json::json!({"from": "2021-05-04", "to": "2021-05-01", "unit": "perm", "title": "x"}),
            "to",
        ),
        (
            serde_json::json!({"from": "2021-05-04", "unit": "perm", "title": "  "}),
            "title",
        ),
        (
            serde_json::json!({"from": "2021-05-04", "unit": "perm", "title": "a\nb"}),
            "title",
        ),
        (
            serde_json::json!({"from": "1021-05-04", "unit": "perm", "title": "x"}),
            "from",
        ),
    ] {
        let (status, refusal) = mayor.post_json("/api/annotations", &bad).await;
        assert_eq!(status, 400, "{bad}: {refusal}");
        assert!(refusal.to_string().contains(field), "{refusal}");
    }
    let rasht = server.demo("mayor.rasht").await;
    let (status, _) = rasht.post_json("/api/annotations", &event).await;
    assert_eq!(status, 403);
    let (status, _) = rasht
        .post_json(
            "/api/annotations",
            &serde_json::json!({"from": "2021-05-04", "unit": "gilan", "title": "Above me"}),
        )
        .await;
    assert_eq!(status, 403);
    // Someone else cannot remove it; its author can, once.
    let governor = server.demo("governor.perm").await;
    assert_eq!(
        governor.delete(&format!("/api/annotations/{id}")).await,
        403
    );
    assert_eq!(mayor.delete(&format!("/api/annotations/{id}")).await, 204);
    assert_eq!(mayor.delete(&format!("/api/annotations/{id}")).await, 404);
    let (_, list) = mayor
        .get_json("/api/annotations?unit=perm-sverdlovsky")
        .await;
    assert!(!has(&list));
    let (_, log) = server.get_json("/api/audit?limit=50").await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"annotation_added") && actions.contains(&"annotation_removed"));
}
