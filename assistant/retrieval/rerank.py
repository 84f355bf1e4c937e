"""Rerankers: reorder the fused candidates of a search before the top ``k`` are kept.

A reranker sees the query, its embedding and the fused candidates (best first, more than
``k`` of them) and returns them in a new order, each with its new score. ``none`` keeps the
fused order. A new reranker is one module with a class that fills :class:`Reranker`, plus one
line in :data:`RERANKERS`; the setting ``reranker`` names one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError, registered
from assistant.records import Passage
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


#: The rerankers by name; ``None`` from a builder means "keep the fused order".
RERANKERS: dict[str, Callable[[RerankContext], Reranker | None]] = {
    "none": lambda context: None,
}


def build_reranker(name: str, context: RerankContext) -> Reranker | None:
    """The reranker called ``name``, or a ConfigError listing the known ones."""
    return registered(RERANKERS, name, "reranker", ConfigError)(context)
