#!/usr/bin/env bash
# How long the debug server takes to rebuild after a one-line change to one page and to one
# repository (the edit-compile loop of development). Reported, never asserted.
#
#   scripts/bench-incremental.sh [runs]     (default 3 runs of each)
#
# Each run appends a constant to the file (new content, so rustc really recompiles the
# crate), builds `server`, and puts the file back. The build uses the flags of `make unit`
# (`--cfg erase_components`) so it shares that target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-3}
export RUSTFLAGS="--cfg erase_components"
FILES=(app/src/pages/companies.rs app/src/backend/repo/companies.rs)

build() { cargo build -p server --bin server --quiet; }

echo "warming up (a full debug build of the server if none is there)"
build

for file in "${FILES[@]}"; do
  backup=$(mktemp)
  cp -p "$file" "$backup"
  trap 'cp -p "$backup" "$file"' EXIT
  times=()
  for run in $(seq "$RUNS"); do
    printf '\nconst _BENCH_INCREMENTAL_%s: u32 = %s;\n' "$run" "$RANDOM" >>"$file"
    start=$(date +%s.%N)
    build
    end=$(date +%s.%N)
    times+=("$(printf "%.1f" "$(echo "$end - $start" | bc)")")
    cp -p "$backup" "$file"
  done
  trap - EXIT
  rm -f "$backup"
  build # back to the file as it was, not timed
  printf '%-40s %s s\n' "$file" "${times[*]}"
done
