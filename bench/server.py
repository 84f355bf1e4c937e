"""Server benchmark: the same corpus and searches against the embedded Chroma and against a
Chroma server (`chroma run` on 127.0.0.1), in one script. Writes a Markdown section to stdout
(and to docs/benchmarks.md with --write).

    python -m bench.server [--write]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from assistant import Assistant, Settings
from bench.foundation import machine, publish, quantile, search_latencies
from bench.servers import ChromaServer
from vectorstore import LocalModelEmbedder, make_embedder

ROOT = Path(__file__).resolve().parents[1]

CHECKS = yaml.safe_load((ROOT / "tests/data/retrieval_checks.yaml").read_text())["checks"]
MARK = "<!-- server -->"


def measure(settings: Settings, embedder: LocalModelEmbedder) -> dict[str, float]:
    with Assistant(settings, embedder=embedder) as assistant:
        started = time.perf_counter()
        report = assistant.ingest([ROOT / "data" / "reports"])
        ingest = time.perf_counter() - started
        latencies = search_latencies(assistant)
        answers = []
        for check in CHECKS:
            t = time.perf_counter()
            assistant.ask(check["question"])
            answers.append((time.perf_counter() - t) * 1000)
    return {
        "chunks": report.chunks_in_index, "ingest_s": ingest,
        "p50": quantile(latencies, .5), "p95": quantile(latencies, .95),
        "answer_p50": quantile(answers, .5),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    embedder = make_embedder()
    embedder.embed_query("load the model before timing")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        embedded = measure(Settings.load(index_dir=tmp_path / "embedded", env={}), embedder)
        server = ChromaServer(tmp_path / "server-data", tmp_path / "chroma.log").start()
        try:
            remote = measure(Settings.load(index_dir=tmp_path / "local-cache",
                                           chroma_url=server.url, env={}), embedder)
        finally:
            server.stop()
    rows = [
        ("chunks", f"{embedded['chunks']}", f"{remote['chunks']}"),
        ("cold ingest of data/reports (model loaded)", f"{embedded['ingest_s']:.1f} s",
         f"{remote['ingest_s']:.1f} s"),
        (f"hybrid search p50 / p95 ({len(CHECKS) * 3} searches)",
         f"{embedded['p50']:.1f} / {embedded['p95']:.1f} ms",
         f"{remote['p50']:.1f} / {remote['p95']:.1f} ms"),
        (f"extractive answer p50 ({len(CHECKS)} questions)", f"{embedded['answer_p50']:.0f} ms",
         f"{remote['answer_p50']:.0f} ms"),
    ]
    lines = [
        MARK,
        "## Chroma server vs embedded",
        "",
        f"{date.today().isoformat()} · {machine()} · `python -m bench.server --write` "
        "(`make bench`); the server is `chroma run` on 127.0.0.1, same machine",
        "",
        "| measure | embedded | server |",
        "|---|---|---|",
        *[f"| {name} | {a} | {b} |" for name, a, b in rows],
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
