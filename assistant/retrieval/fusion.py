"""Fusion methods: how hybrid search merges the dense and the lexical ranking.

Each method is a pure function from rankings (and their weights) to a new list of
``(chunk_id, score)``, best first; nothing is changed in place. A new method is one function
plus one line in :data:`FUSIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.errors import registered
from vectorstore import Hit

Ranking = Sequence[Hit]


@dataclass(frozen=True)
class FusionParams:
    """What a fusion method may use besides the rankings."""

    weights: tuple[float, ...]  # one per ranking
    rrf_k: int = 60  # reciprocal rank fusion constant


def reciprocal_rank_fusion(
    rankings: Sequence[Ranking], k: int = 60, weights: Sequence[float] | None = None
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
    rankings: Sequence[Ranking], weights: Sequence[float]
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


Fusion = Callable[[Sequence[Ranking], FusionParams], list[tuple[str, float]]]

#: The fusion methods by name; settings, CLI and docs read their choices from here.
FUSIONS: dict[str, Fusion] = {
    "rrf": lambda rankings, p: reciprocal_rank_fusion(rankings, p.rrf_k, p.weights),
    "convex": lambda rankings, p: convex_fusion(rankings, p.weights),
}


def fusion(name: str) -> Fusion:
    """The fusion method called ``name``, or a QueryError listing the known ones."""
    return registered(FUSIONS, name, "fusion")


def fuse(
    dense: Ranking,
    lexical: Ranking,
    method: str = "rrf",
    k: int = 60,
    dense_weight: float = 0.5,
    second: Ranking = (),
    second_weight: float = 0.0,
) -> list[tuple[str, float]]:
    """The hybrid ranking of chunk ids by ``method``; ``k`` is the RRF constant and
    ``dense_weight`` the dense ranking's share (the lexical one has the rest); ``second``, the
    answer model's ranking (:mod:`assistant.retrieval.second`), joins with ``second_weight``."""
    rankings, weights = [dense, lexical], [dense_weight, 1.0 - dense_weight]
    if second and second_weight > 0:
        rankings.append(second)
        weights.append(second_weight)
    return fusion(method)(rankings, FusionParams(weights=tuple(weights), rrf_k=k))
