# offrecord — build, check and demo targets. `make help` lists them.
#
# Everything builds with cgo (mautrix's SQLite driver) and the goolm tag
# (pure-Go olm, no libolm). System packages and the Dendrite homeserver used
# by the tests come from `make deps` (scripts/install-deps.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export PATH := /usr/local/go/bin:$(PATH)
export CGO_ENABLED := 1

GO           ?= go
TAGS         := goolm
BIN          := .cache/bin
TEST_TIMEOUT ?= 30m
FUZZTIME     ?= 2000x
BENCH_OUT    ?= .cache/bench.txt
STATICCHECK  := $(BIN)/staticcheck

.PHONY: help deps build vet lint test unit otr3-test fuzz-short bench demo demo-stop clean distclean

# Our otr3 fork: a separate module (the root's ./... skips it), upstream's
# files kept as they are (not gofmt'd), its own tests run by otr3-test.
OTR3         := third_party/otr3

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

deps: ## Install prosody, libotr, gcc… (apt, as root) and build Dendrite into .cache/bin.
	@bash scripts/install-deps.sh

build: ## Build the bridge into .cache/bin/offrecord.
	@if [[ ! -d cmd/offrecord ]]; then echo "cmd/offrecord does not exist yet: nothing to build"; exit 0; fi; \
	mkdir -p $(BIN); \
	echo "go build -tags $(TAGS) -o $(BIN)/offrecord ./cmd/offrecord"; \
	$(GO) build -tags $(TAGS) -o $(BIN)/offrecord ./cmd/offrecord

vet: ## go vet (also in the otr3 fork) and a gofmt check (lists unformatted files).
	$(GO) vet -tags $(TAGS) ./...
	cd $(OTR3) && $(GO) vet ./...
	@files=$$(find . \( -path ./.cache -o -path ./.git \) -prune -o -name '*.go' -print | \
		grep -v '^./$(OTR3)/' ; ls $(OTR3)/offrecord_*.go); \
	bad=$$(gofmt -l $$files); \
	if [[ -n "$$bad" ]]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$bad"; exit 1; fi; \
	echo "gofmt: ok"

lint: ## staticcheck (v0.8.2, pinned in tools/staticcheck) on every package; fails on any finding.
	@mkdir -p $(BIN)
	@if [[ ! -x $(STATICCHECK) || tools/staticcheck/go.mod -nt $(STATICCHECK) || tools/staticcheck/go.sum -nt $(STATICCHECK) ]]; then \
		echo "building staticcheck from tools/staticcheck into $(STATICCHECK)"; \
		(cd tools/staticcheck && $(GO) build -o ../../$(STATICCHECK) honnef.co/go/tools/cmd/staticcheck); \
	fi
	$(STATICCHECK) -tags $(TAGS) ./...
	@echo "staticcheck: ok"

test: deps vet lint ## deps, vet, staticcheck, all tests with -race, the otr3 fork's tests, then fuzz-short.
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory otr3-test
	@$(MAKE) --no-print-directory fuzz-short

unit: ## All tests with -race (no deps, no vet); starts PostgreSQL for the bridge's Postgres test.
	OFFRECORD_POSTGRES_URI="$${OFFRECORD_POSTGRES_URI:-$$(bash scripts/start-postgres.sh)}" \
		$(GO) test -race -tags $(TAGS) -count=1 -timeout $(TEST_TIMEOUT) ./...

otr3-test: ## The otr3 fork's own test suite (third_party/otr3), plain and with -race, and our fuzz targets in it.
	cd $(OTR3) && $(GO) test -count=1 ./...
	cd $(OTR3) && $(GO) test -race -count=1 ./...
	@for name in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $(OTR3)/offrecord_*_test.go | sed 's/^func //'); do \
		echo "go test -run='^$$' -fuzz='^$$name\$$' -fuzztime=$(FUZZTIME) (in $(OTR3))"; \
		(cd $(OTR3) && $(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) .) || exit 1; \
	done

fuzz-short: ## Run every FuzzXxx target of the root module for FUZZTIME (2000 inputs) each.
	@targets=$$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . \
		--exclude-dir=.cache --exclude-dir=.git --exclude-dir=tools --exclude-dir=third_party | sed -E 's/\($$//' | sort -u || true); \
	if [[ -z "$$targets" ]]; then echo "fuzz-short: no fuzz targets"; exit 0; fi; \
	n=0; \
	while IFS=: read -r file fn; do \
		name=$${fn#func }; pkg=./$$(dirname "$${file#./}"); \
		echo "go test -tags $(TAGS) -run='^\$$' -fuzz='^$$name\$$' -fuzztime=$(FUZZTIME) $$pkg"; \
		$(GO) test -tags $(TAGS) -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
		n=$$((n+1)); \
	done <<< "$$targets"; \
	echo "fuzz-short: $$n fuzz targets passed"

bench: deps ## All benchmarks with -benchmem, saved to .cache/bench.txt and printed.
	@mkdir -p $(dir $(BENCH_OUT))
	$(GO) test -tags $(TAGS) -run='^$$' -bench=. -benchmem -timeout $(TEST_TIMEOUT) ./... > $(BENCH_OUT) 2>&1 || { cat $(BENCH_OUT); exit 1; }
	@cat $(BENCH_OUT)
	@echo "(saved in $(BENCH_OUT))"

demo: deps ## Run the demo (go run ./demo).
	@if [[ ! -d demo ]]; then echo "demo not built yet"; exit 1; fi
	$(GO) run -tags $(TAGS) ./demo

demo-stop: ## Stop a running demo.
	@if [[ ! -d demo ]]; then echo "demo not built yet"; exit 1; fi
	$(GO) run -tags $(TAGS) ./demo -stop

clean: ## Remove the bridge binary and bench output (keeps Dendrite).
	rm -f $(BIN)/offrecord $(BENCH_OUT)
	$(GO) clean -testcache

distclean: clean ## Also remove .cache (Dendrite rebuilds in ~4 min).
	rm -rf .cache
