"""BEIR SciFact through the product: every abstract is ingested as a Markdown report by
``Assistant.ingest``, every claim is searched by the product's retriever (dense, FTS5 and their
fusion), chunk rankings become document rankings by each document's best chunk, and nDCG@10 and
Recall@100 are scored against the qrels.

Fusion settings are tuned on the train split only; the test split is reported. The data is read
from ``../shared/bench-data/scifact`` (or ``$SCIFACT_DIR``) and never copied into the repository
(CC BY-NC 2.0).

    python -m bench.scifact [--write] [--limit-docs N] [--precision auto|fp32|bf16]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant import Assistant, Settings
from assistant.retrieval.fusion import fuse
from bench.foundation import all_chunks, machine, publish
from vectorstore import Hit, make_embedder

ROOT = Path(__file__).resolve().parents[1]

DATA = Path(os.environ.get("SCIFACT_DIR", ROOT.parent / "shared" / "bench-data" / "scifact"))
MARK = "<!-- scifact -->"
DEPTH = 300  # chunks per ranking: enough for 100 distinct documents
PUBLISHED = [
    ("BM25 (BEIR paper, Thakur et al. 2021)", "0.665", "—"),
    ("BM25 Anserini flat (title+text)", "0.679", "0.925"),
    ("all-MiniLM-L6-v2 dense (MTEB)", "0.645", "0.925"),
    ("BM25 + MiniLM cross-encoder rerank (BEIR)", "0.688", "—"),
]


@dataclass
class Split:
    queries: dict[str, str]
    qrels: dict[str, set[str]]


def load(limit_docs: int | None) -> tuple[dict[str, tuple[str, str]], dict[str, Split]]:
    if not (DATA / "queries.jsonl").is_file():
        raise SystemExit(
            f"SciFact is not at {DATA}: this benchmark reads BEIR SciFact from "
            "../shared/bench-data/scifact (or set SCIFACT_DIR); it is not part of the repository"
        )
    corpus: dict[str, tuple[str, str]] = {}
    for part in sorted(DATA.glob("corpus.part-*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            corpus[str(row["_id"])] = (row["title"], row["text"])
    texts = {}
    for line in (DATA / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts[str(row["_id"])] = row["text"]
    splits = {}
    for name in ("train", "test"):
        qrels: dict[str, set[str]] = {}
        for line in (DATA / "qrels" / f"{name}.tsv").read_text().splitlines()[1:]:
            qid, did, score = line.split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, set()).add(did)
        splits[name] = Split({q: texts[q] for q in qrels}, qrels)
    if limit_docs:  # a quick run: the judged documents plus the first N others
        keep = {d for s in splits.values() for rel in s.qrels.values() for d in rel}
        keep |= set(list(corpus)[:limit_docs])
        corpus = {d: v for d, v in corpus.items() if d in keep}
    return corpus, splits


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def recall_at(ranked: Sequence[str], relevant: set[str], k: int = 100) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant)


def documents(ranking: Sequence[tuple[str, float]], doc_of: dict[str, str]) -> list[str]:
    """Chunk ranking -> document ranking, each document at its best chunk's place."""
    seen: dict[str, None] = {}
    for chunk_id, _ in ranking:
        seen.setdefault(doc_of[chunk_id], None)
    return list(seen)


