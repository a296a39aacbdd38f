//! Route tests: the router answered in memory (`warp::test`), over the tiny administration.
use super::*;
use crate::testkit::{session, tiny_state, APPEALS};
use serde_json::Value;

/// GET as the test admin.
async fn get(state: &Arc<AppState>, path: &str) -> (StatusCode, Value) {
    get_as(state, "root", path).await
}

async fn get_as(state: &Arc<AppState>, user: &str, path: &str) -> (StatusCode, Value) {
    let (cookie, _) = session(state, user);
    let res = warp::test::request()
        .method("GET")
        .path(path)
        .header("cookie", cookie)
        .reply(&routes(Arc::clone(state)))
        .await;
    let body = serde_json::from_slice(res.body()).unwrap_or(Value::Null);
    (res.status(), body)
}

const WEEK: &str = "unit=c&from=2021-03-01&to=2021-03-07";

#[tokio::test]
async fn health_reports_rows_per_table() {
    let (state, _dir) = tiny_state();
    let (status, body) = get(&state, "/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let appeals = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["table"] == "appeals")
        .unwrap();
    assert_eq!(appeals["rows"], 5);
    assert_eq!(body["data_from"], "2021-03-01");
    assert_eq!(body["data_to"], "2021-03-01");
}

#[tokio::test]
async fn units_come_parents_first() {
    let (state, _dir) = tiny_state();
    let (status, body) = get(&state, "/api/units").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids[0], "r");
    assert!(
        ids.iter().position(|i| *i == "d1").unwrap()
            < ids.iter().position(|i| *i == "d1-x").unwrap()
    );
}

