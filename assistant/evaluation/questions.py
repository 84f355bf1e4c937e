"""Question sets: the YAML files of ``eval_questions/``, read and checked.

A set has ``questions`` with ``id``, ``question``, ``answerable``, ``type``, ``keywords`` (facts
a correct answer states), ``sources`` (report file + a short quote that must be among the
retrieved passages) and, for a follow-up, ``history`` (the earlier questions of the
conversation, oldest first), and ``critical: true`` for a question whose pass -> fail flip
always fails the gate. ``near-miss`` questions are unanswerable ones whose topic the
reports discuss although the asked fact is not there.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import EvalSetError

TYPES = (
    "fact", "number", "list", "finding", "recommendation", "methodology", "multi-report",
    "unanswerable", "near-miss",
)
UNANSWERABLE_TYPES = frozenset({"unanswerable", "near-miss"})


@dataclass(frozen=True)
class Source:
    report: str
    quote: str


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answerable: bool
    type: str
    keywords: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first
    critical: bool = False  # a pass -> fail flip of this question always fails the gate


@dataclass(frozen=True)
class QuestionSet:
    name: str
    path: Path
    sha256: str
    questions: tuple[EvalQuestion, ...]


def read_yaml(path: Path, what: str) -> tuple[bytes, Any]:
    """The bytes of a YAML file and what they hold; EvalSetError naming ``what`` and the file."""
    try:
        raw = path.read_bytes()
        return raw, yaml.safe_load(raw)
    except OSError as exc:
        raise EvalSetError(f"{what} {path} cannot be read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{what} {path} is not valid YAML: {exc}") from exc


def load_question_set(path: Path | str) -> QuestionSet:
    """Read and validate a question set; every problem names the file and the question id."""
    path = Path(path)
    raw, data = read_yaml(path, "question set")
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise EvalSetError(f"question set {path} has no `questions` list")
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        where = f"{path}, question {number}"
        if not isinstance(item, dict):
            raise EvalSetError(f"{where}: expected a mapping, got {item!r:.60}")
        qid = str(item.get("id") or "")
        if not qid:
            raise EvalSetError(f"{where}: `id` is missing")
        where = f"{path}, question {qid}"
        if qid in seen:
            raise EvalSetError(f"{where}: the id is used twice")
        seen.add(qid)
        text = item.get("question")
        if not isinstance(text, str) or not text.strip():
            raise EvalSetError(f"{where}: `question` must be a non-empty string")
        answerable = item.get("answerable")
        if not isinstance(answerable, bool):
            raise EvalSetError(
                f"{where}: `answerable` must be true or false (got {answerable!r}); a candidate "
                "from feedback must be completed by a person before it joins a set"
            )
        kind = item.get("type", "unanswerable" if not answerable else "fact")
        if kind not in TYPES:
            raise EvalSetError(f"{where}: `type` must be one of {', '.join(TYPES)}; got {kind!r}")
        keywords = item.get("keywords") or []
        sources = item.get("sources") or []
        if not isinstance(keywords, list) or not all(isinstance(k, str | int) for k in keywords):
            raise EvalSetError(f"{where}: `keywords` must be a list of strings")
        if not isinstance(sources, list):
            raise EvalSetError(f"{where}: `sources` must be a list of {{report, quote}}")
        parsed = []
        for s in sources:
            if not isinstance(s, dict) or not s.get("report") or not s.get("quote"):
                raise EvalSetError(f"{where}: each source needs `report` and `quote`")
            parsed.append(Source(str(s["report"]), str(s["quote"])))
        if answerable and not (keywords and parsed):
            raise EvalSetError(f"{where}: an answerable question needs keywords and sources")
        history = item.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise EvalSetError(f"{where}: `history` must be a list of earlier questions")
        critical = item.get("critical", False)
        if not isinstance(critical, bool):
            raise EvalSetError(f"{where}: `critical` must be true or false (got {critical!r})")
        questions.append(EvalQuestion(
            qid, " ".join(text.split()), answerable, kind,
            tuple(str(k) for k in keywords), tuple(parsed), tuple(history), critical,
        ))
    name = data.get("name") if isinstance(data, dict) else None
    return QuestionSet(
        str(name or path.stem), path, hashlib.sha256(raw).hexdigest(), tuple(questions)
    )


def normalise(text: str) -> str:
    """Lower case, one space, plain quotes and dashes, no markdown escapes: for matching quotes
    and keywords against passages and answers."""
    text = text.replace("\\$", "$").replace("’", "'").replace("‘", "'")
    text = text.replace("“", '"').replace("”", '"').replace("–", "-").replace("—", "-")
    return " ".join(text.lower().split())


def keyword_in_quotes(q: EvalQuestion) -> list[str]:
    """Keywords of ``q`` that none of its quotes contains (a set-authoring error)."""
    quotes = [normalise(s.quote) for s in q.sources]
    return [k for k in q.keywords if not any(normalise(k) in quote for quote in quotes)]


def quote_in_report(source: Source, reports_dir: Path) -> bool:
    path = reports_dir / source.report
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"<[^>]+>", "", text)
    return normalise(source.quote) in normalise(text)
