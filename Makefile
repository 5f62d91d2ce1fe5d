# Set-up and the two main jobs. From a clean clone with only Python 3.11+:
#   make reports   create .venv, install, build data/processed, render the reports
#   make test      lint, format check, the documentation build and the test suite
#   make docs      the documentation site (docs/_build/html), warnings as errors
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install data reports test lint format docs bench clean pdf-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

data: install
	$(BIN)/vpanalysis data build

reports: data
	$(BIN)/vpanalysis reports --municipalities 2161,2183,2181

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Sphinx + MyST, offline; every warning is an error.
docs: install
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

test: lint docs
	$(BIN)/python -m pytest

bench: data
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_reports.py

# Headless Chromium for `vpanalysis reports --pdf` and the browser tests (Debian, as root).
pdf-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# data/baseline (the frozen baselines) is user state and stays; so does a baseline of an
# earlier version (data/processed/baseline_*.parquet) until a run moves it there.
clean:
	find data/processed -maxdepth 1 -type f \( -name '*.parquet' -o -name '*.json' \) \
		! -name 'baseline_*' -delete
	rm -rf reports/* docs/_build
