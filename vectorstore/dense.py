"""The dense index: chunks and their embeddings in a Chroma collection (cosine space)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ingest.records import Chunk
from vectorstore.errors import IndexMismatch
from vectorstore.records import Hit, chunk_from_record

__all__ = ["CHUNKS_COLLECTION", "ChromaDenseIndex", "Hit", "chunk_from_record", "chunk_metadata"]

CHUNKS_COLLECTION = "report_chunks"
#: HNSW's search breadth. Chroma's default (100) is below what a hybrid search asks for (50
#: candidates per index): at that breadth the neighbours past rank ~40 were approximate, 23 of
#: 3150 missed against exact search on the five reports, and *which* were missed varied from
#: one process to the next, so the fused top 8 did too. At 400 one in 3150 is missed and the
#: ranking repeats; at 106k chunks dense search costs ~2 ms more (docs/benchmarks.md).
SEARCH_EF = 400


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata for a chunk (None values are left out: Chroma stores no nulls)."""
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "title": chunk.title,
        "section": chunk.section,
        "char_start": chunk.char_start,
        "char_end": chunk.char_end,
        "position": chunk.position,
    }
    for key in ("year", "page_start", "page_end", "kind"):
        value = getattr(chunk, key)
        if value is not None:
            meta[key] = value
    return meta


class ChromaDenseIndex:
    """Chunks with our own embeddings in one Chroma collection.

    The collection records the embedding model and dimension it was built with; opening it with
    another model raises :class:`IndexMismatch` instead of mixing incompatible vectors.
    """

    def __init__(self, client: Any, model_name: str, name: str = CHUNKS_COLLECTION):
        self._client = client
        self.model_name = model_name
        self.name = name
        self._collection: Any = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            collection = self._client.get_or_create_collection(
                self.name,
                configuration={"hnsw": {"space": "cosine", "ef_search": SEARCH_EF}},
                metadata={"embedding_model": self.model_name},
                embedding_function=None,
            )
            hnsw = (collection.configuration_json or {}).get("hnsw") or {}
            if hnsw.get("ef_search", SEARCH_EF) < SEARCH_EF:  # an index built before
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
            built_with = (collection.metadata or {}).get("embedding_model")
            if built_with and built_with != self.model_name:
                raise IndexMismatch(
                    f"the index was built with embedding model '{built_with}' but "
                    f"'{self.model_name}' is configured; use another index directory or "
                    "delete this one and ingest again"
                )
            self._collection = collection
        return self._collection

    def count(self) -> int:
        return int(self.collection.count())

    def upsert(
        self,
        chunks: Sequence[Chunk],
        embeddings: np.ndarray,
        on_batch: Callable[[], None] | None = None,
        batch_size: int = 128,
    ) -> None:
        """Write chunks in batches (at most ``batch_size``, and no larger than the server
        accepts), calling ``on_batch`` between batches."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        batch = max(1, min(batch_size, int(self._client.get_max_batch_size())))
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=np.asarray(embeddings[start : start + batch], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c) for c in part],
            )
            if on_batch is not None and start + batch < len(chunks):
                on_batch()

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """The ``k`` nearest chunks; the score is the cosine similarity."""
        # no count() first: Chroma answers an empty collection (or k above its size) with
        # what it has, and counting cost 6.4 ms a query at 106k chunks
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for chunk_id, text, meta, distance in zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        ):
            hits.append(Hit(chunk_from_record(chunk_id, text, meta), 1.0 - float(distance)))
        return hits

    def similarities(self, vector: np.ndarray, chunk_ids: Sequence[str]) -> dict[str, float]:
        """The cosine similarity of ``vector`` with each of ``chunk_ids`` that is stored,
        computed by Chroma as :meth:`query` computes its scores (so the same in every
        process, whichever client reads the folder)."""
        if not chunk_ids:
            return {}
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=len(chunk_ids), ids=list(chunk_ids), include=["distances"],
        )
        return {
            chunk_id: 1.0 - float(distance)
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        }

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        result = self.collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        return [
            chunk_from_record(i, t, m)
            for i, t, m in zip(result["ids"], result["documents"], result["metadatas"], strict=True)
        ]

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of one document, in reading order."""
        result = self.collection.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])
        chunks = [
            chunk_from_record(i, t, m)
            for i, t, m in zip(result["ids"], result["documents"], result["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.position)

    def vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """The stored embeddings of ``chunk_ids``, in that order (rows of zeros for ids that
        are not stored)."""
        if not chunk_ids:
            return np.zeros((0, 0), dtype=np.float32)
        result = self.collection.get(ids=list(chunk_ids), include=["embeddings"])
        found = dict(zip(result["ids"], result["embeddings"], strict=True))
        width = len(next(iter(found.values()))) if found else 0
        return np.array(
            [found.get(i, np.zeros(width)) for i in chunk_ids], dtype=np.float32
        )

    def doc_ids(self, page: int = 5000) -> set[str]:
        """Document ids that have chunks in the collection (scans metadata only)."""
        return set(self.doc_counts(page))

    def doc_counts(self, page: int = 5000) -> dict[str, int]:
        """Chunks per document id (scans metadata only)."""
        counts: dict[str, int] = {}
        for metas in self._scan(page):
            for m in metas:
                counts[str(m["doc_id"])] = counts.get(str(m["doc_id"]), 0) + 1
        return counts

    def chunk_ids(self, page: int = 5000) -> list[str]:
        """Every chunk id in the collection (no documents, metadata or vectors are read)."""
        ids: list[str] = []
        while True:
            got = self.collection.get(include=[], limit=page, offset=len(ids))["ids"]
            if not got:
                return ids
            ids.extend(got)

    def _scan(self, page: int) -> Iterator[list[dict[str, Any]]]:
        offset = 0
        while True:
            result = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            metas = result["metadatas"] or []
            if not metas:
                return
            yield metas
            offset += len(metas)

    def delete_doc(self, doc_id: str) -> None:
        self.collection.delete(where={"doc_id": doc_id})
