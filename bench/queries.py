"""Query benchmark: retrieval and extractive-answer latency over the fixed question set
(eval_questions/reports.yaml), warm, and cold start to the first answer (the app, and the CLI).

    python -m bench.queries [--write] [--starts 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from assistant import Settings, build_assistant
from bench.foundation import publish, quantile
from bench.servers import free_port

ROOT = Path(__file__).resolve().parent.parent

REPORTS = ROOT / "data" / "reports"
QUESTIONS = ROOT / "eval_questions" / "reports.yaml"
MARK = "<!-- queries -->"
QUESTION = "What was the budget of the LMPP project and who funded it?"


def app_start(index: Path) -> float:
    """Seconds from launching ``python app.py`` to the first answer from /api/ask."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--index", str(index), "--port", str(port), "--no-ingest"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    body = json.dumps({"question": QUESTION}).encode()
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited: {proc.stderr.read().decode()[-2000:]}")
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/ask", data=body,
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.05)
        if not answer.get("answerable"):
            raise SystemExit(f"the first answer was a refusal: {answer}")
        return time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cli_start(index: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "ask", QUESTION,
         "--json"],
        cwd=ROOT, check=True, capture_output=True, env={**os.environ},
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--starts", type=int, default=3, help="cold starts of each kind")
    args = parser.parse_args()
    questions = [q["question"] for q in yaml.safe_load(QUESTIONS.read_text())["questions"]]
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        settings = Settings.load(index_dir=index, env={})
        with build_assistant(settings) as assistant:
            assistant.ingest([REPORTS])
            assistant.ask("warm-up question about the reports")
            search, first, again = [], [], []
            for question in questions:
                t = time.perf_counter()
                assistant.search(question)
                search.append((time.perf_counter() - t) * 1000)
            for times in (first, again):  # the second pass has every sentence vector cached
                for question in questions:
                    t = time.perf_counter()
                    assistant.ask(question)
                    times.append((time.perf_counter() - t) * 1000)
            chunks = assistant.index.dense.count()
        apps = [app_start(index) for _ in range(args.starts)]
        clis = [cli_start(index) for _ in range(args.starts)]

    q = quantile
    med = statistics.median
    lines = [
        MARK,
        "## Queries: latency on the default corpus",
        "",
        f"The fixed question set's {len(questions)} questions on the default corpus "
        f"({chunks} chunks), in-process, after one warm-up question (model loaded). Search is "
        "hybrid, k=5; an answer is extractive, retrieval (8 passages) included.",
        "",
        "| measure | p50 | p95 | target |",
        "|---|---|---|---|",
        f"| hybrid search | {q(search, .5):.1f} ms | {q(search, .95):.1f} ms | p50 ≤ 30 ms "
        f"({'met' if q(search, .5) <= 30 else 'missed'}) |",
        f"| extractive answer, first time each question is asked | {q(first, .5):.0f} ms | "
        f"{q(first, .95):.0f} ms | p50 ≤ 200 ms "
        f"({'met' if q(first, .5) <= 200 else 'missed'}) |",
        f"| extractive answer, asked again (sentence vectors cached) | {q(again, .5):.0f} ms | "
        f"{q(again, .95):.0f} ms | |",
        "",
        f"Cold start to the first answer (\"{QUESTION}\"), index already built, median of "
        f"{args.starts}:",
        "",
        "| from | seconds (median) | all runs |",
        "|---|---|---|",
        f"| `python app.py --no-ingest` launched → first `/api/ask` answer | {med(apps):.1f} | "
        f"{', '.join(f'{s:.1f}' for s in apps)} |",
        f"| `assistant ask` launched → answer printed (whole process) | {med(clis):.1f} | "
        f"{', '.join(f'{s:.1f}' for s in clis)} |",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
