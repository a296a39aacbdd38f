use chrono::NaiveDate;
use kpi_api::calendar::Calendar;
use kpi_api::league::League;
use kpi_api::{
    Children, Grain, KpiDef, KpiList, KpiPassport, KpiPreview, KpiPreviewRequest, KpiSave, Series,
};

use super::{api_path, get_json, post_json, put_json, FetchError};
use crate::logic::filters::iso;

/// `GET /api/kpis`
pub async fn kpis() -> Result<KpiList, FetchError> {
    get_json(&api_path(&["kpis"]), &[]).await
}

/// `GET /api/kpis/{id}`: the KPI's passport (404 `not_found` for an id the server does not know).
pub async fn kpi_passport(kpi: &str) -> Result<KpiPassport, FetchError> {
    get_json(&api_path(&["kpis", kpi]), &[]).await
}

/// `POST /api/kpis/preview` (analysts, admins): runs a whole KPI file without saving it. A file
/// that does not load comes back as a 200 with `error` set; a run stopped by the time limit or by
/// [`super::cancel_query`] is a 422 `query_timeout` or `query_cancelled`.
pub async fn preview_kpi(
    csrf: &str,
    request: &KpiPreviewRequest,
) -> Result<KpiPreview, FetchError> {
    post_json(&api_path(&["kpis", "preview"]), Some(csrf), request).await
}

/// `PUT /api/kpis/{id}` (analysts, admins): writes and loads the file, and puts the KPI on
/// `save.board` when given. 422 `invalid_kpi` ("FILE, line N, column C: message") when it does not
/// validate; 400 `bad_parameter` when `kpi` is not the header's id.
pub async fn save_kpi(csrf: &str, kpi: &str, save: &KpiSave) -> Result<KpiDef, FetchError> {
    put_json(&api_path(&["kpis", kpi]), csrf, save).await
}

/// `GET /api/kpis/{id}/values?unit=&from=&to=&grain=[&calendar=]`, bucketed in `calendar`.
pub async fn kpi_values(
    kpi: &str,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
    (calendar, grain): (Calendar, Grain),
) -> Result<Series, FetchError> {
    get_json(
        &api_path(&["kpis", kpi, "values"]),
        &super::in_calendar(
            &[
                ("unit", unit.to_string()),
                ("from", iso(from)),
                ("to", iso(to)),
                ("grain", grain.as_str().to_string()),
            ],
            calendar,
        ),
    )
    .await
}

/// `GET /api/kpis/{id}/children?unit=&from=&to=`
pub async fn kpi_children(
    kpi: &str,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Children, FetchError> {
    get_json(
        &api_path(&["kpis", kpi, "children"]),
        &unit_period(unit, from, to),
    )
    .await
}

/// `GET /api/kpis/{id}/league?unit=&from=&to=`: the children of `unit` ranked fairly.
pub async fn kpi_league(
    kpi: &str,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<League, FetchError> {
    get_json(
        &api_path(&["kpis", kpi, "league"]),
        &unit_period(unit, from, to),
    )
    .await
}

/// The query of a unit over a period: `unit=&from=&to=`.
pub(super) fn unit_period(
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> [(&'static str, String); 3] {
    [
        ("unit", unit.to_string()),
        ("from", iso(from)),
        ("to", iso(to)),
    ]
}
