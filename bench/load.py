"""Load benchmark: the app serving for real on 127.0.0.1, N concurrent clients asking M questions
each through the REST API, plus one upload (an ingest) in the middle of the run. Writes a
Markdown section to stdout (and to docs/benchmarks.md with --write).

    python -m bench.load [--clients 20] [--questions 10] [--write]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.foundation import machine, publish, quantile
from bench.servers import start_app, stop_process, wait_filled

ROOT = Path(__file__).resolve().parents[1]

MARK = "<!-- load -->"
QUESTIONS = [
    q["question"] for q in
    yaml.safe_load((ROOT / "eval_questions/reports.yaml").read_text())["questions"]
]
RECORD_KEYS = {"question", "answer", "answerable", "citations", "passages", "timings_ms"}


def well_formed(record: dict[str, Any]) -> bool:
    return (RECORD_KEYS <= set(record) and isinstance(record["answerable"], bool)
            and bool(record["answer"]) and (not record["answerable"] or bool(record["citations"])))


def run_load(url: str, clients: int, questions: int, upload: bytes) -> dict[str, Any]:
    """Ask from ``clients`` threads at once; one more thread uploads a report meanwhile."""
    results: list[tuple[float, float, bool, str]] = []  # start, seconds, ok, error
    lock = threading.Lock()
    upload_window: dict[str, float] = {}
    start_gate = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        with httpx.Client(timeout=300) as http:
            start_gate.wait()
            for i in range(questions):
                question = QUESTIONS[(number * questions + i) % len(QUESTIONS)]
                started = time.monotonic()
                error = ""
                try:
                    r = http.post(f"{url}/api/ask", json={"question": question})
                    ok = r.status_code == 200 and well_formed(r.json())
                    if not ok:
                        error = f"{r.status_code}: {r.text[:200]}"
                except httpx.HTTPError as exc:
                    ok, error = False, f"{type(exc).__name__}: {exc}"
                with lock:
                    results.append((started, time.monotonic() - started, ok, error))

    def uploader() -> None:
        start_gate.wait()
        time.sleep(2.0)  # let the questions get going first
        upload_window["start"] = time.monotonic()
        r = httpx.post(f"{url}/api/documents", timeout=600,
                       files={"files": ("load-test-upload.md", upload)})
        upload_window["end"] = time.monotonic()
        upload_window["status"] = r.json()["results"][0]["status"]

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    threads.append(threading.Thread(target=uploader))
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    latencies = [seconds * 1000 for _, seconds, _, _ in results]
    during = [r for r in results
              if upload_window["start"] <= r[0] + r[1] <= upload_window["end"]]
    return {
        "requests": len(results), "errors": sum(not ok for _, _, ok, _ in results),
        "error_samples": [e for _, _, ok, e in results if not ok][:3],
        "p50": quantile(latencies, .5), "p95": quantile(latencies, .95),
        "max": max(latencies), "wall": wall, "throughput": len(results) / wall,
        "upload_status": upload_window["status"],
        "upload_s": upload_window["end"] - upload_window["start"],
        "answered_during_upload": len(during),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    upload = (ROOT / "data/reports/2019-itcilo-labour-migration-training-evaluation.md"
              ).read_bytes().replace(b"ITCILO", b"Turin Centre")  # new content: a real ingest
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_app(Path(tmp) / "index", Path(tmp) / "app.log")
        try:
            httpx.post(f"{url}/api/ask", json={"question": "warm-up"}, timeout=120)
            wait_filled(url)  # a served index's steady state: its sentences embedded
            result = run_load(url, args.clients, args.questions, upload)
        finally:
            stop_process(process)
    lines = [
        MARK,
        "## Load: concurrent clients through the REST API",
        "",
        f"{date.today().isoformat()} · {machine()} · `python -m bench.load --write` "
        "(`make bench`)",
        "",
        f"`app.py` on 127.0.0.1 with the default corpus; {args.clients} clients × "
        f"{args.questions} questions each (from `eval_questions/reports.yaml`) at once through "
        "`POST /api/ask`, and one upload of a 35-chunk report 2 s into the run. REST requests "
        "run in FastAPI's thread pool and share the 2 CPU cores; the upload is the only "
        "writer.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| requests / errors (non-200 or malformed record) | {result['requests']} / "
        f"{result['errors']} |",
        f"| latency per question p50 / p95 / max (queueing included) | {result['p50']:.0f} / "
        f"{result['p95']:.0f} / {result['max']:.0f} ms |",
        f"| throughput | {result['throughput']:.1f} questions/s over {result['wall']:.1f} s |",
        f"| upload during the run | {result['upload_status']}, {result['upload_s']:.1f} s |",
        f"| questions answered while that ingest ran | {result['answered_during_upload']} |",
        MARK,
    ]
    publish(MARK, lines, args.write)
    if result["errors"]:
        print("errors:", result["error_samples"], file=sys.stderr)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
