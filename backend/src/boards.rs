//! Boards evaluated: each tile's value, previous value and sparkline (the board files are read
//! with the KPI files, by [`crate::kpi::load_boards`]).

use std::sync::Arc;

use chrono::NaiveDate;
use kpi_api::{Board, BoardSummary, Grain, Point, Tile, Unit};

use crate::auth::Jurisdiction;
use crate::error::{Error, Result};
use crate::kpi::{self, Kpi, Periods, Scope};
use crate::state::AppState;

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
