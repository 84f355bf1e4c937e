"""The run history of ``assistant eval``: one JSON line per run (time, git commit, the hashes
of the settings, index and code, the metrics and the gate's verdict), appended by each run and
drawn as a trend in the HTML report."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from assistant.evaluation.feedback import json_lines
from assistant.evaluation.runs import EvalRun

#: Metrics a history line keeps (the gated ones, the pass rate and the latency medians).
KEPT_METRICS = (
    "pass_rate", "hit_rate", "mrr", "evidence_recall", "keyword_accuracy", "answer_accuracy",
    "citation_precision", "evidence_cited", "citation_validity", "refusal_tpr",
    "false_refusal_rate", "retrieve_ms_p50", "answer_ms_p50",
)


def git_state(folder: Path | None = None) -> dict[str, Any] | None:
    """The commit checked out in ``folder`` (default: this source tree) and whether tracked
    files differ from it; None outside a git checkout or without git."""
    folder = folder or Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                cwd=folder, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def history_record(
    run: EvalRun, *, configuration: str | None = None, gate: str | None = None,
    git: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The history line of ``run``; ``gate``: "passed", "failed" or None (no baseline)."""
    meta = run.meta
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": git,
        "set": meta.get("set"),
        "set_sha256": meta.get("set_sha256"),
        "configuration": configuration,
        "mode": meta.get("mode"),
        "k": meta.get("k"),
        "settings_hash": meta.get("settings_hash"),
        "index_fingerprint": meta.get("index_fingerprint"),
        "code_version": meta.get("code_version"),
        "questions": run.metrics.get("questions"),
        "metrics": {m: run.metrics.get(m) for m in KEPT_METRICS},
        "gate": gate,
        "cache_hits": (meta.get("cache") or {}).get("hits"),
    }


def append_history(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_history(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The records of a history file, and a problem line for each line that is not one."""
    if not path.exists():
        return [], []
    return json_lines(path.read_text(encoding="utf-8"), path, lambda r: None if isinstance(
        r.get("metrics"), dict) else "not a history record")


def trend(records: list[dict[str, Any]], set_name: str | None,
          configuration: str | None, last: int = 30) -> list[dict[str, Any]]:
    """The last ``last`` records of one set and configuration, oldest first."""
    same = [r for r in records
            if r.get("set") == set_name and r.get("configuration") == configuration]
    return same[-last:]
