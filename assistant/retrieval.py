"""Hybrid retrieval: dense (Chroma) and lexical (FTS5) rankings, searched side by side and
fused (reciprocal rank, or a convex sum of scaled scores)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from assistant.errors import QueryError
from assistant.indexing import Index
from assistant.records import Filters, Passage
from vectorstore import Hit

MODES = ("hybrid", "dense", "lexical")
_LEXICAL_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fts5")


FUSIONS = ("rrf", "convex")


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hit]], k: int = 60, weights: Sequence[float] | None = None
) -> list[tuple[str, float]]:
    """Fuse rankings: each chunk scores the sum of ``weight / (k + rank)`` over the rankings
    that contain it (Cormack, Clarke and Büttcher, 2009; equal weights by default). Ties keep
    first-seen order."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, hit in enumerate(ranking, 1):
            chunk_id = hit.chunk.chunk_id
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def convex_fusion(
    rankings: Sequence[Sequence[Hit]], weights: Sequence[float]
) -> list[tuple[str, float]]:
    """Fuse by score: each ranking's scores are min-max scaled to 0..1 over its candidates
    (a chunk missing from a ranking gets 0 there), then summed with ``weights``."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        low = min(h.score for h in ranking)
        span = max(h.score for h in ranking) - low or 1.0
        for hit in ranking:
            chunk_id = hit.chunk.chunk_id
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * (hit.score - low) / span
    return sorted(scores.items(), key=lambda item: -item[1])


def fuse(
    dense: Sequence[Hit],
    lexical: Sequence[Hit],
    method: str = "rrf",
    k: int = 60,
    dense_weight: float = 0.5,
) -> list[tuple[str, float]]:
    """The hybrid ranking of chunk ids: ``rrf`` (rank-based, constant ``k``) or ``convex``
    (score-based); ``dense_weight`` is the dense ranking's share, the lexical one has the rest."""
    weights = (dense_weight, 1.0 - dense_weight)
    if method == "rrf":
        return reciprocal_rank_fusion([dense, lexical], k, weights)
    if method == "convex":
        return convex_fusion([dense, lexical], weights)
    raise QueryError(f"fusion must be one of {', '.join(FUSIONS)}; got {method!r}")


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
        depth = max(k, self.settings.candidates)
        dense, lexical = self.rankings(query, depth, filters, mode, query_vector)
        if mode == "hybrid":
            fused = fuse(
                dense, lexical, self.settings.fusion, self.settings.rrf_k,
                self.settings.dense_weight,
            )
        else:
            fused = [(h.chunk.chunk_id, h.score) for h in (dense or lexical)]
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


    def rankings(
        self,
        query: str,
        depth: int,
        filters: Filters | None = None,
        mode: str = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> tuple[list[Hit], list[Hit]]:
        """The dense and the lexical ranking of ``depth`` chunks each (empty when ``mode``
        leaves one out), restricted to catalogued documents within ``filters``."""
        filters = filters or Filters()
        records = self.index.documents()
        allowed = [r.doc_id for r in records if filters.accepts(r.source, r.year)]
        if not allowed:
            return [], []
        # With no filter, Chroma searches unrestricted (a where clause over every document
        # costs a metadata scan per query, ~O(chunks)) and chunks of uncatalogued documents
        # (an interrupted ingest) are dropped afterwards.
        everything = len(allowed) == len(records)
        live = set(allowed)
        lexical_job: Future[list[Hit]] | None = None
        if mode in ("hybrid", "lexical"):
            # FTS5 runs in a worker thread (sqlite3 releases the GIL) while this thread embeds
            # the query and searches Chroma: at 100k chunks the two take ~80 and ~20 ms.
            lexical_job = _LEXICAL_POOL.submit(
                self.index.lexical.search, query, depth,
                doc_ids=None if everything else allowed,
            )
        dense: list[Hit] = []
        try:
            if mode in ("hybrid", "dense"):
                vector = (
                    self.index.embedder.embed_query(query)
                    if query_vector is None else query_vector
                )
                if everything:
                    dense = [h for h in self.index.dense.query(vector, depth)
                             if h.chunk.doc_id in live]
                else:
                    dense = self.index.dense.query(
                        vector, depth, where={"doc_id": {"$in": allowed}}
                    )
        finally:
            lexical = lexical_job.result() if lexical_job is not None else []
        if everything:
            lexical = [h for h in lexical if h.chunk.doc_id in live]
        return dense, lexical


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
