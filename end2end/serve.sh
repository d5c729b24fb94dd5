#!/usr/bin/env bash
# Starts the release server for the browser tests on a fresh database in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x target/release/server ] || [ ! -f target/site/pkg/hyperformant.wasm ]; then
  echo "release build missing: run 'make release' (make e2e does)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export DATABASE_URL="${E2E_DATABASE_URL:-sqlite://$tmp/e2e.db}"
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3100}"
export LEPTOS_SITE_ROOT="target/site"
export SEED_DEMO="${SEED_DEMO:-false}"
export RUST_LOG="${RUST_LOG:-warn}"
# HubSpot, for the connector tests: a fake speaking its wire format (end2end/fake-hubspot.mjs).
export E2E_HUBSPOT_PORT="${E2E_HUBSPOT_PORT:-3101}"
export HUBSPOT_API_URL="http://127.0.0.1:$E2E_HUBSPOT_PORT"
node end2end/fake-hubspot.mjs &
fake=$!
./target/release/server serve &
pid=$!
trap 'kill $pid $fake 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
wait $pid
