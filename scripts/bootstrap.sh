#!/usr/bin/env bash
# Installs what building Hyperformant needs, skipping each tool that is already present at
# the right version, so a warm machine passes through in about a second.
#   - the wasm32 Rust target
#   - wasm-bindgen-cli, exactly the wasm-bindgen version in Cargo.lock
#   - Tailwind v4 and wasm-opt (npm `binaryen`; never Debian's 108, whose output fails to hydrate)
# Everything comes from the package registries (crates.io, npm); nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

if ! command -v cargo >/dev/null; then
  echo "cargo is not installed; install Rust with rustup first" >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WASM_BINDGEN_VERSION}\$"; then
  say "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION}"
  # Not --locked: its lock file pins a webpki-roots version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --force
fi

if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
  || ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version 132"; then
  if ! command -v npm >/dev/null; then
    echo "npm is needed for Tailwind and wasm-opt; install Node.js (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
  say "installing Tailwind and wasm-opt from npm"
  # `npm install`, not `npm ci`: the lock names platform builds this registry does not serve.
  npm install --no-audit --no-fund
fi
