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

.PHONY: help install run demo test lint typecheck pytest browser bench format clean

help:
	@echo "make install   create $(VENV)/ from uv.lock, development tools included"
	@echo "make run       install what serving needs, migrate, ingest seeds/, serve on HOST:PORT"
	@echo "make demo      the same on a demo archive of 301 releases in three languages"
	@echo "make test      install, then ruff, mypy and pytest"
	@echo "make bench     every benchmark in bench/, written into bench/RESULTS.md (about 40 min)"
	@echo "make format    apply ruff's fixes and formatting"

# uv itself is bootstrapped with pip into the project's venv, pinned; `uv sync` then installs exactly
# the locked set (uv is in the lock's dev group, so the sync keeps it).
$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --python $(VENV)/bin/python
	@touch $@ $(VENV)/.synced-serve

# What serving needs, and nothing of the development tools: `--inexact` leaves whatever else is
# there (uv itself, or the tools of an earlier `make test`).
$(VENV)/.synced-serve: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --no-dev --inexact --python $(VENV)/bin/python
	@touch $@

install: $(VENV)/.synced

run: $(VENV)/.synced-serve
	$(VENV)/bin/pressroom serve --migrate --ingest seeds

# The seed and 300 generated releases in English, Russian and Kazakh (demo/generate.py), in a
# database of their own: every README example shows on it what it promises (tests/test_readme_examples.py).
DEMO_DATABASE_URL ?= sqlite:///./data/demo.db
demo: $(VENV)/.synced-serve
	$(VENV)/bin/python -m demo.generate --out demo/out/demo.jsonl
	mkdir -p data
	DATABASE_URL=$(DEMO_DATABASE_URL) $(VENV)/bin/pressroom serve --migrate --ingest seeds \
	  --ingest demo/out/demo.jsonl

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

# Every benchmark in bench/, each writing its figures into bench/RESULTS.md: the synthetic archives
# (generated and ingested once, then reused from bench/out/), Pressroom against a bare FastAPI app
# with wrk at each size, search latency, ingestion speed, a 64-client load, long releases, broad
# queries, a storm of heavy searches and, when a PostgreSQL server answers at BENCH_POSTGRES, those
# last three on it too, the two engines side by side and PostgreSQL's ingest beside a plain bulk
# load into the same server; then issue 17's requests on both engines
# at 1,000,000 (bench.million: PostgreSQL loads that archive once), and there cheap requests beside
# broad searches on the embedded default (bench.broad_beside_cheap). About an hour with 1,000,000.
BENCH_SIZES ?= 10000 100000 1000000
BENCH_POSTGRES ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	@for n in $(BENCH_SIZES); do \
	  [ -f bench/out/archive-$$n.jsonl ] || $(VENV)/bin/python -m bench.generate --count $$n || exit 1; \
	  [ -f bench/out/bench-$$n.db ] || { rm -rf bench/out/loading.db*; \
	    DATABASE_URL=sqlite:///bench/out/loading.db $(VENV)/bin/pressroom migrate \
	    && DATABASE_URL=sqlite:///bench/out/loading.db $(VENV)/bin/pressroom ingest \
	       bench/out/archive-$$n.jsonl \
	    && rm -rf bench/out/bench-$$n.db-index \
	    && mv bench/out/loading.db-index bench/out/bench-$$n.db-index \
	    && mv bench/out/loading.db bench/out/bench-$$n.db; } || exit 1; \
	  DATABASE_URL=sqlite:///bench/out/bench-$$n.db $(VENV)/bin/pressroom migrate || exit 1; \
	done
	$(VENV)/bin/python -m bench.ratios --sizes $(BENCH_SIZES)
	$(VENV)/bin/python -m bench.search_latency --db bench/out/bench-100000.db
	$(VENV)/bin/python -m bench.index_engines --db bench/out/bench-100000.db
	$(VENV)/bin/python -m bench.ingest_speed --archive bench/out/archive-100000.jsonl
	$(VENV)/bin/python -m bench.load --db bench/out/bench-100000.db
	$(VENV)/bin/python -m bench.change_feed --db bench/out/bench-100000.db
	@if $(VENV)/bin/python -c "import sys, psycopg; psycopg.connect(sys.argv[1]).close()" \
	    "$$(echo '$(BENCH_POSTGRES)' | sed 's/+psycopg//')" 2>/dev/null; then \
	  postgres="--postgres $(BENCH_POSTGRES)"; \
	else echo "PostgreSQL skipped: no server answers at $(BENCH_POSTGRES)"; postgres=; fi; \
	$(VENV)/bin/python -m bench.long_releases $$postgres \
	&& $(VENV)/bin/python -m bench.broad_queries $$postgres \
	&& $(VENV)/bin/python -m bench.storm $$postgres \
	&& $(VENV)/bin/python -m bench.links $$postgres \
	&& { [ -z "$$postgres" ] || $(VENV)/bin/python -m bench.engines $$postgres; } \
	&& { [ -z "$$postgres" ] || $(VENV)/bin/python -m bench.postgres_ingest $$postgres; } \
	&& case " $(BENCH_SIZES) " in *" 1000000 "*) \
	  $(VENV)/bin/python -m bench.million $$postgres \
	  && $(VENV)/bin/python -m bench.broad_beside_cheap;; esac

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
