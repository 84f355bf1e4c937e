# The two README commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint ingest clean bench

run: install
	$(VENV)/bin/assistant ingest
	$(PY) app.py

test: install
	$(PY) -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

ingest: install
	$(VENV)/bin/assistant ingest

lint: install
	$(VENV)/bin/ruff check assistant ingest vectorstore tests app.py
	$(VENV)/bin/mypy

clean:
	rm -rf data/index .pytest_cache

bench: install
	$(PY) bench/foundation.py --write
	$(PY) bench/answers.py --write
