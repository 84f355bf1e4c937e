"""The background server that `assistant ask` starts (assistant/serve/background.py), for real:
the first command answers in its own process and starts it; the next ones are answered by it
with the record they would have computed, without importing Chroma; it serves nothing that
writes; `assistant serve --stop` and the idle timeout end it; from a script (no terminal) the
default starts nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT

from assistant.serve.discovery import alive
from bench.servers import app_env

pytestmark = [pytest.mark.server, pytest.mark.slow]

REPORT = ROOT / "data" / "reports" / "2009-lmpp-project-final-evaluation.md"
QUESTION = "Who funded the LMPP project and what was its budget?"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-server") / "index"
    run = cli(folder, "ingest", str(REPORT), "--quiet")
    assert run.returncode == 0, run.stderr[-3000:]
    return folder


def cli(index: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The CLI as a script runs it (output to a pipe), reporting its imports on stderr."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "assistant.serve.cli", "--index", str(index),
         *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**app_env(index), "PYTHONPATH": str(ROOT), **env},
    )


def imported_chroma(run: subprocess.CompletedProcess) -> bool:
    """Did the process open the index itself (Chroma's engine, or the chromadb package)?"""
    return re.search(r"\|\s+chromadb(?:_rust_bindings)?\n", run.stderr) is not None


def record(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0, run.stderr[-3000:]
    data = json.loads(run.stdout)
    data.pop("timings_ms", None)
    return data


def rounded(value: object, places: int = 4) -> object:
    """``value`` with every float rounded to ``places`` decimals, inside lists and dicts."""
    if isinstance(value, float):
        return round(value, places)
    if isinstance(value, dict):
        return {k: rounded(v, places) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, places) for v in value]
    return value


def background_servers(index: Path) -> list[dict]:
    out = []
    for path in (index / ".serving").glob("*.json"):
        if path.name == "starting.json":
            continue
        entry = json.loads(path.read_text())
        if entry.get("background") and alive(entry["pid"]):
            out.append(entry)
    return out


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


def status_of(url: str, method: str, path: str) -> int:
    request = urllib.request.Request(url + path, data=b"{}" if method != "GET" else None,
                                     method=method, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_first_ask_starts_a_server_that_answers_the_next_ones(index):
    first = cli(index, "ask", QUESTION, "--json", ASSISTANT_CLI_SERVER="on")
    assert imported_chroma(first)  # answered in its own process
    assert "DFID" in record(first)["answer"]
    servers = wait_for(lambda: background_servers(index), 120, "a background server announced")
    assert len(servers) == 1
    url, pid = servers[0]["url"], servers[0]["pid"]
    try:
        served = cli(index, "ask", QUESTION, "--json", ASSISTANT_CLI_SERVER="on")
        assert not imported_chroma(served)  # the server did the work
        assert record(served) == record(first)
        assert len(background_servers(index)) == 1  # a found server is not started again

        found = cli(index, "search", "project budget", "--k", "3", "--json")
        local = cli(index, "search", "project budget", "--k", "3", "--json", "--local")
        assert not imported_chroma(found) and imported_chroma(local)
        # the server embeds the query with torch, the local command on numpy: the ranking and
        # passages are the same, a score may differ in its sixth decimal
        assert rounded(record(found)) == rounded(record(local))

        # read-only: ask, search, documents and health; nothing that writes
        assert status_of(url, "GET", "/healthz") == 200
        assert status_of(url, "GET", "/api/documents") == 200
        assert status_of(url, "POST", "/api/documents") in (404, 405)
        assert status_of(url, "DELETE", f"/api/documents/{REPORT.name}") in (404, 405)
        assert status_of(url, "POST", "/api/feedback") in (404, 405)
        assert cli(index, "docs", "--json").stdout.count(REPORT.name) == 1  # still there
    finally:
        stop = cli(index, "serve", "--stop")
    assert stop.returncode == 0 and f"pid {pid}" in stop.stdout
    wait_for(lambda: not alive(pid), 30, "the server stopped")
    assert not background_servers(index)
    assert not (index / ".serving" / f"{url.rsplit(':', 1)[1]}.json").exists()
    log = (index / ".serving" / "server.log").read_text()
    assert f"serving {index}" in log and f"stopped (pid {pid})" in log


def test_an_idle_server_exits_by_itself(index):
    log = index / ".serving" / "server.log"
    before = log.read_text() if log.exists() else ""
    cli(index, "search", "budget", "--k", "1", ASSISTANT_CLI_SERVER="on",
        ASSISTANT_CLI_SERVER_IDLE_S="2")

    def new_log() -> str:
        return log.read_text()[len(before):] if log.exists() else ""

    started = wait_for(lambda: re.search(r"serving .* \(pid (\d+);", new_log()), 120,
                       "the background server started")
    pid = int(started.group(1))
    wait_for(lambda: not alive(pid), 60, "the idle server exited")
    assert "no request for 2 s: exiting" in new_log()
    assert f"stopped (pid {pid})" in new_log()
    assert not background_servers(index)


def test_a_script_starts_no_server_by_default(index):
    for setting in ({}, {"ASSISTANT_CLI_SERVER": "off"}):
        run = cli(index, "search", "budget", "--k", "1", **setting)
        assert run.returncode == 0, run.stderr[-2000:]
        time.sleep(1.0)
        assert not background_servers(index)
        assert not (index / ".serving" / "starting.json").exists()
