# VoxLink Analytics — the two commands: `make demo` runs the product, `make test` passes the tests.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt --quiet
export VOXLINK_HOME ?= $(CURDIR)/.voxlink

.PHONY: demo test heavy-tests install system-deps manifest lint dagster app bench clean

demo: install ## install, start Postgres, simulate 30 days for two accounts, refresh, serve the app
	$(BIN)/voxlink demo

test: install system-deps ## install everything, lint, and run the whole test suite
	$(UV) sync --frozen --group spark  # + dbt-spark/PySpark for the Spark build test; pyspark is an sdist only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy voxlink operational pipelines exports app data_tests cli
	$(BIN)/python -m pytest

heavy-tests: install ## the property and fault suites at full size (`make test` runs them sized to fit CI): ~25 min
	VOXLINK_FUZZ_CASES=1000 VOXLINK_REPLAY_CALLBACKS=10000 $(BIN)/python -m pytest \
		tests/operational/api/test_api_fuzz.py tests/operational/api/test_api_webhooks.py
	$(BIN)/python bench/faults.py

install: $(VENV)/.installed manifest ## Python dependencies from uv.lock (wheels only) + dbt manifest

$(VENV)/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen --no-build
	@touch $@

manifest: ## parse the dbt project once so Dagster never parses it at import time
	cd transforms && ../$(DBT) parse --profiles-dir .

system-deps: ## Debian packages the tests use: chromium (browser tests), poppler (PDF → PNG), DejaVu fonts, Java 17 (Spark)
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils fonts-dejavu-core >/dev/null; \
	fi
	@if ! command -v java >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy voxlink operational pipelines exports app data_tests cli

dagster: install ## the Dagster UI over the same instance `voxlink refresh` uses
	$(BIN)/python -c "from pipelines.refresh import prepare_dagster_home; prepare_dagster_home()"
	DAGSTER_HOME=$(VOXLINK_HOME)/dagster $(BIN)/dagster dev -m cli.dagster_definitions -h 127.0.0.1 -p 3000

app: install ## serve the app over the current warehouse
	$(BIN)/voxlink app

bench: install ## benchmarks that print figures
	$(BIN)/python bench/ingest_bench.py

clean: ## remove local data (Postgres, warehouse, Dagster) after stopping the server
	-$(BIN)/voxlink db down
	rm -rf $(VOXLINK_HOME)
