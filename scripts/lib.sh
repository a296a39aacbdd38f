# Shared by scripts/run and scripts/test: where things live, and installing what is missing.
# Everything comes from the package registries (crates.io, npm, Debian); nothing else is downloaded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory outside the clone, kept across builds and CI runs: the dependencies
# compile once per machine, not once per clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kpiboard/target}"
TOOLS="${KPI_TOOLS_DIR:-$HOME/.cache/kpiboard/tools}"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"

BINARYEN_VERSION=132
# DuckDB's C library as npm's package for Node.js carries it: the release build DuckDB publishes,
# with parquet and json built in. Its version must match the duckdb crate's (1.MMmmpp.x) in Cargo.toml.
DUCKDB_NPM_PACKAGE="@duckdb/node-bindings-linux-x64@1.5.6-r.1"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_frontend_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "installing binaryen $BINARYEN_VERSION from npm (wasm-opt)"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
}

# Links the server against DuckDB's prebuilt C library instead of compiling its C++ (half an
# hour on two cores). The library goes into the target directory, where the binaries' rpath
# (.cargo/config.toml) finds it. KPI_DUCKDB=bundled, or a machine the package does not cover,
# compiles DuckDB from source instead.
CARGO_FEATURES=()
ensure_duckdb() {
  if [ "${KPI_DUCKDB:-}" = bundled ] || [ "$(uname -sm)" != "Linux x86_64" ]; then
    CARGO_FEATURES=(--features kpi-backend/bundled-duckdb)
    return
  fi
  local lib="$CARGO_TARGET_DIR/duckdb/libduckdb.so" pkg="$TOOLS/node_modules/@duckdb/node-bindings-linux-x64"
  if ! grep -qs "\"version\": \"${DUCKDB_NPM_PACKAGE##*@}\"" "$pkg/package.json"; then
    say "installing DuckDB's C library from npm ($DUCKDB_NPM_PACKAGE)"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --ignore-scripts "$DUCKDB_NPM_PACKAGE" >/dev/null
  fi
  if ! cmp -s "$pkg/libduckdb.so" "$lib"; then
    mkdir -p "$(dirname "$lib")"
    cp "$pkg/libduckdb.so" "$lib"
  fi
  export DUCKDB_LIB_DIR="$(dirname "$lib")"
}

# CLDR's JSON, from which `xtask cldr` makes the month names and number symbols of en, ru and fa
# (api/src/cldr.rs); the versions are the ones xtask/src/cldr.rs names.
CLDR_PACKAGES=(cldr-dates-modern@43.1.0 cldr-numbers-modern@43.1.0 cldr-cal-persian-modern@43.1.0)
ensure_cldr() {
  local missing=()
  for p in "${CLDR_PACKAGES[@]}"; do
    grep -qs "\"version\": \"${p##*@}\"" "$TOOLS/node_modules/${p%@*}/package.json" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing CLDR's data from npm (${missing[*]})"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --ignore-scripts "${missing[@]}" >/dev/null
  fi
}

ensure_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver from Debian"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# The web app into dist/ (needs the backend's build: `xtask` is one of the workspace's binaries).
# The wasm-bindgen step is a library inside xtask, so neither trunk nor wasm-bindgen-cli is installed.
build_frontend() {
  ensure_frontend_tools
  say "building the web app (wasm, release)"
  (cd "$ROOT" && "$CARGO_TARGET_DIR/debug/xtask" web >/dev/null)
}

# Brotli and gzip copies of the web app's files, served to browsers that accept them (needs the
# backend built: the server's own binary writes them).
precompress_frontend() {
  say "precompressing the web app (brotli and gzip)"
  (cd "$ROOT" && "$CARGO_TARGET_DIR/debug/kpiboard" precompress dist >/dev/null)
}

# Always the workspace's default members, for running and for testing alike: a narrower set
# (`-p kpi-backend`) unifies features differently and would build the dependencies again.
build_backend() {
  ensure_duckdb
  say "building the backend"
  (cd "$ROOT" && cargo build "${CARGO_FEATURES[@]}")
}

# The server and its tools first (xtask builds the web app; kpiboard precompresses it).
build_all() {
  build_backend
  build_frontend
  precompress_frontend
}
