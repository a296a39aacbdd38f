//! Boards evaluated: each tile's value, previous and year-ago values, and sparkline (the board files are read
//! with the KPI files, by [`crate::kpi::load_boards`]).

use std::sync::Arc;

use chrono::NaiveDate;
use kpi_api::calendar::Calendar;
use kpi_api::{Board, BoardSummary, Grain, Point, Tile, Unit};

use crate::auth::Jurisdiction;
use crate::error::{Error, Result};
use crate::kpi::{self, Kpi, Periods, Scope};
use crate::state::AppState;

/// A scope that owns its units, to be sent to a blocking thread.
#[derive(Debug, Clone)]
pub enum Groups {
    /// Everything under one unit, as one group.
    Unit(String),
    /// Everything under each of these units, one group each.
    EachOf(Vec<String>),
    /// Everything under each child of the unit, one group each.
    ChildrenOf(String),
    /// The appeals each employee under the unit answered, one group each.
    StaffOf(String),
}

impl Groups {
    fn scope(&self) -> Scope<'_> {
        match self {
            Groups::Unit(unit) => Scope::Unit(unit),
            Groups::EachOf(units) => Scope::EachOf(units),
            Groups::ChildrenOf(unit) => Scope::ChildrenOf(unit),
            Groups::StaffOf(unit) => Scope::StaffOf(unit),
        }
    }
}

