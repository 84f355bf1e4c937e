"""Answer feedback: thumbs up/down saved as JSON Lines, and thumbs-down answers turned into
candidate questions for a question set.

One record per line::

    {"time": "...", "rating": "down", "question": "...", "standalone_question": "...",
     "answer": "...", "answerable": true, "mode": "extractive",
     "citations": [{"n": 1, "source": "...", "page": 12, "section": "...", "quote": "..."}],
     "comment": "..."}

Candidates are written in the set's YAML format with ``answerable`` left empty and ``TODO``
markers, so a candidate cannot join a set (the loader refuses it) until a person completes it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import QueryError
from assistant.records import Answer

RATINGS = ("up", "down")
_LOCK = threading.Lock()


def feedback_record(answer: Answer, rating: str, comment: str | None = None) -> dict[str, Any]:
    if rating not in RATINGS:
        raise QueryError(f"rating must be 'up' or 'down'; got {rating!r}")
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": rating,
        "question": answer.question,
        "standalone_question": answer.standalone_question,
        "answer": answer.answer,
        "answerable": answer.answerable,
        "mode": answer.mode,
        "citations": [
            {"n": c.n, "source": c.source, "title": c.title, "year": c.year, "page": c.page,
             "section": c.section, "quote": c.quote}
            for c in answer.citations
        ],
        "comment": (comment or "").strip() or None,
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one record (one line, flushed) to the feedback file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False)
    with _LOCK, path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()


def read_feedback(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Records of a feedback file, and one problem per unreadable line (line number named)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"feedback file {path} cannot be read: {exc.strerror or exc}") from exc
    return json_lines(text, path, lambda r: None if isinstance(r.get("question"), str)
                      else "no question")


def json_lines(
    text: str, path: Path, problem: Callable[[dict[str, Any]], str | None]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The JSON objects of a JSON Lines text, and a line for each line that is not one or that
    ``problem`` objects to (what it returns), all skipped."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}, line {number}: not JSON ({exc.msg}); skipped")
            continue
        why = problem(record) if isinstance(record, dict) else "not an object"
        if why:
            problems.append(f"{path}, line {number}: {why}; skipped")
            continue
        records.append(record)
    return records, problems


def candidates(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Thumbs-down records as candidate questions (one per distinct question)."""
    out: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("rating") != "down":
            continue
        question = " ".join(str(record["question"]).split())
        key = hashlib.sha256(question.lower().encode()).hexdigest()[:8]
        if key in out:
            continue
        out[key] = {
            "id": f"fb-{key}",
            "question": question,
            "answerable": None,
            "type": "TODO",
            "keywords": [],
            "sources": [],
            "feedback": {
                "time": record.get("time"),
                "comment": record.get("comment"),
                "answer_given": record.get("answer"),
                "answerable_given": record.get("answerable"),
                "citations_given": [
                    {k: c.get(k) for k in ("n", "source", "page", "section", "quote")}
                    for c in record.get("citations") or [] if isinstance(c, dict)
                ],
            },
        }
    return list(out.values())


def candidates_yaml(items: list[dict[str, Any]], source: Path) -> str:
    header = (
        f"# Candidate questions from thumbs-down feedback in {source}.\n"
        "# Nothing here is in a question set yet. For each one worth keeping: set answerable\n"
        "# (true/false) and type, write keywords (facts a correct answer states) and sources\n"
        "# (report + a verbatim quote), delete the feedback block, and move it into the set.\n"
    )
    if not items:
        return header + "questions: []\n"
    return header + yaml.safe_dump(
        {"questions": items}, sort_keys=False, allow_unicode=True, width=100
    )
