# Two entry points, both working on a fresh clone:
#   make demo   create .venv, install seedlock with torch, prove the bundled example is reproducible
#   make test   create .venv, install the test extras, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.demo-installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[torch]' scikit-learn
	$(BIN)/python -m compileall -q src
	touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev]'
	$(BIN)/python -m compileall -q src
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/seedlock verify -- $(BIN)/python examples/digits.py
	$(BIN)/seedlock runs

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n 2 -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .seedlock build src/*.egg-info
