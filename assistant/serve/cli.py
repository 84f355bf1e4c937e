"""The ``assistant`` command: ingest, search, ask, eval, doctor, docs, delete.

Errors become one clear line on stderr and a non-zero exit: 1 when something failed, 2 for
bad usage or settings.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answering.answerers import ANSWERERS
from assistant.errors import AssistantError, ConfigError, EvalSetError, QueryError
from assistant.records import RETRIEVAL_MODES
from assistant.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOCAL_HELP = ("work in this process even when an app (`make run`) serves this index with the "
              "same settings; by default such an app is asked, which saves loading the models")
#: Seconds to wait for a running app's reply before answering in this process.
APP_TIMEOUT_S = 120.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Search and question evaluation reports with cited passages.",
    )
    parser.add_argument("--index", type=Path, help="index directory (env ASSISTANT_INDEX_DIR)")
    parser.add_argument("--config", type=Path, help="TOML settings file (env ASSISTANT_CONFIG)")
    parser.add_argument("--chroma-url", help="a Chroma server, e.g. http://127.0.0.1:8000 "
                        "(env ASSISTANT_CHROMA_URL); default: the index directory")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the version and the embedder this CPU runs, then exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="add or update reports in the index")
    ingest.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: data/reports)"
    )
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")

    search = commands.add_parser("search", help="find passages (report, page, section)")
    search.add_argument("query", help="words or a question")
    search.add_argument("--k", type=int, default=None, help="number of passages (default 5)")
    search.add_argument("--source", action="append", default=[], help="only this report (repeat)")
    search.add_argument("--year", help="a year or a range such as 2008-2013")
    search.add_argument("--mode", choices=RETRIEVAL_MODES, default=None,
                        help="default: hybrid, or ASSISTANT_RETRIEVAL_MODE")
    search.add_argument("--json", action="store_true", help="print the passages as JSON")
    search.add_argument("--local", action="store_true", help=LOCAL_HELP)

    ask = commands.add_parser(
        "ask", help="answer a question with cited passages (or say the reports do not)"
    )
    ask.add_argument(
        "question", help="the question; `-` reads one question per line from standard input "
        "and writes one JSON answer record per line"
    )
    ask.add_argument("--json", action="store_true", help="print the answer record as JSON")
    ask.add_argument("--mode", choices=tuple(ANSWERERS), default=None,
                     help="answer mode (default: extractive, or ASSISTANT_ANSWER_MODE)")
    ask.add_argument("--history", type=Path, metavar="FILE", help="earlier turns for a "
                     "follow-up: a JSON list of {role, content} messages, of [question, answer] "
                     "pairs, or of earlier questions")
    ask.add_argument("--k", type=int, default=None, help="passages to retrieve (default 8)")
    ask.add_argument("--source", action="append", default=[], help="only this report (repeat)")
    ask.add_argument("--year", help="a year or a range such as 2008-2013")
    ask.add_argument("--local", action="store_true", help=LOCAL_HELP)

    ev = commands.add_parser(
        "eval", help="run a question set: retrieval, answer and refusal metrics, latency"
    )
    ev.add_argument("set", nargs="?", type=Path, help="question set YAML "
                    "(e.g. eval_questions/reports.yaml)")
    ev.add_argument("--mode", choices=tuple(ANSWERERS), default=None)
    ev.add_argument("--k", type=int, default=None, help="passages per question (default 8)")
    ev.add_argument("--out", type=Path, default=None,
                    help="folder for results.json, summary.md, report.html "
                    "(default build/eval/SET)")
    ev.add_argument("--baseline", type=Path, help="compare with this results file; exit 1 when "
                    "a metric drops beyond the file's tolerance")
    ev.add_argument("--update-baseline", action="store_true",
                    help="write this run to --baseline (keeping its tolerances)")
    ev.add_argument("--calibrate", action="store_true", help="fit the refusal threshold on the "
                    "set with cross-validation and write it to a settings file")
    ev.add_argument("--folds", type=int, default=5, help="cross-validation folds (--calibrate)")
    ev.add_argument("--config-file", type=Path, default=None,
                    help="the TOML settings file --calibrate writes (default OUT/calibration.toml; "
                    "use it with --config or ASSISTANT_CONFIG)")
    ev.add_argument("--from-feedback", type=Path, metavar="FILE", help="turn thumbs-down answers "
                    "in a feedback JSONL file into candidate questions (YAML on stdout)")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    ev.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML (a test "
                    "case per question) for CI; exit 1 means a regression, 2 a run that failed")
    ev.add_argument("--summary", type=Path, metavar="FILE", help="write a Markdown summary for "
                    "a CI job page (default: appended to $GITHUB_STEP_SUMMARY when it is set)")
    ev.add_argument("--matrix", type=Path, metavar="FILE", help="run the named configurations "
                    "of this YAML file (mode, k, settings) side by side in one process")
    ev.add_argument("--history", type=Path, metavar="FILE", help="the run history (JSON Lines) "
                    "to append to (default OUT/history.jsonl)")
    ev.add_argument("--no-history", action="store_true", help="do not append to the history")
    ev.add_argument("--cache-dir", type=Path, metavar="DIR", help="the answer cache "
                    "(default build/eval/cache)")
    ev.add_argument("--no-cache", action="store_true",
                    help="answer every question again, even for an unchanged configuration")

    serve = commands.add_parser(
        "serve", help="serve ask and search (read-only REST API on 127.0.0.1) with the models "
        "kept loaded; `ask`/`search` at a terminal start one by themselves"
    )
    serve.add_argument("--port", type=int, default=None, help="default: a free port")
    serve.add_argument("--idle-exit", type=float, default=0.0, metavar="SECONDS",
                       help="exit after this long without a request (default: never)")
    serve.add_argument("--stop", action="store_true",
                       help="stop this index's background servers instead")

    doctor = commands.add_parser(
        "doctor", help="check the index's health; --repair rebuilds what is derived"
    )
    doctor.add_argument("--repair", action="store_true", help="delete orphan chunks, rebuild "
                        "the FTS5 cache, and rebuild Chroma from the report files if broken")
    doctor.add_argument("--json", action="store_true")

    docs = commands.add_parser("docs", help="list the documents in the index")
    docs.add_argument("--json", action="store_true")

    delete = commands.add_parser("delete", help="remove a document from the index")
    delete.add_argument("source", help="the document's file name, as `assistant docs` lists it")

    from assistant.serve.cli_models import add_parser as add_models

    add_models(commands)
    return parser


class _Version(argparse.Action):
    """``--version``: the package version, and the embedding model, backend and precision that
    the settings (``--config`` when given before it, else the environment) resolve to here."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        from assistant.serve.doctor import describe_answer_embedder
        from vectorstore import describe_embedder

        try:
            number = version("eval-report-assistant")
        except PackageNotFoundError:
            number = "(not installed)"
        try:
            settings = Settings.load(config_file=namespace.config)
            line = describe_embedder(settings.embedding_model, settings.embedding_backend,
                                     settings.embedding_precision)
            answers = describe_answer_embedder(settings)
        except AssistantError as exc:
            line = answers = f"(settings: {exc})"
        print(f"assistant {number}\nembedder: {line}\nanswer sentences scored with: {answers}")
        parser.exit(0)


