"""Typed records that cross the layers: the requests (``AskRequest``, ``SearchRequest``, each
validated once where it is built), filters, chat turns, passages, citations, answers and ingest
reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.errors import QueryError

#: How passages may be found: fused (hybrid), or one index alone.
RETRIEVAL_MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some reports (file names) and/or a year range (inclusive)."""

    sources: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    @classmethod
    def of(
        cls, sources: Any = None, years: Any = None, year_min: int | None = None,
        year_max: int | None = None,
    ) -> Filters:
        """Build filters from loose values: ``years`` may be ``2009``, ``"2008-2013"`` or a list."""
        if isinstance(sources, str):
            sources = (sources,)
        if years is not None:
            low, high = _year_range(years)
            year_min = low if year_min is None else year_min
            year_max = high if year_max is None else year_max
        return cls(tuple(sources or ()), year_min, year_max)

    def accepts(self, source: str, year: int | None) -> bool:
        if self.sources and source not in self.sources:
            return False
        if self.year_min is not None and (year is None or year < self.year_min):
            return False
        return not (self.year_max is not None and (year is None or year > self.year_max))

    @property
    def empty(self) -> bool:
        return not self.sources and self.year_min is None and self.year_max is None


def _year_range(years: Any) -> tuple[int, int]:
    try:
        if isinstance(years, int):
            return years, years
        if isinstance(years, str):
            parts = [p.strip() for p in years.replace("..", "-").split("-")]
            if len(parts) == 1:
                return int(parts[0]), int(parts[0])
            if len(parts) == 2:
                low, high = int(parts[0]), int(parts[1])
                if low > high:
                    raise QueryError(
                        f"year range is empty: from {low} to {high}; give the earlier year first"
                    )
                return low, high
        values = [int(y) for y in years]
        return min(values), max(values)
    except (TypeError, ValueError) as exc:
        raise QueryError(
            f"year must be a year or a range like 2008-2013; got {years!r}"
        ) from exc
    raise QueryError(f"year must be a year or a range like 2008-2013; got {years!r}")


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str


def normalise_history(history: Any) -> list[Turn]:
    """Accept the history shapes front ends send and return plain turns.

    Shapes: ``[{"role", "content"}]`` (OpenAI / Gradio 6 messages, where ``content`` may be a
    list of ``{"type": "text", "text"}`` parts), ``[(user, assistant), ...]`` pairs, or a list of
    strings (earlier user questions).
    """
    if history is None:
        return []
    if not isinstance(history, Sequence) or isinstance(history, str):
        raise QueryError("history must be a list of messages ({role, content}) or of pairs")
    turns: list[Turn] = []
    for position, item in enumerate(history):
        if isinstance(item, str):
            turns.append(Turn("user", item))
        elif isinstance(item, dict) and "role" in item:
            role = str(item["role"])
            if role not in ("user", "assistant", "system"):
                raise QueryError(f"history item {position}: unknown role {role!r}")
            if role != "system":
                turns.append(Turn(role, _text(item.get("content"), position)))
        elif isinstance(item, Sequence) and len(item) == 2:
            user, bot = item
            if user:
                turns.append(Turn("user", _text(user, position)))
            if bot:
                turns.append(Turn("assistant", _text(bot, position)))
        else:
            raise QueryError(
                f"history item {position} is neither a message ({{role, content}}) nor a "
                f"(question, answer) pair: {item!r:.80}"
            )
    return turns


def _text(content: Any, position: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, Sequence):
        return " ".join(_text(part, position) for part in content)
    raise QueryError(f"history item {position}: content must be text, got {type(content)}")
#: The most passages one request may ask for, and the longest question or query (characters).
K_MAX = 100
MAX_QUERY_CHARS = 2000


def clean_query(query: Any) -> str:
    """``query`` with control characters dropped and spaces collapsed, or :class:`QueryError`
    when it is not text, empty, or longer than :data:`MAX_QUERY_CHARS`."""
    if not isinstance(query, str):
        raise QueryError(f"the query must be text, got {type(query).__name__}")
    query = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in query)
    query = " ".join(query.split())
    if not query:
        raise QueryError("the query is empty; type a question or some words to search for")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}"
        )
    return query


def _check_k(k: Any) -> None:
    if k is None:
        return
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
        raise QueryError(f"k must be between 1 and {K_MAX}. Currently, k is {k!r}")


