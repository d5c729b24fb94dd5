#!/usr/bin/env bash
# List endpoints under load: seeds a workspace with N companies and M deals (default 100k /
# 1M) on SQLite and on PostgreSQL, then measures the companies and deals lists and the
# dashboard at their server-function endpoints with wrk (64 connections) and prints
# p50/p95/p99 and requests/s (and the dashboard's uncached computation time per period).
#
#   make bench                         # both databases, 100k companies, 1M deals
#   BENCH_COMPANIES=10000 BENCH_DEALS=100000 BENCH_BACKENDS=sqlite scripts/bench-lists.sh
#   BENCH_KEEP=1 scripts/bench-lists.sh   # keep the seeded databases (for EXPLAIN)
#
# Needs the release build (make release) and wrk (installed from Debian's packages if
# missing). PostgreSQL: a throwaway database on BENCH_PG_URL (default 127.0.0.1:5432),
# dropped afterwards. wrk and the server share this machine's cores: the figures are for
# the whole machine, load generator included.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPANIES=${BENCH_COMPANIES:-100000}
DEALS=${BENCH_DEALS:-1000000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
PORT=${BENCH_PORT:-3200}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
# The app's connection options for the benchmark database. Without TLS by default: the
# database is on this machine (as it is for a PostgreSQL on the same host or reached over a
# private network), and Debian's PostgreSQL offers TLS, which sqlx then takes (sslmode
# prefer) — 10 % of the app's CPU and more of PostgreSQL's on a deals page, measured.
# BENCH_PG_OPTIONS=sslmode=require measures with it.
PG_OPTIONS=${BENCH_PG_OPTIONS:-sslmode=disable}
SERVER=./target/release/server

[ -x "$SERVER" ] || { echo "no release build: run 'make release' first" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian package)"
  apt-get install -y wrk >/dev/null
fi

tmp=$(mktemp -d)
server_pid=""
pg_db=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  # BENCH_KEEP=1 keeps the seeded databases for EXPLAIN (the SQLite file in $tmp, the
  # PostgreSQL database by name); drop them by hand afterwards.
  if [ -n "${BENCH_KEEP:-}" ]; then
    echo "kept: sqlite://$tmp/bench.db ${pg_db:+and $PG_URL/$pg_db}" >&2
    return
  fi
  [ -n "$pg_db" ] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.2f %.2f %.2f %.0f %d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    e.connect + e.read + e.write + e.timeout + e.status))
end
LUA

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

start_server() {
  DATABASE_URL="$1" SEED_DEMO=false LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
    DATA_DIR="$tmp/data" SECRET_KEY_FILE="$tmp/secret.key" RUST_LOG=warn SIGN_IN_ATTEMPTS_PER_IP=1000 API_RATE_LIMIT_PER_MINUTE=0 \
    "$SERVER" serve >"$tmp/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cat "$tmp/server.log" >&2
  exit 1
}

api() { # endpoint json [cookie]
  curl -fsS -X POST "http://127.0.0.1:$PORT/api/$1" -H 'content-type: application/json' \
    -H "origin: http://127.0.0.1:$PORT" -b "$tmp/cookies" -d "$2"
}