/// Evaluates a KPI for `groups` inside `jurisdiction`: from the cache when it has the answer,
/// else on a blocking thread within the query time limit.
pub async fn evaluate_groups(
    state: &Arc<AppState>,
    kpi: Kpi,
    groups: Groups,
    periods: Periods,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<kpi::Cell>> {
    if let Some(answer) =
        kpi::evaluate_cached(&state.sandbox, &kpi, groups.scope(), &periods, jurisdiction)
    {
        return answer;
    }
    let jurisdiction = jurisdiction.clone();
    let limit = state.config.limits.query_time;
    state
        .sandboxed(move |s| kpi::evaluate(s, &kpi, groups.scope(), &periods, &jurisdiction, limit))
        .await
}

/// Evaluates a KPI over everything under `unit` inside `jurisdiction`.
async fn evaluate_unit(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    periods: Periods,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<kpi::Cell>> {
    evaluate_groups(
        state,
        kpi,
        Groups::Unit(unit.to_string()),
        periods,
        jurisdiction,
    )
    .await
}

/// Evaluates a KPI over a unit as one series at `grain`, filling periods without data with null.
pub async fn series(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    (calendar, grain): (Calendar, Grain),
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<Point>> {
    let periods = Periods::in_calendar(calendar, grain, from, to);
    let starts: Vec<NaiveDate> = periods.starts().collect();
    let cells = evaluate_unit(state, kpi, unit, periods, jurisdiction).await?;
    Ok(starts
        .into_iter()
        .map(|period| Point {
            period,
            value: cells
                .iter()
                .find(|c| c.period == period)
                .and_then(|c| c.value),
        })
        .collect())
}

/// A tile's numbers: the KPI over `from..=to`, over the equally long period before, and over
/// the same period a year before.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Compared {
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub year_ago: Option<f64>,
}

/// [`Compared`] for a unit, in one evaluation (two when the periods cannot share one).
pub async fn compared(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    (calendar, from, to): (Calendar, NaiveDate, NaiveDate),
    jurisdiction: &Jurisdiction,
) -> Result<Compared> {
    let (periods, apart) = Periods::comparisons_in(calendar, from, to);
    let (prev_start, current_start) = (periods.0[0].0, periods.0[1].0);
    let year_start = calendar.year_ago(from, to).0;
    let cells = evaluate_unit(state, kpi.clone(), unit, periods, jurisdiction).await?;
    let at = |cells: &[kpi::Cell], d: NaiveDate| {
        cells.iter().find(|c| c.period == d).and_then(|c| c.value)
    };
    let year_ago = match apart {
        Some(year) => {
            let cells = evaluate_unit(state, kpi, unit, year, jurisdiction).await?;
            at(&cells, year_start)
        }
        None => at(&cells, year_start),
    };
    Ok(Compared {
        value: at(&cells, current_start),
        previous: at(&cells, prev_start),
        year_ago,
    })
}

async fn tile(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    grain: (Calendar, Grain),
    from: NaiveDate,
    to: NaiveDate,
    jurisdiction: &Jurisdiction,
) -> Tile {
    let def = kpi.def.clone();
    let (values, sparkline, forecast) = futures_util::join!(
        compared(state, kpi.clone(), unit, (grain.0, from, to), jurisdiction),
        series(state, kpi.clone(), unit, grain, from, to, jurisdiction),
        forecast(state, kpi, unit, (grain.0, from, to), jurisdiction)
    );
    let error = values
        .as_ref()
        .err()
        .or(sparkline.as_ref().err())
        .map(|e| e.to_string());
    let Compared {
        value,
        previous,
        year_ago,
    } = values.unwrap_or_default();
    let (status, in_force) = state.judge(&def, unit, to, value);
    Tile {
        status,
        target: in_force.target,
        amber: in_force.amber,
        target_note: in_force.note,
        change: value.zip(previous).map(|(v, p)| v - p),
        year_ago,
        change_year: value.zip(year_ago).map(|(v, y)| v - y),
        kpi: def,
        value,
        previous,
        sparkline: sparkline.unwrap_or_default(),
        forecast: forecast.ok().flatten(),
        error,
    }
}

/// Where the KPI lands at the end of the quarter (or year) that `from..=to` stops inside, from
/// the days since that period began (see [`kpi_api::forecast`]); None when `to` ends it.
async fn forecast(
    state: &Arc<AppState>,
    kpi: Kpi,
    unit: &str,
    (calendar, from, to): (Calendar, NaiveDate, NaiveDate),
    jurisdiction: &Jurisdiction,
) -> Result<Option<kpi_api::Forecast>> {
    use kpi_api::forecast::{forecast, horizon, SoFar};
    let Some((start, end)) = horizon(calendar, from, to) else {
        return Ok(None);
    };
    let def = kpi.def.clone();
    let cells = evaluate_unit(state, kpi, unit, Periods::whole(start, to), jurisdiction).await?;
    let cell = cells.into_iter().next();
    let so_far = SoFar {
        value: cell.as_ref().and_then(|c| c.value),
        ratio: cell.and_then(|c| match c.parts {
            kpi::Parts::Ratio {
                numerator,
                denominator,
            } => Some((numerator, denominator)),
            _ => None,
        }),
    };
    let target = state.judge(&def, unit, end, None).1.target;
    let f = forecast(def.measure, def.direction, so_far, target, (start, to, end));
    // A count (open appeals is a stock, not a flow) gives nothing to carry on.
    Ok(f.landing.is_some().then_some(f))
}

/// A whole board for a unit and period; the tiles are evaluated concurrently.
pub async fn board(
    state: &Arc<AppState>,
    summary: &BoardSummary,
    unit: Unit,
    (calendar, grain): (Calendar, Grain),
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
    let tiles = futures_util::future::join_all(kpis.into_iter().map(|k| {
        tile(
            state,
            k,
            &unit.id,
            (calendar, grain),
            from,
            to,
            jurisdiction,
        )
    }))
    .await;
    let (previous_from, previous_to) = calendar.previous(from, to);
    let (year_ago_from, year_ago_to) = calendar.year_ago(from, to);
    Ok(Board {
        id: summary.id.clone(),
        title: summary.title.clone(),
        description: summary.description.clone(),
        translations: summary.translations.clone(),
        unit,
        from,
        to,
        grain,
        previous_from,
        previous_to,
        year_ago_from,
        year_ago_to,
        tiles,
    })
}
