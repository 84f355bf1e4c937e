"""`assistant doctor` on a healthy index, after an interrupted ingest, with a damaged FTS5
cache, and with a Chroma database that no longer opens (rebuilt from the report files)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPORTS, ROOT

pytestmark = pytest.mark.slow  # the CLI runs the real model in a subprocess

NAMES = ("2013-ilo-labour-migration-evaluation-summary.md",
         "2021-fair-labour-migration-hle-summary.txt")


def cli(index, reports, *args, **env):
    return subprocess.run(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HF_HUB_OFFLINE": "1",
             "ASSISTANT_REPORTS_DIR": str(reports), **env},
    )


def doctor(index, reports, *args):
    done = cli(index, reports, "doctor", "--json", *args)
    return done.returncode, json.loads(done.stdout)


def setup(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in NAMES:
        shutil.copy(REPORTS / name, reports / name)
    index = tmp_path / "index"
    assert cli(index, reports, "ingest", "--quiet").returncode == 0
    return index, reports


def test_healthy_then_interrupted_ingest_then_damaged_fts(tmp_path):
    index, reports = setup(tmp_path)
    code, report = doctor(index, reports)
    assert code == 0 and report["healthy"]
    embedder = next(c["detail"] for c in report["checks"] if c["name"] == "embedder")
    assert embedder.startswith("all-MiniLM-L6-v2 · native · ")

    # An ingest killed after writing its chunks, before its catalog record: orphans.
    shutil.copy(REPORTS / "2019-itcilo-labour-migration-training-evaluation.md", reports)
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "ingest", str(reports),
         "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
        env={"PATH": os.environ.get("PATH", ""), "HF_HUB_OFFLINE": "1",
             "ASSISTANT_FAULT_PAUSE": "catalog"},
    )
    deadline = time.monotonic() + 180
    for line in process.stderr:
        if line.startswith("PAUSED catalog"):
            break
        assert time.monotonic() < deadline
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    (reports / "2019-itcilo-labour-migration-training-evaluation.md").unlink()
    # ... and an FTS5 cache that lost rows.
    import sqlite3

    with sqlite3.connect(index / "lexical.sqlite3") as conn:
        conn.execute("DELETE FROM chunks WHERE rowid IN (SELECT rowid FROM chunks LIMIT 5)")
    code, report = doctor(index, reports)
    problems = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert code == 1 and set(problems) == {"catalog", "lexical"}
    assert "interrupted ingest" in problems["catalog"]

    code, report = doctor(index, reports, "--repair")
    assert code == 0 and report["healthy"], report
    assert any("interrupted ingest" in r for r in report["repairs"])
    assert any("FTS5" in r for r in report["repairs"])


def test_kept_sentence_vectors_are_counted_and_an_unreadable_file_is_deleted(tmp_path):
    index, reports = setup(tmp_path)
    code, report = doctor(index, reports)
    check = next(c for c in report["checks"] if c["name"] == "sentence vectors")
    # the ingest kept the second ranking's passage vectors; no sentence is kept yet
    assert code == 0 and check["ok"] and check["detail"].startswith("0 sentence vectors and ")
    assert int(check["detail"].split(" and ")[1].split()[0]) > 0
    assert cli(index, reports, "ask", "How many interviews did the 2013 evaluation conduct?",
               "--local").returncode == 0
    code, report = doctor(index, reports)
    check = next(c for c in report["checks"] if c["name"] == "sentence vectors")
    assert code == 0 and check["ok"], check
    kept = int(check["detail"].split()[0])
    assert kept > 0 and "multilingual-e5-small" in check["detail"]

    (index / "sentence_vectors.sqlite3").write_bytes(b"not a database" * 100)
    for extra in ("-wal", "-shm"):
        (index / f"sentence_vectors.sqlite3{extra}").unlink(missing_ok=True)
    code, report = doctor(index, reports)
    problems = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert code == 1 and set(problems) == {"sentence vectors"}, problems
    assert "--repair" in problems["sentence vectors"]
    code, report = doctor(index, reports, "--repair")
    assert code == 0 and report["healthy"], report
    assert any("sentence_vectors.sqlite3" in r for r in report["repairs"])
    assert not (index / "sentence_vectors.sqlite3").exists()
    # an answer with the cache gone embeds its sentences again
    assert cli(index, reports, "ask", "How many interviews did the 2013 evaluation conduct?",
               "--local").returncode == 0


def test_a_chroma_index_that_no_longer_opens_is_rebuilt_from_the_files(tmp_path):
    index, reports = setup(tmp_path)
    database = index / "chroma" / "chroma.sqlite3"
    database.write_bytes(os.urandom(200_000))  # as after a disk fault or a torn write
    searched = cli(index, reports, "search", "fair recruitment")
    assert searched.returncode == 1 and "assistant doctor --repair" in searched.stderr
    assert "Traceback" not in searched.stderr

    code, report = doctor(index, reports)
    assert code == 1 and report["checks"][0]["name"] == "chroma"
    assert not report["checks"][0]["ok"]

    code, report = doctor(index, reports, "--repair")
    assert code == 0 and report["healthy"], report
    assert any("moved the broken Chroma index" in r for r in report["repairs"])
    assert any("2 document(s) restored" in r for r in report["repairs"])
    assert list(index.glob("chroma.broken-*"))  # kept, not deleted
    docs = json.loads(cli(index, reports, "docs", "--json").stdout)
    assert {d["source"] for d in docs} == set(NAMES)
    assert cli(index, reports, "search", "fair recruitment").returncode == 0
