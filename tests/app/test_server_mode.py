"""Scale-out on a real Chroma server (`chroma run` on 127.0.0.1): ingest and answer through it,
two app replicas sharing it, a restart, an outage and the recovery."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import httpx
import pytest
from helpers import REPORTS, ROOT

from assistant import Assistant, Settings, build_assistant
from assistant.errors import AssistantError
from bench.servers import ChromaServer, start_app, stop_process

pytestmark = pytest.mark.server
SMALL = ("2013-ilo-labour-migration-evaluation-summary.md",
         "2021-fair-labour-migration-hle-summary.txt")
ARTIFACTS = ROOT / "build" / "test-artifacts"


@pytest.fixture()
def chroma(tmp_path):
    server = ChromaServer(tmp_path / "chroma-data", tmp_path / "chroma.log").start()
    yield server
    server.stop()


def small_reports(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in SMALL:
        shutil.copy(REPORTS / name, folder / name)
    return folder


def test_ingest_and_answer_through_the_server(chroma, tmp_path, embedder):
    settings = Settings.load(index_dir=tmp_path / "local", chroma_url=chroma.url, env={})
    with Assistant(settings, embedder=embedder) as assistant:
        report = assistant.ingest([small_reports(tmp_path / "reports")])
        assert report.count("added") == 2
        answer = assistant.ask("How many interviews were held for the 2021 high-level "
                               "evaluation?")
    assert answer.answerable and "64 semi-structured interviews" in answer.answer
    assert not (tmp_path / "local" / "chroma").exists()  # the chunks live on the server
    assert (tmp_path / "local" / "lexical.sqlite3").exists()  # the FTS5 cache is local
    # A second process with an empty local folder sees the same documents and rebuilds its
    # FTS5 cache from the server at start-up.
    other = Settings.load(index_dir=tmp_path / "elsewhere", chroma_url=chroma.url, env={})
    with Assistant(other, embedder=embedder) as assistant:
        assert {r.source for r in assistant.documents()} == set(SMALL)
        hits = assistant.search("semi-structured interviews", k=3, retrieval_mode="lexical")
        assert hits and hits[0].source == SMALL[1]


def ask(url: str, question: str) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120)


@pytest.mark.slow  # two app.py replicas
def test_replicas_restart_outage_and_recovery(chroma, tmp_path):
    env = {"ASSISTANT_CHROMA_URL": chroma.url, "ASSISTANT_CATALOG_REFRESH_S": "1"}
    a, url_a = start_app(tmp_path / "replica-a", tmp_path / "a.log", "--no-ingest", **env)
    b, url_b = start_app(tmp_path / "replica-b", tmp_path / "b.log", "--no-ingest", **env)
    try:
        # Replica A ingests a new report; replica B answers about it without a restart.
        text = ("# Zanzibar seasonal work pilot\n\nThe Zanzibar pilot placed 431 seasonal "
                "workers with clove farms in 2024, under the Pemba Fair Hiring Charter.\n")
        question = "How many seasonal workers did the Zanzibar pilot place?"
        ask(url_b, question)  # B loads its model first, so the delay measures the catalog
        r = httpx.post(f"{url_a}/api/documents", timeout=180,
                       files={"files": ("zanzibar.md", text.encode())})
        assert r.json()["results"][0]["status"] == "added"
        uploaded = time.monotonic()
        while True:
            record = ask(url_b, question).json()
            if record.get("answerable") and "431" in record["answer"]:
                break
            assert time.monotonic() - uploaded < 30, record
            time.sleep(0.2)
        delay = time.monotonic() - uploaded
        assert record["citations"][0]["source"] == "zanzibar.md"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "replica-delay.json").write_text(json.dumps(
            {"catalog_refresh_s": 1, "seconds_until_replica_b_answered": round(delay, 2)}
        ))

        # The server goes down: a clear error naming it, from the API and from the CLI.
        chroma.stop()
        health = httpx.get(f"{url_b}/healthz", timeout=30)
        assert health.status_code == 503 and chroma.url in health.json()["error"]
        down = ask(url_b, question)
        assert down.status_code == 503 and "chroma run" in down.json()["error"]
        cli = subprocess.run(
            [sys.executable, "-m", "assistant.serve.cli", "--index", str(tmp_path / "cli"),
             "--chroma-url", chroma.url, "docs"],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )
        assert cli.returncode == 1 and "cannot reach the Chroma server" in cli.stderr
        assert "Traceback" not in cli.stderr

        # Back up (same data): both replicas answer again, nothing lost.
        chroma.start()
        for url in (url_a, url_b):
            assert httpx.get(f"{url}/healthz", timeout=30).json()["documents"] == 1
            again = ask(url, question).json()
            assert again["answerable"] and "431" in again["answer"]
    finally:
        stop_process(a)
        stop_process(b)


def test_a_bad_server_url_is_a_config_error(tmp_path):
    settings = Settings.load(index_dir=tmp_path, chroma_url="ftp://x", env={})
    with pytest.raises(AssistantError, match="ASSISTANT_CHROMA_URL must look like"):
        build_assistant(settings)
