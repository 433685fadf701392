# Two commands on a fresh machine: `make run` and `make test`.
# The virtual environment is built from Python 3.12 (selected by .python-version through pyenv).
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# every package's exact version (same seed, same bytes holds only for pinned versions: NumPy does
# not promise the same random streams across releases); `make lock` regenerates it
LOCK  := requirements.lock
EXTRAS ?= dev,analysis,dask,dashboard,export

.PHONY: run test bench lint format clean lock

$(BIN)/python:
	@py=$$(command -v python3.12 || pyenv which python 2>/dev/null || command -v python3); \
	if ! $$py -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "error: Python >= 3.12 is needed (found $$($$py --version 2>&1)); 'pyenv install 3.12' and keep .python-version"; exit 1; \
	fi; \
	echo "creating $(VENV) with $$($$py --version)"; \
	$$py -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml $(wildcard $(LOCK))
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -m pip install --quiet $(if $(wildcard $(LOCK)),-c $(LOCK)) -e '.[$(EXTRAS)]' 2>&1 | grep -v '^WARNING: Location' ; test $${PIPESTATUS[0]} -eq 0
	@touch $@

# after adding a dependency to pyproject.toml: install it (the lock constrains only the packages
# it lists), then write every installed version to the lock
lock: $(STAMP)
	@{ echo "# Exact versions that 'make' installs (pip constraints). Regenerate: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable 2>/dev/null | grep -v -i '^sosim[= ]'; } > $(LOCK).tmp
	@mv $(LOCK).tmp $(LOCK)
	@echo "$(LOCK): $$(grep -c '==' $(LOCK)) packages pinned"

run: $(STAMP)  ## run the Kerala baseline and print its summary
	$(BIN)/sosim run scenarios/kerala_baseline.yaml

test: $(STAMP)  ## the whole test suite
	@test -x /usr/bin/chromium || echo "note: Debian's chromium is not installed, so the browser tests (tests/test_*_browser.py) and the PNG/SVG export test will be SKIPPED; to run them: apt-get install -y chromium"
	$(BIN)/python -m pytest

bench: $(STAMP)  ## speed and scale against Mesa's reference models (prints, writes out/bench.json)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check sim analysis sosim tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format sim analysis sosim tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache out