def _filters(value: Any) -> Filters:
    if value is None:
        return Filters()
    if not isinstance(value, Filters):
        raise QueryError(f"filters must be Filters, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class SearchRequest:
    """One search, validated when built: the query, how many passages (``None``: the setting
    ``top_k``), filters, and the retrieval mode (``None``: the setting ``retrieval_mode``)."""

    query: str
    k: int | None = None
    filters: Filters = field(default_factory=Filters)
    retrieval_mode: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", clean_query(self.query))
        _check_k(self.k)
        object.__setattr__(self, "filters", _filters(self.filters))


@dataclass(frozen=True)
class AskRequest:
    """One question, validated when built and passed whole from every front end (CLI, REST,
    chat page, MCP) to the answer pipeline.

    ``history``: earlier turns in any shape :func:`normalise_history` accepts, kept as
    :class:`Turn`. ``answer_mode``: an answerer's name (``None``: the setting ``answer_mode``).
    ``k``: passages to retrieve (``None``: the setting ``answer_passages``).
    """

    question: str
    history: Sequence[Any] = ()  # normalised to a tuple of Turn
    filters: Filters = field(default_factory=Filters)
    answer_mode: str | None = None
    k: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "question", clean_query(self.question))
        object.__setattr__(self, "history", tuple(normalise_history(self.history)))
        _check_k(self.k)
        object.__setattr__(self, "filters", _filters(self.filters))
        if self.answer_mode is not None and not isinstance(self.answer_mode, str):
            raise QueryError(f"answer mode must be a name, got {self.answer_mode!r}")


def page_range(start: int | None, end: int | None) -> str:
    """``"12"`` or ``"12-14"`` for a passage's pages; ``""`` when the page is unknown."""
    if start is None:
        return ""
    return str(start) if end in (None, start) else f"{start}-{end}"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its place in the report and its scores."""

    rank: int
    chunk_id: str
    doc_id: str
    source: str
    title: str
    year: int | None
    section: str
    page: int | None
    page_end: int | None
    score: float  # fused reciprocal-rank score (higher is better)
    dense_score: float | None  # cosine similarity, when the dense index ranked it
    lexical_score: float | None  # -bm25, when the lexical index ranked it
    text: str
    char_start: int
    char_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file during ingest."""

    path: str
    source: str
    status: str  # added | replaced | unchanged | skipped | failed
    chunks: int = 0
    doc_id: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class IngestReport:
    """The summary of one ``ingest`` call."""

    results: tuple[FileResult, ...]
    seconds: float
    chunks_in_index: int
    documents_in_index: int
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> tuple[FileResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    @property
    def chunks_written(self) -> int:
        return sum(r.chunks for r in self.results if r.status in ("added", "replaced"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "replaced": self.count("replaced"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "chunks_written": self.chunks_written,
            "chunks_in_index": self.chunks_in_index,
            "documents_in_index": self.documents_in_index,
            "seconds": round(self.seconds, 3),
            "files": [asdict(r) for r in self.results],
        }


@dataclass(frozen=True)
class Citation:
    """One cited passage: where it is, the sentence(s) that support the answer, the passage."""

    n: int  # the number of the ``[n]`` marker in the answer
    passage: int  # rank of the passage in ``Answer.passages``
    chunk_id: str
    source: str
    title: str
    year: int | None
    page: int | None
    page_end: int | None
    section: str
    quote: str  # the passage sentence that best supports the cited answer text
    quotes: tuple[str, ...]  # every supporting sentence, in passage order
    spans: tuple[tuple[int, int], ...]  # offsets of ``quotes`` in ``text``, to highlight
    text: str  # the whole passage
    support: float  # the weakest support score among the sentences citing this passage

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quotes"] = list(self.quotes)
        data["spans"] = [list(span) for span in self.spans]
        return data


@dataclass(frozen=True)
class Removal:
    """What the citation check took out of a draft answer, and why."""

    kind: str  # "sentence" (dropped) or "citation" (marker removed from a kept sentence)
    text: str  # the sentence as drafted
    citation: int | None  # the marker number, for kind "citation"
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The answer record (DESIGN.md): the same shape in Python, the CLI's JSON and REST."""

    question: str
    standalone_question: str
    answer: str
    answerable: bool
    mode: str
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    evidence: float  # answerability score of the retrieved passages (0..1)
    threshold: float  # refusal threshold in force: evidence below it means a refusal
    removed: tuple[Removal, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "answerable": self.answerable,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "evidence": round(self.evidence, 4),
            "threshold": self.threshold,
            "removed": [r.to_dict() for r in self.removed],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
