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

# Both test targets spread the tests over every core (pytest-xdist; TEST_WORKERS=0 runs them
# in one process). Work stealing: an idle worker takes tests queued on a busy one, so one slow
# module does not hold up the end. Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set:
# each worker imports ~500 modules and pytest rewrites their asserts, which otherwise doubles
# its start-up.
TEST_WORKERS ?= auto
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# Everything: lint, unit, API (real pictures where a test checks them), and the system tests
# (subprocess servers, kill -9, PostgreSQL, MCP, CLI, tiny diffusers models).
test: $(TEST_STAMP) lint
	$(PYTEST)

# The inner loop: unit and API tests in-process (draft pictures rendered inline); no lint, no
# subprocess servers, no real renders.
test-fast: $(STAMP)
	$(PYTEST) -q -m "not system and not render"

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/preview.py
	$(BIN)/python bench/features.py
	$(BIN)/python bench/diffusers_engine.py
	$(BIN)/python bench/scaleout.py
	$(BIN)/python bench/polls.py

gallery: $(STAMP)
	$(BIN)/python scripts/gallery.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
