"""Answer benchmark: extractive answers on our own question set (tests/data/answer_checks.yaml)
over the default corpus: expected facts, citations passing the check, refusal rates, and
latency (retrieval included) with the model loaded. Writes a Markdown section to stdout (and to
docs/benchmarks.md with --write).

    python -m bench.answers [--write]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

from assistant import Assistant, Settings, build_assistant
from assistant.evaluation.report import markdown
from assistant.evaluation.runs import load_question_set, run_set
from assistant.text import markers
from bench.foundation import machine, publish, quantile

ROOT = Path(__file__).resolve().parents[1]

CHECKS = yaml.safe_load((ROOT / "tests/data/answer_checks.yaml").read_text())["questions"]
MARK = "<!-- answers -->"


def run_pass(assistant: Assistant) -> tuple[list[float], list]:
    latencies, answers = [], []
    for check in CHECKS:
        started = time.perf_counter()
        answers.append(assistant.ask(check["question"]))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, answers


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(index_dir=Path(tmp) / "index", env={})
        with build_assistant(settings) as assistant:
            assistant.ingest([ROOT / "data" / "reports"])
            assistant.ask("What is the ILO?")  # load the model; not one of the checks
            # as a server does while it warms up: fp32 torch weights for a question's sentences
            assistant.embedder.load_fast_path()
            assistant.answer_embedder.load_fast_path()
            first, answers = run_pass(assistant)  # sentence vectors computed as needed
            second, _ = run_pass(assistant)  # sentence vectors cached from the first pass
            # the baseline in the same run: sentences scored by the index's own model
            plain = assistant.variant(settings.with_answer_model("index"))
            try:
                plain.ask("What is the ILO?")
                baseline, _ = run_pass(plain)
            finally:
                plain.close_variant()
            fixed = run_set(assistant, load_question_set(ROOT / "eval_questions/reports.yaml"))
    answerable = [(c, a) for c, a in zip(CHECKS, answers, strict=True) if c["answerable"]]
    unanswerable = [(c, a) for c, a in zip(CHECKS, answers, strict=True) if not c["answerable"]]
    facts = sum(
        a.answerable and all(k.lower() in a.answer.lower() for k in c["keywords"])
        for c, a in answerable
    )
    kept = sum(len(markers(line)) for _, a in answerable for line in a.answer.splitlines()
               if a.answerable)
    dropped = sum(1 for _, a in answerable for r in a.removed if r.kind == "citation") + sum(
        1 for _, a in answerable for r in a.removed
        if r.kind == "sentence" and r.reason == "cites no passage"
    )
    false_refusals = sum(not a.answerable for _, a in answerable)
    true_refusals = sum(not a.answerable for _, a in unanswerable)
    low = min(a.evidence for _, a in answerable)
    high = max(a.evidence for _, a in unanswerable)

    q = quantile
    retrieve = [a.timings_ms["retrieve"] for a in answers]
    lines = [
        MARK,
        "## Answers: extractive mode on our own question set",
        "",
        f"{date.today().isoformat()} · {machine()} · `python -m bench.answers --write` "
        "(`make bench`)",
        "",
        f"{len(answerable)} answerable and {len(unanswerable)} unanswerable questions from "
        "`tests/data/answer_checks.yaml`, written from the reports in our own words. "
        f"Passages found with {settings.embedding_model}, sentences scored with "
        f"{settings.answer_model}; refusal threshold {settings.refusal_threshold}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| answers stating every expected fact | {facts}/{len(answerable)} |",
        f"| citations passing the check | {kept}/{kept + dropped} |",
        f"| refused, answerable questions (false refusals) | "
        f"{false_refusals}/{len(answerable)} |",
        f"| refused, unanswerable questions | {true_refusals}/{len(unanswerable)} |",
        f"| answerability: lowest answerable / highest unanswerable | {low:.3f} / {high:.3f} |",
        f"| extractive answer latency, retrieval included, first pass (p50 / p95 of "
        f"{len(first)}) | {q(first, .5):.0f} / {q(first, .95):.0f} ms |",
        f"| the same, second pass (sentence vectors cached) | "
        f"{q(second, .5):.0f} / {q(second, .95):.0f} ms |",
        f"| of which retrieval (p50) | {q(retrieve, .5):.0f} ms |",
        f"| baseline in the same run: first pass with sentences scored by "
        f"{settings.embedding_model} (p50 / p95) | {q(baseline, .5):.0f} / "
        f"{q(baseline, .95):.0f} ms |",
        "",
        "### The fixed question set (`eval_questions/reports.yaml`, held out from tuning)",
        "",
        "Run in the same process after the passes above (sentence vectors partly cached); "
        "`assistant eval` gives the same metrics from a cold process.",
        "",
        *markdown(fixed).split("## Questions that did not pass")[0].splitlines()[2:],
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
