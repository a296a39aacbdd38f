//! HTTP: every route's filter in one place, one plain async handler per route, and one `recover`
//! that turns every rejection into the same JSON error body.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use bytes::Buf;
use chrono::NaiveDate;
use futures_util::StreamExt;
use kpi_api::{ApiError, ChildValue, Children, Grain, Health, KpiList, Series, TableRows, Unit};
use tokio::io::AsyncWriteExt;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use crate::app::AppState;
use crate::boards;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::kpi::{self, Buckets, Scope};

/// The largest export `POST /api/imports` accepts.
const MAX_UPLOAD_BYTES: u64 = 2 << 30;

fn with_state(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    warp::any().map(move || Arc::clone(&state))
}

type Params = HashMap<String, String>;

/// All routes: the API under /api, the frontend for everything else.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let params = warp::query::<Params>();

    // GET /api/health
    let health = warp::path!("health")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(health);
    // GET /api/units
    let units = warp::path!("units")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(units);
    // GET /api/kpis
    let kpis = warp::path!("kpis")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(kpis);
    // GET /api/kpis/{id}/values
    let values = warp::path!("kpis" / String / "values")
        .and(warp::get())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(kpi_values);
    // GET /api/kpis/{id}/children
    let children = warp::path!("kpis" / String / "children")
        .and(warp::get())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(kpi_children);
    // GET /api/boards
    let boards = warp::path!("boards")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(list_boards);
    // GET /api/boards/{id}
    let board = warp::path!("boards" / String)
        .and(warp::get())
        .and(params)
        .and(with_state(state.clone()))
        .and_then(get_board);
    // POST /api/imports?file=
    let import = warp::path!("imports")
        .and(warp::post())
        .and(params)
        .and(warp::body::stream())
        .and(with_state(state.clone()))
        .and_then(post_import);
    // GET /api/imports
    let imports = warp::path!("imports")
        .and(warp::get())
        .and(with_state(state.clone()))
        .and_then(list_imports);
    // Anything else under /api is a JSON 404, never the frontend's page.
    let api_unknown =
        warp::any().and_then(|| async { Err::<String, _>(warp::reject::not_found()) });
    // Every answer under /api is JSON: its rejections are recovered here, inside the prefix, so a
    // refused API request can never fall through to the frontend's index.html.
    let api = warp::path("api").and(
        health
            .or(units)
            .or(kpis)
            .or(values)
            .or(children)
            .or(boards)
            .or(board)
            .or(import)
            .or(imports)
            .or(api_unknown)
            .recover(recover),
    );

    // The frontend: files from dist/, and index.html for every client-side route.
    let dist = state.config.dist.clone();
    let index = dist.join("index.html");
    let frontend = warp::get().and(warp::fs::dir(dist).or(warp::fs::file(index)));

    api.or(frontend)
        .recover(recover)
        .with(warp::log("kpiboard"))
}

fn json<T: serde::Serialize>(value: &T) -> warp::reply::Json {
    warp::reply::json(value)
}

fn reject(e: Error) -> Rejection {
    warp::reject::custom(e)
}

/// GET /api/health
async fn health(state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    let rows = state.db.run(Db::table_rows).await.map_err(reject)?;
    let (data_from, data_to) = state.data_range();
    Ok(json(&Health {
        data_from,
        data_to,
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        rows: rows
            .into_iter()
            .map(|(table, rows)| TableRows { table, rows })
            .collect(),
    }))
}

/// GET /api/units
async fn units(state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    Ok(json(&*state.units()))
}

/// GET /api/kpis
async fn kpis(state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    let catalog = state.catalog();
    Ok(json(&KpiList {
        kpis: catalog.kpis.values().map(|k| k.def.clone()).collect(),
        errors: catalog.errors.clone(),
    }))
}

/// The parameters of a KPI or board request, checked; each error names its parameter.
struct Request {
    unit: Unit,
    from: NaiveDate,
    to: NaiveDate,
    grain: Grain,
}

fn parse_request(state: &AppState, params: &Params, allowed: &[&str]) -> Result<Request> {
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::bad_parameter(
            unknown,
            format!("unknown parameter; expected {}", allowed.join(", ")),
        ));
    }
    let unit_id = params
        .get("unit")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::bad_parameter("unit", "required, e.g. unit=perm"))?;
    let unit = state
        .unit(unit_id)
        .ok_or_else(|| Error::bad_parameter("unit", format!("no unit with id '{unit_id}'")))?;
    let date = |name: &str| -> Result<Option<NaiveDate>> {
        match params.get(name) {
            None => Ok(None),
            Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    Error::bad_parameter(name, format!("'{text}' is not a date YYYY-MM-DD"))
                }),
        }
    };
    let (default_from, default_to) = state.default_period();
    let from = date("from")?.unwrap_or(default_from);
    let to = date("to")?.unwrap_or(default_to);
    if from > to {
        return Err(Error::bad_parameter(
            "from",
            format!("{from} is after to={to}"),
        ));
    }
    if kpi_api::period::days(from, to) > 366 * 20 {
        return Err(Error::bad_parameter(
            "from",
            "the period may span at most 20 years",
        ));
    }
    let grain = match params.get("grain") {
        None => Grain::Week,
        Some(g) => Grain::parse(g).ok_or_else(|| {
            Error::bad_parameter(
                "grain",
                format!("'{g}' is not one of week, month, quarter, year"),
            )
        })?,
    };
    Ok(Request {
        unit,
        from,
        to,
        grain,
    })
}

fn find_kpi(state: &AppState, id: &str) -> Result<kpi::Kpi> {
    state.catalog().kpis.get(id).cloned().ok_or_else(|| {
        let broken = state
            .catalog()
            .errors
            .iter()
            .any(|e| e.file == format!("{id}.sql"));
        if broken {
            Error::NotFound(format!(
                "KPI '{id}' failed to load; see GET /api/kpis for its error"
            ))
        } else {
            Error::NotFound(format!("no KPI with id '{id}'"))
        }
    })
}

/// GET /api/kpis/{id}/values
async fn kpi_values(
    id: String,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let req = parse_request(&state, &params, &["unit", "from", "to", "grain"]).map_err(reject)?;
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let points = boards::series(&state, kpi, &req.unit.id, req.grain, req.from, req.to)
        .await
        .map_err(reject)?;
    Ok(json(&Series {
        kpi: id,
        unit: req.unit.id,
        grain: req.grain,
        from: req.from,
        to: req.to,
        points,
    }))
}

/// GET /api/kpis/{id}/children
async fn kpi_children(
    id: String,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let req = parse_request(&state, &params, &["unit", "from", "to", "grain"]).map_err(reject)?;
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let whole = Buckets {
        start: req.from,
        last: req.from,
        step: format!("{} days", kpi_api::period::days(req.from, req.to)),
    };
    let unit_id = req.unit.id.clone();
    let def = kpi.def.clone();
    let (cells, total) = state
        .db
        .run(move |c| {
            let cells = kpi::evaluate(c, &kpi, Scope::ChildrenOf(&unit_id), &whole)?;
            let total = kpi::evaluate(c, &kpi, Scope::Unit(&unit_id), &whole)?;
            Ok((cells, total.first().and_then(|t| t.value)))
        })
        .await
        .map_err(reject)?;
    let children = state
        .units()
        .iter()
        .filter(|u| u.parent_id.as_deref() == Some(req.unit.id.as_str()))
        .map(|u| {
            let value = cells.iter().find(|c| c.grp == u.id).and_then(|c| c.value);
            ChildValue {
                unit: u.clone(),
                value,
                status: kpi_api::status::status(value, def.target, def.amber, def.direction),
            }
        })
        .collect();
    Ok(json(&Children {
        kpi: id,
        unit: req.unit.id,
        from: req.from,
        to: req.to,
        total,
        children,
    }))
}

/// GET /api/boards
async fn list_boards(state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    Ok(json(&*state.boards()))
}

/// GET /api/boards/{id}
async fn get_board(
    id: String,
    params: Params,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let summary = state
        .boards()
        .iter()
        .find(|b| b.id == id)
        .cloned()
        .ok_or_else(|| reject(Error::NotFound(format!("no board with id '{id}'"))))?;
    let req = parse_request(&state, &params, &["unit", "from", "to", "grain"]).map_err(reject)?;
    let board = boards::board(&state, &summary, req.unit, req.grain, req.from, req.to)
        .await
        .map_err(reject)?;
    Ok(json(&board))
}

/// POST /api/imports?file=NAME — the body is the export file, CSV or Parquet.
async fn post_import(
    params: Params,
    mut body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>> + Unpin + Send,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let name = params
        .get("file")
        .filter(|f| !f.is_empty())
        .cloned()
        .ok_or_else(|| {
            reject(Error::bad_parameter(
                "file",
                "required: the export's file name, e.g. file=appeals_2021.csv",
            ))
        })?;
    if name.len() > 255 || name.contains(['/', '\\', '\0']) {
        return Err(reject(Error::bad_parameter(
            "file",
            "a plain file name, without folders",
        )));
    }
    // The upload goes to a temporary file first: the import reads it twice (hash, then rows).
    let tmp = tempfile_path(&state);
    let written = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        // Counted while streaming, so that a chunked upload without a length is bounded too.
        let mut received: u64 = 0;
        while let Some(chunk) = body.next().await {
            let mut chunk =
                chunk.map_err(|e| Error::bad_parameter("body", format!("upload failed: {e}")))?;
            received += chunk.remaining() as u64;
            if received > MAX_UPLOAD_BYTES {
                return Err(Error::TooLarge(format!(
                    "the upload is larger than {MAX_UPLOAD_BYTES} bytes; split the export"
                )));
            }
            while chunk.has_remaining() {
                let part = chunk.chunk();
                file.write_all(part).await?;
                let n = part.len();
                chunk.advance(n);
            }
        }
        file.flush().await?;
        Ok::<_, Error>(())
    }
    .await;
    let result = match written {
        Ok(()) => {
            let state2 = Arc::clone(&state);
            let path = tmp.clone();
            tokio::task::spawn_blocking(move || state2.import(&path, &name))
                .await
                .map_err(|e| Error::Internal(e.to_string()))
                .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&tmp).await;
    let report = result.map_err(reject)?;
    let status = if report.already_imported {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(warp::reply::with_status(json(&report), status))
}

fn tempfile_path(state: &AppState) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = state
        .config
        .database
        .as_ref()
        .and_then(|p| p.parent().map(|d| d.to_path_buf()))
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(std::env::temp_dir);
    dir.join(format!(
        ".upload-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// GET /api/imports
async fn list_imports(state: Arc<AppState>) -> Result<impl Reply, Rejection> {
    let rows = state
        .db
        .run(|c| {
            let mut stmt = c.prepare(
                "SELECT file, table_name, sha256, rows, inserted, updated, CAST(imported_at AS VARCHAR)
                 FROM main.imports ORDER BY imported_at DESC",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(serde_json::json!({
                        "file": r.get::<_, String>(0)?,
                        "table": r.get::<_, String>(1)?,
                        "sha256": r.get::<_, String>(2)?,
                        "rows": r.get::<_, i64>(3)?,
                        "inserted": r.get::<_, i64>(4)?,
                        "updated": r.get::<_, i64>(5)?,
                        "imported_at": r.get::<_, String>(6)?,
                    }))
                })?
                .collect::<duckdb::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
        .map_err(reject)?;
    Ok(json(&rows))
}

/// Every rejection becomes `{"code", "message"}` with a fitting status.
async fn recover(rejection: Rejection) -> Result<impl Reply, Infallible> {
    let (status, code, message) = if let Some(e) = rejection.find::<Error>() {
        if e.status().is_server_error() {
            tracing::error!("{e}");
        }
        (e.status(), e.code(), e.to_string())
    } else if rejection.is_not_found() {
        (
            StatusCode::NOT_FOUND,
            "not_found",
            "no such resource".to_string(),
        )
    } else if let Some(e) = rejection.find::<warp::reject::InvalidQuery>() {
        (StatusCode::BAD_REQUEST, "bad_parameter", e.to_string())
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this method is not allowed here".to_string(),
        )
    } else {
        tracing::warn!("unhandled rejection: {rejection:?}");
        (
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("{rejection:?}"),
        )
    };
    Ok(warp::reply::with_status(
        warp::reply::json(&ApiError {
            code: code.to_string(),
            message,
        }),
        status,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{tiny_state, APPEALS};
    use serde_json::Value;

    async fn get(state: &Arc<AppState>, path: &str) -> (StatusCode, Value) {
        let res = warp::test::request()
            .method("GET")
            .path(path)
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
    async fn kpis_list_definitions_and_no_errors() {
        let (state, _dir) = tiny_state();
        let (status, body) = get(&state, "/api/kpis").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["kpis"].as_array().unwrap().len() >= 8);
        assert_eq!(body["errors"].as_array().unwrap().len(), 0);
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
        let (_, body) = get(&state, "/api/kpis/appeal_on_time_share/values?unit=c&from=2021-02-01&to=2021-04-30&grain=month").await;
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
        let post = |body: String| {
            warp::test::request()
                .method("POST")
                .path("/api/imports?file=may.csv")
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
}