def console() -> None:
    """The ``assistant`` command's entry: :func:`main` with the process's arguments, then an
    exit that skips the interpreter's teardown.

    Tearing down what a command loaded (torch's modules and libraries, Chroma's engine, the
    models' arrays) serves nothing once the command has returned (every write is committed
    then), and it took 0.5-0.6 s of a cold ``assistant ingest`` on two cores (a twentieth of
    it) and 0.1 s of an ``assistant ask --local`` (a tenth). The exit runs last of the exit
    handlers (it is registered before any other the command registers), after the process's
    other threads have been joined and its own handlers have run; logging and standard output
    are flushed first. Tests call :func:`main`, which never exits."""
    import atexit

    finished: list[int] = []

    def leave_without_teardown() -> None:
        if not finished:
            return
        import os

        if "logging" in sys.modules:
            import logging

            logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a reader that has gone, a closed stream
                pass
        os._exit(finished[0])

    atexit.register(leave_without_teardown)
    finished.append(main())
    raise SystemExit(finished[0])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.load(
            config_file=args.config, index_dir=args.index, chroma_url=args.chroma_url
        )
        return _COMMANDS[args.command](settings, args)
    except (ConfigError, QueryError, EvalSetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `assistant docs --json | head`: the reader has gone; stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _assistant(settings: Settings) -> Any:
    from assistant.core import build_assistant

    return build_assistant(settings)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.serve.progress import ingest_progress

    paths = args.paths or [settings.reports_dir]
    progress, close = ingest_progress(sys.stderr, bar=sys.stderr.isatty(),
                                      quiet=args.quiet or not sys.stderr.isatty())
    progress.on_stage = _fault_pause()
    with _assistant(settings) as assistant:
        try:
            report = assistant.ingest(paths, progress)
        finally:
            close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for result in report.results:
            if result.status in ("added", "replaced"):
                print(f"{result.status:<9} {result.source} ({result.chunks} chunks)")
            elif result.status == "skipped":
                print(f"skipped   {result.error}")
            for warning in result.warnings:
                print(f"warning   {warning}")
        print(
            f"{report.count('added')} added, {report.count('replaced')} replaced, "
            f"{report.count('unchanged')} unchanged, {report.count('skipped')} skipped, "
            f"{report.count('failed')} failed; {report.chunks_written} chunks written, "
            f"{report.chunks_in_index} chunks in {report.documents_in_index} documents "
            f"({report.seconds:.1f} s)"
        )
    for failure in report.failed:
        print(f"FAILED {failure.error}", file=sys.stderr)
    return EXIT_FAILED if report.failed else EXIT_OK


def _fault_pause() -> Any:
    """The crash tests' hook: with ``ASSISTANT_FAULT_PAUSE=stage`` in the environment, stop
    at that ingest stage (announcing it on stderr) so the test can kill the process there."""
    import os

    stage = os.environ.get("ASSISTANT_FAULT_PAUSE")
    if not stage:
        return None

    def pause(at: str, path: Path) -> None:
        if at == stage:
            import time

            print(f"PAUSED {at} {path.name}", file=sys.stderr, flush=True)
            time.sleep(3600)

    return pause


def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.records import Filters, SearchRequest

    filters = Filters.of(sources=args.source, years=args.year)
    url = None if args.local else _server(settings)
    found = None if url is None else _post(url, "/api/search", {
        "query": args.query, "k": args.k, "filters": _filters_body(filters), "mode": args.mode,
    })
    if found is not None:
        from assistant.records import Passage

        passages = [Passage(**p) for p in found["passages"]]
    else:
        with _assistant(settings) as assistant:
            passages = assistant.search(SearchRequest(args.query, args.k, filters, args.mode))
    _print_passages(args, filters, passages)
    if url is None and not args.local:
        _start_server(settings, args)
    return EXIT_OK


def _print_passages(args: argparse.Namespace, filters: Any, passages: list[Any]) -> None:
    if args.json:
        print(json.dumps(
            {"query": args.query, "passages": [p.to_dict() for p in passages]},
            indent=2, ensure_ascii=False,
        ))
        return
    if not passages:
        print("No passages found." + ("" if filters.empty else " (filters applied)"))
        return
    for p in passages:
        pages = _pages(p.page, p.page_end)
        print(f"[{p.rank}] {p.title} ({p.year or 'n.d.'}) · {p.source}")
        print(f"    {pages}{p.section or '(untitled section)'} · score {p.score:.4f}")
        body = textwrap.shorten(p.text.replace("\n", " "), 400, placeholder=" …")
        print(textwrap.indent(textwrap.fill(body, 96), "    "))
        print()


def _pages(start: int | None, end: int | None) -> str:
    from assistant.records import page_range

    pages = page_range(start, end)
    return "" if not pages else f"{'pp' if '-' in pages else 'p'}. {pages} · "


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.records import Filters

    filters = Filters.of(sources=args.source, years=args.year)
    history = _read_history(args.history) if args.history else ()
    url = None if args.local or args.question == "-" else _server(settings)
    found = None if url is None else _post(url, "/api/ask", {
        "question": args.question, "history": list(history) or None,
        "filters": _filters_body(filters), "k": args.k, "mode": args.mode,
    })
    if found is not None:
        from assistant.evaluation.cache import answer_from_dict

        answer = answer_from_dict(found)
    else:
        with _assistant(settings) as assistant:
            if args.question == "-":
                return _ask_lines(assistant, sys.stdin, filters, args)
            answer = _ask_streaming(assistant, _request(args.question, history, filters, args),
                                    show=not args.json and sys.stderr.isatty())
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_answer(answer))
    if url is None and not args.local and args.question != "-":
        _start_server(settings, args)
    return EXIT_OK


def _server(settings: Settings) -> str | None:
    """The URL of a running app or background server that serves this index with these
    settings (:mod:`assistant.serve.discovery`), or None."""
    from assistant.serve.discovery import find

    return find(settings)


def _post(url: str, path: str, body: dict[str, Any]) -> Any | None:
    """The server's reply, or None: then this process does the work."""
    from assistant.serve.discovery import post

    return post(url, path, {k: v for k, v in body.items() if v is not None}, APP_TIMEOUT_S)


def _start_server(settings: Settings, args: argparse.Namespace) -> None:
    """After answering in this process, start the background server that answers the next
    command (:mod:`assistant.serve.background`), when the settings want one."""
    from assistant.serve import background

    if not background.wanted(settings, interactive=sys.stdout.isatty()):
        return
    pid = background.start(settings, _placing(settings, args))
    if pid is not None and sys.stderr.isatty():
        print(f"(started a background server, pid {pid}, to answer the next command; it exits "
              f"after {settings.cli_server_idle_s / 60:.0f} min idle; "
              "`assistant serve --stop` stops it)", file=sys.stderr)


def _placing(settings: Settings, args: argparse.Namespace) -> list[str]:
    """The global options that give another process these settings (the environment gives
    it the rest)."""
    out = ["--index", str(Path(settings.index_dir).resolve())]
    if args.config:
        out += ["--config", str(Path(args.config).resolve())]
    if args.chroma_url:
        out += ["--chroma-url", args.chroma_url]
    return out


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.serve import background

    if args.stop:
        stopped = background.stop(settings)
        print(f"stopped {len(stopped)} background server(s)"
              + (f": pid {', '.join(map(str, stopped))}" if stopped else ""))
        return EXIT_OK
    port = args.port or background.free_port()
    return background.serve(settings, port, args.idle_exit or None)


def _filters_body(filters: Any) -> dict[str, Any] | None:
    if filters.empty:
        return None
    return {"sources": list(filters.sources), "year_min": filters.year_min,
            "year_max": filters.year_max}


def _ask_streaming(assistant: Any, request: Any, show: bool) -> Any:
    """Answer ``request``; with ``show``, a draft that a model writes appears on stderr as it
    comes (dimmed), before the checked answer is printed."""
    answer, drafting = None, False
    for event in assistant.ask_stream(request):
        if event.kind == "token" and show:
            if not drafting:
                sys.stderr.write("\x1b[2mdraft, before the citation check:\n")
                drafting = True
            sys.stderr.write(event.text)
            sys.stderr.flush()
        elif event.kind == "answer":
            answer = event.answer
    if drafting:
        sys.stderr.write("\x1b[0m\n\n")
    return answer


def _ask_lines(assistant: Any, stream: Any, filters: Any, args: argparse.Namespace) -> int:
    """One question per input line, one JSON record per output line; a bad question gets a
    record with an ``error`` and the rest go on."""
    failed = 0
    for number, line in enumerate(stream, 1):
        question = line.rstrip("\n")
        if not question.strip():
            continue
        try:
            record = assistant.ask(_request(question, (), filters, args)).to_dict()
        except QueryError as exc:
            failed += 1
            record = {"question": question, "line": number, "error": str(exc)}
            print(f"error: line {number}: {exc}", file=sys.stderr)
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def _request(question: str, history: Any, filters: Any, args: argparse.Namespace) -> Any:
    from assistant.records import AskRequest

    return AskRequest(question, history, filters, args.mode, args.k)


