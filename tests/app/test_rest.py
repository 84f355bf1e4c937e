"""The app served for real: REST over HTTP, the chat endpoint through gradio_client, and the MCP
tools through the `mcp` client."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from helpers import REPORTS

from bench.servers import start_app, stop_process

pytestmark = pytest.mark.server

LMPP = "What was the budget of the LMPP project and who funded it?"

#: The LMPP budget: the summary page gives US$ 2,580,649, its terms of reference US$ 2,652,078;
#: a small model may quote either, and both are in the report.
BUDGET = re.compile(r"2,(580,649|652,078)")


def test_health_and_documents(app_server):
    health = httpx.get(f"{app_server['url']}/healthz").json()
    assert health["documents"] >= 5 and health["chunks"] > 400  # other tests may upload
    assert health["embedding_model"] == "all-MiniLM-L6-v2"
    docs = httpx.get(f"{app_server['url']}/api/documents").json()
    assert {d["source"] for d in docs} >= {
        p.name for p in REPORTS.iterdir() if p.suffix in (".md", ".txt")
    }


def test_api_docs_load_their_files_from_this_server(app_server):
    """/docs and /redoc name no other host; the files they load are served here (the
    browser test checks that they render with the network cut)."""
    url = app_server["url"].rstrip("/")
    for page in ("/docs", "/redoc"):
        html = httpx.get(url + page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/docs-assets/") for s in sources), sources
        for source in sources:
            assert httpx.get(url + source).status_code == 200, source
    script = httpx.get(url + "/docs-assets/redoc.standalone.js").text
    assert "cdn.redoc.ly" not in script  # ReDoc's logo would come from its CDN


def test_the_first_run_says_what_it_does(app_server):
    """`make run` on a fresh index: the log names the reports as they are read, embedded and
    written, counts them, then gives the URL (plain lines: the log is not a terminal)."""
    log = app_server["log"].read_text()
    reports = sorted(p.name for p in REPORTS.iterdir() if p.suffix in (".md", ".txt"))
    n = len(reports)
    assert log.index("Bringing the index in ") < log.index(f"[0/{n} files] reading 1/{n} (")
    for name in reports:
        assert re.search(rf"\[\d+/{n} files\] added {re.escape(name)} \(\d+ chunks\)", log)
    assert re.search(rf"\[\d+/{n} files\] embedding \d+ chunks of \d+ files? \(", log)
    assert f"[{n}/{n} files] added " in log
    assert log.index(f"Index: {n} reports") < log.index("Serving on http://127.0.0.1:")


def test_ask_returns_the_answer_record(app_server):
    r = httpx.post(f"{app_server['url']}/api/ask", json={"question": LMPP}, timeout=60)
    assert r.status_code == 200
    record = r.json()
    assert record["answerable"] and "2,580,649" in record["answer"]
    assert any(c["year"] == 2009 and c["quote"] for c in record["citations"])
    follow = httpx.post(f"{app_server['url']}/api/ask", timeout=60, json={
        "question": "And who funded it?",
        "history": [["What was the budget of the LMPP project?", record["answer"]]],
        "filters": {"sources": ["2009-lmpp-project-final-evaluation.md"]},
    }).json()
    assert "LMPP" in follow["standalone_question"].upper()
    assert {c["source"] for c in follow["citations"]} == {"2009-lmpp-project-final-evaluation.md"}


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000, "?!"])
def test_bad_questions_are_422_with_a_message(app_server, question):
    r = httpx.post(f"{app_server['url']}/api/ask", json={"question": question}, timeout=30)
    assert r.status_code == 422  # the schema's bounds: some letter or digit, 1-2000 characters
    assert r.json()["code"] == "invalid_request" and "question" in r.json()["error"]


def sse_events(response: httpx.Response) -> list[tuple[str, dict]]:
    events, kind = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            events.append((kind, json.loads(line[6:])))
    return events


def test_ask_stream_with_the_local_model(app_server):
    with httpx.stream("POST", f"{app_server['url']}/api/ask/stream", timeout=300, json={
        "question": "What was the budget of the LMPP project?", "mode": "local",
    }) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer"
    assert kinds.count("token") >= 3  # the draft arrives in pieces
    record = events[-1][1]
    assert record["mode"] == "local" and record["answerable"], record["answer"]
    assert BUDGET.search(record["answer"]) and record["citations"]


def test_ask_stream_errors(app_server):
    url = f"{app_server['url']}/api/ask/stream"
    assert httpx.post(url, json={"question": "  "}, timeout=30).status_code == 422
    missing = httpx.post(url, json={"question": "Who funded LMPP?", "mode": "llm"}, timeout=30)
    assert missing.status_code == 422 and "mode" in missing.json()["error"]  # not offered
    with httpx.stream("POST", url, json={"question": "Who funded LMPP?"}, timeout=60) as r:
        kinds = [kind for kind, _ in sse_events(r)]
    assert kinds == ["passages", "answer"]  # extractive: no draft pieces


def test_search_and_schema(app_server):
    r = httpx.post(f"{app_server['url']}/api/search", timeout=30,
                   json={"query": "fair recruitment", "k": 3, "filters": {"year_min": 2019}})
    passages = r.json()["passages"]
    assert len(passages) == 3 and all(p["year"] >= 2019 for p in passages)
    assert {"source", "page", "section", "text", "score"} <= set(passages[0])
    schema = httpx.get(f"{app_server['url']}/openapi.json").json()
    assert {"/api/ask", "/api/search", "/api/documents", "/api/documents/{source}",
            "/healthz"} <= set(schema["paths"])
    bad = httpx.post(f"{app_server['url']}/api/search", json={"k": 3})
    assert bad.status_code == 422 and "query" in bad.json()["error"]


def test_upload_ask_and_delete(app_server):
    url = app_server["url"]
    text = ("# Zanzibar seasonal work pilot\n\nThe Zanzibar pilot placed 431 seasonal workers "
            "with clove farms in 2024, under the Pemba Fair Hiring Charter.\n")
    r = httpx.post(f"{url}/api/documents", timeout=120,
                   files={"files": ("../../etc/zanzibar pilot.md", text.encode())})
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["stored_as"] == "zanzibar pilot.md" and result["status"] == "added"
    assert not (app_server["index"].parent / "etc").exists()
    answer = httpx.post(f"{url}/api/ask", timeout=60, json={
        "question": "How many seasonal workers did the Zanzibar pilot place?"}).json()
    assert answer["answerable"] and "431" in answer["answer"]
    assert answer["citations"][0]["source"] == "zanzibar pilot.md"
    assert httpx.delete(f"{url}/api/documents/zanzibar pilot.md").status_code == 200
    missing = httpx.delete(f"{url}/api/documents/zanzibar pilot.md")
    assert missing.status_code == 404 and "no document named" in missing.json()["error"]


def test_upload_limits(app_server):
    url = app_server["url"]
    wrong = httpx.post(f"{url}/api/documents", files={"files": ("tool.exe", b"MZ\x90\x00")})
    assert wrong.status_code == 415 and "not a supported type" in wrong.json()["error"]
    big = httpx.post(f"{url}/api/documents", timeout=60,
                     files={"files": ("big.txt", b"word " * 300_000)})  # 1.5 MB, limit 1 MB
    assert big.status_code == 413 and "limit" in big.json()["error"]
    assert big.headers["content-type"].startswith("application/json")
    assert (wrong.json()["code"], big.json()["code"]) == ("unsupported_type", "file_too_large")
    nul = httpx.post(f"{url}/api/documents", files={"files": ("a\x00b.exe.txt", b"")})
    (result,) = nul.json()["results"]
    assert result["stored_as"].endswith(".exe.txt") and "\x00" not in result["stored_as"]
    assert result["status"] == "failed" and "empty" in result["error"].lower()


def test_feedback_is_saved_with_question_answer_and_citations(app_server):
    url = app_server["url"]
    record = httpx.post(f"{url}/api/ask", json={"question": LMPP}, timeout=60).json()
    r = httpx.post(f"{url}/api/feedback", json={"answer": record, "rating": "down",
                                                "comment": "wrong figure"})
    assert r.status_code == 200
    lines = (app_server["index"] / "feedback.jsonl").read_text().splitlines()
    saved = json.loads(lines[-1])
    assert saved["rating"] == "down" and saved["question"] == LMPP
    assert saved["citations"][0]["source"] == "2009-lmpp-project-final-evaluation.md"


def test_gradio_client_calls_the_chat_endpoint(app_server):
    from gradio_client import Client

    client = Client(app_server["url"], verbose=False)
    chat, _ = client.predict(LMPP, [], [], 2008, 2021, 8, "extractive", api_name="/chat")
    answer = str(chat[-1]["content"])
    assert chat[-1]["role"] == "assistant" and "[1]" in answer
    assert "2009" in answer and "PROJECT SUMMARY INFORMATION" in answer  # its sources


def test_mcp_tools_list_and_call(app_server):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def session() -> tuple[list, str, str]:
        async with streamable_http_client(f"{app_server['url']}/gradio_api/mcp/") as (r, w, _):
            async with ClientSession(r, w) as s:
                await s.initialize()
                tools = (await s.list_tools()).tools
                names = {t.name: t for t in tools}
                search = next(n for n in names if n.endswith("search_reports"))
                ask = next(n for n in names if n.endswith("ask_reports"))
                found = await s.call_tool(search, {"query": "LMPP budget", "k": 3})
                answered = await s.call_tool(ask, {"question": LMPP})
                return tools, found.content[0].text, answered.content[0].text

    tools, found, answered = asyncio.run(session())
    described = {t.name: t.description or "" for t in tools}
    assert len(tools) == 2, list(described)
    assert all("evaluation reports" in d and "page" in d for d in described.values())
    assert "2009-lmpp-project-final-evaluation.md" in found
    assert "2,580,649" in answered


@pytest.mark.slow  # its own app.py
def test_basic_auth_protects_the_page_and_the_api(tmp_path):
    process, url = start_app(tmp_path / "index", tmp_path / "app.log", "--no-ingest",
                             ASSISTANT_AUTH="staff:s3cret")
    try:
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert httpx.get(f"{url}/api/documents").status_code == 401
        assert httpx.get(f"{url}/api/documents", auth=("staff", "wrong")).status_code == 401
        assert httpx.get(f"{url}/api/documents", auth=("staff", "s3cret")).json() == []
        assert httpx.get(f"{url}/config").status_code == 401  # the page asks for a login
        login = httpx.post(f"{url}/login", data={"username": "staff", "password": "s3cret"})
        assert login.status_code == 200
    finally:
        stop_process(process)
