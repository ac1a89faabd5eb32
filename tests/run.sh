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

echo
echo "tests/run.sh: all steps passed"
