# The two README commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint ingest clean bench eval

run: install
	$(VENV)/bin/assistant ingest
	$(PY) app.py

# The pytest run includes the question-set gate (tests/assistant/test_eval_gate.py).
test: install
	$(PY) -m pytest

# The fixed question set on data/index against the committed baseline (report in build/eval/).
eval: install
	$(VENV)/bin/assistant ingest --quiet
	$(VENV)/bin/assistant eval eval_questions/reports.yaml --baseline eval_questions/baseline.json

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
	rm -rf data/index build .pytest_cache

bench: install
	$(PY) bench/foundation.py --write
	$(PY) bench/answers.py --write
