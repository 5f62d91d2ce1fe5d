# Set-up and the two main jobs. From a clean clone with only Python 3.11+:
#   make reports   create .venv, install (runtime only), build data/processed, render the reports
#   make test      install the development extras too, lint, format check, the docs build
#                  (warnings as errors) and the test suite
#   make docs      the documentation site (docs/_build/html)
#   make lock      regenerate the lock files after a change of dependencies in pyproject.toml
#
# Installs the exact versions the reports were tested with: requirements.lock (runtime) and
# requirements-dev.lock (runtime and the development extras), both plain pip requirement
# files. With uv (from the PATH, or fetched from the package index into .venv/.uv) the
# install takes seconds; without it pip installs the same files. Then the bytecode of what
# the reports import is written once (python -m vpanalysis.zygote --compile), since
# PYTHONDONTWRITEBYTECODE would otherwise make every process compile it again.
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
STAMP    := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
UV_PIN   := uv==0.13.9
# never let uv download a Python of its own: the venv uses $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install install-dev data reports test lint format docs bench clean pdf-deps lock

# $(call uv_or_pip,LOCKFILE,TARGET): install LOCKFILE and TARGET into .venv, with uv when it
# can be had (on the PATH, or installed by pip into .venv/.uv), with pip otherwise.
define uv_or_pip
	@uv=$$(command -v uv || true); \
	if [ -z "$$uv" ] && { [ -x $(VENV)/.uv/bin/uv ] || $(PYTHON) -m pip install --quiet \
	      --disable-pip-version-check --target $(VENV)/.uv $(UV_PIN) >/dev/null 2>&1; }; then \
	    uv=$(VENV)/.uv/bin/uv; \
	fi; \
	if [ -n "$$uv" ]; then \
	    test -x $(BIN)/python || $$uv venv --quiet --allow-existing --python $(PYTHON) $(VENV); \
	    $$uv pip install --quiet --python $(BIN)/python -r $(1) -e "$(2)"; \
	else \
	    echo "uv not available: installing with pip"; \
	    test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	    $(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(1) -e "$(2)"; \
	fi
endef

$(STAMP): pyproject.toml $(LOCK)
	$(call uv_or_pip,$(LOCK),.)
	$(BIN)/python -X frozen_modules=off -m vpanalysis.zygote --compile
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

# Sphinx + MyST, offline; every warning is an error.
docs: install-dev
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

test: lint docs
	$(BIN)/python -m pytest

bench: install-dev data
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_reports.py

# The lock files from pyproject.toml; versions already pinned stay unless they no longer fit,
# new packages get the newest fitting version. Needs uv (make install provides it).
lock: install
	uv=$$(command -v uv || echo $(VENV)/.uv/bin/uv); \
	$$uv pip compile --quiet --python $(BIN)/python pyproject.toml -o $(LOCK) && \
	$$uv pip compile --quiet --python $(BIN)/python pyproject.toml --extra dev -c $(LOCK) \
	    -o $(DEV_LOCK)

# Headless Chromium for `vpanalysis reports --pdf` and the browser tests (Debian, as root).
pdf-deps:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# data/baseline (the frozen baselines) is user state and stays; so does a baseline of an
# earlier version (data/processed/baseline_*.parquet) until a run moves it there.
clean:
	find data/processed -maxdepth 1 -type f \( -name '*.parquet' -o -name '*.json' \) \
		! -name 'baseline_*' -delete
	rm -rf reports/* docs/_build