def _read_history(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise QueryError(f"--history {path} cannot be read: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise QueryError(f"--history {path} is not a JSON list of turns: {exc}") from exc


def format_answer(answer: Any) -> str:
    """The answer for a terminal: the text, then each citation with report, page, section
    and the supporting sentence."""
    lines = [answer.answer, ""]
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"[{c.n}] {c.title} ({c.year or 'n.d.'}) · {c.source}")
            lines.append(f"    {_pages(c.page, c.page_end)}{c.section or '(untitled section)'}")
            quote = textwrap.shorten(c.quote.replace("\n", " "), 300, placeholder=" …")
            lines.append(textwrap.indent(textwrap.fill(f"“{quote}”", 92), "    "))
    if answer.removed:
        lines.append("")
        lines.append(f"({len(answer.removed)} unsupported sentence(s) or citation(s) removed; "
                     "--json shows them)")
    return "\n".join(lines).rstrip()


def cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.serve.doctor import diagnose, repair

    report = repair(settings) if args.repair else diagnose(settings)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for action in report.repairs:
            print(f"repaired  {action}")
        for check in report.checks:
            print(f"{'ok' if check.ok else 'PROBLEM':<9} {check.name}: {check.detail}")
        if not report.healthy and not args.repair:
            print("Run `assistant doctor --repair` to fix what can be fixed.")
    return EXIT_OK if report.healthy else EXIT_FAILED


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    with _assistant(settings) as assistant:
        records = assistant.documents()
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("The index is empty. Run `assistant ingest` first.")
        return EXIT_OK
    for r in records:
        print(f"{r.source}\n    {r.title} ({r.year or 'n.d.'}) · {r.kind or r.format} · "
              f"{r.chunks} chunks · ingested {r.ingested_at}")
    print(f"{len(records)} documents, {sum(r.chunks for r in records)} chunks")
    return EXIT_OK


def cmd_delete(settings: Settings, args: argparse.Namespace) -> int:
    with _assistant(settings) as assistant:
        record = assistant.delete(args.source)
    print(f"deleted {record.source} ({record.chunks} chunks)")
    if (settings.reports_dir / record.source).is_file():
        print(f"note: {settings.reports_dir / record.source} is still there, so the next "
              "`assistant ingest` (or `make run`) adds it again; move or delete the file to keep "
              "it out")
    return EXIT_OK


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.serve.cli_eval import run_eval

    return run_eval(settings, args)


def cmd_models(settings: Settings, args: argparse.Namespace) -> int:
    from assistant.serve.cli_models import run_models

    return run_models(settings, args)


_COMMANDS = {
    "ingest": cmd_ingest, "search": cmd_search, "ask": cmd_ask, "eval": cmd_eval,
    "doctor": cmd_doctor, "docs": cmd_docs, "delete": cmd_delete, "models": cmd_models,
    "serve": cmd_serve,
}


if __name__ == "__main__":
    console()
