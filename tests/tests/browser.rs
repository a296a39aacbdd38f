//! The board in a real browser: headless Chromium opens the Perm board and shows the API's numbers.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use kpi_api::{format, Measure};
use kpi_tests::{Browser, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_perm_board_shows_the_apis_value_on_its_tile() {
    let server = TestServer::start(true).await;
    let period = "unit=perm&from=2021-10-01&to=2021-12-31&grain=week";
    let (status, board) = server
        .get_json(&format!("/api/boards/overview?{period}"))
        .await;
    assert_eq!(status, 200, "{board}");
    let tile = board["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"]["id"] == "appeal_on_time_share")
        .expect("the overview board has the on-time tile");
    let expected = format::value(tile["value"].as_f64(), Measure::Percent);
    assert!(expected.ends_with('%'), "the API has a value: {expected}");

    let browser = Browser::start().await.expect("browser");
    let c = &browser.client;
    c.goto(&server.url(&format!("/boards/overview?{period}")))
        .await
        .unwrap();
    let selector = ".tile[data-kpi=appeal_on_time_share] .tile-value";
    let started = Instant::now();
    let mut seen = String::new();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(el) = c.find(Locator::Css(selector)).await {
            seen = el.text().await.unwrap_or_default();
            if seen == expected {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let tiles = c.find_all(Locator::Css(".tile")).await.unwrap().len();
    let png = c.screenshot().await.unwrap_or_default();
    if let Some(dir) = std::env::var_os("KPI_SCREENSHOTS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("perm-board.png"), &png);
    }
    browser.close().await;
    assert_eq!(seen, expected, "the tile shows the API's value");
    assert_eq!(tiles, 8, "the overview board has eight tiles");
}
