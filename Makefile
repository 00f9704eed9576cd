# Mosaic developer commands. `make run` starts the whole stack on this machine;
# `make test` checks and tests everything. See README.md.

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)
PKGS := ./...

# Lambda binaries: static, arm64, no RPC shim, reproducible (no paths, no symbols,
# no build ids: the same source gives the same bytes).
# LAMBDA_ARCH is the template's (arm64); the Runtime Interface Emulator test builds for the host's.
LAMBDA_ARCH ?= arm64
LAMBDA_ENV := CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_ARCH)
# VERSION is stamped into /health; the same commit gives the same bytes. In a
# checkout it is `git describe`; sam build copies the source without .git, so
# there it is the VERSION file `make sam-build` writes first.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || cat VERSION 2>/dev/null || echo dev)
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -buildvcs=false \
	-ldflags "-s -w -buildid= -X github.com/mosaic-platform/mosaic/internal/platform/health.release=$(VERSION)"

# functions/<dir> of a SAM logical id: HealthFunction -> health, OpenApiFunction -> open-api.
fn_dir = $(shell echo '$(1)' | sed -E 's/Function$$//; s/([a-z0-9])([A-Z])/\1-\2/g' | tr 'A-Z' 'a-z')

.PHONY: eval-classifier eval-search lexicon run invoke stop test test-unit bench bench-seed check fmt-check vet lint cfn-lint sam-build test-lambdas bench-init unit fuzz-smoke build lambdas emulators token-hash tidy clean

## run: the whole stack in one process on 127.0.0.1:$${PORT:-8080}
run:
	$(GO) run ./infra/local serve

## invoke FN=<LogicalId> EVENT=events/<file>.json: one handler on one event, like sam local invoke
## (in a fresh data directory of its own, so it works beside a running make run)
invoke:
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=HealthFunction EVENT=events/health.json" >&2; exit 2; }
	$(GO) run ./infra/local invoke -fn "$(FN)" -event "$(EVENT)"

## stop: stop the make run that holds $${MOSAIC_DATA_DIR:-.mosaic}
stop:
	@$(GO) run ./infra/local stop

## test: formatting, vet, lint, then every test with the race detector
test: fmt-check vet lint emulators unit

## test-unit: the tests that need no Java, Node or Chromium (-short skips the
## emulator-backed, end-to-end and browser tests), without the race detector
test-unit:
	$(GO) test -short -count=1 $(PKGS)

## bench: the headline benchmarks (see docs/benchmarks.md), then seed-data's throughput
## against a stack started for it; BENCH_PORT (8190) is where that stack listens
BENCH_PORT ?= 8190
BENCH := $(GO) test -run '^$$' -benchmem
bench:
	@echo "== $$(uname -m), $$(nproc) cores, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load:$$(cut -d' ' -f1-3 /proc/loadavg)"
	TRANSIT_BENCH_MB=$${TRANSIT_BENCH_MB:-32} $(BENCH) -bench 'ParseVsBaselines' -benchtime 2x ./internal/transit/records/
	$(BENCH) -bench '^BenchmarkParse$$' ./internal/transit/records/
	$(BENCH) -bench 'ColdStart|SearchWarm|SearchLatency' ./internal/stickers/
	$(BENCH) -bench 'SearchRequest|FeedbackRequest' ./internal/stickers/stickersapi/
	$(BENCH) -bench 'Occurrences' ./internal/stickers/
	$(BENCH) -bench 'Lexicon$$|ClassifyHandler' ./internal/classify/
	@$(MAKE) --no-print-directory bench-seed

