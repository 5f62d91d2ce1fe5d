# Set-up and the two main jobs. From a clean clone with only Python 3.11+:
#   make reports   create .venv, install (runtime only), build data/processed, render the reports
#   make test      install the development extras too, lint, format check, the docs build
#                  (warnings as errors) and the test suite
#   make docs      the documentation site (docs/_build/html)
#   make lock      regenerate the lock files after a change of dependencies in pyproject.toml
#
# Installs the exact versions the reports were tested with: requirements.lock (runtime) and
# requirements-dev.lock (runtime and the development extras), both plain pip requirement
# files. With uv the install takes seconds; without it pip installs the same files. uv is
# taken from the PATH, else from a per-user cache ($(UV_DIR), shared by every clone, like
# the package cache), else installed there by pip from the package index once.
#
# Bytecode: where the environment sets PYTHONDONTWRITEBYTECODE, every process would compile
# what it imports again (uv installs none). make's own commands are run with bytecode
# writing on, so the first run writes it once, as it imports: the data build for pandas and
# pyarrow, the zygote for the kernels' modules while the run freezes the baselines.
# `make compile` writes it without running anything (python -m vpanalysis.zygote --compile).
PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
STAMP    := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
UV_VERSION := 0.13.9
UV_DIR   ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vpanalysis/uv-$(UV_VERSION)
# never let uv download a Python of its own: the venv uses $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# write bytecode as the commands import (see above)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install install-dev compile data reports test lint format docs bench bench-national clean pdf-deps lock

# $(call uv_or_pip,LOCKFILE,TARGET): install LOCKFILE and TARGET into .venv, with uv when it
# can be had (on the PATH, in $(UV_DIR), or installed there by pip), with pip otherwise.
# uv goes into a folder of its own first and is moved into place whole (clones in parallel).
define uv_or_pip
	@uv=$$(command -v uv || true); \
	if [ -z "$$uv" ] && [ -x "$(UV_DIR)/bin/uv" ]; then uv="$(UV_DIR)/bin/uv"; fi; \
	if [ -z "$$uv" ] && mkdir -p "$$(dirname "$(UV_DIR)")" 2>/dev/null \
	    && tmp=$$(mktemp -d "$(UV_DIR).tmp-XXXXXX") \
	    && $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps \
	        --target "$$tmp" uv==$(UV_VERSION) >/dev/null 2>&1 \
	    && { [ -e "$(UV_DIR)" ] || mv "$$tmp" "$(UV_DIR)"; } \
	    && [ -x "$(UV_DIR)/bin/uv" ]; then \
	    uv="$(UV_DIR)/bin/uv"; \
	fi; \
	[ -z "$${tmp:-}" ] || rm -rf "$$tmp"; \
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
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml $(DEV_LOCK) $(STAMP)
	$(call uv_or_pip,$(DEV_LOCK),.[dev])
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

compile: install
	$(BIN)/python -X frozen_modules=off -m vpanalysis.zygote --compile

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

# The benchmarks, small: the national sample (--national 5, 30 notebooks on synthetic
# national-size data) takes several minutes more: make bench-national.
bench: install-dev data
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_publication.py
	$(BIN)/python benchmarks/bench_reports.py --municipalities 1 --national 0

bench-national: install-dev data
	$(BIN)/python benchmarks/bench_reports.py --municipalities 2 --national 5

# The lock files from pyproject.toml; versions already pinned stay unless they no longer fit,
# new packages get the newest fitting version. Needs uv (make install provides it).
lock: install
	uv=$$(command -v uv || echo "$(UV_DIR)/bin/uv"); \
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
