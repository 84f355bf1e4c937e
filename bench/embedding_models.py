"""The two embedding models through the product: cold ingest of data/reports (against the
LangChain tutorial pipeline, alternating, in one run) and the question sets answered on each
model's own index, each with the refusal threshold calibrated for that model.

    python -m bench.embedding_models [--write] [--runs 3]

multilingual-e5-small must be fetched first (`assistant models fetch multilingual-e5-small`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.foundation import machine, publish
from bench.ingest_speed import REPORTS, langchain, product, timed

MARK = "<!-- embedding-models -->"
MODELS = ("all-MiniLM-L6-v2", "multilingual-e5-small")
SETS = ("fresh_holdout", "fresh_tune", "reports")
METRICS = (
    ("hit_rate", "hit@8"),
    ("mrr", "MRR"),
    ("answer_accuracy", "every expected fact stated"),
    ("evidence_cited", "a cited passage holds the evidence"),
    ("refusal_tpr", "unanswerable refused"),
    ("false_refusal_rate", "answerable refused"),
)


def evaluate(model: str, index: Path, question_set: str, out: Path) -> dict:
    timed([sys.executable, "-m", "assistant.serve.cli", "--index", str(index), "eval",
           f"eval_questions/{question_set}.yaml", "--out", str(out)],
          {"ASSISTANT_EMBEDDING_MODEL": model})
    return json.loads((out / "results.json").read_text(encoding="utf-8"))["metrics"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {m: [] for m in (*MODELS, "langchain")}
    chunks: dict[str, int] = {}
    metrics: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for run in range(args.runs):
            order = [*MODELS, "langchain"]
            for name in order if run % 2 == 0 else order[::-1]:
                target = root / f"{name}-{run}"
                if name == "langchain":
                    took, _, count = langchain(REPORTS, target)
                else:
                    took, _, count = product(REPORTS, target,
                                             {"ASSISTANT_EMBEDDING_MODEL": name})
                seconds[name].append(took)
                chunks[name] = count
                print(name, run, round(took, 1), count, file=sys.stderr)
                if run or name == "langchain":
                    shutil.rmtree(target, ignore_errors=True)
        for model in MODELS:
            for question_set in SETS:
                metrics[model, question_set] = evaluate(
                    model, root / f"{model}-0", question_set, root / f"eval-{model}-{question_set}"
                )
                print(model, question_set, metrics[model, question_set], file=sys.stderr)
    med = statistics.median
    base = med(seconds["langchain"])
    lines = [
        MARK,
        "## A second embedding model: multilingual-e5-small",
        "",
        "The same product with each embedding model: its own index of data/reports, its own "
        "calibrated refusal threshold (`assistant/settings.py: CALIBRATED_THRESHOLDS`), extractive "
        f"answers. {machine()}; {args.runs} cold ingests of each, alternating, medians.",
        "",
        "| cold ingest of data/reports | median s | × LangChain tutorial | chunks |",
        "|---|---|---|---|",
    ]
    for name in (*MODELS, "langchain"):
        lines.append(f"| {name if name != 'langchain' else 'LangChain tutorial pipeline'} | "
                     f"{med(seconds[name]):.1f} | {med(seconds[name]) / base:.2f} | "
                     f"{chunks[name]} |")
    lines += ["", "| set | measure | " + " | ".join(MODELS) + " |",
              "|---|---|" + "---|" * len(MODELS)]
    for question_set in SETS:
        for key, label in METRICS:
            values = [metrics[m, question_set].get(key) for m in MODELS]
            cells = " | ".join("—" if v is None else f"{v:.3f}" for v in values)
            lines.append(f"| {question_set} | {label} | {cells} |")
    lines.append(MARK)
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
