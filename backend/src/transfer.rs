//! What goes over the wire: compressed answers where the client accepts them (brotli, then
//! gzip), entity tags so that an unchanged answer costs a `304` and no body, and the web app's
//! files precompressed at build time (`kpiboard precompress dist`) and served with the caching
//! their names allow: hashed assets for a year (`immutable`), `index.html` checked every time.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use warp::http::header::{self, HeaderValue};
use warp::http::StatusCode;
use warp::Reply;

use crate::error::Result;

/// A content coding the server writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best coding `accept` (an `Accept-Encoding` header) allows: brotli, then gzip. A coding
    /// given `q=0` is refused.
    pub fn negotiate(accept: Option<&str>) -> Encoding {
        let accepts = |name: &str| {
            accept.is_some_and(|a| {
                a.split(',').any(|part| {
                    let mut bits = part.split(';');
                    let coding = bits.next().unwrap_or_default().trim();
                    let refused = bits.any(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.trim().parse::<f32>().ok())
                            .is_some_and(|q| q <= 0.0)
                    });
                    (coding == name || coding == "*") && !refused
                })
            })
        };
        if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    /// The file name suffix of a precompressed copy.
    fn suffix(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gz"),
            Encoding::Identity => None,
        }
    }
}

/// `bytes` in `encoding`; `quality` from 1 (fast) to 11 (smallest; gzip stops at 9).
pub fn compress(bytes: &[u8], encoding: Encoding, quality: u32) -> Vec<u8> {
    match encoding {
        Encoding::Identity => bytes.to_vec(),
        Encoding::Gzip => {
            let mut out =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(quality.min(9)));
            out.write_all(bytes).expect("writing to memory");
            out.finish().expect("writing to memory")
        }
        Encoding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: quality.min(11) as i32,
                lgwin: 22,
                ..Default::default()
            };
            let mut out = Vec::new();
            brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("writing to memory");
            out
        }
    }
}

/// Answers smaller than this go as they are: compressing them saves less than it costs.
const WORTH_COMPRESSING: usize = 1024;

/// A JSON answer with an entity tag (a hash of its bytes and coding), compressed as `accept`
/// allows. When the client already holds it (`If-None-Match`), a `304 Not Modified` without a
/// body. The answer is the caller's own (`private`) and is checked again each time
/// (`no-cache`), so a board is never shown stale.
pub fn tagged_json<T: serde::Serialize>(
    value: &T,
    if_none_match: Option<&str>,
    accept: Option<&str>,
) -> warp::reply::Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let encoding = if body.len() < WORTH_COMPRESSING {
        Encoding::Identity
    } else {
        Encoding::negotiate(accept)
    };
    let tag = hex::encode(&Sha256::digest(&body)[..12]);
    let etag = match encoding.suffix() {
        Some(suffix) => format!("\"{tag}-{suffix}\""),
        None => format!("\"{tag}\""),
    };
    let seen = if_none_match.is_some_and(|given| {
        given
            .split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
    });
    let mut response = if seen {
        warp::reply::with_status(warp::reply(), StatusCode::NOT_MODIFIED).into_response()
    } else {
        // Dynamic answers: a quick setting (a board is 12 KB; brotli 5 takes well under 1 ms).
        let mut r = warp::reply::Response::new(compress(&body, encoding, 5).into());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(coding) = encoding.header() {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        r
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// The kinds of file the web app is made of.
fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether a file's name carries the hash of its content (trunk names its output
/// `name-<16 hex digits>.ext` or `name-<hash>_bg.wasm`): such a file never changes.
fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit('-')
        .next()
        .is_some_and(|h| h.len() >= 12 && h.len() <= 20 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The files whose precompressed copies are worth keeping.
fn compressible(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "css" | "wasm" | "json" | "svg" | "txt")
    )
}

/// Writes `<file>.br` and `<file>.gz` beside every compressible file of `dir` (at the highest
/// settings: this runs once per build), and returns (file, raw, brotli, gzip) sizes.
pub fn precompress(dir: &Path) -> Result<Vec<(String, u64, u64, u64)>> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && compressible(p))
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path)?;
        let mut sizes = [0u64; 2];
        for (i, (encoding, suffix)) in [(Encoding::Brotli, "br"), (Encoding::Gzip, "gz")]
            .into_iter()
            .enumerate()
        {
            let packed = compress(&bytes, encoding, 11);
            let mut name = path.as_os_str().to_owned();
            name.push(".");
            name.push(suffix);
            std::fs::write(PathBuf::from(name), &packed)?;
            sizes[i] = packed.len() as u64;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        out.push((name, bytes.len() as u64, sizes[0], sizes[1]));
    }
    Ok(out)
}

