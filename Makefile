# symopt: make run | make test | make lint | make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/boden.yaml

.PHONY: run test lint bench install dev clean schema

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
	$(BIN)/symopt solve $(SCENARIO)

test: dev
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check symopt tests benchmarks
	$(BIN)/ruff format --check symopt tests benchmarks
	$(BIN)/mypy

bench: dev
	$(BIN)/python -m benchmarks.run
	# OR-Library check (published optima, solve times); exit 2 = instances not beside the repo
	$(BIN)/python -m benchmarks.orlib || test $$? -eq 2
	# Hard instances under a time budget, primal start, sweep warm starts (about 15 min)
	$(BIN)/python -m benchmarks.hard

# The published JSON Schemas (docs/schema.md); a test checks they are current.
schema: install
	$(BIN)/symopt schema -o docs/schema/scenario-v1.schema.json
	$(BIN)/symopt schema --sweep -o docs/schema/sweep-v1.schema.json

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache
