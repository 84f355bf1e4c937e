"""Records of the index layer: a search hit, the row-to-chunk mapping both indexes share, and
the document catalog's record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ingest.records import Chunk


@dataclass(frozen=True)
class Hit:
    """A chunk found by one of the indexes, with that index's score (higher is better)."""

    chunk: Chunk
    score: float


def chunk_from_record(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    """Rebuild a :class:`Chunk` from what a store returned: Chroma metadata (absent keys for
    None values) or an FTS5 row as a column -> value mapping (NULLs)."""
    kind = meta.get("kind")
    return Chunk(
        chunk_id=str(chunk_id),
        doc_id=str(meta["doc_id"]),
        source=str(meta["source"]),
        title=str(meta.get("title") or ""),
        year=_int_or_none(meta.get("year")),
        section=str(meta.get("section") or ""),
        page_start=_int_or_none(meta.get("page_start")),
        page_end=_int_or_none(meta.get("page_end")),
        char_start=int(meta.get("char_start") or 0),
        char_end=int(meta.get("char_end") or 0),
        position=int(meta.get("position") or 0),
        text=str(text),
        kind=str(kind) if kind else None,
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


@dataclass(frozen=True)
class DocumentRecord:
    """One ingested document. It is answerable only once this record exists."""

    source: str
    doc_id: str  # sha256 of the file's bytes
    title: str
    year: int | None
    kind: str | None
    chunks: int
    size_bytes: int
    format: str
    embedding_model: str
    ingested_at: str  # ISO 8601, UTC
    aliases: tuple[str, ...] = ()  # other names of the report, from the catalog file

    @property
    def sha256(self) -> str:
        return self.doc_id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sha256"] = self.doc_id
        return data
