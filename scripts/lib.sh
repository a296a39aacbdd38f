# Shared by scripts/run and scripts/test: where things live, and installing what is missing.
# Everything comes from the package registries (crates.io, npm, Debian); nothing else is downloaded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory outside the clone, kept across builds and CI runs: DuckDB's C++ takes
# half an hour to compile on two cores, so it must compile once per machine, not once per clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kpiboard/target}"
TOOLS="${KPI_TOOLS_DIR:-$HOME/.cache/kpiboard/tools}"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm-bindgen CLI must match the library version Cargo.lock pins, exactly.
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_frontend_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    say "installing trunk $TRUNK_VERSION (a few minutes, once per machine)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
  fi
  local wbg
  wbg="$(locked_wasm_bindgen)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg"; then
    say "installing wasm-bindgen-cli $wbg (the version Cargo.lock pins)"
    # Not --locked: its own lock names a dependency version the registry no longer carries.
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "installing binaryen $BINARYEN_VERSION from npm (wasm-opt)"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  # Trunk.toml pins these versions; point trunk at the binaries installed above.
  export TRUNK_TOOLS_WASM_BINDGEN="$wbg"
}

ensure_browser() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver from Debian"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

build_frontend() {
  ensure_frontend_tools
  say "building the frontend (trunk, release)"
  (cd "$ROOT" && trunk build --release --offline)
}

# Brotli and gzip copies of the web app's files, served to browsers that accept them (needs the
# backend built: the server's own binary writes them).
precompress_frontend() {
  say "precompressing the web app (brotli and gzip)"
  (cd "$ROOT" && "$CARGO_TARGET_DIR/debug/kpiboard" precompress dist >/dev/null)
}

# Always the workspace's default members, for running and for testing alike: a narrower set
# (`-p kpi-backend`) unifies build-script features differently and would compile DuckDB again.
build_backend() {
  say "building the backend (first build compiles DuckDB: about 30 minutes, once per machine)"
  (cd "$ROOT" && cargo build)
}
