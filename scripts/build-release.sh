#!/usr/bin/env bash
# The release build: the server binary plus the browser bundle in target/site.
#
# These are the steps `cargo leptos build --release` (0.3.7) runs, done directly: installing
# cargo-leptos compiled ~500 crates (15–35 minutes on a 2-core CI machine, a third of a cold
# `make test`) to drive five commands. Anyone who wants `cargo leptos watch` for development can
# still install it; its settings stay in Cargo.toml's `[[workspace.metadata.leptos]]`.
#
# The site settings come from Leptos.toml, the file the server reads at run time, so the bundle
# is written where the binary looks for it and under the name its hydration script asks for.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

setting() {
  local value
  value=$(awk -F '"' -v key="$1" '$0 ~ "^" key " *=" { print $2; exit }' Leptos.toml)
  if [ -z "$value" ]; then
    echo "Leptos.toml has no $1" >&2
    exit 1
  fi
  printf '%s' "$value"
}

OUTPUT_NAME=$(setting output-name)
SITE_ROOT=$(setting site-root)
PKG_DIR=$(setting site-pkg-dir)
PKG="$SITE_ROOT/$PKG_DIR"

# Tailwind and wasm-opt come from npm (scripts/bootstrap.sh); never Debian's wasm-opt.
export PATH="$PWD/node_modules/.bin:$PATH"

# Leptos reads these at compile time: without LEPTOS_OUTPUT_NAME the server's hydration script
# asks for `<name>_bg.wasm`, a file this build does not write.
export LEPTOS_OUTPUT_NAME="$OUTPUT_NAME"
export LEPTOS_SITE_ROOT="$SITE_ROOT"
export LEPTOS_SITE_PKG_DIR="$PKG_DIR"
export LEPTOS_SITE_ADDR
LEPTOS_SITE_ADDR=$(setting site-addr)
export LEPTOS_RELOAD_PORT
LEPTOS_RELOAD_PORT=$(awk -F '= *' '/^reload-port *=/ { print $2; exit }' Leptos.toml)
export LEPTOS_LIB_DIR=frontend
export LEPTOS_BIN_DIR=server
export LEPTOS_HASH_FILES=false

mkdir -p "$PKG"

say "browser bundle: cargo build (wasm32, profile wasm-release)"
# Its own target dir, as cargo-leptos keeps it: the wasm build and the native builds then never
# invalidate each other's artefacts.
cargo build --package=frontend --lib --target-dir=target/front \
  --target=wasm32-unknown-unknown --no-default-features --profile=wasm-release

say "browser bundle: wasm-bindgen"
wasm-bindgen --target=web --out-name="$OUTPUT_NAME" --out-dir="$PKG" \
  target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm
# Leptos' hydration script loads `<name>.wasm` when LEPTOS_OUTPUT_NAME was set at compile time.
mv -f "$PKG/${OUTPUT_NAME}_bg.wasm" "$PKG/$OUTPUT_NAME.wasm"

say "browser bundle: wasm-opt -Oz"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$PKG/$OUTPUT_NAME.wasm" -o "$PKG/$OUTPUT_NAME.wasm"

say "style sheet: tailwindcss --minify"
tailwindcss --input style/main.css --output "$PKG/$OUTPUT_NAME.css" --minify

say "static assets: public/ → $SITE_ROOT/"
cp -a public/. "$SITE_ROOT/"

say "server: cargo build --release"
cargo build --package=server --bin=server --no-default-features --release

say "release build done: target/release/server and $SITE_ROOT/"
