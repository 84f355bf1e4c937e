"""Local-model benchmark: each pinned GGUF model run in process by llama.cpp, against the
extractive mode, on the same question sets: first-token and full-answer latency (p50/p95) and
the answer metrics (every expected fact, cited evidence, refusals). Writes a Markdown section to
stdout (and to docs/benchmarks.md with --write).

    python -m bench.local_model [--write] [--models qwen2.5-coder-0.5b ...] [--sets FILE ...]

Needs the runtime and the models (`make local-llm`, `assistant models fetch NAME`).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from assistant import Settings, build_assistant
from assistant.answering.local import cpu_threads, runtime_for
from assistant.answering.local_models import PINNED, missing_reason
from assistant.evaluation.runs import EvalRun, load_question_set, run_set
from bench.foundation import publish

ROOT = Path(__file__).resolve().parents[1]
MARK = "<!-- local-model -->"
SETS = ("eval_questions/fresh_holdout.yaml", "eval_questions/reports.yaml")


def _row(label: str, run: EvalRun, load_s: float | None) -> str:
    m = run.metrics
    near = m["by_type"].get("near-miss", {})
    near_cell = f"{near['passed']}/{near['questions']}" if near else "–"

    def ms(key: str) -> str:
        value = m.get(key)
        return "–" if value is None else f"{value / 1000:.1f}"

    return (
        f"| {label} | {m['answer_accuracy']:.2f} | {m['evidence_cited'] or 0:.2f} | "
        f"{near_cell} | {m['refusal_tpr'] or 0:.2f} | {m['false_refusal_rate'] or 0:.2f} | "
        f"{ms('first_token_ms_p50')} / {ms('first_token_ms_p95')} | "
        f"{ms('answer_ms_p50')} / {ms('answer_ms_p95')} | "
        + ("–" if load_s is None else f"{load_s:.1f}") + " |"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--models", nargs="*", default=list(PINNED))
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    args = parser.parse_args()
    for name in args.models:
        why = missing_reason(name)
        if why:
            raise SystemExit(why)
    lines = [
        MARK,
        "## Local model: llama.cpp in process, against the extractive mode",
        "",
        f"Each pinned model answers every question of each set through the whole pipeline "
        f"(retrieval, evidence, refusal, draft, citation check), {cpu_threads()} threads, "
        "temperature 0, greedy. Latency is per question, retrieval included: *first token* is "
        "when the draft starts to stream, *answer* when the checked answer is ready. "
        "*Near-miss refused*: questions on a topic the reports cover, asking a fact they do "
        "not give. Load: the model file read and the runtime set up, once per process.",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings.load(index_dir=Path(tmp) / "index", env={})
        with build_assistant(base) as assistant:
            assistant.ingest([ROOT / "data" / "reports"])
            assistant.ask("What is the ILO?")  # load the embedding model first
            for set_path in args.sets:
                qset = load_question_set(ROOT / set_path)
                lines += [
                    f"### `{set_path}` ({len(qset.questions)} questions)",
                    "",
                    "| answer mode | every fact | evidence cited | near-miss refused | "
                    "unanswerable refused | answerable refused | first token p50 / p95 (s) "
                    "| answer p50 / p95 (s) | load (s) |",
                    "|---|---|---|---|---|---|---|---|---|",
                    _row("extractive", run_set(assistant, qset, mode="extractive"), None),
                ]
                for name in args.models:
                    settings = base.model_copy(update={"local_model": name})
                    runtime = runtime_for(settings)
                    started = time.perf_counter()
                    loaded_before = runtime.loaded
                    runtime.model()
                    load_s = None if loaded_before else time.perf_counter() - started
                    with build_assistant(settings, embedder=assistant.embedder) as local:
                        run = run_set(local, qset, mode="local")
                    lines.append(_row(f"local, {name}", run, load_s))
                    print(f"{set_path} {name}: {run.metrics['answer_accuracy']}", flush=True)
                lines.append("")
    lines.append(MARK)
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