def score(runs: dict[str, list[str]], split: Split) -> tuple[float, float]:
    n = len(split.qrels)
    ndcg = sum(ndcg_at(runs[q], rel) for q, rel in split.qrels.items()) / n
    recall = sum(recall_at(runs[q], rel) for q, rel in split.qrels.items()) / n
    return ndcg, recall


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--limit-docs", type=int, help="ingest only judged docs + N others")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    parser.add_argument("--model", help="embedding model (default: the product's default)")
    parser.add_argument("--embedder", default="native", choices=["native", "onnx-int8"],
                        help="onnx-int8: the candidate in bench/onnx_int8.py")
    args = parser.parse_args()
    corpus, splits = load(args.limit_docs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scifact"
        folder.mkdir()
        for doc_id, (title, text) in corpus.items():
            # The title as the heading: it goes into every chunk's context header and into
            # the FTS5 section column, as a report's section title would.
            (folder / f"{doc_id}.md").write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
        settings = Settings.load(index_dir=Path(tmp) / "index", env={}, candidates=DEPTH)
        if args.embedder == "onnx-int8":
            from onnx_int8 import OnnxInt8Embedder

            embedder = OnnxInt8Embedder(settings.index_dir)
        else:
            embedder = make_embedder(
                model=args.model or settings.embedding_model, precision=args.precision
            )
        started = time.perf_counter()
        with Assistant(settings, embedder=embedder) as assistant:
            report = assistant.ingest([folder])
            ingest_s = time.perf_counter() - started
            failed = [r for r in report.results if r.status == "failed"]
            if failed:
                raise SystemExit(f"{len(failed)} SciFact files failed: {failed[0].error}")
            doc_of = {c.chunk_id: Path(c.source).stem for c in all_chunks(assistant)}
            rankings = {
                name: rank_all(assistant, split) for name, split in splits.items()
            }
    rows, best = tune(rankings, splits, doc_of)
    lines = report_lines(rows, best, rankings, splits, doc_of, ingest_s, len(doc_of),
                         len(corpus), embedder, args)
    default = args.embedder == "native" and args.precision == "auto" and not args.model
    publish(MARK, lines, args.write and default and not args.limit_docs)
    return 0


def rank_all(
    assistant: Assistant, split: Split
) -> dict[str, tuple[list[Hit], list[Hit], list[Hit]]]:
    """The dense, FTS5 and second (answer model's) chunk rankings of every query, through the
    product's retriever."""
    out = {}
    for qid, text in split.queries.items():
        dense, lexical = assistant.retriever.rankings(text, DEPTH)
        out[qid] = (dense, lexical, assistant.retriever.second_ranking(text, DEPTH))
    return out


def fused_runs(
    rankings: dict[str, tuple[list[Hit], list[Hit], list[Hit]]],
    doc_of: dict[str, str],
    mode: str,
    **params: float,
) -> dict[str, list[str]]:
    runs = {}
    for qid, (dense, lexical, second) in rankings.items():
        if mode in ("dense", "lexical", "second"):
            alone = {"dense": dense, "lexical": lexical, "second": second}[mode]
            ranking = [(h.chunk.chunk_id, h.score) for h in alone]
        else:
            ranking = fuse(dense, lexical, second=second, **params)  # type: ignore[arg-type]
        runs[qid] = documents(ranking, doc_of)
    return runs


GRID = [
    {"method": "rrf", "k": k, "dense_weight": w, "second_weight": 0.0}
    for k in (5, 10, 30, 60) for w in (0.4, 0.5, 0.6, 0.7)
] + [
    {"method": "convex", "k": 0, "dense_weight": w, "second_weight": 0.0}
    for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
] + [  # the three rankings (assistant.retrieval.second)
    {"method": "rrf", "k": 10, "dense_weight": w, "second_weight": s}
    for w in (0.3, 0.4, 0.5) for s in (0.4, 0.5, 0.6, 0.7)
]


def tune(rankings, splits, doc_of):
    rows = []
    for params in GRID:
        train = score(fused_runs(rankings["train"], doc_of, "hybrid", **params), splits["train"])
        test = score(fused_runs(rankings["test"], doc_of, "hybrid", **params), splits["test"])
        rows.append((params, train, test))  # chosen on train; test shown, not used
    best = max(rows, key=lambda row: row[1][0])[0]
    return rows, best


def report_lines(rows, best, rankings, splits, doc_of, ingest_s, chunks, docs, embedder, args):
    from datetime import date

    today = date.today().isoformat()
    where = f"{today} · {machine()} · `python -m bench.scifact --write` (`make bench`)"
    results = {}
    for mode in ("dense", "lexical", "second"):
        results[mode] = {s: score(fused_runs(rankings[s], doc_of, mode), splits[s])
                         for s in splits}
    results["hybrid"] = {
        s: score(fused_runs(rankings[s], doc_of, "hybrid", **best), splits[s]) for s in splits
    }
    label = {"dense": f"dense only (Chroma, {embedder.name})",
             "lexical": "FTS5 only (bm25, porter)",
             "second": "second ranking only (multilingual-e5-small over every chunk)",
             "hybrid": f"hybrid, best on train ({describe(best)}, {DEPTH} candidates)"}
    lines = [
        MARK,
        "## SciFact (BEIR): retrieval quality through the product",
        "",
        f"{docs} abstracts ingested as Markdown reports ({chunks} chunks, "
        f"{ingest_s:.0f} s, embedder {embedder.name} {getattr(embedder, 'precision', '')}); "
        f"{len(splits['test'].qrels)} test claims; documents ranked by their best chunk. "
        "Fusion tuned on the "
        f"{len(splits['train'].qrels)} train claims only.",
        "",
        "| system | test nDCG@10 | test Recall@100 | train nDCG@10 | date | machine | command |",
        "|---|---|---|---|---|---|---|",
    ]
    defaults = Settings.load(env={})
    shallow = {
        name: {q: (d[: defaults.candidates], x[: defaults.candidates], t[: defaults.candidates])
               for q, (d, x, t) in r.items()}
        for name, r in rankings.items()
    }
    results["defaults"] = {
        s: score(fused_runs(shallow[s], doc_of, "hybrid", method=defaults.fusion,
                            k=defaults.rrf_k, dense_weight=defaults.fusion_dense_weight(True),
                            second_weight=defaults.second_weight), splits[s])
        for s in splits
    }
    shipped = {"method": defaults.fusion, "k": defaults.rrf_k,
               "dense_weight": defaults.fusion_dense_weight(True),
               "second_weight": defaults.second_weight}
    label["defaults"] = (f"hybrid as shipped ({describe(shipped)}, {defaults.candidates} "
                         "candidates per index)")
    for mode in ("dense", "lexical", "second", "hybrid", "defaults"):
        (nd, rc), (tnd, _) = results[mode]["test"], results[mode]["train"]
        lines.append(f"| ours: {label[mode]} | {nd:.3f} | {rc:.3f} | {tnd:.3f} | "
                     f"{today} | {machine()} | `python -m bench.scifact --write` |")
    for name, nd, rc in PUBLISHED:
        lines.append(f"| published: {name} | {nd} | {rc} | | | | SciFact README |")
    tuned, shipped = results["hybrid"]["test"][0], results["defaults"]["test"][0]
    lines += [
        "",
        "Targets: hybrid nDCG@10 aims at ≥ 0.76 and never goes below 0.731 (the shipped value "
        f"of 2026-11-29). Best setting on train: **{tuned:.3f}**; the shipped default: "
        f"**{shipped:.3f}** (floor {'kept' if shipped >= 0.731 else 'broken'}, "
        f"aim {'met' if shipped >= 0.76 else 'missed'}).",
        "",
        f"Fusion grid ({DEPTH} candidates per index). The setting is chosen on train nDCG@10 "
        "alone; the test column is shown for reading only.",
        "",
        "| fusion | train nDCG@10 | train Recall@100 | test nDCG@10 |",
        "|---|---|---|---|",
    ]
    for params, (nd, rc), (test_nd, _) in rows:
        lines.append(f"| {describe(params)} | {nd:.3f} | {rc:.3f} | {test_nd:.3f} |")
    lines += ["", where, MARK]
    return lines


def describe(params: dict) -> str:
    second = (f", second ranking weight {params['second_weight']}"
              if params.get("second_weight") else "")
    if params["method"] == "rrf":
        return f"RRF k={params['k']}, dense weight {params['dense_weight']}{second}"
    return f"convex, min-max scores, dense weight {params['dense_weight']}{second}"


if __name__ == "__main__":
    raise SystemExit(main())
