# Pressroom. `make run` and `make test` do all the set-up on a machine that has only python3 and make.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
# uv reads the machine's certificate store (this network's HTTPS goes through its own authority)
# and never downloads an interpreter.
export UV_SYSTEM_CERTS := 1
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Compile the dependencies to bytecode at install: where PYTHONDONTWRITEBYTECODE is set (CI, some
# shells), every process would otherwise compile them again at start-up (1.5 s for `pressroom`).
export UV_COMPILE_BYTECODE := 1

.PHONY: help install run test lint typecheck pytest browser bench format clean

help:
	@echo "make install   create $(VENV)/ from uv.lock"
	@echo "make run       install, migrate, ingest seeds/, serve on HOST:PORT (default 127.0.0.1:8000)"
	@echo "make test      install, then ruff, mypy and pytest"
	@echo "make bench     the throughput harness against a bare FastAPI app (bench/RESULTS.md)"
	@echo "make format    apply ruff's fixes and formatting"

# uv itself is bootstrapped with pip into the project's venv, pinned; `uv sync` then installs exactly
# the locked set (uv is in the lock's dev group, so the sync keeps it).
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --python $(VENV)/bin/python
	@touch $@

install: $(VENV)/.synced

run: install
	$(VENV)/bin/pressroom serve --migrate --ingest seeds

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# The /docs test renders the page in headless Chromium: Debian's package, installed here when it is
# missing and we may (as root, as in CI); a browser is never downloaded by a test tool.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	     --no-install-recommends chromium >/dev/null; } \
	  || { echo "make test needs Chromium for the /docs test: apt-get install chromium"; exit 1; }

pytest: install browser
	$(VENV)/bin/pytest

test: lint typecheck pytest

# The throughput harness (issue 7): the synthetic archives, generated and ingested once and reused,
# then Pressroom against a bare FastAPI app with wrk, written into bench/RESULTS.md.
BENCH_SIZES ?= 10000 100000
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	@for n in $(BENCH_SIZES); do \
	  [ -f bench/out/archive-$$n.jsonl ] || $(VENV)/bin/python -m bench.generate --count $$n; \
	  [ -f bench/out/bench-$$n.db ] || { \
	    DATABASE_URL=sqlite:///bench/out/bench-$$n.db $(VENV)/bin/pressroom migrate \
	    && DATABASE_URL=sqlite:///bench/out/bench-$$n.db $(VENV)/bin/pressroom ingest \
	       bench/out/archive-$$n.jsonl; }; \
	done
	$(VENV)/bin/python -m bench.ratios --sizes $(BENCH_SIZES)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
