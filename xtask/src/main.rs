//! `xtask web [--out dist]`: builds the web app the way the server serves it.
//!
//! 1. `cargo build` of `kpi-frontend` for wasm32 with the release profile (small: `opt-level = "z"`, LTO);
//! 2. the JavaScript glue from wasm-bindgen, as a library of the version Cargo.lock pins, so no
//!    `wasm-bindgen-cli` needs installing;
//! 3. `wasm-opt -Oz` (binaryen from npm, on PATH);
//! 4. every file named by the hash of its content (`name-<16 hex>.ext`, which the server serves
//!    `immutable`), and `index.html` written from `frontend/index.html` to load them, with
//!    subresource integrity.
//!
//! It replaces trunk, whose `cargo install` alone took 7 to 13 minutes on a fresh machine.

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use sha2::{Digest, Sha256, Sha384};
use std::path::{Path, PathBuf};
use std::process::Command;

const CRATE: &str = "kpi-frontend";
const TARGET: &str = "wasm32-unknown-unknown";
/// Where `frontend/index.html` wants the app's script.
const APP_MARKER: &str = "<!-- app -->";

mod cldr;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["web"] => web(&root, &root.join("dist")),
        ["web", "--out", out] => web(&root, Path::new(out)),
        ["cldr", "--from", modules] => cldr::run(&root, Path::new(modules), false),
        ["cldr", "--from", modules, "--check"] => cldr::run(&root, Path::new(modules), true),
        _ => bail!("usage: xtask web [--out DIR] | xtask cldr --from NODE_MODULES [--check]"),
    }
}

/// The workspace root: this crate's parent folder, found at run time through cargo's manifest
/// variable when run by cargo, or from the current directory otherwise.
fn workspace_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        return Ok(PathBuf::from(dir).join(".."));
    }
    let cwd = std::env::current_dir()?;
    cwd.ancestors()
        .find(|d| d.join("frontend/index.html").is_file())
        .map(Path::to_path_buf)
        .context(
            "run xtask from inside the checkout (no frontend/index.html above the current folder)",
        )
}

fn web(root: &Path, out: &Path) -> Result<()> {
    let wasm = build_wasm(root)?;
    let staging = out.with_extension("staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;

    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        .out_name(CRATE)
        .generate(&staging)
        .context("wasm-bindgen")?;
    if staging.join("snippets").exists() {
        bail!("the web app uses JavaScript snippets, which this build does not place yet");
    }

    let bg = staging.join(format!("{CRATE}_bg.wasm"));
    wasm_opt(&bg)?;

    // Hash the wasm first: the glue names it, so the glue's hash covers the wasm's name.
    let wasm_name = hashed_copy(&bg, &format!("{CRATE}-{{}}_bg.wasm"), &staging)?;
    let glue = std::fs::read_to_string(staging.join(format!("{CRATE}.js")))?
        .replace(&format!("{CRATE}_bg.wasm"), &wasm_name);
    std::fs::write(staging.join(format!("{CRATE}.js")), glue)?;
    let js_name = hashed_copy(
        &staging.join(format!("{CRATE}.js")),
        &format!("{CRATE}-{{}}.js"),
        &staging,
    )?;
    for leftover in [format!("{CRATE}.js"), format!("{CRATE}_bg.wasm")] {
        std::fs::remove_file(staging.join(leftover))?;
    }

    let template = std::fs::read_to_string(root.join("frontend/index.html"))?;
    let html = page(&template, root, &staging, &js_name, &wasm_name)?;
    std::fs::write(staging.join("index.html"), html)?;

    // Swap the finished folder in whole, so a server reading dist/ never sees half a build.
    let _ = std::fs::remove_dir_all(out);
    std::fs::rename(&staging, out)?;
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        println!(
            "{:>9}  {}",
            entry.metadata()?.len(),
            entry.file_name().to_string_lossy()
        );
    }
    Ok(())
}

fn build_wasm(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", CRATE, "--target", TARGET])
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("building {CRATE} for {TARGET} failed");
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let wasm = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{CRATE}.wasm"));
    if !wasm.is_file() {
        bail!("cargo built no {}", wasm.display());
    }
    Ok(wasm)
}

