"""Answer cache benchmark: `assistant eval` on the fixed set (eval_questions/reports.yaml, 63
questions, extractive mode) run twice with the same configuration and index; the second run is
served from the answer cache. Measured two ways, each repeated with a fresh cache:
- the whole command in a subprocess (start-up, model load, index, answers, reports), as a CI
  job runs it;
- ``run_set`` in this process with the model loaded (the answering and scoring alone).

Writes a Markdown section to stdout (and to docs/benchmarks.md with --write).

    python -m bench.eval_cache [--write] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant import Settings, build_assistant
from assistant.evaluation.runs import load_question_set, run_set
from bench.foundation import publish

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "eval_questions" / "reports.yaml"
MARK = "<!-- eval-cache -->"


def lscpu_model() -> str:
    """The CPU's model name as `lscpu` reports it."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (lscpu not available)"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return " ".join(line.split(":", 1)[1].split())
    return "unknown"


def command_run(index: Path, cache: Path, out: Path) -> tuple[float, dict]:
    """Seconds of one `assistant eval` subprocess, and its answer cache counters."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "eval", str(SET),
         "--out", str(out), "--cache-dir", str(cache), "--no-history", "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"assistant eval failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    cache_counters = json.loads((out / "results.json").read_text())["meta"]["cache"]
    return seconds, cache_counters


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    qset = load_question_set(SET)
    n = len(qset.questions)
    load_before = os.getloadavg()[0]
    command: dict[str, list[float]] = {"first": [], "second": []}
    inproc: dict[str, list[float]] = {"first": [], "second": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings = Settings.load(index_dir=tmp_path / "index", env={})
        with build_assistant(settings) as assistant:
            assistant.ingest([ROOT / "data" / "reports"])
            run_set(assistant, qset)  # warm the model and the sentence vectors once
            for r in range(args.rounds):
                cache = tmp_path / f"inproc-{r}"
                for label in ("first", "second"):
                    started = time.perf_counter()
                    run = run_set(assistant, qset, cache_dir=cache)
                    inproc[label].append(time.perf_counter() - started)
                    expected = (0, n) if label == "first" else (n, 0)
                    counters = run.meta["cache"]
                    assert (counters["hits"], counters["misses"]) == expected, counters
        for r in range(args.rounds):
            cache = tmp_path / f"command-{r}"
            for label in ("first", "second"):
                seconds, counters = command_run(settings.index_dir, cache, tmp_path / "out")
                command[label].append(seconds)
                expected = (0, n) if label == "first" else (n, 0)
                assert (counters["hits"], counters["misses"]) == expected, counters

    load_after = os.getloadavg()[0]

    def row(name: str, timings: dict[str, list[float]]) -> str:
        first, second = (statistics.median(timings[k]) for k in ("first", "second"))
        return (f"| {name} | {first:.2f} | {second:.2f} | {first / second:.1f}x | "
                f"{', '.join(f'{v:.2f}' for v in timings['first'])} / "
                f"{', '.join(f'{v:.2f}' for v in timings['second'])} |")

    lines = [
        MARK,
        "## Eval answer cache: a second identical run",
        "",
        f"`assistant eval eval_questions/reports.yaml` ({n} questions, extractive mode, k 8) on "
        "the default corpus, run twice with the same settings, index and code: the first run "
        "answers every question and stores the answers, the second finds all "
        f"{n} in the cache (checked by the run's own counters: hits {n}, misses 0) and only "
        f"scores them. Medians of {args.rounds} rounds, each with an empty cache. CPU (`lscpu`): "
        f"{lscpu_model()}.",
        "",
        "| what is timed | first run (s) | second run, cached (s) | speed-up | every round, "
        "first / second (s) |",
        "|---|---|---|---|---|",
        row("the whole command (subprocess: start-up, model, index, reports)", command),
        row("`run_set` in process, model loaded, sentence vectors already computed", inproc),
        "",
        "The whole command's first run loads the model and embeds the passages' sentences from "
        "cold; the in-process first run reuses a process that has answered the set once (model "
        "and sentence vectors in memory), so it times the answering alone. A cached run keeps "
        "the command's fixed costs: Python start-up, imports, opening the index, the index "
        "fingerprint (every chunk id), writing the reports; it does not load the embedding "
        f"model at all. The machine is shared: load average {load_before:.1f} at the start and "
        f"{load_after:.1f} at the end (2 CPUs), so the absolute seconds vary; the cached runs "
        "hardly do.",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
