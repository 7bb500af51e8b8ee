# Partnerhub. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/partnerhub
DATA ?= ./partnerhub-data
ADDR ?= :8080
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.Version=$(VERSION)
export CGO_ENABLED := 0

.PHONY: help build run demo test test-go e2e lint bench bench-go browser-deps test-deps clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build the static binary bin/partnerhub
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/partnerhub

demo: build ## (Re)create the demo town in $(DATA)
	$(BIN) demo --data-dir $(DATA)

run: demo ## Build, create the demo town and serve it at http://localhost:8080
	@echo "Serving the demo at http://localhost$(ADDR) (Ctrl-C to stop)"
	$(BIN) serve --data-dir $(DATA) --addr $(ADDR)

browser-deps: ## Install Chromium's headless shell (Debian) and axe-core (npm) for the browser tests, if missing
	@scripts/browser-deps.sh

test-deps: ## Install pgbouncer (Debian) for the connection-pooler test, if missing
	@scripts/test-deps.sh

test: browser-deps test-deps ## Run every test: unit, store (SQLite + PostgreSQL), HTTP, browser + axe-core
	@scripts/test.sh

e2e: browser-deps build ## Run only the browser tests
	@scripts/test.sh ./e2e/...

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

bench: build ## Benchmarks: throughput, latency and ratios against bare baselines
	@scripts/bench.sh

clean: ## Remove build output and the demo data directory
	rm -rf bin $(DATA)
