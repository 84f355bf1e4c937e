"""The FTS5 search plan: leaving the commonest terms out of the OR past a budget of chunk
entries (``vectorstore.lexical``), measured for speed at 100k chunks and for quality on SciFact,
against every term kept, in one run.

Speed: 100,000 synthetic chunks (two sentences of the default reports each, as in
``bench/scale.py``) written straight into an FTS5 index (no embedding); the fixed question set's
63 questions, twice, k=50 (the product's candidate depth), each plan in turn, repeated. Quality:
SciFact ingested by the product (real embedder), each claim's dense ranking taken once, its FTS5
ranking per plan; nDCG@10 of FTS5 alone and of the shipped hybrid (RRF as configured).

    python -m bench.lexical_plan [--write] [--chunks 100000] [--no-scifact]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from bench.foundation import all_chunks, publish, quantile
from bench.scale import sentences
from ingest.records import Chunk
from vectorstore.lexical import MAX_POSTINGS, Fts5LexicalIndex

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- lexical-plan -->"
PLANS: tuple[int | None, ...] = (None, 80_000, MAX_POSTINGS, 20_000, 10_000)
DEPTH = 50


def synthetic_index(path: Path, chunks: int) -> Fts5LexicalIndex:
    pool = sentences()
    rng = random.Random(7)
    index = Fts5LexicalIndex(path)
    batch = []
    for i in range(chunks):
        doc = i // 1000
        batch.append(Chunk(
            chunk_id=f"c{i}", doc_id=f"d{doc}", source=f"synthetic-{doc:03d}.md",
            title=f"Synthetic report {doc:03d}", year=None, section=f"Part {i % 1000 // 50 + 1}",
            page_start=None, page_end=None, char_start=0, char_end=0, position=i % 1000,
            text=" ".join(rng.sample(pool, 2)),
        ))
        if len(batch) == 5000:
            index.add(batch)
            batch = []
    index.add(batch)
    return index


def speed(index: Fts5LexicalIndex, questions: list[str], rounds: int = 3) -> dict:
    times: dict[int | None, list[float]] = {s: [] for s in PLANS}
    ids: dict[int | None, dict[str, list[str]]] = {s: {} for s in PLANS}
    for _ in range(rounds):  # plans interleaved, so load on the machine hits them alike
        for plan in PLANS:
            index.max_postings = plan
            index.search(questions[0], DEPTH)
            for question in questions:
                started = time.perf_counter()
                hits = index.search(question, DEPTH)
                times[plan].append((time.perf_counter() - started) * 1000)
                ids[plan][question] = [h.chunk.chunk_id for h in hits]
    out = {}
    for plan in PLANS:
        overlap = statistics.mean(
            len(set(ids[plan][q][:10]) & set(ids[None][q][:10])) / len(ids[None][q][:10])
            for q in questions if ids[None][q]  # a question no chunk matches has no top 10
        )
        out[plan] = (quantile(times[plan], .5), quantile(times[plan], .95), overlap)
    return out


def scifact_quality() -> dict[int | None, dict[str, tuple[float, float]]]:
    from assistant import Assistant, Settings
    from assistant.retrieval.fusion import fuse
    from bench.scifact import documents, load, ndcg_at
    from vectorstore import make_embedder

    corpus, splits = load(None)
    out: dict[int | None, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scifact"
        folder.mkdir()
        for doc_id, (title, text) in corpus.items():
            (folder / f"{doc_id}.md").write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
        settings = Settings.load(index_dir=Path(tmp) / "index", env={})
        with Assistant(settings, embedder=make_embedder()) as assistant:
            assistant.ingest([folder])
            doc_of = {c.chunk_id: Path(c.source).stem for c in all_chunks(assistant)}
            dense = {
                name: {q: assistant.retriever.rankings(text, DEPTH, mode="dense")[0]
                       for q, text in split.queries.items()}
                for name, split in splits.items()
            }
            lexical = assistant.index.lexical
            for plan in PLANS:
                lexical.max_postings = plan
                out[plan] = {}
                for name, split in splits.items():
                    fts, hybrid = [], []
                    for q, text in split.queries.items():
                        hits = lexical.search(text, DEPTH)
                        relevant = split.qrels[q]
                        fts.append(ndcg_at(documents(
                            [(h.chunk.chunk_id, h.score) for h in hits], doc_of), relevant))
                        fused = fuse(dense[name][q], hits, method=settings.fusion,
                                     k=settings.rrf_k,
                                     dense_weight=settings.fusion_dense_weight(False))
                        hybrid.append(ndcg_at(documents(fused, doc_of), relevant))
                    out[plan][name] = (statistics.mean(fts), statistics.mean(hybrid))
    return out


def label(plan: int | None) -> str:
    if plan is None:
        return "every term (the old plan)"
    shipped = " (shipped)" if plan == MAX_POSTINGS else ""
    return f"the rarest terms within {plan:,} chunk entries{shipped}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--no-scifact", action="store_true")
    args = parser.parse_args()
    data = yaml.safe_load((ROOT / "eval_questions" / "reports.yaml").read_text())
    questions = [q["question"] for q in data["questions"]]
    with tempfile.TemporaryDirectory() as tmp:
        index = synthetic_index(Path(tmp) / "lexical.sqlite3", args.chunks)
        timings = speed(index, questions)
        index.close()
    quality = {} if args.no_scifact else scifact_quality()
    lines = [
        MARK,
        "## FTS5 plan: the commonest terms left out of the OR past a budget",
        "",
        f"Speed: {args.chunks:,} synthetic chunks in FTS5 alone, the fixed set's "
        f"{len(questions)} questions × 3 rounds per plan, plans interleaved, k={DEPTH}; "
        "*top-10 overlap* is the share of the old plan's top 10 that the plan also returns. "
        "Quality: SciFact through the product (real embedder), FTS5 ranking per plan, the "
        "shipped hybrid fusion.",
        "",
        "| FTS5 query keeps | FTS5 p50 / p95 | top-10 overlap | SciFact FTS5 nDCG@10 test / "
        "train | SciFact hybrid nDCG@10 test / train |",
        "|---|---|---|---|---|",
    ]
    for plan in PLANS:
        p50, p95, overlap = timings[plan]
        q = quality.get(plan)
        fts = f"{q['test'][0]:.3f} / {q['train'][0]:.3f}" if q else "—"
        hybrid = f"{q['test'][1]:.3f} / {q['train'][1]:.3f}" if q else "—"
        lines.append(f"| {label(plan)} | {p50:.1f} / {p95:.1f} ms | {overlap:.2f} | {fts} | "
                     f"{hybrid} |")
    lines.append(MARK)
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
