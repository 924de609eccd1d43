# bizenv: the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/bizenv
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.revision=$(REVISION)
DEMO := deploy/demo/seed-report.csv deploy/demo/synthetic.csv deploy/demo/units.csv deploy/demo/items.csv
# A count, not a duration: a duration's deadline can end a slow input
# mid-run, which go test then reports as a failure.
FUZZTIME ?= 10000x

.PHONY: build run run-hint test lint unit promtool fuzz bench bench-national soak report-png clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/bizenv

# Runs bizenv on its zero-setup default: a private PostgreSQL under
# ./data/postgres, the demo data, the default catalog, on :9817.
# As root, the private PostgreSQL runs as the postgres user, which must be
# able to reach ./data; a checkout under a private home (/root) is not, so
# the cluster then lives under /var/tmp instead.
DATA_DIR ?= $(shell if [ "$$(id -u)" = 0 ] && ! su postgres -s /bin/sh -c 'test -x "$(CURDIR)"' 2>/dev/null; \
	then echo /var/tmp/bizenv-$$(echo "$(CURDIR)" | md5sum | cut -c1-8)/postgres; else echo ./data/postgres; fi)

# ADDR is where serve listens; the hint's URLs follow it.
ADDR ?= :9817
URL = http://$(if $(filter :%,$(ADDR)),localhost$(ADDR),$(ADDR))

run: build
	@echo "bizenv: private PostgreSQL in $(DATA_DIR)"
	$(BIN) migrate --database.dir $(DATA_DIR) --catalog.file deploy/demo/units.yaml
	$(BIN) catalog apply --database.dir $(DATA_DIR) deploy/demo/catalog.yaml
	$(BIN) import --database.dir $(DATA_DIR) $(DEMO)
	$(BIN) actions import --database.dir $(DATA_DIR) deploy/demo/actions.csv
	@$(MAKE) -s run-hint
	$(BIN) serve --database.dir $(DATA_DIR) --config.file deploy/demo/bizenv.yml --web.listen-address $(ADDR) $(RUN_FLAGS)

# Where to look once serve is up; the report is the demo's story (the rank
# falling to 15th in 2020-11). TestMakeRunHint runs the printed command.
run-hint:
	@echo
	@echo "bizenv serves on $(URL)/ (Ctrl-C stops it):"
	@echo "  metrics  $(URL)/metrics"
	@echo "  API      $(URL)/api/v1/indicators  (described at $(URL)/api/v1/openapi.json)"
	@echo "  report   $(URL)/api/v1/reports/monthly?period=2020-11&format=html"
	@echo "  or, from another terminal:"
	@echo "    $(BIN) report --database.dir $(DATA_DIR) --period 2020-11 --entity wuhan-edz --format html -o report-2020-11.html"
	@echo

test: lint unit promtool fuzz

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) run ./cmd/bizenv serve --config.check --config.file deploy/demo/bizenv.yml

unit:
	$(GO) test -count=1 ./...

# Debian's amtool (0.25) predates wechat_configs.api_secret_file; the
# config is checked with the Alertmanager release the stack deploys.
AMTOOL ?= $(GO) run github.com/prometheus/alertmanager/cmd/amtool@v0.31.1

promtool:
	promtool check rules deploy/prometheus/rules/*.rules.yml
	promtool test rules deploy/prometheus/rules/*.test.yml
	promtool check config deploy/prometheus/prometheus.yml
	promtool check config deploy/prometheus/prometheus-sharded.yml
	$(AMTOOL) check-config deploy/alertmanager/alertmanager.yml
	$(AMTOOL) config routes test --config.file deploy/alertmanager/alertmanager.yml --verify.receivers=unit-edz-admin-approval,units alertname=BizEnvActionOverdue owner=edz-admin-approval severity=warning
	$(AMTOOL) config routes test --config.file deploy/alertmanager/alertmanager.yml --verify.receivers=units alertname=BizEnvLastAmongPeers owner=demo-dept-18 entity=demo-dept-18 severity=warning
	$(AMTOOL) config routes test --config.file deploy/alertmanager/alertmanager.yml --verify.receivers=wecom alertname=BizEnvLastAmongPeers entity=wuhan-edz indicator=city_assessment_rank severity=warning
	$(AMTOOL) config routes test --config.file deploy/alertmanager/alertmanager.yml --verify.receivers=blackhole alertname=BizEnvLastAmongPeers entity=wuhan-xinzhou indicator=city_assessment_rank severity=warning

# Each fuzz target runs briefly on top of its committed corpus.
fuzz:
	@for target in $$(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | sed 's/func //'); do \
	  pkg=$$(dirname $$(grep -rlE "^func $$target\(" --include='*_test.go' . | head -1)); \
	  echo "fuzz $$pkg $$target"; \
	  $(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	done

# Side by side in one run: bizenv import against psql \copy (plain and
# keyed), and a /metrics scrape and resident memory against Debian's
# prometheus-sql-exporter; then the Go benchmarks.
bench: build
	$(GO) run ./internal/benchcmp -bizenv $(BIN)
	$(GO) test -run='^$$' -bench=. -benchmem -count=3 ./...

# The national evaluation's size: 2,800 units x 90 indicators x 24 months
# generated, imported month by month, served; the Grafana SQL panels' p95.
# Takes minutes.
bench-national: build
	$(GO) run ./internal/benchcmp -bizenv $(BIN) -national

# Renders the demo's 2020-11 report as a PNG with headless Chromium, to
# look at it as a manager would (needs Debian's chromium and fonts-noto-cjk;
# without a CJK font every Chinese character is a box).
report-png: build
	report/render-png.sh $(BIN) report-2020-11.png

# A few minutes of scrapers, API readers and an importer against serve.
SOAK_DURATION ?= 2m
soak:
	BIZENV_SOAK_DURATION=$(SOAK_DURATION) $(GO) test -tags soak -count=1 -run '^TestSoak$$' -v -timeout 30m ./cmd/bizenv/

clean:
	rm -rf bin data
