"""A question-set run as JUnit XML, the report CI systems display: one test case per question,
failed when its answer did not pass, with what was missing or wrong as the message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
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


def junit_xml(run: EvalRun) -> str:
    """The run as a JUnit ``<testsuites>`` document."""
    name = str(run.meta.get("set", "questions"))
    suite_name = f"{name} ({run.meta.get('mode')} mode)"
    failures = sum(not r.passed for r in run.results)
    seconds = sum(r.answer_ms for r in run.results) / 1000
    root = ET.Element("testsuites", name="assistant eval", tests=str(len(run.results)),
                      failures=str(failures), errors="0", time=f"{seconds:.3f}")
    suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(run.results)),
                          failures=str(failures), errors="0", skipped="0",
                          time=f"{seconds:.3f}", timestamp=str(run.meta.get("date", "")))
    for result in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"{name}.{result.type}",
                             name=f"{result.id}: {result.question}",
                             time=f"{result.answer_ms / 1000:.3f}")
        message = failure_message(result)
        if message is not None:
            failure = ET.SubElement(case, "failure", message=message, type=result.type)
            failure.text = f"Q: {result.question}\nA: {result.answer}"
        ET.SubElement(case, "system-out").text = result.answer
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(run: EvalRun, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(run), encoding="utf-8")
    return path
