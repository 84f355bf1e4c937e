"""A question-set run as JUnit XML, the report CI systems display: one test case per question,
failed when its answer did not pass, with what was missing or wrong as the message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from assistant.evaluation.runs import EvalRun, QuestionResult


def failure_message(result: QuestionResult) -> str | None:
    """Why a question did not pass (None when it passed)."""
    if result.passed:
        return None
    if result.error:
        return f"error: {result.error}"
    if not result.answerable:
        return "answered a question the reports do not answer"
    if result.refused:
        return "refused a question the reports answer"
    return "missing: " + ", ".join(result.keywords_missing)


def _timestamp(date: object) -> str | None:
    """The run's date as xs:dateTime (ISO 8601), as JUnit readers expect."""
    try:
        return datetime.strptime(str(date), "%Y-%m-%d %H:%M:%S %z").isoformat(timespec="seconds")
    except ValueError:
        return None


def junit_xml(runs: EvalRun | Sequence[tuple[str | None, EvalRun]]) -> str:
    """A run, or named runs of a matrix (one ``<testsuite>`` each), as a JUnit
    ``<testsuites>`` document."""
    named = [(None, runs)] if isinstance(runs, EvalRun) else list(runs)
    total = sum(len(run.results) for _, run in named)
    failures = sum(not r.passed for _, run in named for r in run.results)
    seconds = sum(r.answer_ms for _, run in named for r in run.results) / 1000
    root = ET.Element("testsuites", name="assistant eval", tests=str(total),
                      failures=str(failures), errors="0", time=f"{seconds:.3f}")
    for configuration, run in named:
        _suite(root, run, configuration)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(root: ET.Element, run: EvalRun, configuration: str | None) -> None:
    name = str(run.meta.get("set", "questions"))
    label = configuration or f"{run.meta.get('mode')} mode"
    suite_name = f"{name} ({label})"
    failures = sum(not r.passed for r in run.results)
    seconds = sum(r.answer_ms for r in run.results) / 1000
    suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(run.results)),
                          failures=str(failures), errors="0", skipped="0",
                          time=f"{seconds:.3f}")
    timestamp = _timestamp(run.meta.get("date"))
    if timestamp:
        suite.set("timestamp", timestamp)
    prefix = f"{configuration}." if configuration else ""
    for result in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"{prefix}{name}.{result.type}",
                             name=f"{result.id}: {result.question}",
                             time=f"{result.answer_ms / 1000:.3f}")
        message = failure_message(result)
        if message is not None:
            failure = ET.SubElement(case, "failure", message=message, type=result.type)
            failure.text = f"Q: {result.question}\nA: {result.answer}"
        ET.SubElement(case, "system-out").text = result.answer


def write_junit(runs: EvalRun | Sequence[tuple[str | None, EvalRun]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(runs), encoding="utf-8")
    return path
