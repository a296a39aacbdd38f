use kpi_api::plan::{
    CheckInRecord, CheckInRequest, NewPlan, PlanSummary, PlanView, TacticAdd, TacticChange,
};

use super::{api_path, get_json, post_json, put_json, FetchError};
use crate::logic::url::build_query;

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

/// `POST /api/plans`: a new plan (department heads for their units, administrators). 400 names
/// the field the server refused (`goals[0].kpi`, `start`, ...).
pub async fn create_plan(csrf: &str, plan: &NewPlan) -> Result<PlanView, FetchError> {
    post_json(&api_path(&["plans"]), Some(csrf), plan).await
}

/// `POST /api/plans/{id}/tactics`: a tactic added to a goal, due from this week on.
pub async fn add_tactic(csrf: &str, plan: &str, add: &TacticAdd) -> Result<PlanView, FetchError> {
    post_json(&api_path(&["plans", plan, "tactics"]), Some(csrf), add).await
}

/// `PUT /api/plans/{id}/tactics/{tactic}`: a new schedule from this week on (`due: None`
/// withdraws it). 409 `conflict` when the tactic changed since `change.versions`.
pub async fn change_tactic(
    csrf: &str,
    plan: &str,
    tactic: &str,
    change: &TacticChange,
) -> Result<PlanView, FetchError> {
    put_json(&api_path(&["plans", plan, "tactics", tactic]), csrf, change).await
}

/// `GET /api/exports/{plans|plan_checkins}?unit=` or `?plan=`, as a link the browser downloads
/// with the session cookie.
pub fn export_href(file: &str, unit: Option<&str>, plan: Option<&str>) -> String {
    let query = build_query(
        [("unit", unit), ("plan", plan)]
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?))),
    );
    let path = api_path(&["exports", file]);
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::export_href;

    #[test]
    fn export_links_carry_the_unit_or_the_plan() {
        assert_eq!(
            export_href("plans", Some("shymkent"), None),
            "/api/exports/plans?unit=shymkent"
        );
        assert_eq!(
            export_href("plan_checkins", None, Some("a b")),
            "/api/exports/plan_checkins?plan=a%20b"
        );
        assert_eq!(export_href("plans", None, None), "/api/exports/plans");
    }
}
