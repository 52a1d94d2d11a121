# Cadence: `make run` to try it, `make test` to test everything. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export CARGO_TARGET_DIR ?= $(CURDIR)/target
# Leptos' type erasure of components: far less monomorphisation, so a smaller WASM and quicker
# builds. Every cargo command here shares these flags so that nothing is built twice.
export RUSTFLAGS := --cfg erase_components
SITE := $(CARGO_TARGET_DIR)/site
WASM_PROFILE := wasm-release
WASM_OUT := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/$(WASM_PROFILE)/frontend.wasm
BIN := $(CARGO_TARGET_DIR)/release/cadence
NODE_BIN := $(CURDIR)/end2end/node_modules/.bin
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# The features of today's stable wasm32 target, so that wasm-opt accepts and keeps them.
WASM_OPT_FLAGS := -Oz --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-reference-types --enable-multivalue
DATABASE_URL ?= sqlite://data/cadence.db
NODES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cadence_nodes
ADDR ?= 127.0.0.1:3000

PYTHON ?= /usr/bin/python3

# Installs the Debian package $(2) unless the shell test $(1) passes: as root, or says how.
# $(3) says what it is needed for.
define debian_package
	@if ! { $(1); } >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's $(2)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(2); \
		else \
			echo "$(2) is needed for $(3): run 'sudo apt-get install $(2)' and try again." >&2; \
			exit 1; \
		fi; \
	fi
endef
# The API fuzzer, from PyPI, in a virtual environment kept beside the build cache.
VENV := $(CARGO_TARGET_DIR)/venv
SCHEMATHESIS_VERSION := 4.32.5
# The example checker (server/tests/support/check_examples.py) reads schemas with jsonschema.
JSONSCHEMA_VERSION := 4.26.0
FUZZ_TOOLS := $(VENV)/.schemathesis-$(SCHEMATHESIS_VERSION)-jsonschema-$(JSONSCHEMA_VERSION)

.PHONY: run build site server tools rust-tools node-tools chromium smtp-server fuzz-tools test fmt-check clippy test-rust test-e2e test-fuzz fuzz-long reliability nginx nodes bench-board bench-activities bench-import bench-goals bench-reports seed-large clean

## run: install what is missing, build in release mode, serve the demo workspace on http://127.0.0.1:3000
run: build
	$(BIN) serve --demo --addr $(ADDR) --database-url $(DATABASE_URL) --site-root $(SITE)

## build: the release server and the optimised site (WASM, JS, CSS, public files)
build: tools site server

server:
	cargo build --release -p server --bin cadence

site: tools
	cargo build -p frontend --lib --target wasm32-unknown-unknown --profile $(WASM_PROFILE)
	rm -rf $(SITE) && mkdir -p $(SITE)/pkg
	wasm-bindgen --target web --no-typescript --out-dir $(SITE)/pkg --out-name cadence $(WASM_OUT)
	$(NODE_BIN)/wasm-opt $(WASM_OPT_FLAGS) -o $(SITE)/pkg/cadence_bg.wasm $(SITE)/pkg/cadence_bg.wasm
	cp style/main.css $(SITE)/pkg/cadence.css
	cp -R public/. $(SITE)/
	mkdir -p $(SITE)/vendor
	cp end2end/node_modules/echarts/dist/echarts.min.js $(SITE)/vendor/echarts.min.js
	cp end2end/node_modules/echarts/LICENSE $(SITE)/vendor/echarts.LICENSE.txt
	@printf 'site: wasm %s bytes, %s bytes gzipped\n' \
		"$$(wc -c < $(SITE)/pkg/cadence_bg.wasm)" "$$(gzip -9c $(SITE)/pkg/cadence_bg.wasm | wc -c)"

## tools: the wasm target, wasm-bindgen-cli matching Cargo.lock, and the npm packages (wasm-opt, playwright-core, echarts)
tools: rust-tools node-tools

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

node-tools: end2end/node_modules/.installed

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	touch $@

## chromium: Debian's Chromium for the browser tests (installed when running as root)
chromium:
	$(call debian_package,[ -x /usr/bin/chromium ],chromium,the browser tests)

## smtp-server: Debian's aiosmtpd, the real SMTP server the digest tests send to on a loopback port
smtp-server:
	$(call debian_package,$(PYTHON) -c 'import aiosmtpd',python3-aiosmtpd,the digest tests)

## test: formatting, lints, unit, property and integration tests, then the browser tests
test: fmt-check clippy test-rust test-e2e test-fuzz

fmt-check:
	cargo fmt --all -- --check