measure() { # label body
  local out
  out=$(BENCH_BODY="$2" BENCH_TOKEN="$token" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$tmp/post.lua" \
    "http://127.0.0.1:$PORT/api/$3" | grep '^RESULT')
  read -r _ p50 p95 p99 rps errors <<<"$out"
  printf '| %-8s | %-44s | %7s | %7s | %7s | %7s | %6s |\n' "$backend" "$1" "$p50" "$p95" "$p99" "$rps" "$errors"
}

results=()
for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$tmp/bench.db" ;;
    postgres)
      pg_db="hf_bench_$$"
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $pg_db" >/dev/null
      url="$PG_URL/$pg_db${PG_OPTIONS:+?$PG_OPTIONS}" ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
  start_server "$url"
  rm -f "$tmp/cookies"
  curl -fsS -o /dev/null -c "$tmp/cookies" -X POST "http://127.0.0.1:$PORT/auth/signup" \
    -H "origin: http://127.0.0.1:$PORT" --data-urlencode "email=bench@example.com" \
    --data-urlencode "name=Bench" --data-urlencode "password=correct horse battery"
  slug=$(api current_session '{}' | json 'd["workspaces"][0]["slug"]')
  token=$(api create_api_token "{\"workspace\":\"$slug\",\"name\":\"bench\"}" | json 'd["token"]')

  echo "==> $backend: seeding $COMPANIES companies and $DEALS deals into $slug" >&2
  seed_start=$(date +%s.%N)
  # BENCH_SEED_LOG=info shows the seed's time per kind of record and for its commit;
  # BENCH_SEED_FLAGS passes more flags (`--keep-indexes` for the seed without index deferral).
  # shellcheck disable=SC2086
  DATABASE_URL="$url" RUST_LOG="${BENCH_SEED_LOG:-warn}" "$SERVER" seed --demo --workspace "$slug" \
    --companies "$COMPANIES" --deals "$DEALS" ${BENCH_SEED_FLAGS:-} >&2
  seed_secs=$(python3 -c "import time; print(round(time.time() - $seed_start, 1))")

  pipeline=$(api list_pipelines "{\"workspace\":\"$slug\"}" | json 'd[0]["id"]')
  companies_body="{\"workspace\":\"$slug\",\"query\":{\"filters\":{\"industry\":\"Software\"},\"sort\":\"name\",\"per_page\":50}}"
  companies_emp_body="{\"workspace\":\"$slug\",\"query\":{\"filters\":{\"country\":\"DE\"},\"sort\":\"-employees\",\"per_page\":50}}"
  deals_body="{\"workspace\":\"$slug\",\"query\":{\"filters\":{\"pipeline\":\"$pipeline\"},\"sort\":\"-amount\",\"per_page\":50}}"
  deals_status_body="{\"workspace\":\"$slug\",\"query\":{\"filters\":{\"status\":\"open\"},\"sort\":\"-updated\",\"per_page\":50}}"
  # One warm-up pass so neither database is measured cold.
  for pair in "list_companies:$companies_body" "list_deals:$deals_body"; do
    BENCH_BODY="${pair#*:}" BENCH_TOKEN="$token" wrk -t1 -c4 -d2s -s "$tmp/post.lua" \
      "http://127.0.0.1:$PORT/api/${pair%%:*}" >/dev/null
  done
  results+=("$(measure "companies: industry=Software, sort name" "$companies_body" list_companies)")
  results+=("$(measure "companies: country=DE, sort -employees" "$companies_emp_body" list_companies)")
  results+=("$(measure "deals: pipeline=New business, sort -amount" "$deals_body" list_deals)")
  results+=("$(measure "deals: status=open, sort -updated" "$deals_status_body" list_deals)")
  # The dashboard: first the cold computation of each period (each is its own cache entry),
  # then the same dashboard under load — what a team looking at it costs.
  for days in 30 90 365; do
    cold=$(curl -fsS -o /dev/null -w '%{time_total}' -X POST "http://127.0.0.1:$PORT/api/get_dashboard" \
      -H 'content-type: application/json' -H "authorization: Bearer $token" \
      -d "{\"workspace\":\"$slug\",\"query\":{\"days\":$days}}")
    results+=("$(printf '| %-8s | %-44s | %s s (one request, uncached) |' "$backend" "dashboard, $days days, computed" "$cold")")
  done
  results+=("$(measure "dashboard, 365 days (cached between changes)" "{\"workspace\":\"$slug\",\"query\":{\"days\":365}}" get_dashboard)")
  # The same while a deal moves between two stages every second (each move drops the cached
  # dashboard, so the next request computes it again): what a working team's dashboard costs.
  stages=$(api list_pipelines "{\"workspace\":\"$slug\"}" | json '" ".join(str(s["id"]) for s in d[0]["stages"][:2])')
  deal=$(api list_deals "$deals_body" | json 'd["items"][0]["id"]')
  (
    while :; do
      for stage in $stages; do
        api move_deal "{\"workspace\":\"$slug\",\"id\":$deal,\"stage_id\":$stage}" >/dev/null || true
        sleep 1
      done
    done
  ) &
  mover=$!
  results+=("$(measure "dashboard, 365 days, a deal moved every second" "{\"workspace\":\"$slug\",\"query\":{\"days\":365}}" get_dashboard)")
  kill "$mover"; wait "$mover" 2>/dev/null || true
  results+=("$(printf '| %-8s | %-44s | %s s |' "$backend" "seed $COMPANIES companies + $DEALS deals" "$seed_secs")")

  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

echo
echo "$COMPANIES companies, $DEALS deals; wrk -t2 -c$CONNECTIONS -d$DURATION; 50 rows a page with total count; times in ms"
echo
echo "| backend  | request                                      |     p50 |     p95 |     p99 |   req/s | errors |"
echo "|----------|----------------------------------------------|---------|---------|---------|---------|--------|"
printf '%s\n' "${results[@]}"