#[tokio::test]
async fn the_kpi_list_answers_304_while_the_files_have_not_changed() {
    let (state, _dir) = tiny_state();
    let (cookie, _) = session(&state, "root");
    let filter = routes(Arc::clone(&state));
    let ask = |etag: Option<String>| {
        let mut req = warp::test::request()
            .path("/api/kpis")
            .header("cookie", cookie.clone());
        if let Some(etag) = etag {
            req = req.header("if-none-match", etag);
        }
        let filter = filter.clone();
        async move { req.reply(&filter).await }
    };
    let first = ask(None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(
        ask(Some(etag.clone())).await.status(),
        StatusCode::NOT_MODIFIED
    );
    state.reload_queries();
    let after = ask(Some(etag.clone())).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn kpis_list_definitions_and_no_errors() {
    let (state, _dir) = tiny_state();
    let (status, body) = get(&state, "/api/kpis").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["kpis"].as_array().unwrap().len() >= 8);
    // Only the shipped files that name the seed's units, which this tiny org tree lacks.
    for e in body["errors"].as_array().unwrap() {
        let file = e["file"].as_str().unwrap();
        assert!(crate::testkit::names_seed_units(file), "{e}");
        assert!(e["message"].as_str().unwrap().starts_with("no unit"), "{e}");
    }
}

#[tokio::test]
async fn values_are_a_series_at_the_grain_asked() {
    let (state, _dir) = tiny_state();
    let (status, body) = get(
        &state,
        &format!("/api/kpis/appeal_on_time_share/values?{WEEK}&grain=week"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kpi"], "appeal_on_time_share");
    assert_eq!(body["grain"], "week");
    assert_eq!(
        body["points"],
        serde_json::json!([{"period": "2021-03-01", "value": 80.0}])
    );
    let (_, body) = get(
        &state,
        "/api/kpis/appeal_on_time_share/values?unit=c&from=2021-02-01&to=2021-04-30&grain=month",
    )
    .await;
    let values: Vec<Value> = body["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].clone())
        .collect();
    assert_eq!(
        values,
        vec![Value::Null, serde_json::json!(80.0), Value::Null]
    );
}

#[tokio::test]
async fn bad_parameters_are_400s_that_name_the_parameter() {
    let (state, _dir) = tiny_state();
    for (query, param) in [
        ("unit=atlantis&from=2021-03-01&to=2021-03-07", "unit"),
        ("from=2021-03-01&to=2021-03-07", "unit"),
        ("unit=c&from=2021-03-08&to=2021-03-01", "from"),
        ("unit=c&from=2021-02-30&to=2021-03-07", "from"),
        ("unit=c&from=2021-03-01&to=soon", "to"),
        ("unit=c&grain=fortnight", "grain"),
        ("unit=c&color=red", "color"),
    ] {
        let (status, body) = get(
            &state,
            &format!("/api/kpis/appeal_on_time_share/values?{query}"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["code"], "bad_parameter");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{param}:")),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn unknown_kpis_boards_and_paths_are_json_404s() {
    let (state, _dir) = tiny_state();
    for path in [
        "/api/kpis/nope/values?unit=c",
        "/api/boards/nope?unit=c",
        "/api/nothing/here",
    ] {
        let (status, body) = get(&state, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn with_the_web_app_built_api_errors_stay_json_and_pages_get_the_app() {
    let (state, dir) = tiny_state();
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    std::fs::write(dir.path().join("dist/index.html"), "<html>app</html>").unwrap();
    let (status, body) = get(&state, "/api/boards/overview?unit=atlantis").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "bad_parameter");
    let (status, body) = get(&state, "/api/no/such/thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    let page = warp::test::request()
        .path("/boards/overview?unit=c")
        .reply(&routes(Arc::clone(&state)))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.body().as_ref(), b"<html>app</html>");
}

#[tokio::test]
async fn the_web_apps_files_go_precompressed_with_the_caching_their_names_allow() {
    let (state, dir) = tiny_state();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let script = "console.log('boards');\n".repeat(200);
    std::fs::write(dist.join("index.html"), "<html>app</html>".repeat(100)).unwrap();
    std::fs::write(dist.join("app-0123456789abcdef.js"), &script).unwrap();
    crate::transfer::precompress(&dist).unwrap();
    let routes = routes(Arc::clone(&state));
    let js = warp::test::request()
        .path("/app-0123456789abcdef.js")
        .header("accept-encoding", "gzip, br")
        .reply(&routes)
        .await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(js.headers()["content-encoding"], "br");
    assert_eq!(
        js.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut js.body().as_ref(), &mut unpacked).unwrap();
    assert_eq!(unpacked, script.as_bytes());
    assert!(js.body().len() < script.len() / 10);
    // Without brotli, gzip; without either, the file as it is.
    let gz = warp::test::request()
        .path("/app-0123456789abcdef.js")
        .header("accept-encoding", "gzip")
        .reply(&routes)
        .await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let plain = warp::test::request()
        .path("/app-0123456789abcdef.js")
        .reply(&routes)
        .await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.body().as_ref(), script.as_bytes());
    // The page itself is checked every time, and a client route gets it too.
    let page = warp::test::request()
        .path("/boards/overview")
        .header("accept-encoding", "br")
        .reply(&routes)
        .await;
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let etag = page.headers()["etag"].to_str().unwrap().to_string();
    let again = warp::test::request()
        .path("/")
        .header("accept-encoding", "br")
        .header("if-none-match", &etag)
        .reply(&routes)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Nothing outside dist/, and no dot-files.
    for path in ["/../Cargo.toml", "/.hidden", "/%2e%2e/Cargo.toml"] {
        let r = warp::test::request().path(path).reply(&routes).await;
        assert!(
            !String::from_utf8_lossy(r.body()).contains("[package]"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_board_is_compressed_when_asked_and_tagged() {
    let (state, _dir) = tiny_state();
    let (cookie, _) = session(&state, "root");
    let routes = routes(Arc::clone(&state));
    let path = format!("/api/boards/overview?{WEEK}");
    let plain = warp::test::request()
        .path(&path)
        .header("cookie", &cookie)
        .reply(&routes)
        .await;
    let packed = warp::test::request()
        .path(&path)
        .header("cookie", &cookie)
        .header("accept-encoding", "br")
        .reply(&routes)
        .await;
    assert_eq!(packed.headers()["content-encoding"], "br");
    assert_eq!(packed.headers()["vary"], "accept-encoding");
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut packed.body().as_ref(), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain.body().as_ref());
    assert_ne!(packed.headers()["etag"], plain.headers()["etag"]);
    let again = warp::test::request()
        .path(&path)
        .header("cookie", &cookie)
        .header("accept-encoding", "br")
        .header("if-none-match", packed.headers()["etag"].to_str().unwrap())
        .reply(&routes)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.body().is_empty());
}

#[tokio::test]
async fn children_compare_the_units_below_with_a_total() {
    let (state, _dir) = tiny_state();
    let (status, body) = get(
        &state,
        &format!("/api/kpis/appeal_response_hours_median/children?{WEEK}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 3.0);
    let rows = body["children"].as_array().unwrap();
    let d1 = rows.iter().find(|r| r["unit"]["id"] == "d1").unwrap();
    assert_eq!(d1["value"], 2.0);
    assert_eq!(d1["status"], "green");
}

#[tokio::test]
async fn a_board_has_a_tile_per_kpi_with_value_previous_and_status() {
    let (state, _dir) = tiny_state();
    let (status, body) = get(&state, &format!("/api/boards/overview?{WEEK}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tiles = body["tiles"].as_array().unwrap();
    assert_eq!(tiles.len(), 8);
    let on_time = tiles
        .iter()
        .find(|t| t["kpi"]["id"] == "appeal_on_time_share")
        .unwrap();
    assert_eq!(on_time["value"], 80.0);
    assert_eq!(on_time["previous"], Value::Null);
    assert_eq!(on_time["status"], "red");
    assert_eq!(on_time["error"], Value::Null);
    assert_eq!(body["previous_from"], "2021-02-22");
    let (_, list) = get(&state, "/api/boards").await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["id"] == "overview"));
}

#[tokio::test]
async fn an_upload_is_imported_once_and_a_bad_one_loses_nothing() {
    let (state, _dir) = tiny_state();
    let filter = routes(Arc::clone(&state));
    let more = format!(
        "{}\nn1,d1-x,portal,housing,2021-05-03 09:00:00,,,2021-05-13 09:00:00,\n",
        APPEALS.lines().next().unwrap()
    );
    let (cookie, csrf) = session(&state, "root");
    let post = |body: String| {
        warp::test::request()
            .method("POST")
            .path("/api/imports?file=may.csv")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("content-length", body.len())
            .body(body)
    };
    let res = post(more.clone()).reply(&filter).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.body());
    let res = post(more.clone()).reply(&filter).await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = serde_json::from_slice(res.body()).unwrap();
    assert_eq!(report["already_imported"], true);
    let res = post(more.replace("2021-05-13 09:00:00", "13/05/2021"))
        .reply(&filter)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = serde_json::from_slice(res.body()).unwrap();
    assert_eq!(err["code"], "invalid_file");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("may.csv, line 2, column due_at"),
        "{err}"
    );
    let (_, health) = get(&state, "/api/health").await;
    let appeals = health["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["table"] == "appeals")
        .unwrap();
    assert_eq!(appeals["rows"], 6);
}

#[tokio::test]
async fn every_route_is_described_and_every_described_operation_is_routed() {
    let (state, _dir) = tiny_state();
    let doc = crate::openapi::document();
    for op in crate::openapi::OPERATIONS {
        let path = op
            .path
            .replace(
                "{id}",
                if op.path.starts_with("/api/boards") {
                    "overview"
                } else {
                    "appeal_on_time_share"
                },
            )
            .replace("{name}", "mayor")
            .replace("{tactic}", "t1")
            .replace("{week}", "1");
        let query = if op.query.iter().any(|(name, _, _)| *name == "unit") {
            "?unit=c"
        } else if op.query.iter().any(|(name, _, _)| *name == "file") {
            "?file=x.csv"
        } else {
            ""
        };
        let body = match op.body {
            Some("LoginRequest") => r#"{"user":"root","password":"test-password-1"}"#,
            Some("QueryRequest") => r#"{"sql":"SELECT 1","unit":"c"}"#,
            Some("NewUser") => r#"{"name":"new.one","role":"admin","password":"long-enough-1"}"#,
            Some("PasswordReset") => r#"{"password":"long-enough-2"}"#,
            Some(_) => "staffing,x\n",
            None => "",
        };
        // A fresh session each time: the logout operation ends its own.
        let (cookie, csrf) = session(&state, "root");
        let res = warp::test::request()
            .method(&op.method.to_uppercase())
            .path(&format!("{path}{query}"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .body(body)
            .reply(&routes(Arc::clone(&state)))
            .await;
        let status = res.status();
        // A 404 from a handler names what is missing; the router's own says "no such resource".
        let unrouted = status == StatusCode::METHOD_NOT_ALLOWED
            || (status == StatusCode::NOT_FOUND
                && String::from_utf8_lossy(res.body()).contains("no such resource"));
        assert!(!unrouted, "{} {path}: {status} {:?}", op.method, res.body());
        let missing_plan = [
            "/api/plans/",
            "/api/experiments/",
            "/api/annotations/",
            "/api/evaluations/",
        ]
        .iter()
        .any(|p| op.path.starts_with(p));
        if (op.body.is_none() || op.body == Some("LoginRequest") || op.path == "/api/logout")
            && !missing_plan
        {
            assert_eq!(
                status.as_u16(),
                op.status,
                "{} {path}: {:?}",
                op.method,
                res.body()
            );
        }
        assert!(doc["paths"][op.path][op.method]["responses"].is_object());
    }
    // And the other way: every route this file serves (each has its `// METHOD /api/...`
    // line above its filter) is described, and nothing else is.
    let served: std::collections::BTreeSet<String> = include_str!("mod.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("// "))
        .filter_map(|l| {
            let (method, rest) = l.split_once(' ')?;
            let path = rest.split([' ', '?']).next()?;
            (["GET", "POST", "PUT", "DELETE"].contains(&method) && path.starts_with("/api/"))
                .then(|| format!("{} {path}", method.to_lowercase()))
        })
        .collect();
    let described: std::collections::BTreeSet<String> = crate::openapi::OPERATIONS
        .iter()
        .map(|op| format!("{} {}", op.method, op.path))
        .collect();
    assert_eq!(
        served, described,
        "routes served and routes described differ"
    );
    let in_document: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|methods| methods.as_object().unwrap().len())
        .sum();
    assert_eq!(
        in_document,
        described.len(),
        "the served document holds each operation once"
    );
}

#[test]
fn the_session_cookie_is_http_only_strict_expiring_and_secure_when_asked() {
    let plain = session_cookie("abc", 60, false);
    assert_eq!(
        plain,
        "kpi_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"
    );
    assert!(session_cookie("abc", 60, true).ends_with("; Secure"));
}
