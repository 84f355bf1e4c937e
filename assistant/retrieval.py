"""Hybrid retrieval: dense (Chroma) and lexical (FTS5) rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.errors import QueryError
from assistant.indexing import Index
from assistant.records import Filters, Passage
from vectorstore import Hit

MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class _Fused:
    hit: Hit
    score: float
    dense: float | None
    lexical: float | None


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hit]], k: int = 60
) -> list[tuple[str, float]]:
    """Fuse rankings: each chunk scores the sum of ``1 / (k + rank)`` over the rankings that
    contain it (Cormack, Clarke and Büttcher, 2009). Ties keep first-seen order."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, 1):
            scores[hit.chunk.chunk_id] = scores.get(hit.chunk.chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


class HybridRetriever:
    """Searches the index; every passage comes from a document with a catalog record."""

    def __init__(self, index: Index):
        self.index = index
        self.settings = index.settings

    def validate(self, query: str, k: int) -> str:
        """The query cleaned (control characters dropped, spaces collapsed), or QueryError."""
        if not isinstance(query, str):
            raise QueryError(f"the query must be text, got {type(query).__name__}")
        query = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in query)
        if not query.strip():
            raise QueryError("the query is empty; type a question or some words to search for")
        query = " ".join(query.split())
        if len(query) > self.settings.max_query_chars:
            raise QueryError(
                f"the query is {len(query)} characters long; the limit is "
                f"{self.settings.max_query_chars}"
            )
        if not 1 <= k <= 100:
            raise QueryError(f"k must be between 1 and 100. Currently, k is {k}")
        return query

    def search(
        self,
        query: str,
        k: int = 5,
        filters: Filters | None = None,
        mode: str = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """The ``k`` best passages for ``query`` within ``filters`` (``query_vector``: the
        query's embedding, when the caller has it already)."""
        query = self.validate(query, k)
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        filters = filters or Filters()
        allowed = [
            r.doc_id for r in self.index.documents() if filters.accepts(r.source, r.year)
        ]
        if not allowed:
            return []
        depth = max(k, self.settings.candidates)
        dense: list[Hit] = []
        lexical: list[Hit] = []
        if mode in ("hybrid", "dense"):
            vector = (
                self.index.embedder.embed_query(query) if query_vector is None else query_vector
            )
            dense = self.index.dense.query(vector, depth, where={"doc_id": {"$in": allowed}})
        if mode in ("hybrid", "lexical"):
            lexical = self.index.lexical.search(query, depth, doc_ids=allowed)
        fused = reciprocal_rank_fusion([dense, lexical], self.settings.rrf_k)
        by_id = {h.chunk.chunk_id: h for h in lexical}
        by_id.update({h.chunk.chunk_id: h for h in dense})
        dense_scores = {h.chunk.chunk_id: h.score for h in dense}
        lexical_scores = {h.chunk.chunk_id: h.score for h in lexical}
        passages = []
        for rank, (chunk_id, score) in enumerate(fused[:k], 1):
            chunk = by_id[chunk_id].chunk
            passages.append(
                Passage(
                    rank=rank,
                    chunk_id=chunk_id,
                    doc_id=chunk.doc_id,
                    source=chunk.source,
                    title=chunk.title,
                    year=chunk.year,
                    section=chunk.section,
                    page=chunk.page_start,
                    page_end=chunk.page_end,
                    score=round(score, 6),
                    dense_score=_round(dense_scores.get(chunk_id)),
                    lexical_score=_round(lexical_scores.get(chunk_id)),
                    text=chunk.text,
                    char_start=chunk.char_start,
                    char_end=chunk.char_end,
                )
            )
        return passages


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
