"""Scale benchmark: a synthetic corpus of 100 documents x 1,000 chunks, built from the default
reports' sentences (shuffled into new paragraphs, seeded), ingested by the product in blocks of
10 documents. Reports the ingest rate per block (does it stay flat as the index grows?), search
latency at 10k and 100k chunks and the index size on disk.

The synthetic paragraphs are short (a 64 word-piece chunk target instead of the default 200) so
that embedding 100,000 chunks takes minutes on 2 CPU cores rather than an hour; the ingest rate
for report-sized chunks is in the ingest table.

    python -m bench.scale [--write] [--documents 100] [--per-document 1000]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from assistant import Assistant, Settings, build_assistant
from bench.foundation import publish, quantile

ROOT = Path(__file__).resolve().parent.parent

REPORTS = ROOT / "data" / "reports"
QUESTIONS = ROOT / "eval_questions" / "reports.yaml"
MARK = "<!-- scale -->"
CHUNK_TOKENS = 64


def sentences() -> list[str]:
    out = []
    for path in sorted(REPORTS.iterdir()):
        if path.suffix not in {".md", ".txt"}:
            continue
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
            words = sentence.split()
            if 6 <= len(words) <= 30 and not sentence.startswith(("#", "|")):
                out.append(sentence.strip())
    return out


def write_corpus(folder: Path, documents: int, per_document: int) -> list[Path]:
    """``documents`` Markdown files of ``per_document`` short paragraphs each, in sections."""
    pool = sentences()
    rng = random.Random(7)
    paths = []
    for number in range(documents):
        lines = [f"# Synthetic report {number:03d}", ""]
        for paragraph in range(per_document):
            if paragraph % 50 == 0:
                lines += [f"## Part {paragraph // 50 + 1}", ""]
            lines += [" ".join(rng.sample(pool, 2)), ""]
        path = folder / f"synthetic-{number:03d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def latencies(assistant: Assistant, questions: list[str], mode: str) -> list[float]:
    assistant.search(questions[0], k=5, retrieval_mode=mode)
    out = []
    for question in questions * 2:
        started = time.perf_counter()
        assistant.search(question, k=5, retrieval_mode=mode)
        out.append((time.perf_counter() - started) * 1000)
    return sorted(out)


def plan_latencies(assistant: Assistant, questions: list[str]) -> dict[str, list[float]]:
    """Hybrid and FTS5-only latencies with the shipped FTS5 plan and with every term kept
    (the plan before the posting budget), alternating, so both see the same machine."""
    lexical = assistant.index.lexical
    shipped = lexical.max_postings
    out: dict[str, list[float]] = {}
    for _ in range(2):
        for budget, suffix in ((shipped, ""), (None, "-old")):
            lexical.max_postings = budget
            for mode in ("hybrid", "lexical"):
                out.setdefault(mode + suffix, []).extend(latencies(assistant, questions, mode))
    lexical.max_postings = shipped
    return {mode: sorted(values) for mode, values in out.items()}


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--per-document", type=int, default=1000)
    args = parser.parse_args()
    questions = [q["question"] for q in yaml.safe_load(QUESTIONS.read_text())["questions"]]
    blocks: list[tuple[int, float, float]] = []  # chunks after, seconds, chunks/s
    points: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        paths = write_corpus(folder, args.documents, args.per_document)
        index = Path(tmp) / "index"
        settings = Settings.load(index_dir=index, env={}, chunk_tokens=CHUNK_TOKENS)
        with build_assistant(settings) as assistant:
            assistant.embedder.embed_query("warm-up")
            assistant.embedder.load_fast_path()  # as a server warms up: fp32 torch for questions
            tokens: list[int] = []
            for start in range(0, len(paths), 10):
                started = time.perf_counter()
                report = assistant.ingest(paths[start : start + 10])
                seconds = time.perf_counter() - started
                written = sum(r.chunks for r in report.results)
                blocks.append((report.chunks_in_index, seconds, written / seconds))
                print(f"{report.chunks_in_index} chunks, block {written / seconds:.0f}/s",
                      file=sys.stderr)
                if not tokens:
                    record = assistant.documents()[0]
                    tokens = sorted(
                        assistant.embedder.count_tokens(c.embedding_text()) + 2
                        for c in assistant.index.dense.doc_chunks(record.doc_id)
                    )
                if start + 10 in (10, len(paths)):
                    points[report.chunks_in_index] = (
                        plan_latencies(assistant, questions)
                        | {"dense": latencies(assistant, questions, "dense")}
                        | {"size": size_mb(index)}
                    )

    q = quantile
    rates = [b[2] for b in blocks]
    lines = [
        MARK,
        "## Scale: 100,000 synthetic chunks",
        "",
        f"{args.documents} synthetic Markdown reports × {args.per_document} paragraphs, made of "
        "the default reports' sentences shuffled two by two (seeded); chunk target "
        f"{CHUNK_TOKENS} word-pieces, so chunks are {tokens[0]}–{tokens[-1]} word-pieces "
        f"(median {q(tokens, .5)}) with their context header. Ingested in-process in blocks "
        "of 10 reports; searches are the fixed question set's 63 questions, twice, k=5, warm "
        "(hybrid and FTS5 twice more, alternating with the old FTS5 plan that keeps every term "
        "of the question: *old plan* columns).",
        "",
        "| chunks in index | hybrid search p50 / p95 | dense only p50 / p95 | "
        "FTS5 only p50 / p95 | hybrid, old plan | FTS5 only, old plan | index on disk |",
        "|---|---|---|---|---|---|---|",
    ]
    for chunks, point in points.items():
        cells = " | ".join(
            f"{q(point[m], .5):.1f} / {q(point[m], .95):.1f} ms"
            for m in ("hybrid", "dense", "lexical", "hybrid-old", "lexical-old")
        )
        lines.append(f"| {chunks:,} | {cells} | {point['size']:.0f} MB |")
    lines += [
        "",
        "| ingest block | chunks in index after | seconds | chunks/s |",
        "|---|---|---|---|",
    ]
    for number, (chunks, seconds, rate) in enumerate(blocks, 1):
        lines.append(f"| {number} | {chunks:,} | {seconds:.0f} | {rate:.0f} |")
    first, last = statistics.median(rates[:3]), statistics.median(rates[-3:])
    lines += [
        "",
        f"Ingest rate: first three blocks median {first:.0f} chunks/s, last three "
        f"{last:.0f} chunks/s (ratio {last / first:.2f}).",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