## bench-seed: make seed-data's 1,000 dialogs into a fresh stack on BENCH_PORT
bench-seed:
	@set -e; dir=$$(mktemp -d); trap 'MOSAIC_DATA_DIR=$$dir/data $$dir/mosaic stop >/dev/null 2>&1 || true; rm -rf $$dir' EXIT; \
	$(GO) build -o $$dir/mosaic ./infra/local; \
	PORT=$(BENCH_PORT) MOSAIC_DATA_DIR=$$dir/data $$dir/mosaic serve >$$dir/log 2>&1 & \
	for i in $$(seq 100); do curl -sf -o /dev/null http://127.0.0.1:$(BENCH_PORT)/health && break; sleep 0.2; done; \
	PORT=$(BENCH_PORT) MOSAIC_URL= $(GO) run ./infra/seeddata -u 100 -d 1000 -c 500 -m 3

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

$(STATICCHECK):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(BIN)/staticcheck $@

lint: $(STATICCHECK) cfn-lint
	$(STATICCHECK) $(PKGS)

## cfn-lint: template.yaml through the SAM transform, informational checks included; any finding fails
# An ignored check needs its reason written beside it (docs/deploy.md).
cfn-lint:
	cfn-lint --include-checks I -t template.yaml

## emulators: the wire-protocol emulator stack for the integration suite (npm packages)
emulators:
	@bash internal/emulators/dynamodblocal/install.sh

# -p 4 on two cores: the end-to-end and emulator-backed test binaries spend most of
# their time waiting on servers, so four at a time keep both cores busy (3 min, not 5).
unit:
	$(GO) test -race -count=1 -timeout 15m -p 4 $(PKGS)

## fuzz-smoke: every fuzz target for a few seconds
fuzz-smoke:
	@for t in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$t/*_test.go | sed -E 's/func (Fuzz[A-Za-z0-9_]*).*/\1/'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s $$t || exit 1; done; done

## lambdas: every function's bootstrap under bin/lambda/<dir>/ (what sam build makes)
lambdas:
	@for d in functions/*/; do n=$$(basename $$d); mkdir -p $(BIN)/lambda/$$n; \
	  $(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(BIN)/lambda/$$n/bootstrap ./functions/$$n || exit 1; done

## sam-build: sam build with the version stamped (sam build copies the source without .git)
sam-build:
	git describe --tags --always --dirty > VERSION
	sam build

## test-lambdas: every function's bootstrap under the Runtime Interface Emulator against moto (make test runs a subset)
test-lambdas:
	MOSAIC_LAMBDA_ALL=1 $(GO) test -count=1 -timeout 30m -run TestFunctionsUnderTheEmulator -v ./infra/lambdatest

## bench-init: each bootstrap's init, exec to its first Runtime API request (AWS_CA_BUNDLE unset, as on Lambda)
bench-init:
	env -u AWS_CA_BUNDLE $(GO) test -run '^$$' -bench Init -benchtime 20x ./infra/lambdatest

# sam build calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile).
build-%:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(call fn_dir,$*)

## eval-classifier: precision/recall per label of the configured classifier on the labelled set
eval-classifier:
	$(GO) run ./infra/classifyeval

## eval-search: sticker search quality (share right, acc@3, hit@10, MRR) of plain BM25, the previous and the current ranking, per judged set and language
eval-search:
	$(GO) run ./infra/stickereval

## lexicon: regenerate internal/classify/data/lexicon.tsv from the pinned npm word lists
lexicon:
	bash infra/lexicon/generate.sh
	$(GO) test ./internal/classify -run TestTriggerTableIsCurrent -update

## seed-data ARGS="-u 100 -d 1000 -c 500 -m 3": load test dialogs through the API (make run, or -url/-token of a stage)
.PHONY: seed-data
seed-data:
	$(GO) run ./infra/seeddata $(ARGS)

## token-hash TOKEN=...: the SHA-256 hex of a token, for the TokenHashes parameter
token-hash:
	@test -n "$(TOKEN)" || { echo "usage: make token-hash TOKEN=<token>" >&2; exit 2; }
	@printf '%s' "$(TOKEN)" | sha256sum | cut -d' ' -f1

clean:
	rm -rf $(BIN) .aws-sam
