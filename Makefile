# make        set up .venv and build the report (build/<slug>.pdf)
# make test   set up .venv with the test extras and run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: all build test check lint clean

all: build

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	@scripts/system-deps.sh
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

build: $(VENV)/.installed
	$(PY) build.py

check: $(VENV)/.installed
	$(PY) build.py --check

test: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m pytest

clean:
	rm -rf build $(VENV)