clippy: rust-tools
	cargo clippy -p app -p server -p migrations --features app/ssr --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

test-rust: smtp-server
	CADENCE_TEST_PYTHON=$(PYTHON) cargo test -p app -p server -p migrations --features app/ssr

test-e2e: build chromium
	cd end2end && CADENCE_BIN=$(BIN) CADENCE_SITE=$(SITE) node --test --test-concurrency=1 tests/

## fuzz-tools: schemathesis $(SCHEMATHESIS_VERSION) and jsonschema $(JSONSCHEMA_VERSION) in $(VENV)
fuzz-tools: $(FUZZ_TOOLS)

$(FUZZ_TOOLS):
	$(call debian_package,$(PYTHON) -m venv --help && $(PYTHON) -c 'import ensurepip',python3-venv,the API fuzzer)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION) jsonschema==$(JSONSCHEMA_VERSION)
	touch $@

## test-fuzz: a short schemathesis pass over every API operation (zero 5xx, zero schema violations)
test-fuzz: build fuzz-tools
	CADENCE_BIN=$(BIN) SCHEMATHESIS=$(VENV)/bin/schemathesis bash server/tests/support/fuzz.sh 3

## fuzz-long: the long pass (100 examples per operation, well over 10,000 requests)
fuzz-long: build fuzz-tools
	CADENCE_BIN=$(BIN) SCHEMATHESIS=$(VENV)/bin/schemathesis bash server/tests/support/fuzz.sh 100

## reliability: the long reliability suite: 20 kill -9 rounds per database, 1,000 concurrent operations over two nodes, 200 live clients over two nodes, the security checks; the figures go to $(CARGO_TARGET_DIR)/reliability.txt
reliability: smtp-server
	@[ -n "$${CADENCE_TEST_POSTGRES_URL:-}" ] || { echo "make reliability needs PostgreSQL: set CADENCE_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)" >&2; exit 1; }
	CADENCE_TEST_PYTHON=$(PYTHON) CADENCE_CRASH_ROUNDS=20 CADENCE_CONCURRENCY_OPS=1000 CADENCE_LIVE_CLIENTS=200 \
		cargo test -p server --features app/ssr --test crash --test nodes --test security --test roles -- --nocapture --test-threads=1 \
		2>&1 | tee $(CARGO_TARGET_DIR)/reliability.log
	@grep -E '(crash \(|node failover|concurrency:|multi-node live:|secrets in the log:)|^test result|^test .* (ok|FAILED)$$' $(CARGO_TARGET_DIR)/reliability.log \
		| sed -E 's/^test [a-z0-9_:]+ \.\.\. ((crash|node failover|concurrency|multi-node|secrets in the log).*)/\1/' | tee $(CARGO_TARGET_DIR)/reliability.txt

## nginx: Debian's nginx, for `make nodes`
nginx:
	$(call debian_package,command -v nginx || [ -x /usr/sbin/nginx ],nginx,make nodes)

## nodes: try several nodes: two servers on PostgreSQL ($(NODES_DATABASE_URL), created if missing) behind nginx on http://127.0.0.1:8080; Ctrl-C stops them
nodes: build nginx
	CADENCE_BIN=$(BIN) CADENCE_SITE=$(SITE) NODES_DATABASE_URL=$(NODES_DATABASE_URL) bash server/deploy/two-nodes.sh

## bench-board: 100,000 leads on SQLite: board render, column page, moves, SSE delivery
bench-board:
	cargo bench -p server --bench board

## bench-import: a 1,000,000-row CSV imported through the API on SQLite (wall time, peak RSS), then the list page
bench-import: server
	CADENCE_BIN=$(BIN) cargo bench -p server --bench import

## bench-goals: 200 users, 2,000,000 activities on SQLite: the team goals page per kind of period, My day, progress
bench-goals:
	cargo bench -p server --bench goals

## bench-activities: 50 API clients logging activities on SQLite for 30 s with 200 SSE feed clients
bench-activities:
	cargo bench -p server --bench activities

## bench-reports: the five reports' API over a month and a year of the reference workspace (seeded once, reused) next to plain GROUP BYs in sqlite3 (and psql with CADENCE_BENCH_POSTGRES_URL); BENCH_SCALE=0.02 for a quick try
bench-reports:
	cargo bench -p server --bench reports

## seed-large: fill the empty $(DATABASE_URL) with the reference workspace: 200 users, 1,000,000 leads, 10,000,000 activities (minutes, a few GB)
seed-large: server
	$(BIN) seed-demo --scale large --database-url $(DATABASE_URL)

clean:
	cargo clean
	rm -rf end2end/node_modules
