# pixforge developer entry points: each target creates .venv and installs on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The test suite also runs the diffusers engine on tiny models: it needs the [diffusers] extra.
TEST_STAMP := $(VENV)/.installed-diffusers
# `make serve` installs only what serving needs: no test, lint or PostgreSQL packages.
SERVE_STAMP := $(VENV)/.installed-serve

.PHONY: serve test test-fast check lint bench gallery clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3.x (>=3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,diffusers]"
	touch $(TEST_STAMP)

$(SERVE_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3.x (>=3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

serve: $(SERVE_STAMP)
	$(BIN)/pixforge serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

check: lint

# Everything: lint, unit, API (real pictures where a test checks them), and the system tests
# (subprocess servers, kill -9, PostgreSQL, MCP, CLI, tiny diffusers models).
test: $(TEST_STAMP) lint
	$(BIN)/python -m pytest

# The inner loop: unit and API tests in-process (draft pictures rendered inline); no lint, no
# subprocess servers, no real renders.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not system and not render"

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/preview.py
	$(BIN)/python bench/features.py
	$(BIN)/python bench/diffusers_engine.py
	$(BIN)/python bench/scaleout.py

gallery: $(STAMP)
	$(BIN)/python scripts/gallery.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
