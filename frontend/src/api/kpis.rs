use chrono::NaiveDate;
use kpi_api::{Children, Grain, KpiList, Series};

use super::{api_path, get_json, FetchError};
use crate::logic::filters::iso;

/// `GET /api/kpis`
pub async fn kpis() -> Result<KpiList, FetchError> {
    get_json(&api_path(&["kpis"]), &[]).await
}

/// `GET /api/kpis/{id}/values?unit=&from=&to=&grain=`
pub async fn kpi_values(
    kpi: &str,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
    grain: Grain,
) -> Result<Series, FetchError> {
    get_json(
        &api_path(&["kpis", kpi, "values"]),
        &[
            ("unit", unit.to_string()),
            ("from", iso(from)),
            ("to", iso(to)),
            ("grain", grain.as_str().to_string()),
        ],
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
        &[
            ("unit", unit.to_string()),
            ("from", iso(from)),
            ("to", iso(to)),
        ],
    )
    .await
}
