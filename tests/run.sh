#!/usr/bin/env bash
# The one test command (README): installs what it needs, idempotently, then
# runs formatting, lints, every test, and the wasm32 build of the core crate.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

# ---- prerequisites -------------------------------------------------------
need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)
# wasm/ (the npm package): headless Chromium + chromedriver for the browser
# tests, Node + npm for the package tests (Debian's: no prebuilt downloads).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
# wasm-bindgen-cli must be exactly the version the crate pins (wasm/build.sh checks).
WASM_BINDGEN_VERSION=0.2.130
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION"
  # --locked first; its lockfile names a webpki-roots release some registry
  # mirrors lack, so fall back to a fresh resolution of the same CLI version.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# ---- checks --------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "cargo test"
cargo test --workspace --all-features

# ---- client libraries (compat) ---------------------------------------------
# redis-py, ioredis, node-redis against the embedis-server binary; installs
# python3-redis / node_modules itself, idempotently (tests/clients/run.sh).
step "client libraries: redis-py, ioredis, node-redis"
bash tests/clients/run.sh
# ---- end client libraries ----------------------------------------------------

step "cargo build -p embedis --target wasm32-unknown-unknown"
cargo build -p embedis --target wasm32-unknown-unknown

step "wasm: build the npm package (wasm/build.sh: release, size budget)"
bash wasm/build.sh

step "wasm: npm ci (dev dependencies from wasm/package-lock.json)"
(cd wasm && npm ci --no-audit --no-fund)

step "wasm: wasm-bindgen-test in Node"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p embedis-wasm --target wasm32-unknown-unknown

step "wasm: wasm-bindgen-test in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/wasm/webdriver.json" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p embedis-wasm --target wasm32-unknown-unknown

step "wasm: tsc --noEmit on the TypeScript usage file"
(cd wasm && node node_modules/typescript/bin/tsc --noEmit -p test/types)

step "wasm: node --test (API, listen with ioredis/node-redis, packed tarball, console page in Chromium)"
cargo build -p embedis-server # the console test swaps snapshots with it
(cd wasm && node --test test/api.test.mjs test/listen.test.mjs test/package.test.mjs test/console.test.mjs)

echo
echo "tests/run.sh: all steps passed"
