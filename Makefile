# Kuai — two commands: `make run` (set up, start the app) and `make test` (set up, run every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test setup browser postgres lint typecheck bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv>=0.9"
	# uv: the same install as pip's, ~25 s against ~3 min. --compile-bytecode, as pip does: without .pyc files (and
	# with PYTHONDONTWRITEBYTECODE set, as on CI) every process compiles pandas and scikit-learn again: 5 s a start.
	$(PY) -m uv pip install --quiet --compile-bytecode --python $(PY) -e ".[dev]"
	$(PY) -m compileall -q kuai  # Kuai's own modules too (an editable install): ~0.3 s off each process's start
	touch $@

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/kuai app --port $(PORT)

# Debian's Chromium for the real-browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL server binaries for the scale-out tests (each test starts its own cluster on loopback).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

test: setup browser postgres
	$(VENV)/bin/ruff check kuai tests
	$(VENV)/bin/mypy kuai
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check kuai tests

typecheck: setup
	$(VENV)/bin/mypy kuai

bench: setup
	$(PY) benchmarks/run_datasets.py --budget 60

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