/// One file of the web app as `accept` allows it: its precompressed copy when there is one,
/// with the caching its name allows. `tail` is the request's path; anything that is not a file
/// of `dist` (a client-side route such as `/boards/overview`) is `index.html`.
pub async fn frontend_file(
    dist: &Path,
    tail: &str,
    accept: Option<&str>,
    if_none_match: Option<&str>,
) -> warp::reply::Response {
    let safe = !tail.is_empty()
        && !tail.contains("..")
        && !tail.contains('\\')
        && !tail.starts_with('/')
        && !tail.split('/').any(|part| part.starts_with('.'));
    let asked = dist.join(tail);
    let path = if safe && asked.is_file() {
        asked
    } else {
        dist.join("index.html")
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let encoding = Encoding::negotiate(accept);
    let mut chosen = (Encoding::Identity, path.clone());
    if let Some(suffix) = encoding.suffix() {
        let mut packed = path.as_os_str().to_owned();
        packed.push(".");
        packed.push(suffix);
        let packed = PathBuf::from(packed);
        if packed.is_file() {
            chosen = (encoding, packed);
        }
    }
    let Ok(bytes) = tokio::fs::read(&chosen.1).await else {
        return warp::reply::with_status(
            "the web app is not built (scripts/run builds it)",
            StatusCode::NOT_FOUND,
        )
        .into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..12]));
    let seen = if_none_match.is_some_and(|given| given.split(',').any(|t| t.trim() == etag));
    let mut response = if seen {
        warp::reply::with_status(warp::reply(), StatusCode::NOT_MODIFIED).into_response()
    } else {
        let mut r = warp::reply::Response::new(bytes.into());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(&path)),
        );
        if let Some(coding) = chosen.0.header() {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        r
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if is_hashed(&name) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_accepted_coding_is_chosen_and_q0_refuses_one() {
        assert_eq!(
            Encoding::negotiate(Some("gzip, deflate, br")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::negotiate(Some("gzip")), Encoding::Gzip);
        assert_eq!(
            Encoding::negotiate(Some("br;q=0, gzip;q=0.8")),
            Encoding::Gzip
        );
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
    }

    #[test]
    fn compressed_bytes_decompress_to_the_original() {
        let text = "{\"value\": 93.4, \"period\": \"2021-03-01\"}".repeat(200);
        let gz = compress(text.as_bytes(), Encoding::Gzip, 6);
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back)
            .unwrap();
        assert_eq!(back, text);
        let br = compress(text.as_bytes(), Encoding::Brotli, 5);
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut back).unwrap();
        assert_eq!(back, text.as_bytes());
        assert!(br.len() < text.len() / 10 && gz.len() < text.len() / 10);
    }

    #[test]
    fn hashed_names_are_told_from_the_others() {
        assert!(is_hashed("kpi-frontend-b2f0797d5302f252.js"));
        assert!(is_hashed("kpi-frontend-b2f0797d5302f252_bg.wasm"));
        assert!(is_hashed("style-3384e190c63d105.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("kpi-frontend.js"));
    }
}
