#!/usr/bin/env bash
# Builds the npm package `embedis` into wasm/pkg/:
#   pkg/node/   wasm-bindgen --target nodejs (CommonJS) + index.cjs / index.mjs
#   pkg/web/    wasm-bindgen --target web (ES module) + index.js (top-level init)
#   pkg/embedis.d.ts   the types, shared by both
# Reproducible: pinned wasm-bindgen-cli (same version as the crate's
# wasm-bindgen), release profile pinned here, paths remapped out of the binary.
# Usage: wasm/build.sh [--dev]   (then `npm pack` in wasm/ makes the tarball;
# --dev: unoptimized build for quick iteration, no size check)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
want=0.2.130

have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  echo "build.sh: need wasm-bindgen-cli $want (have '${have:-none}'):" >&2
  echo "  cargo install wasm-bindgen-cli --version $want --locked" >&2
  exit 1
fi

# Size-oriented release build of the cdylib only (these env vars override the
# workspace's release profile for this invocation; native builds are untouched).
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_DEBUG=0
export CARGO_PROFILE_RELEASE_STRIP=debuginfo
target_dir="${CARGO_TARGET_DIR:-$root/target}"
if [ "${1:-}" = "--dev" ]; then
  (cd "$root" && cargo build -p embedis-wasm --target wasm32-unknown-unknown --locked)
  wasm="$target_dir/wasm32-unknown-unknown/debug/embedis_wasm.wasm"
else
  # No build paths in the binary (panic locations), so builds match across machines.
  cargo_home="${CARGO_HOME:-$HOME/.cargo}"
  export RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=$root=/embedis --remap-path-prefix=$cargo_home=/cargo"
  (cd "$root" && cargo build -p embedis-wasm --target wasm32-unknown-unknown --release --locked)
  wasm="$target_dir/wasm32-unknown-unknown/release/embedis_wasm.wasm"
fi

pkg="$here/pkg"
rm -rf "$pkg"
mkdir -p "$pkg/node" "$pkg/web"
wasm-bindgen "$wasm" --target nodejs --out-dir "$pkg/node" --out-name embedis --remove-producers-section --remove-name-section
wasm-bindgen "$wasm" --target web --out-dir "$pkg/web" --out-name embedis --remove-producers-section --remove-name-section

# Each folder says how Node should read its .js files.
echo '{ "type": "commonjs" }' > "$pkg/node/package.json"
echo '{ "type": "module" }' > "$pkg/web/package.json"
cp "$here/js/index.cjs" "$here/js/index.mjs" "$here/js/listen.cjs" "$here/js/persist-node.cjs" "$pkg/node/"
cp "$here/js/index.js" "$here/js/persist-web.js" "$here/js/fast.js" "$pkg/web/"
# fast.js is an ES module; Node's build is CommonJS, so it gets a CJS copy.
{ echo "'use strict';"; sed 's/^export function install(/function install(/' "$here/js/fast.js"; echo 'exports.install = install;'; } > "$pkg/node/fast.cjs"

# The console page (www/) loads the browser build from www/pkg/.
rm -rf "$here/www/pkg"
cp -r "$pkg/web" "$here/www/pkg"

# One .d.ts for every entry point: the generated class and types, then the
# helpers the JS entry points add (appended: a namespace merging with a class
# must come after it).
cat "$pkg/node/embedis.d.ts" "$here/js/extra.d.ts" > "$pkg/embedis.d.ts"
rm "$pkg/node/embedis.d.ts" "$pkg/web/embedis.d.ts"

size=$(wc -c < "$pkg/web/embedis_bg.wasm")
gz=$(gzip -9 -n -c "$pkg/web/embedis_bg.wasm" | wc -c)
echo "build.sh: embedis_bg.wasm $size bytes, $gz bytes gzipped (budget 300 KB = 307200)"
if [ "${1:-}" != "--dev" ] && [ "$gz" -gt 307200 ]; then
  echo "build.sh: gzipped wasm over the 300 KB budget" >&2
  exit 1
fi
