//! What the server gives an app to speak Russian and Persian: the home unit's language with the
//! session, errors with their arguments, translated titles, and a plan week that starts on
//! Saturday in Iran (by API and by import).

use chrono::{Duration, NaiveDate};
use kpi_backend::seed::DEMO_PASSWORD;
use kpi_tests::TestServer;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_errors_and_titles_carry_what_an_app_needs_to_speak_the_readers_language() {
    let server = TestServer::start(true).await;
    // The home unit's language, from its own name or its parent's.
    for (user, lang) in [
        ("mayor.perm", json!("ru")),
        ("mayor.shymkent", json!("ru")),
        ("analyst.mashhad", json!("fa")),
        ("head.rasht.social", json!("fa")),
        ("admin", json!(null)),
    ] {
        let session = server.sign_in(user, DEMO_PASSWORD).await;
        let (status, info) = session.get_json("/api/session").await;
        assert_eq!(status, 200);
        assert_eq!(info["lang"], lang, "{user}");
    }
    let mayor = server.sign_in("mayor.perm", DEMO_PASSWORD).await;
    // An error names its arguments, so an app words it; the engine's detail stays as written.
    let (status, error) = mayor
        .get_json("/api/boards/overview?unit=perm&from=2021-13-01")
        .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["code"], "bad_parameter");
    assert_eq!(error["args"]["param"], "from", "{error}");
    assert!(error["args"]["detail"].is_string(), "{error}");
    // A KPI and a board carry their titles in Russian and Persian.
    let (_, kpis) = mayor.get_json("/api/kpis").await;
    let on_time = kpis["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "appeal_on_time_share")
        .expect("the on-time KPI");
    assert_eq!(
        on_time["translations"]["ru"]["title"],
        "Обращения, закрытые в срок"
    );
    assert_eq!(on_time["translations"]["en"]["title"], on_time["title"]);
    assert!(on_time["translations"]["fa"]["title"].is_string());
    let (_, board) = mayor
        .get_json("/api/boards/overview?unit=perm&from=2021-10-01&to=2021-12-31")
        .await;
    assert_eq!(board["translations"]["ru"]["title"], "Обзор");
    assert_eq!(board["unit"]["local_name"], "Пермь");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_in_iran_starts_on_saturday_and_one_in_russia_on_monday() {
    let server = TestServer::start(true).await;
    let admin = server.sign_in("admin", DEMO_PASSWORD).await;
    let saturday = NaiveDate::from_ymd_opt(2021, 10, 2).unwrap();
    let monday = saturday + Duration::days(2);
    let plan = |unit: &str, start: NaiveDate| {
        json!({
            "unit": unit,
            "title": "Answer on time",
            "start": start,
            "goals": [{ "title": "On time", "kpi": "appeal_on_time_share", "target": 95,
                        "tactics": [{ "title": "Daily review", "owner": "deputy", "due": { "kind": "weekly" } }] }],
        })
    };
    let (status, error) = admin
        .post_json("/api/plans", &plan("rasht-district-1-social", monday))
        .await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["args"]["param"], "start");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("starts on a Saturday"),
        "{error}"
    );
    let (status, created) = admin
        .post_json("/api/plans", &plan("rasht-district-1-social", saturday))
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, _) = admin
        .post_json("/api/plans", &plan("shymkent-economy", saturday))
        .await;
    assert_eq!(status, 400, "a Kazakh plan starts on a Monday");
    let (status, created) = admin
        .post_json("/api/plans", &plan("shymkent-economy", monday))
        .await;
    assert_eq!(status, 201, "{created}");

    // The plans file says the same: a Saturday start is refused for Perm and taken for Mashhad.
    let header = kpi_api::plan::PLAN_FILE_COLUMNS.join(",");
    let row = |plan: &str, unit: &str, start: NaiveDate| {
        format!(
            "{plan},{unit},Q4,admin,{start},1,On time,appeal_on_time_share,95,t1,Review,deputy,1,1,weekly,admin,2021-10-01 09:00:00"
        )
    };
    let file = format!("{header}\n{}\n", row("perm-sat", "perm-leninsky", saturday));
    let (status, error) = admin.upload("plans.csv", file.into_bytes()).await;
    assert_eq!(status, 422, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("column start: a plan starts on the first day of its unit's week"),
        "{error}"
    );
    let file = format!(
        "{header}\n{}\n",
        row("mashhad-sat", "mashhad-district-8", saturday)
    );
    let (status, report) = admin.upload("plans.csv", file.into_bytes()).await;
    assert_eq!(status, 201, "{report}");
}