/// Optimises for size in place. Rust's wasm uses more than the MVP (bulk memory, reference types,
/// multi-value, ...): wasm-opt reads the features the module declares.
fn wasm_opt(file: &Path) -> Result<()> {
    let optimised = file.with_extension("opt.wasm");
    let status = Command::new("wasm-opt")
        .arg("-Oz")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg("--enable-reference-types")
        .arg("--enable-multivalue")
        .arg(file)
        .arg("-o")
        .arg(&optimised)
        .status()
        .context("running wasm-opt (scripts/lib.sh installs it from npm's binaryen)")?;
    if !status.success() {
        bail!("wasm-opt failed on {}", file.display());
    }
    std::fs::rename(optimised, file)?;
    Ok(())
}

/// Copies `file` into `dir` under `pattern` with `{}` replaced by 16 hex digits of its SHA-256,
/// and returns the new name.
fn hashed_copy(file: &Path, pattern: &str, dir: &Path) -> Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = pattern.replace("{}", &hex::encode(&Sha256::digest(&bytes)[..8]));
    std::fs::write(dir.join(&name), bytes)?;
    Ok(name)
}

fn integrity(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(format!("sha384-{}", BASE64.encode(Sha384::digest(&bytes))))
}

/// `frontend/index.html` with every local stylesheet hashed and the app's loader where the
/// template marks it.
fn page(template: &str, root: &Path, staging: &Path, js: &str, wasm: &str) -> Result<String> {
    let mut html = template.to_string();
    let mut rest = template;
    while let Some(at) = rest.find("<link rel=\"stylesheet\" href=\"") {
        let start = at + "<link rel=\"stylesheet\" href=\"".len();
        let end = start
            + rest[start..]
                .find('"')
                .context("unclosed href in frontend/index.html")?;
        let href = &rest[start..end];
        let source = root.join("frontend").join(href);
        let (stem, ext) = href
            .rsplit_once('.')
            .context("a stylesheet without an extension")?;
        let name = hashed_copy(&source, &format!("{stem}-{{}}.{ext}"), staging)?;
        let sri = integrity(&staging.join(&name))?;
        html = html.replace(
            &format!("<link rel=\"stylesheet\" href=\"{href}\""),
            &format!("<link rel=\"stylesheet\" href=\"/{name}\" integrity=\"{sri}\""),
        );
        rest = &rest[end..];
    }
    if !html.contains(APP_MARKER) {
        bail!("frontend/index.html has no {APP_MARKER} marking where the app loads");
    }
    let loader = format!(
        "<link rel=\"modulepreload\" href=\"/{js}\" crossorigin=\"anonymous\" integrity=\"{}\" />\n    \
         <link rel=\"preload\" href=\"/{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\" integrity=\"{}\" />\n    \
         <script type=\"module\">import init from '/{js}'; await init({{ module_or_path: '/{wasm}' }});</script>",
        integrity(&staging.join(js))?,
        integrity(&staging.join(wasm))?,
    );
    Ok(html.replace(APP_MARKER, &loader))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_hashed_files_with_their_integrity() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("frontend")).unwrap();
        std::fs::write(root.join("frontend/style.css"), "body{}").unwrap();
        let staging = dir.path().join("out");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("app-1.js"), "x").unwrap();
        std::fs::write(staging.join("app-1_bg.wasm"), "y").unwrap();
        let html = page(
            "<head><link rel=\"stylesheet\" href=\"style.css\" />\n<!-- app --></head>",
            &root,
            &staging,
            "app-1.js",
            "app-1_bg.wasm",
        )
        .unwrap();
        let css = std::fs::read_dir(&staging)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("style-"))
            .unwrap();
        assert_eq!(css.len(), "style-".len() + 16 + ".css".len());
        assert!(
            html.contains(&format!("href=\"/{css}\" integrity=\"sha384-")),
            "{html}"
        );
        assert!(
            html.contains("init({ module_or_path: '/app-1_bg.wasm' })"),
            "{html}"
        );
        assert!(!html.contains("<!-- app -->"));
    }
}
