//! The review meeting's agenda: every KPI that is red or got worse under a unit, in the unit and
//! every unit under it the reader may see, red first and the furthest off target first.

use kpi_tests::TestServer;
use serde_json::Value;

const PERIOD: &str = "from=2021-10-01&to=2021-12-31";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agenda_lists_what_is_red_or_worse_under_the_unit_in_order() {
    let server = TestServer::start(true).await;
    let governor = server.demo("governor.krasnodar").await;
    let (status, agenda) = governor
        .get_json(&format!("/api/agenda?unit=krasnodar-krai&{PERIOD}"))
        .await;
    assert_eq!(status, 200, "{agenda}");
    let items = agenda["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{agenda}");
    assert!(agenda["checked"].as_u64().unwrap() >= items.len() as u64);
    let (_, units) = governor.get_json("/api/units").await;
    let parent_of = |id: &str| -> Option<String> {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .and_then(|u| u["parent_id"].as_str().map(str::to_string))
    };
    let under_krai = |id: &str| {
        let mut at = Some(id.to_string());
        while let Some(u) = at {
            if u == "krasnodar-krai" {
                return true;
            }
            at = parent_of(&u);
        }
        false
    };
    // Each item is under the region, red or worse; red ones first, furthest off target first.
    let mut seen_not_red = false;
    let mut last_off = f64::INFINITY;
    for item in items {
        let unit = item["unit"]["id"].as_str().unwrap();
        assert!(under_krai(unit), "{item}");
        let red = item["status"] == "red";
        assert!(red || item["worse"] == true, "{item}");
        if red {
            assert!(!seen_not_red, "a red item after one that is not: {item}");
            let off = item["off_target"].as_f64().unwrap_or(0.0);
            assert!(off <= last_off + 1e-12, "{item}");
            last_off = off;
        } else {
            seen_not_red = true;
        }
    }
    // The region's own red tiles are all on it, with the board's numbers.
    let (_, board) = governor
        .get_json(&format!(
            "/api/boards/overview?unit=krasnodar-krai&{PERIOD}"
        ))
        .await;
    let mut red_tiles = 0;
    for tile in board["tiles"].as_array().unwrap() {
        let kpi = tile["kpi"]["id"].as_str().unwrap();
        let item = items
            .iter()
            .find(|i| i["unit"]["id"] == "krasnodar-krai" && i["kpi"] == kpi);
        let worse = tile["change"].as_f64().is_some_and(|c| {
            let higher = tile["kpi"]["direction"] == "higher";
            (c < -0.05 && higher) || (c > 0.05 && !higher)
        });
        if tile["status"] == "red" || worse {
            let item = item.unwrap_or_else(|| {
                panic!("{kpi} is red or worse on the board but not on the agenda")
            });
            assert_eq!(item["value"], tile["value"], "{kpi}");
            assert_eq!(item["target"], tile["target"], "{kpi}");
            red_tiles += usize::from(tile["status"] == "red");
        }
    }
    assert!(red_tiles >= 1, "{board}");

    // A mayor's agenda of the region above holds the city's units only.
    let mayor = server.demo("mayor.perm").await;
    let (status, agenda) = mayor
        .get_json(&format!("/api/agenda?unit=perm-krai&{PERIOD}"))
        .await;
    assert_eq!(status, 200, "{agenda}");
    let units: Vec<&str> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit"]["id"].as_str().unwrap())
        .collect();
    assert!(!units.is_empty());
    assert!(
        units.iter().all(|u| u.starts_with("perm")),
        "outside the city: {units:?}"
    );
    let (status, _): (u16, Value) = mayor
        .get_json(&format!("/api/agenda?unit=shymkent&{PERIOD}"))
        .await;
    assert_eq!(status, 403);
}
