"""`assistant ask` and `assistant search` ask a running app on the same index (the real app,
the real corpus): the same record as in-process work, without importing Chroma or torch; a
stale announcement, other settings or ``--local`` mean in-process work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from helpers import ROOT

from bench.servers import app_env

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUESTION = "Who funded the LMPP project and what was its budget?"


def run_cli(app_server, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The CLI with the app's own environment (so its settings are the app's), reporting its
    imports on stderr."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assistant.serve.cli",
         "--index", str(app_server["index"]), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**app_env(app_server["index"], **app_server["env"]), "PYTHONPATH": str(ROOT),
             **env},
    )


def imported(run: subprocess.CompletedProcess, module: str) -> bool:
    return re.search(rf"\|\s+{re.escape(module)}$", run.stderr, re.MULTILINE) is not None


def opened_index(run: subprocess.CompletedProcess) -> bool:
    """Did the process open the index itself (Chroma's engine, or the chromadb package)?"""
    return imported(run, "chromadb_rust_bindings") or imported(run, "chromadb")


def record(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0, run.stderr[-3000:]
    data = json.loads(run.stdout)
    data.pop("timings_ms", None)
    return data


def same(a: dict, b: dict) -> bool:
    """The same record, but for the passages' dense scores within 1e-5: a served app embeds
    the question with torch, a process of its own with numpy (about 1e-7 apart), and a score
    rounded to six places may then differ in its last digit."""
    def parts(data: dict) -> tuple[dict, list]:
        passages = data.get("passages") or []
        scores = [p["dense_score"] for p in passages]
        rest = {**data, "passages": [{**p, "dense_score": None} for p in passages]}
        return rest, scores

    (rest_a, scores_a), (rest_b, scores_b) = parts(a), parts(b)
    return rest_a == rest_b and all(
        (x is None and y is None) or (x is not None and y is not None and abs(x - y) <= 1e-5)
        for x, y in zip(scores_a, scores_b, strict=True)
    )


def test_ask_and_search_are_answered_by_the_running_app(app_server):
    announced = list((app_server["index"] / ".serving").glob("*.json"))
    assert len(announced) == 1
    assert json.loads(announced[0].read_text())["url"] == app_server["url"]

    via_app = run_cli(app_server, "ask", QUESTION, "--json")
    in_process = run_cli(app_server, "ask", QUESTION, "--json", "--local")
    assert same(record(via_app), record(in_process))
    assert "DFID" in record(via_app)["answer"]
    # the app did the work: this process loaded neither Chroma nor a model runtime
    assert not opened_index(via_app) and not imported(via_app, "torch")
    assert opened_index(in_process)

    filters = ["--source", "2009-lmpp-project-final-evaluation.md", "--k", "3"]
    found = run_cli(app_server, "search", "project budget", *filters, "--json")
    local = run_cli(app_server, "search", "project budget", *filters, "--json", "--local")
    assert same(record(found), record(local))
    assert {p["source"] for p in record(found)["passages"]} == {
        "2009-lmpp-project-final-evaluation.md"}
    assert not opened_index(found)

    # the terminal output is the same too
    text = run_cli(app_server, "ask", QUESTION)
    assert text.returncode == 0 and "Sources:" in text.stdout and "[1]" in text.stdout


def test_other_settings_or_a_stale_announcement_mean_in_process_work(app_server, tmp_path):
    # other answer settings: the app would answer differently, so it is not asked
    other = run_cli(app_server, "ask", QUESTION, "--json", ASSISTANT_ANSWER_SENTENCES="2")
    assert other.returncode == 0 and opened_index(other)

    # an announcement whose process is gone, and one whose app does not answer
    folder = app_server["index"] / ".serving"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = json.loads(next(folder.glob("*.json")).read_text())
    stale = [folder / "0.json", folder / "00.json"]  # before any port in name order
    stale[0].write_text(json.dumps({**live, "pid": dead.pid, "url": "http://127.0.0.1:9"}))
    stale[1].write_text(json.dumps({**live, "pid": os.getpid(), "url": "http://127.0.0.1:9"}))
    try:
        # the unreachable one sorts first: the CLI falls back to its own answer
        run = run_cli(app_server, "ask", QUESTION, "--json")
        assert opened_index(run)
        assert "DFID" in record(run)["answer"]
    finally:
        for path in stale:
            path.unlink(missing_ok=True)
    assert not stale[0].exists()  # its process is gone: the CLI removed it
