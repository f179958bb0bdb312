# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO_SCALE ?= 0.01
DEMO_DAYS  ?= 14
export SIGAP_DATABASE_URL ?= sqlite:///var/sigap.db
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: install run test lint typecheck browser mailserver alertmanager clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(STAMP)

run: install
	$(BIN)/sigap db upgrade
	$(BIN)/sigap demo --if-empty --scale $(DEMO_SCALE) --days $(DEMO_DAYS)
	$(BIN)/sigap serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "could not install chromium (the browser tests will say so)"; }

# Debian's Dovecot for the IMAP tests (each test run starts its own on a loopback port).
mailserver:
	@test -x /usr/sbin/dovecot || { \
	  echo "installing Debian dovecot-imapd for the IMAP tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd) \
	  || echo "could not install dovecot-imapd (the IMAP tests will say so)"; }

# Debian's Alertmanager for the alarm webhook test (the test starts its own on loopback).
alertmanager:
	@test -x /usr/bin/prometheus-alertmanager || { \
	  echo "installing Debian prometheus-alertmanager for the alarm tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	   prometheus-alertmanager) \
	  || echo "could not install prometheus-alertmanager (the alarm test will say so)"; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: install browser mailserver alertmanager lint typecheck
	@if [ -z "$$SIGAP_TEST_POSTGRES_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  export SIGAP_TEST_POSTGRES_URL=$(PG_ADMIN_URL); fi; \
	if [ "$$CI" = "true" ] && [ -z "$$SIGAP_TEST_POSTGRES_URL" ]; then \
	  export SIGAP_TEST_POSTGRES_URL=$(PG_ADMIN_URL); fi; \
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python bench/api_tickets.py

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
