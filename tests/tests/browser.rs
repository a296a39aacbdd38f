//! The web app in a real browser: headless Chromium signs in as the mayor of Perm, sees the API's
//! numbers on the Perm board and only Perm's units, is refused another city, and signs out.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use kpi_api::{format, Measure};
use kpi_backend::seed::DEMO_PASSWORD;
use kpi_tests::{Browser, TestServer};
use serde_json::Value;

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

    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
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
    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
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
    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
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
    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
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

/// Clicks the first element matching `css`; an element replaced by a render between finding
/// and clicking it is found again (within 30 s).
async fn click(c: &Client, css: &str) {
    let started = Instant::now();
    loop {
        match wait_for(c, css).await.click().await {
            Ok(()) => return,
            Err(e)
                if started.elapsed() < Duration::from_secs(30)
                    && format!("{e:?}").contains("StaleElementReference") =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("clicking {css}: {e}"),
        }
    }
}

/// Types `text` into the first element matching `css`.
async fn type_into(c: &Client, css: &str, text: &str) {
    let el = wait_for(c, css).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_head_runs_twelve_weeks_in_the_browser_and_the_akim_sees_the_score() {
    use chrono::{Duration as Days, NaiveDate};
    let server = TestServer::start(true).await;
    // The plan runs from Monday 2021-05-03 (inside the seed's data, so its KPI has weekly values).
    // The server's clock is moved week by week, to the Wednesday of each.
    let start = NaiveDate::from_ymd_opt(2021, 5, 3).unwrap();
    let wednesday = |week: i64| start + Days::days(7 * (week - 1) + 2);
    server.state.clock.set_today(wednesday(1));
    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/plans/new")).await.unwrap();
    sign_in(c, "head.shymkent.economy", DEMO_PASSWORD).await;

    // The plan: one goal, a weekly tactic and one in even weeks.
    type_into(
        c,
        "form.plan-form input[name=title]",
        "Answers on time, spring 2021",
    )
    .await;
    wait_for(
        c,
        "form.plan-form select[name=start] option[value='2021-05-03']",
    )
    .await;
    let goal = "fieldset.plan-goal-form[data-goal='1']";
    type_into(
        c,
        &format!("{goal} input[name=goal_title]"),
        "Every appeal answered by its deadline",
    )
    .await;
    click(
        c,
        &format!("{goal} select[name=kpi] option[value=appeal_on_time_share]"),
    )
    .await;
    type_into(c, &format!("{goal} input[name=target]"), "95").await;
    let t1 = format!("{goal} div.tactic-fields[data-tactic='1']");
    type_into(
        c,
        &format!("{t1} input[name=tactic_title]"),
        "Monday review of the appeals due",
    )
    .await;
    type_into(c, &format!("{t1} input[name=tactic_owner]"), "Deputy head").await;
    // Sent without a second tactic's title: the form says what is missing.
    click(c, &format!("{goal} button.add-tactic")).await;
    click(c, "form.plan-form button.create-plan").await;
    let problem = wait_text(c, "form.plan-form .form-error", |t| !t.is_empty()).await;
    assert!(problem.contains("Goal 1, tactic 2"), "{problem}");
    let t2 = format!("{goal} div.tactic-fields[data-tactic='2']");
    type_into(
        c,
        &format!("{t2} input[name=tactic_title]"),
        "Call back residents after closing",
    )
    .await;
    type_into(
        c,
        &format!("{t2} input[name=tactic_owner]"),
        "Chief specialist",
    )
    .await;
    click(c, &format!("{t2} input.schedule-kind[value=weeks]")).await;
    for week in [2, 4, 6, 8, 10, 12] {
        click(c, &format!("{t2} input.schedule-week[value='{week}']")).await;
    }
    click(c, "form.plan-form button.create-plan").await;
    wait_for(
        c,
        ".plan-page article.plan[data-plan='shymkent-economy-2021-05-03']",
    )
    .await;
    let id = "shymkent-economy-2021-05-03";
    let plan_url = server.url(&format!("/plans/{id}"));

    // Week by week: tick what is due. Exceptions: week 3's review is ticked late in week 4, week
    // 6's added tactic is left unticked, week 10's review is ticked and then unticked. A tactic is
    // added in week 5 and the even-week one withdrawn from week 9.
    let tick = |tactic: &str, week: i64| {
        format!("li.tactic[data-tactic={tactic}][data-week='{week}'] input.tactic-done")
    };
    let due = |week: i64| -> Vec<&str> {
        let mut due = vec!["t1"];
        if week % 2 == 0 && week < 9 {
            due.push("t2");
        }
        if week >= 5 {
            due.push("t3");
        }
        due
    };
    for week in 1..=12i64 {
        server.state.clock.set_today(wednesday(week));
        // Weeks 2 and 3 are ticked on a phone.
        let phone = week == 2 || week == 3;
        let (width, height) = if phone { (360, 800) } else { (1280, 1000) };
        c.set_window_size(width, height).await.unwrap();
        c.goto(&plan_url).await.unwrap();
        let label = wait_text(c, ".plan-current-week", |t| {
            t == format!("Week {week} of 12")
        })
        .await;
        assert_eq!(label, format!("Week {week} of 12"));
        if phone {
            let widths = c
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
                .await
                .unwrap();
            let (page, screen) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
            assert!(
                page <= screen,
                "the plan page fits a phone: {page} px wide on a {screen} px screen"
            );
        }
        if week == 5 {
            click(c, ".plan-tactic-goal[data-goal='1'] button.add-tactic").await;
            type_into(
                c,
                "input.new-tactic-title",
                "Daily stand-up at the open-space board",
            )
            .await;
            type_into(c, "input.new-tactic-owner", "Head of department").await;
            click(c, "button.save-tactic").await;
            wait_for(c, "li.plan-tactic[data-tactic=t3]").await;
        }
        if week == 9 {
            click(c, "li.plan-tactic[data-tactic=t2] button.change-schedule").await;
            click(c, "li.plan-tactic[data-tactic=t2] button.withdraw").await;
            let schedule = wait_text(c, "li.plan-tactic[data-tactic=t2] .tactic-schedule", |t| {
                t.contains("Withdrawn")
            })
            .await;
            assert!(schedule.contains("From week 9: Withdrawn"), "{schedule}");
        }
        let listed = c
            .find_all(Locator::Css(&format!(
                "ul.tactics[data-week='{week}'] li.tactic"
            )))
            .await
            .unwrap()
            .len();
        assert_eq!(listed, due(week).len(), "week {week} lists what is due");
        let mut done = 0;
        for tactic in due(week) {
            if (week == 3 && tactic == "t1") || (week == 6 && tactic == "t3") {
                continue;
            }
            click(c, &tick(tactic, week)).await;
            done += 1;
            let expected = format!("{:.1}%", 100.0 * done as f64 / due(week).len() as f64);
            let score = wait_text(c, ".plan-week-score", |t| t == expected).await;
            assert_eq!(score, expected, "week {week} after ticking {tactic}");
        }
        if week == 10 {
            // Ticked by mistake: unticked again, a second answer over the first.
            wait_for(c, "li.tactic[data-tactic=t1][data-week='10']:not(.is-busy)").await;
            click(c, &tick("t1", 10)).await;
            let score = wait_text(c, ".plan-week-score", |t| t == "50.0%").await;
            assert_eq!(score, "50.0%");
        }
        if week == 4 {
            // Last week's review, done after all: ticked late.
            click(c, "select.plan-week option[value='3']").await;
            click(c, &tick("t1", 3)).await;
            wait_for(c, "li.tactic[data-tactic=t1][data-week='3'] .tactic-late").await;
        }
    }
    // The review week: no more ticks due, the whole plan's score.
    server.state.clock.set_today(wednesday(13));
    c.goto(&plan_url).await.unwrap();
    wait_text(c, ".plan-current-week", |t| t == "Review week").await;
    // Due: 24 (t1 twelve times, t2 in weeks 2 4 6 8, t3 in weeks 5 to 12); not done: week 6's t3
    // and week 10's t1.
    let cumulative = wait_text(c, ".plan-cumulative", |t| t == "91.7%").await;
    assert_eq!(cumulative, "91.7%");
    let lag = c
        .find_all(Locator::Css("table.plan-weeks td.plan-kpi-value"))
        .await
        .unwrap();
    let mut lag_values = 0;
    for cell in lag {
        if cell.text().await.unwrap_or_default().contains('%') {
            lag_values += 1;
        }
    }
    // Beside each week's score, the KPI's value that week, wherever the data has one.
    let (_, series) = server
        .get_json("/api/kpis/appeal_on_time_share/values?unit=shymkent-economy&from=2021-05-03&to=2021-07-25&grain=week")
        .await;
    let with_data = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["value"].is_number())
        .count();
    assert!(with_data > 0, "{series}");
    assert_eq!(
        lag_values, with_data,
        "the lag KPI beside the weeks: {series}"
    );
    let png = c.screenshot().await.unwrap_or_default();
    if let Some(dir) = std::env::var_os("KPI_SCREENSHOTS") {
        let _ = std::fs::write(
            std::path::Path::new(&dir).join("plan-review-week.png"),
            &png,
        );
    }

    // The akim's overview shows it beside the seed's plans, sortable by the cumulative score.
    wait_for(c, "button.sign-out").await.click().await.unwrap();
    c.goto(&server.url("/plans?unit=shymkent")).await.unwrap();
    sign_in(c, "mayor.shymkent", DEMO_PASSWORD).await;
    let row = format!("table.plans-table tr.plan-row[data-plan='{id}']");
    let cell = wait_text(c, &format!("{row} td.plan-cumulative"), |t| t == "91.7%").await;
    assert_eq!(cell, "91.7%");
    let rows = c
        .find_all(Locator::Css("table.plans-table tr.plan-row"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 56, "the seed's 55 plans and this one");
    click(c, "th[data-sort=cumulative] button").await;
    wait_for(c, "th[data-sort=cumulative][aria-sort=descending]").await;
    browser.close().await;

    let head = server.sign_in("head.shymkent.economy", DEMO_PASSWORD).await;
    let (_, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    let due: Vec<u64> = (0..12)
        .map(|w| plan["scores"][w]["due"].as_u64().unwrap())
        .collect();
    assert_eq!(due, [1, 2, 1, 2, 2, 3, 2, 3, 2, 2, 2, 2]);
    let late: Vec<&Value> = plan["checkins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["late"] == true)
        .collect();
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(
        (late[0]["tactic"].as_str(), late[0]["week"].as_u64()),
        (Some("t1"), Some(3))
    );
}

/// The akim of Shymkent opens the open-space experiment from the menu, reads its verdict (the
/// API's, word for word), and finds its window shaded on the board's response-time chart, whose
/// legend leads back to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mayor_reads_the_open_space_verdict_and_sees_its_band_on_the_board() {
    let server = TestServer::start(true).await;
    let mayor = server.demo("mayor.shymkent").await;
    let (status, analysis) = mayor
        .get_json("/api/experiments/shymkent-open-space/analysis")
        .await;
    assert_eq!(status, 200, "{analysis}");
    let verdict = analysis["verdict"].as_str().unwrap().to_string();

    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/boards/overview?unit=shymkent"))
        .await
        .unwrap();
    sign_in(c, "mayor.shymkent", DEMO_PASSWORD).await;
    wait_for(c, "a.experiments-link")
        .await
        .click()
        .await
        .unwrap();
    wait_for(
        c,
        "table.experiments-table tr[data-experiment=shymkent-open-space] a",
    )
    .await
    .click()
    .await
    .unwrap();
    let seen = wait_text(c, "p.verdict", |t| t == verdict).await;
    assert_eq!(seen, verdict);
    assert_eq!(path_of(c).await, "/experiments/shymkent-open-space");
    wait_for(c, "svg.event-study .event-point").await;
    let treated = c
        .find_all(Locator::Css("ul.treated-units li"))
        .await
        .unwrap()
        .len();
    assert_eq!(treated, 5);

    c.goto(&server.url(
        "/boards/overview?unit=shymkent&from=2019-01-01&to=2020-12-31&grain=month&kpi=appeal_response_hours_median",
    ))
    .await
    .unwrap();
    wait_for(
        c,
        "svg.series-chart .experiment-band[data-experiment=shymkent-open-space] rect",
    )
    .await;
    let hover = wait_for(
        c,
        ".experiment-band[data-experiment=shymkent-open-space] title",
    )
    .await
    .html(true)
    .await
    .unwrap();
    assert!(hover.contains("Open-space city hall"), "{hover}");
    wait_for(c, ".band-legend li[data-experiment=shymkent-open-space] a")
        .await
        .click()
        .await
        .unwrap();
    wait_text(c, "p.verdict", |t| t == verdict).await;
    assert_eq!(path_of(c).await, "/experiments/shymkent-open-space");

    // The response-time tile carries the experiment's headline, a link to it.
    c.goto(&server.url("/boards/overview?unit=shymkent"))
        .await
        .unwrap();
    let css = ".tile[data-kpi=appeal_response_hours_median] .tile-experiment[data-experiment=shymkent-open-space] a";
    let headline = wait_text(c, css, |t| !t.is_empty()).await;
    assert!(headline.starts_with("Open-space city hall: "), "{headline}");
    wait_for(c, css).await.click().await.unwrap();
    wait_text(c, "p.verdict", |t| t == verdict).await;
    assert_eq!(path_of(c).await, "/experiments/shymkent-open-space");
    browser.close().await;
}

/// The analyst of Mashhad defines an experiment in the browser (two districts against two others,
/// month by month), is told what is missing first, saves it, and reads its analysis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_defines_an_experiment_and_reads_its_analysis() {
    let server = TestServer::start(true).await;
    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/experiments")).await.unwrap();
    sign_in(c, "analyst.mashhad", DEMO_PASSWORD).await;
    wait_for(c, "a.new-experiment").await.click().await.unwrap();
    wait_for(c, "form.experiment-form").await;
    type_into(
        c,
        "form.experiment-form input[name=id]",
        "mashhad-evening-desk",
    )
    .await;
    type_into(
        c,
        "form.experiment-form input[name=title]",
        "Evening reception desk",
    )
    .await;
    click(c, "button.save-experiment").await;
    let problem = wait_text(c, ".form-error", |t| !t.is_empty()).await;
    assert!(problem.contains("at least one unit"), "{problem}");

    let choose = |css: &'static str, value: &'static str| async move {
        let select = wait_for(c, css).await;
        select.select_by_value(value).await.unwrap();
    };
    choose(
        ".treated-row[data-row='0'] select.treated-unit",
        "mashhad-district-1",
    )
    .await;
    // A date input's typing follows the browser's locale; set its value as the picker would.
    wait_for(c, ".treated-row[data-row='0'] input.treated-start").await;
    c.execute(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
         e.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![
            serde_json::json!(".treated-row[data-row='0'] input.treated-start"),
            serde_json::json!("2020-07-01"),
        ],
    )
    .await
    .unwrap();
    click(c, "button.add-treated").await;
    choose(
        ".treated-row[data-row='1'] select.treated-unit",
        "mashhad-district-2",
    )
    .await;
    click(c, ".comparison-choice[data-unit=mashhad-district-3] input").await;
    click(c, ".comparison-choice[data-unit=mashhad-district-4] input").await;
    click(
        c,
        ".kpi-choice[data-kpi=appeal_response_hours_median] input",
    )
    .await;
    // Units that moved like the treated ones before the start are proposed.
    click(c, "button.suggest-comparison").await;
    let suggested = wait_for(c, "ol.suggestions li.suggestion").await;
    let unit = suggested
        .attr("data-unit")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(unit.starts_with("mashhad-"), "{unit}");
    click(c, "button.save-experiment").await;
    wait_for(c, "p.verdict").await;
    assert_eq!(path_of(c).await, "/experiments/mashhad-evening-desk");

    let analyst = server.demo("analyst.mashhad").await;
    let (status, stored) = analyst
        .get_json("/api/experiments/mashhad-evening-desk")
        .await;
    assert_eq!(status, 200, "{stored}");
    let e = &stored["experiment"];
    assert_eq!(e["treated"][0]["start"], "2020-07-01");
    assert_eq!(
        e["treated"][1]["start"], "2020-07-01",
        "a new row starts with the last"
    );
    assert_eq!(
        e["comparison"],
        serde_json::json!(["mashhad-district-3", "mashhad-district-4"])
    );
    let (_, analysis) = analyst
        .get_json("/api/experiments/mashhad-evening-desk/analysis")
        .await;
    let verdict = analysis["verdict"].as_str().unwrap().to_string();
    let seen = wait_text(c, "p.verdict", |t| t == verdict).await;
    assert_eq!(seen, verdict);

    // The experiments file, changed outside and uploaded on the list page.
    let (_, file) = analyst.get_text("/api/exports/experiments").await;
    let mut file: Value = serde_json::from_str(&file).unwrap();
    for e in file.as_array_mut().unwrap() {
        if e["id"] == "mashhad-evening-desk" {
            e["title"] = Value::from("Evening reception desk, revised");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("experiments.json");
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    c.goto(&server.url("/experiments")).await.unwrap();
    wait_for(c, "input.experiments-import-file")
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    let done = wait_text(c, ".import-done", |t| !t.is_empty()).await;
    assert!(done.contains("1 changed"), "{done}");
    wait_text(c, "table.experiments-table", |t| {
        t.contains("Evening reception desk, revised")
    })
    .await;

    // The experiment's page keeps both versions, with who made each and what it changed.
    c.goto(&server.url("/experiments/mashhad-evening-desk"))
        .await
        .unwrap();
    click(c, "details.experiment-history summary").await;
    let newest = wait_text(c, "li.version[data-revision='2']", |t| !t.is_empty()).await;
    assert!(newest.contains("by analyst.mashhad"), "{newest}");
    assert!(
        newest.contains("Title now \u{201c}Evening reception desk, revised\u{201d}"),
        "{newest}"
    );
    let first = wait_text(c, "li.version[data-revision='1']", |t| !t.is_empty()).await;
    assert!(first.contains("Defined."), "{first}");
    browser.close().await;
}

/// On the board of `unit` (the address says so), Back returns to the page that led there, whose
/// `row` shows again.
/// Applies the print stylesheet's rules (copied out of their `@media print` blocks) at A4's
/// width, and counts what a printout must not have: navigation and controls shown, and charts or
/// tables cut off at the page's edge.
async fn as_printed(c: &Client) -> Value {
    c.set_window_size(794, 1123).await.unwrap();
    c.execute(
        "for (const sheet of document.styleSheets) {
           for (const rule of sheet.cssRules) {
             if (rule instanceof CSSMediaRule && rule.conditionText === 'print') {
               const style = document.createElement('style');
               style.dataset.print = 'applied';
               style.textContent = Array.from(rule.cssRules)
                 .filter(r => !(r instanceof CSSPageRule)).map(r => r.cssText).join('\\n');
               document.head.appendChild(style);
             }
           }
         }
         const shown = css => Array.from(document.querySelectorAll(css))
           .filter(e => e.offsetParent !== null).length;
         const width = document.documentElement.clientWidth;
         const clipped = Array.from(document.querySelectorAll('svg, table'))
           .filter(s => s.getBoundingClientRect().right > width + 1).length;
         return { navigation: shown('.filters, .user-menu, .board-nav, .download-csv, .event-form, .score-how-cell'),
                  clipped };",
        vec![],
    )
    .await
    .unwrap()
}

/// Back to the screen after [`as_printed`]: its rules removed, the window as wide as before.
async fn unprinted(c: &Client) {
    c.execute(
        "document.querySelectorAll('style[data-print]').forEach(s => s.remove());",
        vec![],
    )
    .await
    .unwrap();
    c.set_window_size(1280, 1000).await.unwrap();
}

/// The text a download link (`css`) gives, without a byte order mark.
async fn downloaded(c: &Client, css: &str) -> String {
    let href = wait_for(c, css).await.attr("href").await.unwrap().unwrap();
    let text = c
        .execute_async(
            "fetch(arguments[0]).then(r => r.text()).then(arguments[1])",
            vec![Value::from(href)],
        )
        .await
        .unwrap();
    text.as_str()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string()
}

async fn on_the_board_and_back(c: &Client, unit: &str, row: &str) {
    assert_eq!(path_of(c).await, "/boards/overview");
    let url = c.current_url().await.unwrap();
    assert!(
        url.query()
            .unwrap_or_default()
            .contains(&format!("unit={unit}")),
        "{url}"
    );
    c.back().await.unwrap();
    wait_for(c, row).await;
}

/// The governor of Krasnodar Krai opens the fair league table of the municipalities from the
/// board, reads the API's ranking and verdicts in it, downloads it as CSV (the same rows), goes to
/// one municipality's board, prints it (the print stylesheet at A4's width), and comes back with
/// Back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governor_ranks_the_municipalities_fairly_and_goes_to_one_board_and_back() {
    let server = TestServer::start(true).await;
    let period = "from=2021-01-01&to=2021-03-31";
    let governor = server.demo("governor.krasnodar").await;
    let (status, league) = governor
        .get_json(&format!(
            "/api/kpis/appeal_on_time_share/league?unit=krasnodar-krai&{period}"
        ))
        .await;
    assert_eq!(status, 200, "{league}");
    let rows = league["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "five municipalities");

    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url(&format!(
        "/boards/overview?unit=krasnodar-krai&{period}&kpi=appeal_on_time_share"
    )))
    .await
    .unwrap();
    sign_in(c, "governor.krasnodar", DEMO_PASSWORD).await;
    click(c, "section.kpi-detail a.league-link").await;
    wait_for(c, "table.league-table tr.league-row").await;
    assert_eq!(path_of(c).await, "/league/appeal_on_time_share");

    // The rows in the API's order, each with its verdict against the region.
    let mut seen = Vec::new();
    for row in c
        .find_all(Locator::Css("table.league-table tr.league-row"))
        .await
        .unwrap()
    {
        let unit = row.attr("data-unit").await.unwrap().unwrap_or_default();
        let versus = row.attr("data-versus").await.unwrap().unwrap_or_default();
        seen.push((unit, versus));
    }
    let want: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["unit"]["id"].as_str().unwrap().to_string(),
                r["versus"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(seen, want);
    wait_for(c, "svg.funnel-plot circle.funnel-point").await;

    // The CSV the link downloads: a line per municipality with the API's numbers.
    let csv = downloaded(c, "a.download-league").await;
    let lines: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(lines.len(), rows.len() + 1, "{csv}");
    for (line, row) in lines.iter().zip(rows) {
        assert_eq!(line[1], row["unit"]["id"].as_str().unwrap(), "{csv}");
        let number = |i: usize| line[i].parse::<f64>().ok();
        assert_eq!(number(3), row["value"].as_f64(), "{csv}");
        assert_eq!(number(4), row["low"].as_f64(), "{csv}");
        assert_eq!(number(5), row["high"].as_f64(), "{csv}");
        assert_eq!(line[7], row["versus"].as_str().unwrap(), "{csv}");
    }

    // One municipality's board, and back to the table.
    let first = want[0].0.clone();
    click(
        c,
        &format!("tr.league-row[data-unit='{first}'] a.league-board-link"),
    )
    .await;
    wait_for(c, ".tile").await;
    wait_for(c, "svg.series-chart").await;

    // The board as printed: the print stylesheet's rules applied (copied out of their
    // `@media print` blocks) at A4's width: no navigation, red tiles first, no chart cut off.
    let printed = as_printed(c).await;
    let tiles = c
        .execute(
            "return Array.from(document.querySelectorAll('.tile'))
               .map(t => [t.dataset.status, t.getBoundingClientRect().top, t.getBoundingClientRect().left])
               .sort((a, b) => a[1] - b[1] || a[2] - b[2]).map(t => t[0]);",
            vec![],
        )
        .await
        .unwrap();
    let charts = c
        .find_all(Locator::Css("svg.series-chart"))
        .await
        .unwrap()
        .len();
    assert_eq!(printed["navigation"], 0, "{printed}");
    assert_eq!(printed["clipped"], 0, "{printed}");
    assert_eq!(charts, 1);
    let statuses: Vec<&str> = tiles
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let rank = |s: &str| match s {
        "red" => 0,
        "amber" => 1,
        _ => 2,
    };
    assert!(
        statuses.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "red tiles first: {statuses:?}"
    );
    unprinted(c).await;
    on_the_board_and_back(c, &first, "table.league-table tr.league-row").await;
    assert_eq!(path_of(c).await, "/league/appeal_on_time_share");
    let url = c.current_url().await.unwrap();
    assert!(
        url.query()
            .unwrap_or_default()
            .contains("unit=krasnodar-krai"),
        "{url}"
    );
    // The league table as printed, its funnel plot whole.
    wait_for(c, "svg.funnel-plot circle.funnel-point").await;
    let printed = as_printed(c).await;
    assert_eq!(printed["navigation"], 0, "{printed}");
    assert_eq!(printed["clipped"], 0, "{printed}");
    browser.close().await;
}

/// The governor of Krasnodar Krai opens the agenda of a quarter: the API's items in its
/// order, red first; an item opens its unit's board with the KPI open, and Back returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governor_runs_the_agenda_from_red_to_the_board_and_back() {
    let server = TestServer::start(true).await;
    let period = "from=2021-10-01&to=2021-12-31";
    let governor = server.demo("governor.krasnodar").await;
    let (status, agenda) = governor
        .get_json(&format!("/api/agenda?unit=krasnodar-krai&{period}"))
        .await;
    assert_eq!(status, 200, "{agenda}");
    let items = agenda["items"].as_array().unwrap();
    assert!(!items.is_empty());

    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url(&format!("/boards/overview?unit=krasnodar-krai&{period}")))
        .await
        .unwrap();
    sign_in(c, "governor.krasnodar", DEMO_PASSWORD).await;
    // The header links to the agenda; the meeting's period is in the address like a board's.
    wait_for(c, "a.agenda-nav-link").await;
    c.goto(&server.url(&format!("/agenda?unit=krasnodar-krai&{period}")))
        .await
        .unwrap();
    wait_for(c, "table.agenda-table tr.agenda-item").await;
    assert_eq!(path_of(c).await, "/agenda");
    let mut seen = Vec::new();
    for row in c
        .find_all(Locator::Css("table.agenda-table tr.agenda-item"))
        .await
        .unwrap()
    {
        seen.push((
            row.attr("data-unit").await.unwrap().unwrap_or_default(),
            row.attr("data-kpi").await.unwrap().unwrap_or_default(),
            row.attr("data-status").await.unwrap().unwrap_or_default(),
        ));
    }
    let want: Vec<(String, String, String)> = items
        .iter()
        .map(|i| {
            (
                i["unit"]["id"].as_str().unwrap().to_string(),
                i["kpi"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(seen, want);

    let (unit, kpi, _) = &want[0];
    click(c, "table.agenda-table tr.agenda-item a.agenda-link").await;
    wait_for(c, &format!("section.kpi-detail[data-kpi='{kpi}']")).await;
    on_the_board_and_back(c, unit, "table.agenda-table tr.agenda-item").await;
    assert_eq!(path_of(c).await, "/agenda");
    // The agenda as printed for the meeting.
    let printed = as_printed(c).await;
    assert_eq!(printed["navigation"], 0, "{printed}");
    assert_eq!(printed["clipped"], 0, "{printed}");
    unprinted(c).await;
    browser.close().await;
}

/// The keys of the scorecards shown, in order.
async fn cards_shown(c: &Client) -> Vec<String> {
    let mut keys = Vec::new();
    for row in c.find_all(Locator::Css("tr.scorecard")).await.unwrap() {
        keys.push(row.attr("data-card").await.unwrap().unwrap_or_default());
    }
    keys
}

/// Waits up to 30 s for the scorecards shown to be `want`; returns the last seen.
async fn wait_cards(c: &Client, want: &[String]) -> Vec<String> {
    let started = Instant::now();
    loop {
        let seen = cards_shown(c).await;
        if seen == want || started.elapsed() > Duration::from_secs(30) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The current crumbs of the breadcrumb, root first.
async fn crumbs(c: &Client) -> Vec<String> {
    let mut names = Vec::new();
    for crumb in c.find_all(Locator::Css("nav.breadcrumb li")).await.unwrap() {
        names.push(crumb.text().await.unwrap());
    }
    names
}

/// The mayor of Rasht evaluates the city's experts: the API's ranking, one card's computation
/// opened from the keyboard, a drill-down from the city to a department and to one expert (the
/// breadcrumb ends with them), Back at every step, and the CSV for HR with the API's numbers. The
/// head of a department then sees their own staff only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mayor_evaluates_the_experts_down_to_one_and_a_head_sees_only_their_own() {
    let server = TestServer::start(true).await;
    let mayor = server.demo("mayor.rasht").await;
    let (status, city) = mayor
        .get_json("/api/evaluations/rasht_experts?from=2021-10-01")
        .await;
    assert_eq!(status, 200, "{city}");
    let cards = city["cards"].as_array().unwrap();
    let key = |c: &Value| {
        format!(
            "{}/{}",
            c["unit"]["id"].as_str().unwrap(),
            c["employee"].as_str().unwrap()
        )
    };
    let want: Vec<String> = cards.iter().map(key).collect();
    assert!(want.len() > 10, "{want:?}");

    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url("/evaluations?from=2021-10-01"))
        .await
        .unwrap();
    sign_in(c, "mayor.rasht", DEMO_PASSWORD).await;
    click(c, "li.scheme[data-scheme=rasht_experts] a.evaluation-link").await;
    assert_eq!(wait_cards(c, &want).await, want);
    assert_eq!(path_of(c).await, "/evaluations/rasht_experts");

    // The first card's computation, opened with the keyboard: a line per KPI.
    let how = wait_for(c, "tr.scorecard button.score-how").await;
    how.send_keys("\u{E007}").await.unwrap();
    wait_for(c, "tr.score-detail tr.score-line").await;
    assert_eq!(
        how.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );
    let lines = c
        .find_all(Locator::Css("tr.score-detail tr.score-line"))
        .await
        .unwrap();
    assert_eq!(lines.len(), 3);

    // The CSV: a line per expert and KPI, with the API's numbers.
    let csv = downloaded(c, "a.download-evaluation").await;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), cards.len() * 3, "{csv}");
    let first = &cards[0];
    let fields: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(fields[2], first["employee"].as_str().unwrap(), "{csv}");
    assert_eq!(fields[3], first["unit"]["id"].as_str().unwrap(), "{csv}");
    assert_eq!(
        fields[5],
        first["lines"][0]["kpi"].as_str().unwrap(),
        "{csv}"
    );
    assert_eq!(
        fields[6].parse::<f64>().ok(),
        first["lines"][0]["value"].as_f64(),
        "{csv}"
    );

    // Down to the first expert's department, then to the expert.
    let dept = first["unit"]["id"].as_str().unwrap().to_string();
    let name = first["employee"].as_str().unwrap().to_string();
    click(c, "tr.scorecard a.card-unit").await;
    wait_text(c, "nav.breadcrumb li.crumb-current", |t| {
        t == first["unit"]["name"]
    })
    .await;
    let in_dept: Vec<String> = want
        .iter()
        .filter(|k| k.starts_with(&format!("{dept}/")))
        .cloned()
        .collect();
    assert_eq!(wait_cards(c, &in_dept).await, in_dept);
    let trail = crumbs(c).await;
    assert_eq!(trail.len(), 3, "city, district, department: {trail:?}");
    assert_eq!(trail[0], "Rasht");
    click(c, "tr.scorecard a.card-subject").await;
    wait_for(c, "nav.breadcrumb li.crumb-leaf").await;
    assert_eq!(crumbs(c).await.last(), Some(&name));
    let alone = [format!("{dept}/{name}")];
    assert_eq!(wait_cards(c, &alone).await, alone);
    wait_for(c, "tr.score-detail tr.score-line").await;
    // Back: the department, then the city.
    c.back().await.unwrap();
    wait_text(c, "nav.breadcrumb li.crumb-current", |t| {
        t == first["unit"]["name"]
    })
    .await;
    assert!(c
        .find(Locator::Css("nav.breadcrumb li.crumb-leaf"))
        .await
        .is_err());
    c.back().await.unwrap();
    wait_text(c, "nav.breadcrumb li.crumb-current", |t| t == "Rasht").await;
    assert_eq!(wait_cards(c, &want).await, want);

    // The scorecards as printed: no controls, no table cut off at A4's edge.
    let printed = as_printed(c).await;
    assert_eq!(printed["navigation"], 0, "{printed}");
    assert_eq!(printed["clipped"], 0, "{printed}");
    unprinted(c).await;

    // The head of District 1's social department: their own experts, and nobody else's.
    wait_for(c, "button.sign-out").await.click().await.unwrap();
    c.goto(&server.url("/evaluations/rasht_experts?from=2021-10-01"))
        .await
        .unwrap();
    sign_in(c, "head.rasht.social", DEMO_PASSWORD).await;
    wait_for(c, "tr.scorecard").await;
    let own = cards_shown(c).await;
    assert!(!own.is_empty());
    assert!(
        own.iter()
            .all(|k| k.starts_with("rasht-district-1-social/")),
        "{own:?}"
    );
    c.goto(
        &server.url("/evaluations/rasht_experts?unit=rasht-district-1-transport&from=2021-10-01"),
    )
    .await
    .unwrap();
    wait_for(c, ".outside-jurisdiction").await;
    assert!(c.find(Locator::Css("tr.scorecard")).await.is_err());
    browser.close().await;
}

/// The mayor of Perm marks an event for a district from its board: it is listed, shaded on the
/// open KPI's chart with its title, and removed again. A board stopping inside the quarter then
/// forecasts where the quarter lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mayor_marks_an_event_on_the_charts_and_removes_it() {
    let server = TestServer::start(true).await;
    let browser = Browser::start_speaking("en", &server)
        .await
        .expect("browser");
    let c = &browser.client;
    c.goto(&server.url(
        "/boards/overview?unit=perm-sverdlovsky&from=2021-04-01&to=2021-06-30&grain=week&kpi=appeal_on_time_share",
    ))
    .await
    .unwrap();
    sign_in(c, "mayor.perm", DEMO_PASSWORD).await;
    wait_for(c, "svg.series-chart").await;
    let title = "District office moves to an open space";
    let from = wait_for(c, "form.event-form input[name=from]").await;
    // The form starts on the board's last day.
    let started = Instant::now();
    while from.prop("value").await.unwrap().as_deref() != Some("2021-06-30") {
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A date input takes the typed day in the browser's own order; set it as the form reads it.
    c.execute(
        "const set = (name, v) => { const i = document.querySelector(`form.event-form input[name=${name}]`); i.value = v; };
         set('from', '2021-05-04'); set('to', '2021-05-21');",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(
        from.prop("value").await.unwrap().as_deref(),
        Some("2021-05-04")
    );
    type_into(c, "form.event-form input[name=title]", title).await;
    click(c, "form.event-form button[type=submit]").await;
    let listed = wait_text(c, "li.event:last-child .event-title", |t| t == title).await;
    assert_eq!(listed, title);
    // Shaded on the chart, named on hover.
    let started = Instant::now();
    loop {
        let titles = c
            .execute(
                "return Array.from(document.querySelectorAll('svg.series-chart g.annotation-band title')).map(t => t.textContent);",
                vec![],
            )
            .await
            .unwrap();
        if titles.to_string().contains(title) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{titles}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    click(c, "li.event:last-child button.event-remove").await;
    let gone = wait_text(c, "li.event:last-child .event-title", |t| t != title).await;
    assert_ne!(gone, title);

    // A period that stops inside the quarter: each share's tile says where the quarter lands.
    c.goto(
        &server
            .url("/boards/overview?unit=perm-sverdlovsky&from=2021-04-01&to=2021-05-16&grain=week"),
    )
    .await
    .unwrap();
    let forecast = wait_text(
        c,
        ".tile[data-kpi=appeal_on_time_share] .tile-forecast",
        |t| t.starts_with("By 30 Jun 2021:"),
    )
    .await;
    assert!(forecast.starts_with("By 30 Jun 2021:"), "{forecast}");
    browser.close().await;
}

/// The attribute `name` of the page's root element.
async fn root_attr(c: &Client, name: &str) -> String {
    c.execute(
        "return document.documentElement.getAttribute(arguments[0]) || ''",
        vec![Value::String(name.to_string())],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// The texts of every element matching `css`, once there are `n` of them.
async fn texts_of(c: &Client, css: &str, n: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let mut texts = Vec::new();
        for el in c.find_all(Locator::Css(css)).await.unwrap_or_default() {
            texts.push(el.text().await.unwrap_or_default());
        }
        if texts.len() >= n || started.elapsed() > Duration::from_secs(30) {
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mashhad_analyst_reads_the_board_in_persian_then_switches_to_russian() {
    use kpi_api::format::{value_in, Locale};
    let server = TestServer::start(true).await;
    // Farvardin to Khordad 1400, by Solar Hijri month.
    let period = "unit=mashhad&from=2021-03-21&to=2021-06-21&grain=month";
    let (status, board) = server
        .get_json(&format!("/api/boards/overview?{period}&calendar=persian"))
        .await;
    assert_eq!(status, 200, "{board}");
    let tile = |board: &Value| {
        board["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kpi"]["id"] == "appeal_on_time_share")
            .map(|t| t["value"].as_f64())
            .expect("the on-time tile")
    };
    let on_time = tile(&board);
    let persian = value_in(Locale::Fa, on_time, Measure::Percent);
    assert!(persian.ends_with('٪'), "{persian}");

    // No choice made yet: the analyst's home unit, Mashhad, speaks Persian.
    let browser = Browser::start().await.expect("browser");
    let c = &browser.client;
    c.goto(&server.url(&format!("/boards/overview?{period}")))
        .await
        .unwrap();
    sign_in(c, "analyst.mashhad", DEMO_PASSWORD).await;
    let seen = wait_text(c, ".tile[data-kpi=appeal_on_time_share] .tile-value", |t| {
        t == persian
    })
    .await;
    assert_eq!(seen, persian, "the tile in Persian digits and separators");
    assert_eq!(root_attr(c, "lang").await, "fa");
    assert_eq!(root_attr(c, "dir").await, "rtl");
    // A Solar Hijri range, the title in Persian, the city by its own name.
    let range = wait_text(c, ".board-period", |t| t.contains("فروردین")).await;
    assert_eq!(range, "۱ فروردین ۱۴۰۰ – ۳۱ خرداد ۱۴۰۰");
    assert_eq!(
        wait_text(c, ".board-title", |t| t.contains("نمای")).await,
        "نمای کلی"
    );
    assert_eq!(wait_text(c, ".board-unit", |t| !t.is_empty()).await, "مشهد");
    // Mirrored: the first tile sits to the right of the second.
    let lefts = c
        .execute(
            "return [...document.querySelectorAll('.tile')].slice(0, 2)
                .map(t => t.getBoundingClientRect().left)",
            vec![],
        )
        .await
        .unwrap();
    let lefts: Vec<f64> = lefts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(lefts.len() == 2 && lefts[0] > lefts[1], "{lefts:?}");
    // The chart's buckets are Solar Hijri months, named so, and the chart is mirrored.
    click(c, ".tile[data-kpi=appeal_on_time_share]").await;
    let ticks = texts_of(c, ".kpi-detail .chart-x-label", 3).await;
    assert_eq!(
        ticks,
        vec!["فروردین ۱۴۰۰", "اردیبهشت ۱۴۰۰", "خرداد ۱۴۰۰"],
        "month-grain labels"
    );
    let transform = c
        .execute(
            "return getComputedStyle(document.querySelector('.kpi-detail svg')).transform",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(transform, "matrix(-1, 0, 0, 1, 0, 0)");
    let (_, series) = server
        .get_json(&format!(
            "/api/kpis/appeal_on_time_share/values?{period}&calendar=persian"
        ))
        .await;
    assert_eq!(
        series["points"].as_array().map(Vec::len),
        Some(3),
        "{series}"
    );
    // The breakdown by district, in Persian digits too.
    let table = texts_of(c, ".kpi-detail .child-value", 1).await;
    assert!(!table.is_empty(), "the districts' values");
    assert!(
        table
            .iter()
            .all(|v| !v.chars().any(|ch| ch.is_ascii_digit())),
        "{table:?}"
    );

    // At 360 px the Persian board has no sideways scroll.
    c.set_window_size(360, 900).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    let png = c.screenshot().await.unwrap_or_default();
    if let Some(dir) = std::env::var_os("KPI_SCREENSHOTS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("mashhad-fa-360.png"), &png);
    }
    assert_eq!(overflow.as_i64(), Some(0), "no sideways scroll at 360 px");
    c.set_window_size(1280, 1000).await.unwrap();

    // Russian, from the switcher: Russian words and separators, Gregorian dates, remembered.
    click(c, "nav.lang-switch button[data-lang=ru]").await;
    let (_, board) = server
        .get_json(&format!("/api/boards/overview?{period}"))
        .await;
    let russian = value_in(Locale::Ru, tile(&board), Measure::Percent);
    assert!(
        russian.contains(",") && russian.ends_with("\u{a0}%"),
        "{russian}"
    );
    // WebDriver's text turns no-break spaces into spaces; the DOM's own text keeps them.
    let shown = russian.replace('\u{a0}', " ");
    let seen = wait_text(c, ".tile[data-kpi=appeal_on_time_share] .tile-value", |t| {
        t == shown
    })
    .await;
    assert_eq!(seen, shown, "the tile with a decimal comma");
    let dom = c
        .execute(
            "return document.querySelector('.tile[data-kpi=appeal_on_time_share] .tile-value').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        dom.as_str(),
        Some(russian.as_str()),
        "a no-break space before %"
    );
    assert_eq!(root_attr(c, "lang").await, "ru");
    assert_eq!(root_attr(c, "dir").await, "ltr");
    assert_eq!(
        wait_text(c, ".board-title", |t| t == "Обзор").await,
        "Обзор"
    );
    assert_eq!(
        wait_text(c, ".board-period", |t| t.contains("мар")).await,
        "21 мар. 2021 – 21 июн. 2021"
    );
    c.refresh().await.unwrap();
    assert_eq!(
        wait_text(c, ".board-title", |t| t == "Обзор").await,
        "Обзор"
    );
    assert_eq!(root_attr(c, "lang").await, "ru", "the choice is remembered");

    // An experiment's finding is worded in Russian from its numbers; its title has a Persian
    // version but no Russian one, so the English shows, marked as such.
    c.goto(&server.url("/experiments/mashhad-e-municipality"))
        .await
        .unwrap();
    let verdict = wait_text(c, ".analysis .verdict", |t| t.contains("вырос")).await;
    assert!(
        verdict.starts_with("Показатель «Услуги, заказанные в электронном виде» вырос на"),
        "{verdict}"
    );
    assert_eq!(
        wait_text(c, ".experiment-title .untranslated", |t| !t.is_empty()).await,
        "EN"
    );
    // In Persian the same page is the Persian title, unmarked, and a Persian verdict.
    click(c, "nav.lang-switch button[data-lang=fa]").await;
    let verdict = wait_text(c, ".analysis .verdict", |t| t.contains("افزایش")).await;
    assert!(verdict.contains("افزایش یافت"), "{verdict}");
    assert_eq!(
        wait_text(c, ".experiment-title", |t| t.contains("شهرداری")).await,
        "شهرداری الکترونیک، منطقه به منطقه"
    );
    browser.close().await;
}
