use kpi_api::experiment::{ExperimentAnalysis, StoredExperiment};

use super::{api_path, get_json, FetchError};

/// `GET /api/experiments?unit=`: the experiments the user may read, naming a unit under `unit`.
pub async fn experiments(unit: Option<&str>) -> Result<Vec<StoredExperiment>, FetchError> {
    let query: Vec<(&str, String)> = unit.map(|u| ("unit", u.to_string())).into_iter().collect();
    get_json(&api_path(&["experiments"]), &query).await
}

/// `GET /api/experiments/{id}`: one experiment (403 outside the user's jurisdiction).
pub async fn experiment(id: &str) -> Result<StoredExperiment, FetchError> {
    get_json(&api_path(&["experiments", id]), &[]).await
}

/// `GET /api/experiments/{id}/analysis?kpi=`: did the change move the KPI?
pub async fn experiment_analysis(id: &str, kpi: &str) -> Result<ExperimentAnalysis, FetchError> {
    get_json(
        &api_path(&["experiments", id, "analysis"]),
        &[("kpi", kpi.to_string())],
    )
    .await
}
