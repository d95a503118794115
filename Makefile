# symopt: make run | make test | make lint | make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/boden.yaml

.PHONY: run test lint bench install dev clean

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
	# input limits: time and peak memory of the largest files allowed (docs/limits-and-guarantees.md)
	$(BIN)/python -m benchmarks.limits

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache
