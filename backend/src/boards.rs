//! Boards: named sets of KPI tiles, one JSON file each in `queries/boards/`, and their evaluation.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use kpi_api::{Board, BoardSummary, Grain, KpiLoadError, Point, Tile, Unit};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Jurisdiction;
use crate::error::{Error, Result};
use crate::kpi::{self, Kpi, Periods, Scope};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    title: String,
    #[serde(default)]
    description: String,
    kpis: Vec<String>,
}

/// Reads `dir/*.json`; a board naming a KPI that is not loaded is reported, not served half-empty.
pub fn load_dir(
    dir: &Path,
    known: &dyn Fn(&str) -> bool,
) -> (Vec<BoardSummary>, Vec<KpiLoadError>) {
    let mut boards = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (boards, errors);
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let file = format!(
            "boards/{}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<BoardFile>(&t).map_err(|e| e.to_string()));
        match parsed {
            Ok(b) => {
                if let Some(missing) = b.kpis.iter().find(|k| !known(k)) {
                    errors.push(KpiLoadError {
                        file,
                        line: None,
                        column: None,
                        message: format!("board '{id}' names KPI '{missing}', which is not loaded"),
                    });
                    continue;
                }
                boards.push(BoardSummary {
                    id,
                    title: b.title,
                    description: b.description,
                    kpis: b.kpis,
                });
            }
            Err(message) => errors.push(KpiLoadError {
                file,
                line: None,
                column: None,
                message,
            }),
        }
    }
    (boards, errors)
}

/// Evaluates a KPI over everything under `unit` inside `jurisdiction`, on a blocking thread and
/// within the query time limit.
async fn evaluate_unit(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    periods: Periods,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<kpi::Cell>> {
    if let Some(answer) = kpi::evaluate_cached(
        &state.sandbox,
        &kpi,
        Scope::Unit(unit),
        &periods,
        jurisdiction,
    ) {
        return answer;
    }
    let unit_id = unit.to_string();
    let jurisdiction = jurisdiction.clone();
    let limit = state.config.limits.query_time;
    state
        .sandboxed(move |s| {
            kpi::evaluate(
                s,
                &kpi,
                Scope::Unit(&unit_id),
                &periods,
                &jurisdiction,
                limit,
            )
        })
        .await
}

/// Evaluates a KPI over a unit as one series at `grain`, filling periods without data with null.
pub async fn series(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    grain: Grain,
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<Point>> {
    let cells = evaluate_unit(
        state,
        kpi,
        unit,
        Periods::grain(grain, from, to),
        jurisdiction,
    )
    .await?;
    Ok(grain
        .buckets(from, to)
        .into_iter()
        .map(|(period, _)| Point {
            period,
            value: cells
                .iter()
                .find(|c| c.period == period)
                .and_then(|c| c.value),
        })
        .collect())
}

/// The KPI over `from..=to` and over the equally long period before, for a unit.
pub async fn current_and_previous(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Result<(Option<f64>, Option<f64>)> {
    let periods = Periods::previous_and_current(from, to);
    let (prev_start, current_start) = (periods.0[0].0, periods.0[1].0);
    let cells = evaluate_unit(state, kpi, unit, periods, jurisdiction).await?;
    let at = |d: NaiveDate| cells.iter().find(|c| c.period == d).and_then(|c| c.value);
    Ok((at(current_start), at(prev_start)))
}

async fn tile(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    grain: Grain,
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Tile {
    let def = kpi.def.clone();
    let (values, sparkline) = futures_util::join!(
        current_and_previous(state, kpi.clone(), unit, from, to, jurisdiction),
        series(state, kpi, unit, grain, from, to, jurisdiction)
    );
    let error = values
        .as_ref()
        .err()
        .or(sparkline.as_ref().err())
        .map(|e| e.to_string());
    let (value, previous) = values.unwrap_or((None, None));
    Tile {
        status: kpi_api::status::status(value, def.target, def.amber, def.direction),
        change: value.zip(previous).map(|(v, p)| v - p),
        kpi: def,
        value,
        previous,
        sparkline: sparkline.unwrap_or_default(),
        error,
    }
}

/// A whole board for a unit and period; the tiles are evaluated concurrently.
pub async fn board(
    state: &Arc<AppState>,
    summary: &BoardSummary,
    unit: Unit,
    grain: Grain,
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Result<Board> {
    let catalog = state.catalog();
    let kpis: Vec<Kpi> = summary
        .kpis
        .iter()
        .map(|id| {
            catalog.kpis.get(id).cloned().ok_or_else(|| {
                Error::NotFound(format!("board '{}' names unknown KPI '{id}'", summary.id))
            })
        })
        .collect::<Result<_>>()?;
    let tiles = futures_util::future::join_all(
        kpis.into_iter()
            .map(|k| tile(state, k, &unit.id, grain, from, to, jurisdiction)),
    )
    .await;
    let (previous_from, previous_to) = kpi_api::period::previous(from, to);
    Ok(Board {
        id: summary.id.clone(),
        title: summary.title.clone(),
        description: summary.description.clone(),
        unit,
        from,
        to,
        grain,
        previous_from,
        previous_to,
        tiles,
    })
}
