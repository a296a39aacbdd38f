use kpi_api::ImportReport;

use super::{read, FetchError};

/// `POST /api/imports?file=NAME` with a file the person chose as the body: one transaction. 422
/// `invalid_file` names the file, line and column; 403 a file of another role or unit.
pub async fn import_file(
    csrf: &str,
    name: &str,
    file: &web_sys::File,
) -> Result<ImportReport, FetchError> {
    let request = gloo::net::http::Request::post("/api/imports")
        .query([("file", name)])
        .header("Accept", "application/json")
        .header(kpi_api::CSRF_HEADER, csrf)
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| FetchError::Network(e.to_string()))?;
    read(request.send().await, true).await
}
