"""``assistant eval``: run a question set, write its report, compare it with a baseline,
calibrate the refusal threshold, or turn feedback into candidate questions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError, QueryError
from assistant.evaluation.gate import baseline_document, compare, describe_comparison, read_baseline
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
        read_baseline(args.baseline)
        if args.baseline and (args.baseline.exists() or not args.update_baseline) else None
    )
    if args.matrix:
        return _run_matrix(settings, args, qset, previous)
    bar, close = _eval_progress(len(qset.questions), quiet=args.quiet or not sys.stderr.isatty())
    try:
        with _assistant(settings) as assistant:
            try:
                run = ev.run_set(assistant, qset, mode=args.mode, k=args.k, progress=bar,
                                 cache_dir=_cache_dir(args))
            finally:
                close()
    except AssistantError as exc:  # could not run: 2, not the regression's 1
        print(f"error: the run could not finish: {exc}", file=sys.stderr)
        return EXIT_USAGE
    comparison = compare(run, previous) if previous and not args.update_baseline else None
    text = describe_comparison(comparison, args.baseline) if comparison else None

    from assistant.evaluation.report import ci_summary, markdown, write_run

    out = args.out or Path("build") / "eval" / qset.name
    trend = _record_history(args, out, run, comparison, None)
    paths = write_run(run, out, text, comparison, trend)
    print(markdown(run, text, comparison), end="")
    print(f"\nWrote {paths['json']}, {paths['markdown']} and {paths['html']}")
    _write_summary(args, ci_summary(run, comparison, _name(args.baseline), paths["html"]))
    if args.junit:
        from assistant.evaluation.junit import write_junit

        print(f"Wrote {write_junit([(None, run)], args.junit)}")
    if args.update_baseline:
        args.baseline.parent.mkdir(parents=True, exist_ok=True)
        args.baseline.write_text(json.dumps(
            baseline_document(run, previous), indent=2, ensure_ascii=False
        ) + "\n", encoding="utf-8")
        print(f"Baseline written to {args.baseline}")
    if args.calibrate:
        _calibrate(run, qset, args.config_file or out / "calibration.toml", args.folds)
    return EXIT_FAILED if comparison is not None and comparison.failed else EXIT_OK


def _name(path: Path | None) -> str | None:
    return str(path) if path else None


def _cache_dir(args: argparse.Namespace) -> Path | None:
    from assistant.evaluation.cache import DEFAULT_DIR

    return None if args.no_cache else (args.cache_dir or DEFAULT_DIR)


def _record_history(args: argparse.Namespace, out: Path, run: Any, comparison: Any,
                    configuration: str | None) -> list[dict[str, Any]] | None:
    """Append the run to the history file and return its trend (None with --no-history)."""
    if args.no_history:
        return None
    from assistant.evaluation import history

    path = args.history or out / "history.jsonl"
    gate = None if comparison is None else ("failed" if comparison.failed else "passed")
    history.append_history(path, history.history_record(
        run, configuration=configuration, gate=gate, git=history.git_state()
    ))
    records, problems = history.read_history(path)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return history.trend(records, run.meta.get("set"), configuration)


def _write_summary(args: argparse.Namespace, text: str) -> None:
    """--summary FILE, else $GITHUB_STEP_SUMMARY (appended to, as GitHub expects)."""
    target = args.summary or (
        Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY")
        else None
    )
    if target is None:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if args.summary:
        target.write_text(text, encoding="utf-8")
    else:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text)
    print(f"Wrote the CI summary to {target}")


def _run_matrix(settings: Settings, args: argparse.Namespace, qset: Any, previous: Any) -> int:
    """``--matrix FILE``: every configuration over the set in this process, side by side."""
    from assistant.evaluation.matrix import load_matrix, run_matrix
    from assistant.evaluation.report import write_run
    from assistant.evaluation.report_matrix import matrix_markdown, write_matrix

    for flag, given in (("--update-baseline", args.update_baseline),
                        ("--calibrate", args.calibrate), ("--mode", args.mode),
                        ("--k", args.k)):
        if given:
            raise QueryError(f"{flag} does not go with --matrix: mode and k are set per "
                             "configuration in the matrix file, and a baseline or threshold "
                             "comes from one configuration's run")
    title, configurations = load_matrix(args.matrix)
    quiet = args.quiet or not sys.stderr.isatty()
    bars: list[Any] = []

    def progress(configuration: Any) -> Any:
        for done in bars:
            done()
        bars.clear()
        if quiet:
            return None
        print(f"{configuration.name}: {configuration.describe()}", file=sys.stderr)
        bar, close = _eval_progress(len(qset.questions), quiet=False)
        bars.append(close)
        return bar

    try:
        with _assistant(settings) as assistant:
            try:
                entries = run_matrix(assistant, qset, configurations,
                                     cache_dir=_cache_dir(args), progress=progress)
            finally:
                for done in bars:
                    done()
    except AssistantError as exc:
        print(f"error: the run could not finish: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = args.out or Path("build") / "eval" / f"{qset.name}-{title}"
    trends = {}
    for entry in entries:
        if entry.run is None:
            print(f"warning: {entry.configuration.name} was not run: {entry.not_run}",
                  file=sys.stderr)
            continue
        comparison = compare(entry.run, previous) if previous else None
        text = describe_comparison(comparison, args.baseline) if comparison else None
        entry.extra["comparison"] = comparison
        name = entry.configuration.name
        trend = _record_history(args, out, entry.run, comparison, name)
        if trend is not None:
            trends[name] = trend
        entry.extra["paths"] = write_run(entry.run, out / name, text, comparison, trend)
    paths = write_matrix(title, entries, out, trends or None)
    summary = matrix_markdown(title, entries)
    print(summary, end="")
    print(f"\nWrote {paths['json']}, {paths['markdown']} and {paths['html']} (and a report per "
          f"configuration in {out}/NAME/)")
    _write_summary(args, summary)
    ran = [(e.configuration.name, e.run) for e in entries if e.run is not None]
    if args.junit and ran:
        from assistant.evaluation.junit import write_junit

        print(f"Wrote {write_junit(ran, args.junit)}")
    if not ran:
        print("error: no configuration could run", file=sys.stderr)
        return EXIT_USAGE
    failed = [e.configuration.name for e in entries
              if e.extra.get("comparison") is not None and e.extra["comparison"].failed]
    if failed:
        print(f"REGRESSION against {args.baseline} in: {', '.join(failed)}")
    return EXIT_FAILED if failed else EXIT_OK


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
