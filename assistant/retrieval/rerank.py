"""Rerankers: reorder the fused candidates of a search before the top ``k`` are kept.

A reranker sees the query, its embedding and the fused candidates (best first, more than
``k`` of them) and returns them in a new order, each with its new score. ``none`` keeps the
fused order. A new reranker is one module with a class that fills :class:`Reranker`, plus one
line in :data:`RERANKERS`; the setting ``reranker`` names one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError, registered
from assistant.records import Passage
from ingest.records import embedding_text
from vectorstore import Embedder


class Reranker(Protocol):
    """Reorders candidate passages for a query."""

    def rerank(
        self, query: str, query_vector: np.ndarray | None, candidates: Sequence[Passage]
    ) -> list[Passage]:
        """The candidates in their new order (ranks and scores may be rewritten)."""
        ...


@dataclass(frozen=True)
class RerankContext:
    """What a reranker may be built from."""

    embedder: Embedder
    answer_embedder: Embedder | None = None  # the model that scores answer sentences


class SecondModelReranker:
    """Reciprocal-rank fusion of the fused order with a second embedding model's cosine
    ranking over the first ``depth`` candidates. Passage vectors are computed when first seen
    and kept (at most ``cache_size``)."""

    def __init__(self, embedder: Embedder, depth: int = 30, rrf_k: int = 10,
                 cache_size: int = 50_000):
        self.embedder = embedder
        self.depth = depth
        self.rrf_k = rrf_k
        self.cache_size = cache_size
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def rerank(
        self, query: str, query_vector: np.ndarray | None, candidates: Sequence[Passage]
    ) -> list[Passage]:
        head, tail = list(candidates[: self.depth]), list(candidates[self.depth :])
        if len(head) < 2:
            return list(candidates)
        with self._lock:
            missing = [p for p in head if p.chunk_id not in self._vectors]
        if missing:
            vectors = self.embedder.embed_documents([
                embedding_text(p.title, p.year, p.section, p.text) for p in missing
            ])
            with self._lock:
                if len(self._vectors) + len(missing) > self.cache_size:
                    self._vectors.clear()
                self._vectors.update(zip((p.chunk_id for p in missing), vectors, strict=True))
        with self._lock:
            matrix = np.stack([self._vectors[p.chunk_id] for p in head])
        cosine = matrix @ self.embedder.embed_query(query)
        second = {int(i): rank for rank, i in enumerate(np.argsort(-cosine, kind="stable"), 1)}
        score = [1.0 / (self.rrf_k + i + 1) + 1.0 / (self.rrf_k + second[i])
                 for i in range(len(head))]
        order = sorted(range(len(head)), key=lambda i: -score[i])
        return [replace(head[i], score=round(score[i], 6)) for i in order] + tail


#: The rerankers by name; ``None`` from a builder means "keep the fused order".
RERANKERS: dict[str, Callable[[RerankContext], Reranker | None]] = {
    "none": lambda context: None,
    "answer-model": lambda context: SecondModelReranker(
        context.answer_embedder or context.embedder
    ),
}


def build_reranker(name: str, context: RerankContext) -> Reranker | None:
    """The reranker called ``name``, or a ConfigError listing the known ones."""
    return registered(RERANKERS, name, "reranker", ConfigError)(context)
