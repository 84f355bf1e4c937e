"""Hand-made answers and runs for the tests of `assistant eval` without a model, and the
command itself run as CI runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT, passage

from assistant.evaluation.runs import EvalQuestion, EvalRun, Source, compute_metrics
from assistant.records import Answer, Citation

BUDGET = passage(1, "Budget: US$ 2,580,649. The donor was DFID.")
OTHER = passage(2, "Nineteen offices replied.")


def answer(text: str, answerable: bool = True, passages=(OTHER, BUDGET), cite=BUDGET) -> Answer:
    citations = (
        Citation(1, cite.rank, cite.chunk_id, cite.source, cite.title, cite.year, cite.page,
                 None, cite.section, "Budget: US$ 2,580,649.", ("Budget: US$ 2,580,649.",),
                 ((0, 22),), cite.text, 1.0),
    ) if answerable else ()
    return Answer("q", "q", text, answerable, "extractive", citations, tuple(passages), 0.6,
                  0.4, timings_ms={"retrieve": 20.0})


BUDGET_Q = EvalQuestion("b1", "What was the budget?", True, "number", ("2,580,649", "DFID"),
                        (Source("r.md", "Budget: US$ 2,580,649"),))
NONE_Q = EvalQuestion("n1", "Who won the cup?", False, "unanswerable")


def stored(chunk_id: str) -> str | None:
    return {p.chunk_id: p.text for p in (BUDGET, OTHER)}.get(chunk_id)


def run_of(*results) -> EvalRun:
    return EvalRun({"set": "t", "mode": "extractive", "k": 8, "retrieval_mode": "hybrid",
                    "refusal_threshold": 0.4, "set_sha256": "ab", "date": "d", "seconds": 1},
                   compute_metrics(results), list(results))


SET = ROOT / "eval_questions" / "reports.yaml"
BASELINE = ROOT / "eval_questions" / "baseline.json"


def run_eval(index: Path, out: Path, *extra: str, set_file: Path = SET,
             **env: str) -> subprocess.CompletedProcess:
    """`assistant eval SET --baseline baseline.json` on ``index`` in a subprocess, its answer
    cache in ``out/cache`` unless ``extra`` names another."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "eval",
         str(set_file), "--baseline", str(BASELINE), "--out", str(out), "--quiet",
         "--cache-dir", str(out / "cache"), *extra],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env={"HF_HUB_OFFLINE": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
    )
