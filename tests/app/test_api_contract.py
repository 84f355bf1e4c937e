"""The REST API against outside checks: schemathesis over every operation of /openapi.json with
all its checks, and the error shape of every kind of failure."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from helpers import REPORTS, ROOT, make_docx

from bench.servers import start_app, stop_process

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The app with its own index (uploads and deletions by the fuzzer stay there), and no
    local model, so the schema offers the extractive mode only."""
    index = tmp_path_factory.mktemp("contract-index")
    log = tmp_path_factory.mktemp("contract-log") / "app.log"
    process, url = start_app(index, log, ASSISTANT_MAX_FILE_MB="1")  # start_app: no local model
    yield url
    stop_process(process)


def error_shape(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["error"]
    return body


def test_schemathesis_finds_nothing(api):
    # Every check is on by default. Naming them on the command line (`--checks all`) would
    # override the per-operation exception in schemathesis.toml (a command-line choice wins
    # over the config file), and the unsound negative-data check on multipart uploads came back.
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli",
         "--config-file", str(ROOT / "tests" / "app" / "schemathesis.toml"),
         "run", f"{api}/openapi.json",
         "--max-examples", "15", "--request-timeout", "120",
         "--no-color"],
        capture_output=True, text=True, timeout=1500, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests" / "app"),
             "SCHEMATHESIS_HOOKS": "schemathesis_hooks"},
    )
    assert run.returncode == 0, run.stdout[-6000:]
    assert "8/8" in run.stdout  # every operation was tested


def test_undeclared_methods_are_405_with_allow(api):
    for method, path, allow in (("GET", "/api/ask", "POST"), ("PUT", "/healthz", "GET, HEAD"),
                                ("TRACE", "/api/search", "POST")):
        r = httpx.request(method, f"{api}{path}")
        error_shape(r, 405, "method_not_allowed")
        assert r.headers["allow"] == allow


def test_unknown_api_path_is_a_json_404(api):
    error_shape(httpx.get(f"{api}/api/nothing-here"), 404, "not_found")
    error_shape(httpx.delete(f"{api}/api/documents/no-such.pdf"), 404, "not_found")


def test_bodies_that_cannot_be_parsed_get_the_error_shape(api):
    r = httpx.post(f"{api}/api/ask", content=b'{"question": "\xff\xfe"}',
                   headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)
    error_shape(r, r.status_code, "invalid_request")
    r = httpx.post(f"{api}/api/documents", content=b"--x\r\n",
                   headers={"content-type": "multipart/form-data"})
    assert r.status_code in (400, 422)
    error_shape(r, r.status_code, "invalid_request")


def test_schema_bounds_and_declared_statuses(api):
    schema = httpx.get(f"{api}/openapi.json").json()
    ask = schema["paths"]["/api/ask"]["post"]
    assert {"200", "400", "422", "502", "503"} <= set(ask["responses"])
    body = schema["components"]["schemas"]["AskIn"]["properties"]
    assert body["question"]["minLength"] == 1 and body["question"]["maxLength"] == 2000
    k = next(s for s in body["k"]["anyOf"] if s.get("type") == "integer")
    assert (k["minimum"], k["maximum"]) == (1, 100)
    offered = body["mode"]["anyOf"][0]
    assert offered.get("enum", [offered.get("const")]) == ["extractive"]  # what this app runs
    upload = schema["paths"]["/api/documents"]["post"]["responses"]
    assert {"413", "415"} <= set(upload)
    error_shape(httpx.post(f"{api}/api/search", json={"query": "x", "k": 0}), 422,
                "invalid_request")
    error_shape(httpx.post(f"{api}/api/ask", json={"question": "Who?", "mode": "llm"}), 422,
                "invalid_request")


def test_upload_type_from_the_part_content_type(api):
    text = (REPORTS / "2021-fair-labour-migration-hle-summary.txt").read_bytes()[:4000]
    r = httpx.post(f"{api}/api/documents", timeout=120,
                   files={"files": ("notes", text, "text/plain")})
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["stored_as"] == "notes.txt" and result["status"] in ("added", "unchanged")
    error_shape(httpx.post(f"{api}/api/documents",
                           files={"files": ("x.exe", b"MZ", "application/octet-stream")}),
                415, "unsupported_type")


def test_a_word_file_is_uploaded_and_answered(api, tmp_path):
    data = make_docx(tmp_path / "heron.docx").read_bytes()
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    r = httpx.post(f"{api}/api/documents", timeout=120, files={"files": ("heron", data, word)})
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["stored_as"] == "heron.docx" and result["status"] == "added", result
    answer = httpx.post(f"{api}/api/ask", timeout=60, json={
        "question": "How many seasonal workers did the Heron programme place?",
        "filters": {"sources": ["heron.docx"]},
    }).json()
    assert answer["answerable"] and "1,240" in answer["answer"]


def test_a_failing_chat_model_is_502_naming_it(tmp_path):
    from openai_server import ChatServer

    def broken(messages):
        raise RuntimeError("the model crashed")

    with ChatServer(broken) as server:
        process, url = start_app(
            tmp_path / "index", tmp_path / "app.log", ASSISTANT_LLM="openai:test-model",
            ASSISTANT_LLM_BASE_URL=server.url, ASSISTANT_LLM_TIMEOUT_S="20",
        )
        try:
            question = {"question": "What was the budget of the LMPP project?", "mode": "llm"}
            body = error_shape(httpx.post(f"{url}/api/ask", json=question, timeout=120), 502,
                               "model_failed")
            assert "openai:test-model" in body["error"]
            with httpx.stream("POST", f"{url}/api/ask/stream", json=question, timeout=120) as r:
                assert r.status_code == 200  # the stream had started: the error is its last event
                lines = [line for line in r.iter_lines() if line]
            assert lines[-2] == "event: error"
            assert '"code": "model_failed"' in lines[-1] and '"status": 502' in lines[-1]
        finally:
            stop_process(process)
