//! 12-week plans through the real server: who may create, read and tick; dozens of concurrent
//! check-ins all landing; a stale edit refused as a conflict; late check-ins; the overview.

use chrono::{Datelike, Duration, Utc};
use kpi_backend::seed::DEMO_PASSWORD;
use kpi_tests::TestServer;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_ins_land_conflicts_are_refused_and_scores_follow() {
    let server = TestServer::start(true).await;
    let head = server.sign_in("head.shymkent.economy", DEMO_PASSWORD).await;
    let akim = server.sign_in("mayor.shymkent", DEMO_PASSWORD).await;
    let perm = server.sign_in("mayor.perm", DEMO_PASSWORD).await;
    // Started on the Monday two weeks before this one: this is week 3.
    let today = Utc::now().date_naive();
    let start = today - Duration::days(today.weekday().num_days_from_monday() as i64 + 14);
    let tactics: Vec<Value> = (1..=10)
        .map(|i| json!({ "title": format!("Weekly tactic {i}"), "owner": "head.shymkent.economy", "due": { "kind": "weekly" } }))
        .chain([json!({ "title": "Once, in week 2", "owner": "deputy", "due": { "kind": "once", "week": 2 } })])
        .collect();
    let new = json!({
        "unit": "shymkent-economy",
        "title": "Answer residents faster",
        "start": start,
        "goals": [{ "title": "On-time answers", "kpi": "appeal_on_time_share", "target": 95, "tactics": tactics }],
    });
    let (status, _) = akim.post_json("/api/plans", &new).await;
    assert_eq!(
        status, 403,
        "a mayor reads plans, a department head writes them"
    );
    let (status, plan) = head.post_json("/api/plans", &new).await;
    assert_eq!(status, 201, "{plan}");
    let id = plan["id"].as_str().unwrap().to_string();
    assert_eq!(plan["current_week"], 3);
    let (status, _) = head
        .post_json("/api/plans", &json!({ "unit": "shymkent-economy", "title": "x", "start": start + Duration::days(1), "goals": [] }))
        .await;
    assert_eq!(status, 400, "a plan starts on a Monday and has goals");

    // Thirty check-ins at once (ten tactics, weeks 1 to 3), all answered, none lost.
    let mut tasks = Vec::new();
    for t in 1..=10u32 {
        for week in 1..=3 {
            let head = head.clone();
            let path = format!("/api/plans/{id}/checkins/t{t}/{week}");
            let body = json!({ "done": !(t + week).is_multiple_of(3), "revision": 0 });
            tasks.push(tokio::spawn(
                async move { head.put_json(&path, &body).await.0 },
            ));
        }
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let (_, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    let checkins = plan["checkins"].as_array().unwrap();
    assert_eq!(checkins.len(), 30, "every check-in landed");
    let late = checkins.iter().filter(|c| c["late"] == true).count();
    assert_eq!(late, 20, "weeks 1 and 2 were answered late");
    let expected_done = |week: u32| {
        (1..=10u32)
            .filter(|t| !(t + week).is_multiple_of(3))
            .count() as u64
    };
    for week in 1..=3u32 {
        let s = &plan["scores"][week as usize - 1];
        let due = if week == 2 { 11 } else { 10 };
        assert_eq!(s["due"], due, "week {week}");
        assert_eq!(s["done"], expected_done(week), "week {week}");
    }

    // A stale edit: the client still thinks week 1 of t1 is unanswered.
    let put = |path: String, body: Value| {
        let head = head.clone();
        async move { head.put_json(&path, &body).await }
    };
    let (status, body) = put(
        format!("/api/plans/{id}/checkins/t1/1"),
        json!({ "done": false, "revision": 0 }),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "conflict");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("answered by head.shymkent.economy"),
        "{body}"
    );
    let (status, body) = put(
        format!("/api/plans/{id}/checkins/t1/1"),
        json!({ "done": false, "note": "redone", "revision": 1 }),
    )
    .await;
    assert_eq!(
        (status, body["revision"].clone()),
        (200, json!(2)),
        "{body}"
    );
    // Not yet begun, not due, unknown tactic.
    assert_eq!(
        put(
            format!("/api/plans/{id}/checkins/t1/4"),
            json!({ "done": true, "revision": 0 })
        )
        .await
        .0,
        400
    );
    assert_eq!(
        put(
            format!("/api/plans/{id}/checkins/t11/1"),
            json!({ "done": true, "revision": 0 })
        )
        .await
        .0,
        400
    );
    assert_eq!(
        put(
            format!("/api/plans/{id}/checkins/t99/1"),
            json!({ "done": true, "revision": 0 })
        )
        .await
        .0,
        404
    );
    // Others: the akim reads but cannot tick; Perm sees nothing of it.
    let (status, _) = akim.get_json(&format!("/api/plans/{id}")).await;
    assert_eq!(status, 200);
    let (status, _) = akim
        .put_json(
            &format!("/api/plans/{id}/checkins/t2/3"),
            &json!({ "done": true, "revision": 1 }),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(perm.get_json(&format!("/api/plans/{id}")).await.0, 403);
    let (_, list) = perm.get_json("/api/plans").await;
    assert_eq!(list, json!([]));
    // The akim's overview: the plan with this week's and the cumulative score.
    let (status, list) = akim.get_json("/api/plans?unit=shymkent").await;
    assert_eq!(status, 200, "{list}");
    let line = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap();
    assert_eq!(line["current_week"], 3);
    let (_, plan) = head.get_json(&format!("/api/plans/{id}")).await;
    assert_eq!(line["week_score"], plan["scores"][2]["score"]);
    assert_eq!(line["cumulative"], plan["scores"][2]["cumulative"]);
    // Editing the running plan keeps the past: a tactic added now is due from week 3 on, and a
    // rescheduled one keeps its weeks 1 and 2.
    let (_, before) = head.get_json(&format!("/api/plans/{id}")).await;
    let (status, plan) = head
        .post_json(
            &format!("/api/plans/{id}/tactics"),
            &json!({ "goal": 1, "title": "Added in week 3", "owner": "deputy", "due": { "kind": "weekly" } }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    for week in 0..2 {
        assert_eq!(
            plan["scores"][week],
            before["scores"][week],
            "week {} kept",
            week + 1
        );
    }
    assert_eq!(plan["scores"][2]["due"], 11);
    let (status, plan) = put(
        format!("/api/plans/{id}/tactics/t1"),
        json!({ "due": { "kind": "weeks", "weeks": [6] }, "versions": 1 }),
    )
    .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["scores"][0], before["scores"][0]);
    assert_eq!(
        plan["scores"][2]["due"], 10,
        "t1 is no longer due in week 3"
    );
    let (status, body) = put(
        format!("/api/plans/{id}/tactics/t1"),
        json!({ "due": null, "versions": 1 }),
    )
    .await;
    assert_eq!(status, 409, "a stale edit of the same tactic: {body}");
    assert!(
        body["message"].as_str().unwrap().contains("changed since"),
        "{body}"
    );

    let (_, log) = server.get_json("/api/audit?limit=200").await;
    let ticks = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "plan_check_in")
        .count();
    assert_eq!(ticks, 31);
}

/// Text of a GET as `session` (the CSV exports are not JSON).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_plans_export_as_imported_and_import_elsewhere_unchanged() {
    let server = TestServer::start(true).await;
    let seed = kpi_tests::seed_dir();
    let seed_plans = std::fs::read_to_string(seed.join("plans.csv")).unwrap();
    let seed_checkins = std::fs::read_to_string(seed.join("plan_checkins.csv")).unwrap();
    // The seed's files went in through the import and come back out byte for byte.
    let (status, plans) = server.admin.get_text("/api/exports/plans").await;
    assert_eq!(status, 200);
    assert!(
        plans == seed_plans,
        "the plans export differs from the seed's plans.csv"
    );
    let (_, checkins) = server.admin.get_text("/api/exports/plan_checkins").await;
    assert!(
        checkins == seed_checkins,
        "the check-ins export differs from the seed's file"
    );
    let plan_ids: std::collections::BTreeSet<&str> = plans
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        plan_ids.len(),
        55,
        "five departments, eleven cycles from 2019-04-01"
    );

    // The akim's overview: every plan, each with its final cumulative score.
    let akim = server.sign_in("mayor.shymkent", DEMO_PASSWORD).await;
    let (_, list) = akim.get_json("/api/plans?unit=shymkent").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 55);
    assert!(list.iter().all(|p| p["cumulative"].is_number()), "{list:?}");
    let first = list
        .iter()
        .find(|p| p["id"] == "shymkent-economy-2019-04-01")
        .unwrap();
    let (_, view) = akim
        .get_json("/api/plans/shymkent-economy-2019-04-01")
        .await;
    assert_eq!(first["cumulative"], view["scores"][11]["cumulative"]);
    // Each reader exports what they may read: the head their department, Perm nothing.
    let head = server.sign_in("head.shymkent.economy", DEMO_PASSWORD).await;
    let (_, own) = head.get_text("/api/exports/plans").await;
    assert!(
        own.lines()
            .skip(1)
            .all(|l| l.starts_with("shymkent-economy-")),
        "{own}"
    );
    assert_eq!(
        own.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        11
    );
    let perm = server.sign_in("mayor.perm", DEMO_PASSWORD).await;
    let (_, none) = perm.get_text("/api/exports/plan_checkins").await;
    assert_eq!(none.lines().count(), 1, "the header only: {none}");
    let (status, _) = perm
        .get_text("/api/exports/plans?plan=shymkent-economy-2019-04-01")
        .await;
    assert_eq!(status, 403);
    let (status, _) = perm.get_text("/api/exports/plans?unit=shymkent").await;
    assert_eq!(status, 403);

    // Elsewhere: a fresh server with the org tree takes both files and exports the same bytes.
    let other = TestServer::start(false).await;
    let (status, body) = other
        .upload(
            "org_units.csv",
            std::fs::read(seed.join("org_units.csv")).unwrap(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = other
        .upload("plan_checkins.csv", checkins.clone().into_bytes())
        .await;
    assert_eq!(status, 422, "check-ins before their plans: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("import its plans file first"),
        "{body}"
    );
    let (status, body) = other.upload("plans.csv", plans.clone().into_bytes()).await;
    assert_eq!(
        (status, body["table"].as_str()),
        (201, Some("plans")),
        "{body}"
    );
    let (status, body) = other
        .upload("plan_checkins.csv", checkins.clone().into_bytes())
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(other.admin.get_text("/api/exports/plans").await.1, plans);
    assert_eq!(
        other.admin.get_text("/api/exports/plan_checkins").await.1,
        checkins
    );
    let (status, body) = other
        .upload("plans-again.csv", plans.clone().into_bytes())
        .await;
    assert_eq!(status, 200, "the same bytes again change nothing: {body}");
    assert_eq!(body["already_imported"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn department_heads_import_their_own_plans_and_nothing_else() {
    let server = TestServer::start(true).await;
    let head = server.sign_in("head.shymkent.economy", DEMO_PASSWORD).await;
    let analyst = server.sign_in("analyst.mashhad", DEMO_PASSWORD).await;
    let (_, own) = head
        .get_text("/api/exports/plans?plan=shymkent-economy-2019-04-01")
        .await;
    // A corrected title for their own plan lands; the same plan moved to tourism is refused.
    let renamed = own.replace("Q2 2019: answers on time", "Q2 2019: every answer on time");
    assert_ne!(renamed, own);
    let (status, body) = head.upload("economy.csv", renamed.into_bytes()).await;
    assert_eq!(status, 201, "{body}");
    let (_, view) = head
        .get_json("/api/plans/shymkent-economy-2019-04-01")
        .await;
    assert_eq!(view["title"], "Q2 2019: every answer on time");
    let elsewhere = own
        .replace(
            "shymkent-economy-2019-04-01,shymkent-economy,",
            "shymkent-tourism-2030-01-07,shymkent-tourism,",
        )
        .replace(",2019-04-01,", ",2030-01-07,");
    let (status, body) = head.upload("tourism.csv", elsewhere.into_bytes()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("unit 'shymkent-tourism' is outside your jurisdiction"),
        "{body}"
    );
    // A head imports no data, an analyst no plans.
    let (status, body) = head
        .upload("staffing.csv", b"month,unit_id,headcount,vacancies,training_hours\n2021-12-01,shymkent-economy,10,1,2\n".to_vec())
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("plans and check-ins only"),
        "{body}"
    );
    let (status, body) = analyst.upload("plans.csv", own.into_bytes()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("department heads and admins"),
        "{body}"
    );
    // The import history shows the head's own imports.
    let (status, imports) = head.get_json("/api/imports").await;
    assert_eq!(status, 200);
    assert_eq!(imports.as_array().unwrap().len(), 1, "{imports}");
}
