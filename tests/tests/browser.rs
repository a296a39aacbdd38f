//! The web app in a real browser: headless Chromium signs in as the mayor of Perm, sees the API's
//! numbers on the Perm board and only Perm's units, is refused another city, and signs out.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use kpi_api::{format, Measure};
use kpi_backend::seed::DEMO_PASSWORD;
use kpi_tests::{Browser, TestServer};

/// The first element matching `css` within 30 s.
async fn wait_for(c: &Client, css: &str) -> Element {
    let started = Instant::now();
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            return el;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            panic!("{css} did not appear on {url}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits until the element's text satisfies `ok`; returns the last text seen.
async fn wait_text(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut seen = String::new();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            seen = el.text().await.unwrap_or_default();
            if ok(&seen) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    seen
}

async fn path_of(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_string()
}

async fn sign_in(c: &Client, user: &str, password: &str) {
    let name = wait_for(c, "form.login-form input[name=user]").await;
    name.clear().await.unwrap();
    name.send_keys(user).await.unwrap();
    let secret = wait_for(c, "form.login-form input[name=password]").await;
    secret.clear().await.unwrap();
    secret.send_keys(password).await.unwrap();
    wait_for(c, "form.login-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mayor_signs_in_sees_only_the_city_and_signs_out() {
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
    // Signed out, the board's address leads to the sign-in page, which will come back to it.
    c.goto(&server.url(&format!("/boards/overview?{period}")))
        .await
        .unwrap();
    wait_for(c, "form.login-form").await;
    assert_eq!(path_of(c).await, "/login");
    sign_in(c, "mayor.perm", "not-the-password").await;
    let error = wait_text(c, ".login-error", |t| !t.is_empty()).await;
    assert!(!error.is_empty(), "a wrong password is said so");
    sign_in(c, "mayor.perm", DEMO_PASSWORD).await;
    let seen = wait_text(c, ".tile[data-kpi=appeal_on_time_share] .tile-value", |t| {
        t == expected
    })
    .await;
    let tiles = c.find_all(Locator::Css(".tile")).await.unwrap().len();
    let png = c.screenshot().await.unwrap_or_default();
    if let Some(dir) = std::env::var_os("KPI_SCREENSHOTS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("perm-board.png"), &png);
    }
    assert_eq!(seen, expected, "the tile shows the API's value");
    assert_eq!(tiles, 8, "the overview board has eight tiles");
    wait_for(c, ".user-badge[data-user='mayor.perm'][data-role=mayor]").await;
    assert!(
        c.find(Locator::Css("a.admin-link")).await.is_err(),
        "no admin page for a mayor"
    );
    // The unit picker offers Perm and its districts and departments, nothing else.
    let mut units = Vec::new();
    for option in c
        .find_all(Locator::Css("select.unit-picker option"))
        .await
        .unwrap()
    {
        units.push(option.attr("value").await.unwrap().unwrap_or_default());
    }
    assert!(units.len() > 5, "{units:?}");
    assert!(units.contains(&"perm-leninsky".to_string()), "{units:?}");
    assert!(
        units
            .iter()
            .all(|u| u == "perm" || u.starts_with("perm-") && u != "perm-krai"),
        "only Perm's units: {units:?}"
    );
    // Another city is refused with the server's reason and a way home.
    c.goto(&server.url("/boards/overview?unit=shymkent"))
        .await
        .unwrap();
    let refusal = wait_text(c, ".outside-jurisdiction", |t| t.contains("shymkent")).await;
    assert!(refusal.contains("outside your jurisdiction"), "{refusal}");
    wait_for(c, ".outside-jurisdiction a.home-board").await;
    assert!(
        c.find(Locator::Css(".tile-value")).await.is_err(),
        "no numbers of another city"
    );
    // Signing out ends it: the sign-in page, and the board asks to sign in again.
    wait_for(c, "button.sign-out").await.click().await.unwrap();
    wait_for(c, "form.login-form").await;
    assert_eq!(path_of(c).await, "/login");
    c.goto(&server.url(&format!("/boards/overview?{period}")))
        .await
        .unwrap();
    wait_for(c, "form.login-form").await;
    assert_eq!(path_of(c).await, "/login");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_adds_a_user_who_then_signs_in_to_their_own_district() {
    let server = TestServer::start(true).await;
    let browser = Browser::start().await.expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/admin")).await.unwrap();
    sign_in(c, "admin", DEMO_PASSWORD).await;
    wait_for(c, "table.users-table tr.user-row[data-user='mayor.perm']").await;
    let form = "form.new-user-form";
    wait_for(c, &format!("{form} input[name=name]"))
        .await
        .send_keys("head.leninsky")
        .await
        .unwrap();
    c.find(Locator::Css(&format!(
        "{form} select[name=role] option[value=mayor]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css(&format!(
        "{form} select[name=home_unit] option[value=perm-leninsky]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css(&format!("{form} input[name=password]")))
        .await
        .unwrap()
        .send_keys("leninsky-password")
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        c,
        "table.users-table tr.user-row[data-user='head.leninsky'][data-role=mayor]",
    )
    .await;
    wait_for(c, "table.audit-table tr.audit-row[data-action=user_added]").await;
    wait_for(c, "button.sign-out").await.click().await.unwrap();
    sign_in(c, "head.leninsky", "leninsky-password").await;
    wait_for(c, ".tile .tile-value").await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.query()
            .unwrap_or_default()
            .contains("unit=perm-leninsky"),
        "the new user lands on their own district: {url}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_writes_a_kpi_in_the_editor_previews_saves_and_sees_its_tile() {
    let (_dir, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let browser = Browser::start().await.expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/editor")).await.unwrap();
    sign_in(c, "analyst.mashhad", DEMO_PASSWORD).await;
    let text = "-- id: appeal_portal_count\n-- title: Appeals through the portal\n-- unit: count\n-- direction: higher\n\nSELECT a.grp, p.period, count(*) AS value\nFROM appeals AS a\nJOIN periods AS p ON a.received_at >= p.period AND a.received_at < p.period_end\nWHERE a.channel = 'portal'\nGROUP BY ALL\n";
    let area = wait_for(c, "textarea.kpi-text").await;
    area.clear().await.unwrap();
    area.send_keys(text).await.unwrap();
    wait_for(c, "button.preview").await.click().await.unwrap();
    wait_for(c, "table.preview-rows").await;
    let millis = wait_text(c, ".preview-millis", |t| !t.is_empty()).await;
    assert!(!millis.is_empty());
    c.find(Locator::Css("select[name=board] option[value=overview]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "button.save").await.click().await.unwrap();
    wait_for(c, "a.saved-board-link")
        .await
        .click()
        .await
        .unwrap();
    let value = wait_text(c, ".tile[data-kpi=appeal_portal_count] .tile-value", |t| {
        !t.is_empty() && t != "—"
    })
    .await;
    let png = c.screenshot().await.unwrap_or_default();
    if let Some(dir) = std::env::var_os("KPI_SCREENSHOTS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("editor-saved.png"), &png);
    }
    browser.close().await;
    assert!(
        value.chars().any(|ch| ch.is_ascii_digit()),
        "the saved KPI's tile shows a number: {value:?}"
    );
    assert!(queries.join("appeal_portal_count.sql").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_board_shows_a_kpi_file_added_on_disk_within_two_seconds() {
    let (_dir, queries) = kpi_tests::queries_copy();
    let server = TestServer::start_with_queries(true, queries.clone()).await;
    let browser = Browser::start().await.expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/boards/appeals?unit=perm&from=2021-01-01&to=2021-03-31"))
        .await
        .unwrap();
    sign_in(c, "mayor.perm", DEMO_PASSWORD).await;
    wait_for(c, ".tile[data-kpi=appeal_on_time_share] .tile-value").await;
    assert_eq!(c.find_all(Locator::Css(".tile")).await.unwrap().len(), 4);
    // An analyst's file lands on disk, and the board file names it.
    std::fs::write(
        queries.join("appeal_phone_count.sql"),
        "-- id: appeal_phone_count\n-- title: Appeals by phone\n-- unit: count\n-- direction: higher\n\nSELECT a.grp, p.period, count(*) AS value\nFROM appeals AS a\nJOIN periods AS p ON a.received_at >= p.period AND a.received_at < p.period_end\nWHERE a.channel = 'phone'\nGROUP BY ALL\n",
    )
    .unwrap();
    let board = queries.join("boards/appeals.json");
    let text = std::fs::read_to_string(&board).unwrap();
    std::fs::write(
        &board,
        text.replace(
            "\"resident_satisfaction_share\"",
            "\"resident_satisfaction_share\",\n    \"appeal_phone_count\"",
        ),
    )
    .unwrap();
    let written = Instant::now();
    let value = wait_text(c, ".tile[data-kpi=appeal_phone_count] .tile-value", |t| {
        t.chars().any(|ch| ch.is_ascii_digit())
    })
    .await;
    let seen = written.elapsed();
    browser.close().await;
    assert!(value.chars().any(|ch| ch.is_ascii_digit()), "{value:?}");
    println!("the open board showed the new KPI {seen:?} after its file was written");
    assert!(seen < Duration::from_secs(3), "took {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shymkent_department_head_ticks_tactics_and_the_score_follows() {
    use chrono::{Datelike, Utc};
    let server = TestServer::start(true).await;
    let head = server.sign_in("head.shymkent.economy", DEMO_PASSWORD).await;
    let today = Utc::now().date_naive();
    let start = today - chrono::Duration::days(today.weekday().num_days_from_monday() as i64 + 14);
    let (status, plan) = head
        .post_json(
            "/api/plans",
            &serde_json::json!({
                "unit": "shymkent-economy", "title": "Faster answers", "start": start,
                "goals": [{ "title": "On time", "kpi": "appeal_on_time_share", "target": 95, "tactics": [
                    { "title": "Call back every resident", "owner": "head", "due": { "kind": "weekly" } },
                    { "title": "Review overdue appeals", "owner": "deputy", "due": { "kind": "weekly" } }
                ] }]
            }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    let id = plan["id"].as_str().unwrap().to_string();
    let browser = Browser::start().await.expect("browser");
    let c = &browser.client;
    c.goto(&server.url(&format!("/plans/{id}"))).await.unwrap();
    sign_in(c, "head.shymkent.economy", DEMO_PASSWORD).await;
    wait_for(
        c,
        "li.tactic[data-tactic=t1][data-week='3'] input.tactic-done",
    )
    .await;
    let score = wait_text(c, ".plan-week-score", |t| t.contains('0')).await;
    assert!(score.contains("0"), "{score}");
    wait_for(
        c,
        "li.tactic[data-tactic=t1][data-week='3'] input.tactic-done",
    )
    .await
    .click()
    .await
    .unwrap();
    let score = wait_text(c, ".plan-week-score", |t| t.contains("50")).await;
    assert!(score.contains("50"), "one of two done: {score}");
    wait_for(
        c,
        "li.tactic[data-tactic=t2][data-week='3'] input.tactic-done",
    )
    .await
    .click()
    .await
    .unwrap();
    let score = wait_text(c, ".plan-week-score", |t| t.contains("100")).await;
    let png = c.screenshot().await.unwrap_or_default();
    if let Some(dir) = std::env::var_os("KPI_SCREENSHOTS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("plan.png"), &png);
    }
    browser.close().await;
    assert!(score.contains("100"), "both done: {score}");
    let (_, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    assert_eq!(plan["scores"][2]["done"], 2, "{plan}");
}
