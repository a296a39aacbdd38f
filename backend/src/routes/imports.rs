//! Export files in: the upload and the history of imports.

use super::*;

/// POST /api/imports?file=NAME — the body is the export file, CSV or Parquet. Admins import
/// anything; analysts import data rows of their own jurisdiction's units, department heads the
/// plans and check-ins of theirs.
pub(super) async fn post_import(
    access: Access,
    params: Params,
    addr: Option<SocketAddr>,
    mut body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>> + Unpin + Send,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::Import).map_err(reject)?;
    let name = params
        .get("file")
        .filter(|f| !f.is_empty())
        .cloned()
        .ok_or_else(|| {
            reject(Error::bad_parameter(
                "file",
                "required: the export's file name, e.g. file=appeals_2021.csv",
            ))
        })?;
    if name.len() > 255 || name.contains(['/', '\\', '\0']) {
        return Err(reject(Error::bad_parameter(
            "file",
            "a plain file name, without folders",
        )));
    }
    // The upload goes to a temporary file first: the import reads it twice (hash, then rows).
    let tmp = tempfile_path(&state);
    let written = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        // Counted while streaming, so that a chunked upload without a length is bounded too.
        let mut received: u64 = 0;
        while let Some(chunk) = body.next().await {
            let mut chunk =
                chunk.map_err(|e| Error::bad_parameter("body", format!("upload failed: {e}")))?;
            received += chunk.remaining() as u64;
            if received > MAX_UPLOAD_BYTES {
                return Err(Error::TooLarge(format!(
                    "the upload is larger than {MAX_UPLOAD_BYTES} bytes; split the export"
                )));
            }
            while chunk.has_remaining() {
                let part = chunk.chunk();
                file.write_all(part).await?;
                let n = part.len();
                chunk.advance(n);
            }
        }
        file.flush().await?;
        Ok::<_, Error>(())
    }
    .await;
    let result = match written {
        Ok(()) => {
            let state2 = Arc::clone(&state);
            let path = tmp.clone();
            let ip = client_ip(addr);
            tokio::task::spawn_blocking(move || {
                let by = policy::importer(&access, state2.clock.now());
                state2.import_by(&path, &name, by, ip.as_deref())
            })
            .await
            .map_err(|e| Error::Internal(e.to_string()))
            .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&tmp).await;
    let report = result.map_err(reject)?;
    let status = if report.already_imported {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(warp::reply::with_status(json(&report), status))
}

/// A fresh file in the staging folder: the only folder the engine may read (for Parquet).
pub(super) fn tempfile_path(state: &AppState) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    state.db.staging_dir().join(format!(
        ".upload-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}

/// GET /api/imports — admins see every import, analysts and department heads their own.
pub(super) async fn list_imports(
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::ImportHistory).map_err(reject)?;
    let only = access.import_history_of();
    let rows = state
        .db
        .run(move |c| crate::import::history(c, only.as_deref()))
        .await
        .map_err(reject)?;
    Ok(json(&rows))
}
