# Set-up and the two main jobs. From a clean clone with only Python 3.11+:
#   make reports   create .venv, install (runtime only), build data/processed, render the reports
#   make test      install the development extras too, lint, format check, the test suite
#   make lock      regenerate the lock files after a change of dependencies in pyproject.toml
#
# Installs the exact versions the reports were tested with: requirements.lock (runtime) and
# requirements-dev.lock (runtime and the development extras), both plain pip requirement
# files. With uv (on the PATH, or installed into .venv from the package index) installing
# takes seconds; without it pip installs the same files.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
STAMP    := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
UV_PIN   := uv==0.13.9
# uv from the PATH, else from .venv (installed there by `uv_or_pip` below)
UV       = $(shell command -v uv 2>/dev/null || echo $(BIN)/uv)

.PHONY: install install-dev data reports test lint format bench clean pdf-deps lock

# $(call uv_or_pip,LOCKFILE,TARGET): install LOCKFILE and TARGET into .venv, with uv when it
# can be had, with pip otherwise.
define uv_or_pip
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if command -v uv >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet \
	      --disable-pip-version-check $(UV_PIN) >/dev/null 2>&1; then \
	    $(UV) pip install --quiet --python $(BIN)/python -r $(1) -e "$(2)"; \
	else \
	    echo "uv not available: installing with pip"; \
	    $(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(1) -e "$(2)"; \
	fi
endef

$(STAMP): pyproject.toml $(LOCK)
	$(call uv_or_pip,$(LOCK),.)
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml $(DEV_LOCK) $(STAMP)
	$(call uv_or_pip,$(DEV_LOCK),.[dev])
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

data: install
	$(BIN)/vpanalysis data build

reports: data
	$(BIN)/vpanalysis reports --municipalities 2161,2183,2181

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

bench: install-dev data
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_reports.py

# The lock files from pyproject.toml; versions already pinned stay unless they no longer fit,
# new packages get the newest fitting version. Needs uv (make install provides it).
lock: install
	$(UV) pip compile --quiet --python $(BIN)/python pyproject.toml -o $(LOCK)
	$(UV) pip compile --quiet --python $(BIN)/python pyproject.toml --extra dev -c $(LOCK) \
	    -o $(DEV_LOCK)

# Headless Chromium for `vpanalysis reports --pdf` and the browser tests (Debian, as root).
pdf-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

clean:
	rm -rf data/processed/*.parquet data/processed/*.json reports/*
