"""What the sentence check (``ASSISTANT_ANSWER_VERIFIER=local``) costs per answer: the questions of
tests/data/answer_checks.yaml answered over the default corpus without the check and with it, in
one process (the local model loaded by a warm-up question first), after a pass that caches the
sentence vectors, so the difference is the model's reading. Needs `make local-llm`. Writes a
Markdown section to stdout (and to docs/benchmarks.md with --write).

    python -m bench.verifier [--write]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from assistant import Settings, build_assistant
from bench.answers import CHECKS, run_pass
from bench.foundation import machine, publish, quantile

ROOT = Path(__file__).resolve().parents[1]
MARK = "<!-- verifier -->"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(index_dir=Path(tmp) / "index", env={})
        with build_assistant(settings) as assistant:
            assistant.ingest([ROOT / "data" / "reports"])
            assistant.ask("What is the ILO?")  # load the models; not one of the checks
            run_pass(assistant)  # caches the sentence vectors
            plain, _ = run_pass(assistant)
            checked_settings = settings.model_copy(update={"answer_verifier": "local"})
            checked = assistant.variant(checked_settings)
            try:
                checked.ask("What is the ILO?")  # loads the local model
                with_check, answers = run_pass(checked)
            finally:
                checked.close_variant()
    verify = [a.timings_ms["verify"] for a in answers if "verify" in a.timings_ms]
    q = quantile
    lines = [
        MARK,
        "## The sentence check: cost per answer",
        "",
        f"{len(CHECKS)} questions of `tests/data/answer_checks.yaml`, extractive mode, sentence "
        f"vectors cached; the check reads the {settings.verifier_sentences} best sentences with "
        f"`{settings.local_model}` on {machine()}. Quality: docs/answers.md, \"The sentence "
        "check\".",
        "",
        "| measure | p50 | p95 |",
        "|---|---|---|",
        f"| answer without the check (baseline, same run) | {q(plain, .5):.0f} ms | "
        f"{q(plain, .95):.0f} ms |",
        f"| answer with the check | {q(with_check, .5):.0f} ms | {q(with_check, .95):.0f} ms |",
        f"| of which the check ({len(verify)} answers reached it) | {q(verify, .5):.0f} ms | "
        f"{q(verify, .95):.0f} ms |",
        f"| ratio, with / without (p50) | {q(with_check, .5) / q(plain, .5):.1f}x | |",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
