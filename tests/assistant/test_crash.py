"""`assistant ingest` killed with SIGKILL at four points: the index still opens, nothing of the
unfinished document is answerable, and a re-run gives exactly the clean index."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPORTS, ROOT

from assistant import Assistant, Settings

NAMES = ("2009-lmpp-project-final-evaluation.md",  # first in order, 232 chunks: two batches
         "2013-ilo-labour-migration-evaluation-summary.md",
         "2021-fair-labour-migration-hle-summary.txt")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crash-reports")
    for name in NAMES:
        shutil.copy(REPORTS / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def clean_counts(folder, tmp_path_factory, embedder):
    settings = Settings.load(index_dir=tmp_path_factory.mktemp("clean"), env={})
    with Assistant(settings, embedder=embedder) as assistant:
        assistant.ingest([folder])
        return {r.source: r.chunks for r in assistant.documents()}


def ingest(index, folder, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "ingest", str(folder),
         "--quiet"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={"PATH": os.environ.get("PATH", ""), "HF_HUB_OFFLINE": "1", **env},
    )


@pytest.mark.parametrize("stage", ["parse", "embed", "write", "catalog"])
def test_sigkill_during_ingest_loses_nothing(stage, folder, clean_counts, tmp_path, embedder):
    index = tmp_path / "index"
    process = ingest(index, folder, ASSISTANT_FAULT_PAUSE=stage)
    deadline = time.monotonic() + 180
    for line in process.stderr:
        if line.startswith(f"PAUSED {stage} {NAMES[0]}"):
            break
        assert time.monotonic() < deadline, "the ingest never reached its pause point"
    else:
        pytest.fail(f"ingest ended without pausing at {stage}")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    settings = Settings.load(index_dir=index, env={})
    with Assistant(settings, embedder=embedder) as assistant:  # the index opens
        assert NAMES[0] not in {r.source for r in assistant.documents()}
        passages = assistant.search("LMPP project budget and DFID funding", k=20)
        assert all(p.source != NAMES[0] for p in passages)  # nothing half-ingested answers
        answer = assistant.ask("What was the budget of the LMPP project?")
        assert all(c.source != NAMES[0] for c in answer.citations)

    rerun = ingest(index, folder)
    _, errors = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, errors
    with Assistant(settings, embedder=embedder) as assistant:
        assert {r.source: r.chunks for r in assistant.documents()} == clean_counts
        total = sum(clean_counts.values())
        assert assistant.index.dense.count() == total  # no duplicate or orphan chunks
        assert assistant.index.lexical.count() == total
        assert assistant.index.dense.doc_ids() == {r.doc_id for r in assistant.documents()}
