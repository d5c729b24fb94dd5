# The two commands of the README contract:
#   make run   — install what is missing, build, migrate, serve on http://127.0.0.1:3000
#   make test  — install what is missing, then every check and test (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_TEST := $(shell cargo nextest --version >/dev/null 2>&1 && echo "cargo nextest run --no-fail-fast" || echo "cargo test --no-fail-fast")

.PHONY: help run test release bootstrap fmt lint unit e2e e2e-deps bench clean-data

help:
	@echo "make run      build (release) and serve on http://127.0.0.1:3000 (SQLite in ./data)"
	@echo "make test     fmt, clippy, unit + integration tests on SQLite and PostgreSQL, browser tests"
	@echo "make release  the release build only (server binary + WASM bundle in target/site)"
	@echo "make bench    list endpoints under load at 100k companies / 1M deals, SQLite and PostgreSQL"

bootstrap:
	@scripts/bootstrap.sh

# wasm-bindgen and wasm-opt re-run even when nothing changed (~12 s), so the release build is
# skipped while its stamp is newer than every input.
RELEASE_INPUTS := $(shell find app frontend server/src migrations/src style public -type f 2>/dev/null) \
	Cargo.toml Cargo.lock package.json Leptos.toml scripts/build-release.sh
RELEASE_STAMP := target/.release-stamp

# The server binary is an input too: `cargo bench -p server` builds target/release/server again
# without the site settings build-release.sh exports (LEPTOS_OUTPUT_NAME …), and that binary's
# pages ask for `<name>_bg.wasm`, which the site does not have — every browser test failed with
# a 404 for the wasm after a benchmark run. A binary newer than the stamp is rebuilt.
$(RELEASE_STAMP): $(RELEASE_INPUTS) $(wildcard target/release/server)
	scripts/build-release.sh
	@touch $@

release: bootstrap $(RELEASE_STAMP)

run: release
	@mkdir -p data
	./target/release/server serve

test: bootstrap
	@scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory fmt lint unit e2e

fmt:
	cargo fmt --all -- --check

# Native test and lint builds render every component type-erased (`--cfg erase_components`,
# as Leptos' own tooling does for dev builds): the test executables shrink from ~1 GB and compile
# much faster. These builds never hydrate, so the flag cannot cause a hydration mismatch;
# release builds (make release) do not use it.
TEST_RUSTFLAGS := --cfg erase_components

lint:
	RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
	RUSTFLAGS="$(TEST_RUSTFLAGS)" cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

unit:
	RUSTFLAGS="$(TEST_RUSTFLAGS)" $(CARGO_TEST) --workspace --exclude frontend

e2e-deps:
	@scripts/ensure-chromium.sh
	@if [ ! -d end2end/node_modules/@playwright/test ]; then cd end2end && npm ci --no-audit --no-fund; fi

e2e: release e2e-deps
	cd end2end && npx playwright test

# Not part of `make test`: timings are reported, never asserted (see scripts/bench-lists.sh).
bench: release
	scripts/bench-lists.sh

clean-data:
	rm -rf data
