"""Records kept by the document catalog."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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

    @property
    def sha256(self) -> str:
        return self.doc_id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sha256"] = self.doc_id
        return data
