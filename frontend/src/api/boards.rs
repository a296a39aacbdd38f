use chrono::NaiveDate;
use kpi_api::agenda::Agenda;
use kpi_api::evaluation::{Evaluation, SchemeList};
use kpi_api::{Annotation, Board, BoardSummary, Grain, NewAnnotation};

use super::{api_path, delete, get_json, post_json, FetchError};
use crate::logic::filters::iso;

/// `GET /api/boards`
pub async fn boards() -> Result<Vec<BoardSummary>, FetchError> {
    get_json(&api_path(&["boards"]), &[]).await
}

/// `GET /api/boards/{id}?unit=&from=&to=&grain=`
pub async fn board(
    id: &str,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
    grain: Grain,
) -> Result<Board, FetchError> {
    get_json(
        &api_path(&["boards", id]),
        &super::in_calendar(
            &[
                ("unit", unit.to_string()),
                ("from", iso(from)),
                ("to", iso(to)),
                ("grain", grain.as_str().to_string()),
            ],
            crate::i18n::calendar(),
        ),
    )
    .await
}

/// `GET /api/agenda?unit=&from=&to=`: what is red or got worse under the unit.
pub async fn agenda(unit: &str, from: NaiveDate, to: NaiveDate) -> Result<Agenda, FetchError> {
    get_json(
        &api_path(&["agenda"]),
        &super::in_calendar(
            &super::kpis::unit_period(unit, from, to),
            crate::i18n::calendar(),
        ),
    )
    .await
}

/// `GET /api/annotations?unit=`: the dated events that concern the unit.
pub async fn annotations(unit: &str) -> Result<Vec<Annotation>, FetchError> {
    get_json(&api_path(&["annotations"]), &[("unit", unit.to_string())]).await
}

/// `POST /api/annotations`: marks an event on the charts of a unit.
pub async fn add_annotation(csrf: &str, event: &NewAnnotation) -> Result<Annotation, FetchError> {
    post_json(&api_path(&["annotations"]), Some(csrf), event).await
}

/// `DELETE /api/annotations/{id}`: removes an event entered in the app.
pub async fn remove_annotation(csrf: &str, id: &str) -> Result<(), FetchError> {
    delete(&api_path(&["annotations", id]), csrf).await
}

/// `GET /api/evaluations`: the evaluation schemes the user may open.
pub async fn evaluations() -> Result<SchemeList, FetchError> {
    get_json(&api_path(&["evaluations"]), &[]).await
}

/// `GET /api/evaluations/{id}?unit=&from=`: a scheme's scorecards; no unit is the scheme's own
/// (or the user's home under it), no day the last whole period with data.
pub async fn evaluation(
    id: &str,
    unit: Option<&str>,
    from: Option<NaiveDate>,
) -> Result<Evaluation, FetchError> {
    let mut query = Vec::new();
    if let Some(from) = from {
        query.push(("from", iso(from)));
    }
    if let Some(unit) = unit {
        query.push(("unit", unit.to_string()));
    }
    get_json(&api_path(&["evaluations", id]), &query).await
}
