"""``assistant eval``: run a question set, write its report, compare it with a baseline,
calibrate the refusal threshold, or turn feedback into candidate questions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError, QueryError
from assistant.serve.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _assistant
from assistant.settings import Settings


def run_eval(settings: Settings, args: argparse.Namespace) -> int:
    """``assistant eval``: run a set, report, compare with a baseline, calibrate."""
    from assistant.evaluation import runs as ev

    if args.from_feedback:
        from assistant.evaluation.feedback import candidates, candidates_yaml, read_feedback

        records, problems = read_feedback(args.from_feedback)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        items = candidates(records)
        print(candidates_yaml(items, args.from_feedback), end="")
        print(f"{len(items)} candidate question(s) from {len(records)} feedback record(s)",
              file=sys.stderr)
        return EXIT_OK
    if args.set is None:
        raise QueryError(
            "give a question set (e.g. eval_questions/reports.yaml) or --from-feedback"
        )
    if args.update_baseline and not args.baseline:
        raise QueryError("--update-baseline needs --baseline FILE (where to write it)")
    qset = ev.load_question_set(args.set)
    previous = (
        ev.read_baseline(args.baseline)
        if args.baseline and (args.baseline.exists() or not args.update_baseline) else None
    )
    bar, close = _eval_progress(len(qset.questions), quiet=args.quiet or not sys.stderr.isatty())
    try:
        with _assistant(settings) as assistant:
            try:
                run = ev.run_set(assistant, qset, mode=args.mode, k=args.k, progress=bar)
            finally:
                close()
    except AssistantError as exc:  # could not run: 2, not the regression's 1
        print(f"error: the run could not finish: {exc}", file=sys.stderr)
        return EXIT_USAGE
    comparison = ev.compare(run, previous) if previous and not args.update_baseline else None
    text = ev.describe_comparison(comparison, args.baseline) if comparison else None

    from assistant.evaluation.report import markdown, write_run

    out = args.out or Path("build") / "eval" / qset.name
    paths = write_run(run, out, text)
    print(markdown(run, text), end="")
    print(f"\nWrote {paths['json']}, {paths['markdown']} and {paths['html']}")
    if args.junit:
        from assistant.evaluation.junit import write_junit

        print(f"Wrote {write_junit(run, args.junit)}")
    if args.update_baseline:
        args.baseline.parent.mkdir(parents=True, exist_ok=True)
        args.baseline.write_text(json.dumps(
            ev.baseline_document(run, previous), indent=2, ensure_ascii=False
        ) + "\n", encoding="utf-8")
        print(f"Baseline written to {args.baseline}")
    if args.calibrate:
        _calibrate(run, qset, args.config_file or out / "calibration.toml", args.folds)
    return EXIT_FAILED if comparison is not None and comparison.failed else EXIT_OK


def _calibrate(run: Any, qset: Any, config_file: Path, folds: int) -> None:
    from assistant.evaluation.calibration import calibrate, write_threshold

    answerable = [r.evidence for r in run.results if r.answerable]
    unanswerable = [r.evidence for r in run.results if not r.answerable]
    result = calibrate(answerable, unanswerable, folds=folds)
    label = f"{qset.path.name} sha256:{qset.sha256[:16]}"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    write_threshold(config_file, result.threshold, label)
    print(
        f"\nCalibrated refusal threshold: {result.threshold} (written to [tool.assistant] in "
        f"{config_file}, set {label}; use it with --config {config_file})\n"
        f"{result.folds}-fold cross-validated refusal rates: unanswerable questions refused "
        f"{result.cv_refusal_tpr:.3f}, answerable questions refused "
        f"{result.cv_false_refusal_rate:.3f} (fold thresholds "
        f"{', '.join(str(t) for t in result.fold_thresholds)})\n"
        f"On the whole set with {result.threshold}: refused {result.fit_refusal_tpr:.3f} of "
        f"unanswerable, {result.fit_false_refusal_rate:.3f} of answerable (fitted and scored on "
        "the same questions)"
    )


def _eval_progress(total: int, quiet: bool) -> tuple[Any, Any]:
    if quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="question", file=sys.stderr, dynamic_ncols=True)
    passed = 0

    def on_result(result: Any) -> None:
        nonlocal passed
        passed += int(result.passed)
        bar.set_postfix_str(f"passed {passed}")
        bar.update(1)

    return on_result, bar.close
