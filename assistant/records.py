"""Typed records returned by the assistant: search filters, passages, ingest reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.errors import QueryError


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some reports (file names) and/or a year range (inclusive)."""

    sources: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    def __post_init__(self) -> None:
        if (
            self.year_min is not None
            and self.year_max is not None
            and self.year_min > self.year_max
        ):
            raise QueryError(
                f"year range is empty: from {self.year_min} to {self.year_max}; "
                "give the earlier year first"
            )

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
                return int(parts[0]), int(parts[1])
        values = [int(y) for y in years]
        return min(values), max(values)
    except (TypeError, ValueError) as exc:
        raise QueryError(
            f"year must be a year or a range like 2008-2013; got {years!r}"
        ) from exc
    raise QueryError(f"year must be a year or a range like 2008-2013; got {years!r}")


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
