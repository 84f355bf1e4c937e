"""Hostile questions get a clear 400 or a well-formed answer, never a traceback; documents with
HTML come back from the API as plain strings; nothing reaches past the loopback interface."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import httpx
import pytest
from helpers import REPORTS, ROOT, local_env

from bench.servers import start_app, stop_process

pytestmark = pytest.mark.server


@pytest.mark.parametrize("question, status", [
    ("", 422),  # outside the schema's bounds (a letter or digit, 1-2000 characters)
    ("   \n\t ", 422),
    ("x" * 100_000, 422),
    ("\x00\x01\x02\x07\x1b", 422),  # only control characters: nothing left to ask
    ("\x1b[31mred\x1b[0m fair recruitment", 200),
    ("What\x00 is the\x07 ILM database?", 200),
    ('"foo" NEAR( OR *', 200),
    ('unbalanced "quote about fair recruitment', 200),
    ("'; DROP TABLE chunks; --", 200),
    ("text : chunks MATCH \"*\" ^ NOT", 200),
])
def test_hostile_questions(app_server, question, status):
    r = httpx.post(f"{app_server['url']}/api/ask", json={"question": question}, timeout=60)
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert "Traceback" not in r.text
    if status == 422:
        assert body["code"] == "invalid_request" and "question" in body["error"]
    else:
        assert isinstance(body["answerable"], bool) and body["answer"]
        search = httpx.post(f"{app_server['url']}/api/search", json={"query": question})
        assert search.status_code == 200 and isinstance(search.json()["passages"], list)


def test_html_in_a_report_comes_back_as_plain_strings(app_server):
    text = ("# Tonga labour note\n\nThe Tonga labour note quotes &lt;script&gt;alert(1)"
            "&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt; in its Tonga findings.\n")
    httpx.post(f"{app_server['url']}/api/documents", timeout=120,
               files={"files": ("tonga.md", text.encode())})
    passages = httpx.post(f"{app_server['url']}/api/search",
                          json={"query": "Tonga labour note findings", "k": 1}).json()["passages"]
    assert "<script>alert(1)</script>" in passages[0]["text"]  # data, not markup
    httpx.delete(f"{app_server['url']}/api/documents/tonga.md")


GUARD = textwrap.dedent('''
    """Loaded at interpreter start (PYTHONPATH): refuse every non-loopback connection and log
    the attempt, so the test can show nothing tried to reach the network."""
    import os
    import socket

    _LOG = os.environ["NO_NETWORK_LOG"]
    _LOCAL = ("127.0.0.1", "::1", "localhost", "0.0.0.0")
    _connect, _connect_ex, _getaddrinfo = (
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)


    def _refuse(what):
        with open(_LOG, "a") as log:
            log.write(f"{what}\\n")
        raise ConnectionRefusedError(f"network disabled for this test: {what}")


    def _host(address):
        return address[0] if isinstance(address, tuple) else str(address)


    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and _host(address) not in _LOCAL:
            _refuse(address)
        return _connect(self, address)


    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and _host(address) not in _LOCAL:
            _refuse(address)
        return _connect_ex(self, address)


    def getaddrinfo(host, *args, **kwargs):
        if host not in _LOCAL and host is not None:
            _refuse(f"dns {host}")
        return _getaddrinfo(host, *args, **kwargs)


    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
''')


@pytest.mark.slow  # the CLI and app.py with the real model
def test_everything_works_with_the_network_refused(tmp_path):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "attempts.log"
    log.write_text("")
    env = {"PYTHONPATH": str(guard), "NO_NETWORK_LOG": str(log), "HF_HUB_OFFLINE": "1",
           "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **local_env()}
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(REPORTS / "2021-fair-labour-migration-hle-summary.txt", reports)
    index = tmp_path / "index"

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant.serve.cli", "--index", str(index),
                               *args], capture_output=True, text=True, timeout=300, cwd=ROOT,
                              env=env)

    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection("
                            "('93.184.216.34', 80), timeout=2)"], env=env, capture_output=True,
                           text=True)
    assert "network disabled for this test" in probe.stderr  # the guard is active
    log.write_text("")
    assert cli("ingest", str(reports)).returncode == 0
    asked = cli("ask", "How many interviews were held for the high-level evaluation?", "--json")
    assert asked.returncode == 0 and '"answerable": true' in asked.stdout
    local = cli("ask", "How many interviews were held for the high-level evaluation?",
                "--mode", "local", "--json")
    assert local.returncode == 0 and '"mode": "local"' in local.stdout, local.stderr
    process, url = start_app(index, tmp_path / "app.log", "--no-ingest",
                             **{k: v for k, v in env.items() if k != "PATH"})
    try:
        r = httpx.post(f"{url}/api/ask", json={"question": "How many interviews?"}, timeout=60)
        assert r.status_code == 200
        assert httpx.get(url, timeout=30).status_code == 200  # the page itself
    finally:
        stop_process(process)
    assert log.read_text() == "", f"tried to reach the network: {log.read_text()}"
