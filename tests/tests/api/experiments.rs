//! Management experiments on the seed at full size: each planted effect (`seeds/README.md`) is
//! recovered by the analysis, the true size inside its interval and the estimate within a stated
//! tolerance.

use kpi_api::experiment::{Design, ExperimentAnalysis};
use kpi_backend::auth::Jurisdiction;
use kpi_backend::experiments;
use kpi_tests::TestServer;

fn analyse(server: &TestServer, id: &str, kpi: &str) -> ExperimentAnalysis {
    let experiment = experiments::seeded()
        .into_iter()
        .find(|e| e.id == id)
        .expect("a seeded experiment");
    let started = std::time::Instant::now();
    let a = experiments::analyse(&server.state, &Jurisdiction::operator(), &experiment, kpi)
        .unwrap_or_else(|e| panic!("{id} / {kpi}: {e}"));
    eprintln!(
        "{id} / {kpi}: {:.2?}; {}; {}",
        started.elapsed(),
        a.verdict,
        a.method
    );
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_planted_effect_is_recovered_on_the_full_seed() {
    let server = TestServer::start_full_scale().await;
    let server = &server;

    // 1. Shymkent's open space: first answers x0.80 in the five treated departments from
    // 2019-04-01, weekly medians, ten departments.
    let a = tokio::task::block_in_place(|| {
        analyse(
            server,
            "shymkent-open-space",
            "appeal_response_hours_median",
        )
    });
    let r = a
        .relative
        .expect("response hours are positive: a relative effect");
    assert!(r.low.unwrap() <= -20.0 && -20.0 <= r.high.unwrap(), "{r:?}");
    assert!((r.estimate + 20.0).abs() <= 6.0, "{r:?}");
    assert!(a.conclusive, "{}", a.verdict);
    assert!(a.pre_trend.unwrap().parallel, "{:?}", a.pre_trend);
    match a.design {
        Design::DifferenceInDifferences {
            units,
            assignments,
            exhaustive,
            ..
        } => {
            assert_eq!((units, assignments, exhaustive), (10, 252, true));
        }
        other => panic!("{other:?}"),
    }

    // Asked again, the KPI's values come from the cache: the analysis alone.
    let started = std::time::Instant::now();
    tokio::task::block_in_place(|| {
        analyse(
            server,
            "shymkent-open-space",
            "appeal_response_hours_median",
        )
    });
    let again = started.elapsed();
    assert!(again < std::time::Duration::from_secs(1), "{again:?}");

    // 2. Mashhad's staggered roll-out: the e-service share goes 15% -> 75% over 56 days from
    // 2020-04-01 in districts 8 and 12, from 2020-10-01 in the other eleven. Until October the
    // eleven are the comparison; after it no district is left without the change. By month
    // since the start, the planted ramp gives +15.5, +47.9, then +60 points.
    let a = tokio::task::block_in_place(|| {
        analyse(server, "mashhad-e-municipality", "e_service_share")
    });
    let truth = (15.5 + 47.9 + 4.0 * 60.0) / 6.0;
    let e = a.absolute;
    assert!(e.low.unwrap() <= truth && truth <= e.high.unwrap(), "{e:?}");
    assert!((e.estimate - truth).abs() <= 3.0, "{e:?} against {truth}");
    for (event, want) in [
        (0, 15.5),
        (1, 47.9),
        (2, 60.0),
        (3, 60.0),
        (4, 60.0),
        (5, 60.0),
    ] {
        let got = a
            .events
            .iter()
            .find(|p| p.event == event)
            .unwrap()
            .effect
            .estimate;
        assert!(
            (got - want).abs() <= 4.0,
            "month {event}: {got} against {want}"
        );
    }
    assert!(a.conclusive, "{}", a.verdict);
    assert!(
        a.verdict
            .contains("against the units that had not started yet"),
        "with no comparison units named, the verdict says what it compared with: {}",
        a.verdict
    );
    match a.design {
        Design::DifferenceInDifferences {
            units,
            dropped_rows,
            ..
        } => {
            assert_eq!(units, 13);
            assert!(
                dropped_rows > 0,
                "after October nothing is left to compare with"
            );
        }
        other => panic!("{other:?}"),
    }

    // 3. Perm from January 2019, when the data begin: the vacancy rate falls from 12% by 8
    // points over 35 months (Berezniki and Solikamsk stay level), and the e-service share rises
    // by 30 points over 36 months (theirs by 10). The first three months are the baseline (mean
    // month 1), so month m shows -8 (m - 1) / 35 and +20 (m - 1) / 36 points: on average over
    // months 3..35, -4.11 and +10.0.
    for (kpi, truth, last) in [
        ("vacancy_rate", -8.0 * 18.0 / 35.0, -8.0 * 34.0 / 35.0),
        ("e_service_share", 20.0 * 18.0 / 36.0, 20.0 * 34.0 / 36.0),
    ] {
        let a = tokio::task::block_in_place(|| analyse(server, "perm-portal-and-posts", kpi));
        let e = a.absolute;
        assert!(
            e.low.unwrap() <= truth && truth <= e.high.unwrap(),
            "{kpi}: {e:?}"
        );
        assert!(
            (e.estimate - truth).abs() <= 1.0,
            "{kpi}: {e:?} against {truth}"
        );
        let end = a
            .events
            .iter()
            .find(|p| p.event == 32)
            .unwrap()
            .effect
            .estimate;
        assert!(
            (end - last).abs() <= 1.5,
            "{kpi} in the last month: {end} against {last}"
        );
        assert!(
            a.warnings.iter().any(|w| w.contains("baseline")),
            "{:?}",
            a.warnings
        );
    }

    // 4. Krasnodar Krai: the feedback platform's share is 4% through 2019, then rises linearly to
    // 45% by the end of 2021 in all five municipalities, so there is nothing to compare with:
    // before/after only, said to be no causal estimate. After minus before: 24.5 - 4 = 20.5 points.
    let a = tokio::task::block_in_place(|| {
        analyse(
            server,
            "krasnodar-feedback-platform",
            "feedback_platform_share",
        )
    });
    assert!(
        matches!(a.design, Design::BeforeAfter { units: 5 }),
        "{:?}",
        a.design
    );
    assert!(
        (a.absolute.estimate - 20.5).abs() <= 1.0,
        "{:?}",
        a.absolute
    );
    assert!(!a.conclusive);
    assert!(
        a.verdict.starts_with("Not a causal estimate"),
        "{}",
        a.verdict
    );
    assert!(
        a.warnings[0].contains("not a causal estimate"),
        "{:?}",
        a.warnings
    );
}

/// Experiments over HTTP: each role sees the seeded experiments of its jurisdiction only, reads
/// an analysis, defines and changes its own; a bad or foreign definition is refused with the
/// field or unit named, a stale change with 409, and nothing stored is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experiments_are_read_defined_and_changed_within_the_jurisdiction() {
    let server = TestServer::start(true).await;
    let mayor = server.demo("mayor.shymkent").await;
    let (status, list) = mayor.get_json("/api/experiments").await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["experiment"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["shymkent-open-space"]);
    let (status, analysis) = mayor
        .get_json("/api/experiments/shymkent-open-space/analysis")
        .await;
    assert_eq!(status, 200, "{analysis}");
    assert_eq!(analysis["kpi"], "appeal_response_hours_median");
    assert!(analysis["verdict"].as_str().unwrap().len() > 20);
    assert_eq!(analysis["design"]["kind"], "difference_in_differences");

    let perm = server.demo("mayor.perm").await;
    let (status, _) = perm.get_json("/api/experiments/shymkent-open-space").await;
    assert_eq!(status, 403, "another city's experiment");
    let (status, _) = perm
        .get_json("/api/experiments/shymkent-open-space/analysis")
        .await;
    assert_eq!(status, 403);
    let (_, list) = server
        .demo("governor.perm")
        .await
        .get_json("/api/experiments")
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // Every seeded experiment has a demo mayor or governor who reads it.
    for (reader, id) in [
        ("governor.perm", "perm-portal-and-posts"),
        ("governor.krasnodar", "krasnodar-feedback-platform"),
        ("mayor.mashhad", "mashhad-e-municipality"),
    ] {
        let (status, body) = server
            .demo(reader)
            .await
            .get_json(&format!("/api/experiments/{id}/analysis"))
            .await;
        assert_eq!(status, 200, "{reader} reads {id}: {body}");
        assert!(!body["verdict"].as_str().unwrap().is_empty());
    }

    // An analyst of Mashhad defines one: two districts against two others, month by month.
    let analyst = server.demo("analyst.mashhad").await;
    let mut new = serde_json::json!({
        "id": "mashhad-night-desk",
        "title": "Evening reception desk",
        "hypothesis": "Residents get answers sooner",
        "intervention": "A reception desk open until 21:00",
        "owner": "analyst.mashhad",
        "treated": [{ "unit": "mashhad-district-1", "start": "2020-07-01" },
                    { "unit": "mashhad-district-2", "start": "2020-07-01" }],
        "comparison": ["mashhad-district-3", "mashhad-district-4"],
        "end": null,
        "kpis": ["appeal_response_hours_median"],
        "grain": "month"
    });
    let (status, body) = analyst.post_json("/api/experiments", &new).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["revision"], 1);
    let (status, again) = analyst.post_json("/api/experiments", &new).await;
    assert_eq!(status, 409, "{again}");
    let (status, analysis) = analyst
        .get_json("/api/experiments/mashhad-night-desk/analysis")
        .await;
    assert_eq!(status, 200, "{analysis}");

    for (field, value, says) in [
        ("kpis", serde_json::json!(["no_such_kpi"]), "kpis[0]"),
        (
            "comparison",
            serde_json::json!(["mashhad-district-1"]),
            "comparison[0]",
        ),
        ("grain", serde_json::json!("year"), "grain"),
        ("id", serde_json::json!("Bad Id"), "id"),
    ] {
        let mut bad = new.clone();
        bad[field] = value;
        bad["id"] = if field == "id" {
            bad["id"].clone()
        } else {
            serde_json::json!("mashhad-other")
        };
        let (status, body) = analyst.post_json("/api/experiments", &bad).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert!(body.to_string().contains(says), "{field}: {body}");
    }
    let mut foreign = new.clone();
    foreign["id"] = serde_json::json!("mashhad-and-perm");
    foreign["comparison"] = serde_json::json!(["perm-leninsky"]);
    let (status, body) = analyst.post_json("/api/experiments", &foreign).await;
    assert_eq!(status, 403, "{body}");

    // A change names the revision it replaces; a stale one is refused and changes nothing.
    new["title"] = serde_json::json!("Evening reception desk, two districts");
    let (status, body) = analyst
        .put_json(
            "/api/experiments/mashhad-night-desk",
            &serde_json::json!({ "experiment": new, "revision": 1 }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revision"], 2);
    let (status, body) = analyst
        .put_json(
            "/api/experiments/mashhad-night-desk",
            &serde_json::json!({ "experiment": new, "revision": 1 }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (_, stored) = analyst
        .get_json("/api/experiments/mashhad-night-desk")
        .await;
    assert_eq!(stored["revision"], 2);
    assert_eq!(
        stored["experiment"]["title"],
        "Evening reception desk, two districts"
    );

    // The history keeps every version. One that named a unit outside the reader's jurisdiction
    // (an admin compared with Perm for a while) is left out and counted, never shown.
    let admin = server.demo("admin").await;
    let mut wider = new.clone();
    wider["comparison"] = serde_json::json!(["mashhad-district-3", "perm-leninsky"]);
    for (body, revision) in [(&wider, 2), (&new, 3)] {
        let (status, answer) = admin
            .put_json(
                "/api/experiments/mashhad-night-desk",
                &serde_json::json!({ "experiment": body, "revision": revision }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    let revisions = |history: &serde_json::Value| -> Vec<(u64, String)> {
        history["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["revision"].as_u64().unwrap(),
                    v["updated_by"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let (status, history) = analyst
        .get_json("/api/experiments/mashhad-night-desk/history")
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(
        revisions(&history),
        [
            (4, "admin".to_string()),
            (2, "analyst.mashhad".to_string()),
            (1, "analyst.mashhad".to_string())
        ]
    );
    assert_eq!(history["hidden"], 1);
    assert!(!history.to_string().contains("perm-leninsky"), "{history}");
    assert_eq!(
        history["versions"][2]["experiment"]["title"],
        "Evening reception desk"
    );
    let (_, history) = admin
        .get_json("/api/experiments/mashhad-night-desk/history")
        .await;
    assert_eq!(revisions(&history).len(), 4);
    assert_eq!(history["hidden"], 0);
    let (status, _) = perm
        .get_json("/api/experiments/mashhad-night-desk/history")
        .await;
    assert_eq!(status, 403, "another city's experiment's history");
    let (status, _) = analyst.get_json("/api/experiments/no-such/history").await;
    assert_eq!(status, 404);
    let (status, _) = server
        .demo("head.shymkent.economy")
        .await
        .post_json("/api/experiments", &new)
        .await;
    assert_eq!(status, 403, "department heads run plans, not experiments");

    // Many units: too many assignments to take them all, so they are sampled and the analysis
    // runs in the background, answering 202 with its progress until it is done.
    let (_, units) = mayor.get_json("/api/units").await;
    let departments: Vec<String> = units
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "department")
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert!(departments.len() >= 30, "{}", departments.len());
    let many = serde_json::json!({
        "id": "shymkent-all-departments",
        "title": "Six departments against all the others",
        "hypothesis": "", "intervention": "", "owner": "mayor.shymkent",
        "treated": departments[..6].iter().map(|d| serde_json::json!({ "unit": d, "start": "2020-01-01" })).collect::<Vec<_>>(),
        "comparison": departments[6..].to_vec(),
        "end": null,
        "kpis": ["appeal_on_time_share"],
        "grain": "month"
    });
    let (status, body) = mayor.post_json("/api/experiments", &many).await;
    assert_eq!(status, 201, "{body}");
    let path = "/api/experiments/shymkent-all-departments/analysis";
    let (status, first) = mayor.get_json(path).await;
    assert_eq!(status, 202, "{first}");
    assert!(
        first["done"].as_u64().is_some() && first["total"].as_u64().is_some(),
        "{first}"
    );
    let started = std::time::Instant::now();
    let done = loop {
        let (status, body) = mayor.get_json(path).await;
        match status {
            200 => break body,
            202 => {
                let (done, total) = (
                    body["done"].as_u64().unwrap(),
                    body["total"].as_u64().unwrap(),
                );
                assert!(done <= total || total == 0, "{body}");
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(120),
                    "still running: {body}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => panic!("{other}: {body}"),
        }
    };
    assert_eq!(done["design"]["assignments"], 2000, "{}", done["design"]);
    assert_eq!(done["design"]["exhaustive"], false);

    // Suggested comparisons: departments like the treated ones, never a treated one, closest
    // pre-start path first; a foreign unit is refused.
    let treated = "shymkent-economy,shymkent-tourism";
    let (status, list) = mayor
        .get_json(&format!("/api/experiments/suggest?kpi=appeal_on_time_share&treated={treated}&start=2020-04-01&grain=month"))
        .await;
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 10, "{list:?}");
    let distances: Vec<f64> = list
        .iter()
        .map(|s| s["distance"].as_f64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    let (_, units) = mayor.get_json("/api/units").await;
    for s in list {
        let id = s["unit"].as_str().unwrap();
        assert!(!treated.contains(id), "{id}");
        let unit = units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .unwrap();
        assert_eq!(unit["kind"], "department", "{id}");
        assert!(s["periods"].as_u64().unwrap() >= 3);
    }
    let (status, _) = mayor
        .get_json("/api/experiments/suggest?kpi=appeal_on_time_share&treated=perm-leninsky&start=2020-04-01")
        .await;
    assert_eq!(status, 403);
    let (status, _) = mayor
        .get_json("/api/experiments/suggest?treated=shymkent-economy&start=2020-04-01")
        .await;
    assert_eq!(status, 400);

    // Experiments travel as a file: exported, changed, imported back as new revisions; a file
    // with a bad or foreign definition is refused whole, naming it, and changes nothing.
    let (status, file) = analyst.get_text("/api/exports/experiments").await;
    assert_eq!(status, 200, "{file}");
    let mut file: serde_json::Value = serde_json::from_str(&file).unwrap();
    let ids: Vec<&str> = file
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mashhad-e-municipality", "mashhad-night-desk"]);
    file[1]["title"] = serde_json::json!("Evening desk, from a file");
    let (status, done) = analyst.post_json("/api/experiments/import", &file).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        done,
        serde_json::json!({ "created": 0, "changed": 1, "unchanged": 1 })
    );
    let (_, stored) = analyst
        .get_json("/api/experiments/mashhad-night-desk")
        .await;
    assert_eq!(
        (
            stored["revision"].clone(),
            stored["experiment"]["title"].clone()
        ),
        (
            serde_json::json!(5),
            serde_json::json!("Evening desk, from a file")
        )
    );

    let mut bad = file.clone();
    bad[0]["title"] = serde_json::json!("Changed, but the file is refused");
    bad[1]["kpis"] = serde_json::json!(["no_such_kpi"]);
    let (status, body) = analyst.post_json("/api/experiments/import", &bad).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string().contains("[1] mashhad-night-desk: kpis[0]"),
        "{body}"
    );
    let (_, shymkent) = mayor.get_text("/api/exports/experiments").await;
    let shymkent: serde_json::Value = serde_json::from_str(&shymkent).unwrap();
    let (status, body) = analyst
        .post_json("/api/experiments/import", &shymkent)
        .await;
    assert_eq!(status, 403, "{body}");
    let (_, after) = analyst
        .get_json("/api/experiments/mashhad-e-municipality")
        .await;
    assert_eq!(
        after["revision"], 1,
        "nothing of the refused files was stored"
    );
}
