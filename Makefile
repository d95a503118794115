# symopt: make run | make test | make lint | make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/boden.yaml

.PHONY: run test lint bench install dev clean schema browser screenshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

run: install
	$(BIN)/symopt solve $(SCENARIO) --out results/$(basename $(notdir $(SCENARIO))) --report

# Debian's Chromium for the report's browser tests (playwright's own download needs the
# internet outside the package registries); skipped when it is already there.
browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

# The README's picture of the report (docs/report-boden.png), taken in headless Chromium.
screenshot: dev browser run
	$(BIN)/python docs/screenshot.py

test: dev browser
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check symopt tests benchmarks
	$(BIN)/ruff format --check symopt tests benchmarks
	$(BIN)/mypy

bench: dev
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.share
	# start-up of the command line: symopt validate on a small file (target < 0.5 s)
	$(BIN)/python -m benchmarks.startup
	# OR-Library check (published optima, solve times); exit 2 = instances not beside the repo
	$(BIN)/python -m benchmarks.orlib || test $$? -eq 2
	# input limits: time and peak memory of the largest files allowed (docs/limits-and-guarantees.md)
	$(BIN)/python -m benchmarks.limits
	# Hard instances (OR-Library capa/capb/capc, huge park) under a 120 s budget, primal start, sweep warm starts (about 30 min)
	$(BIN)/python -m benchmarks.hard

# The published JSON Schemas (docs/schema.md); a test checks they are current.
schema: install
	$(BIN)/symopt schema -o docs/schema/scenario-v1.schema.json
	$(BIN)/symopt schema --sweep -o docs/schema/sweep-v1.schema.json

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache
