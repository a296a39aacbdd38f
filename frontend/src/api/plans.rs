use kpi_api::plan::{CheckInRecord, CheckInRequest, PlanSummary, PlanView};

use super::{api_path, get_json, put_json, FetchError};

/// `GET /api/plans?unit=`: the plans under `unit`, or under the user's whole jurisdiction.
pub async fn plans(unit: Option<&str>) -> Result<Vec<PlanSummary>, FetchError> {
    let query: Vec<(&str, String)> = unit.map(|u| ("unit", u.to_string())).into_iter().collect();
    get_json(&api_path(&["plans"]), &query).await
}

/// `GET /api/plans/{id}`: the plan, its check-ins and its weekly scores.
pub async fn plan(id: &str) -> Result<PlanView, FetchError> {
    get_json(&api_path(&["plans", id]), &[]).await
}

/// `PUT /api/plans/{id}/checkins/{tactic}/{week}`: ticks a tactic done or not. 409 `conflict` when
/// someone answered since `request.revision`; 400 `bad_parameter` for a week not begun, not due or
/// closed; 403 `forbidden` for anyone but the unit's department heads and administrators.
pub async fn check_in(
    csrf: &str,
    plan: &str,
    tactic: &str,
    week: u32,
    request: &CheckInRequest,
) -> Result<CheckInRecord, FetchError> {
    let week = week.to_string();
    put_json(
        &api_path(&["plans", plan, "checkins", tactic, &week]),
        csrf,
        request,
    )
    .await
}
