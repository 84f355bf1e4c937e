"""Paired bootstrap confidence intervals for the metrics of a run and for their differences
to a baseline.

Every gated metric is a ratio of sums over questions (``hit_rate`` = questions with a hit /
questions with sources, ``citation_precision`` = relevant citations / citations, ...), so a
metric is computed from two per-question arrays, ``numerator`` and ``denominator``. A bootstrap
resample draws question indices with replacement; the same indices are used for the baseline
and for the run (paired by question id), so the interval of the difference reflects the
questions that changed, not the spread of the whole set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Resamples and seed of every interval: fixed, so a run's intervals are reproducible.
RESAMPLES = 2000
SEED = 20
LEVEL = 0.95

Row = Mapping[str, Any]  # one question's result, as in results.json


def _ratio(test: Callable[[Row], bool], num: Callable[[Row], float], den: Callable[[Row], float]
           ) -> Callable[[Row], tuple[float, float]]:
    return lambda r: (float(num(r)), float(den(r))) if test(r) else (0.0, 0.0)


def _with_sources(r: Row) -> bool:
    return bool(r["answerable"]) and r["hit"] is not None


def _answered(r: Row) -> bool:
    return bool(r["answerable"]) and not r["refused"]


def _keyword_share(r: Row) -> float:
    found, missing = len(r["keywords_found"]), len(r["keywords_missing"])
    return found / max(1, found + missing)


#: Per question: (numerator, denominator) of each metric, as :func:`runs.compute_metrics`
#: computes it over the whole set.
METRICS: dict[str, Callable[[Row], tuple[float, float]]] = {
    "pass_rate": _ratio(lambda r: True, lambda r: r["passed"], lambda r: 1),
    "hit_rate": _ratio(_with_sources, lambda r: bool(r["hit"]), lambda r: 1),
    "mrr": _ratio(_with_sources, lambda r: r["reciprocal_rank"] or 0.0, lambda r: 1),
    "evidence_recall": _ratio(_with_sources, lambda r: r["evidence_recall"] or 0.0, lambda r: 1),
    "keyword_accuracy": _ratio(lambda r: r["answerable"], _keyword_share, lambda r: 1),
    "answer_accuracy": _ratio(lambda r: r["answerable"], lambda r: r["passed"], lambda r: 1),
    "citation_precision": _ratio(
        _answered, lambda r: r["citations_relevant"], lambda r: r["citations"]
    ),
    "evidence_cited": _ratio(_answered, lambda r: bool(r["evidence_cited"]), lambda r: 1),
    "citation_validity": _ratio(
        lambda r: True, lambda r: r["citations_valid"], lambda r: r["citations"]
    ),
    "refusal_tpr": _ratio(lambda r: not r["answerable"], lambda r: r["refused"], lambda r: 1),
    "false_refusal_rate": _ratio(lambda r: r["answerable"], lambda r: r["refused"], lambda r: 1),
}


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def to_list(self) -> list[float]:
        return [round(self.low, 4), round(self.high, 4)]


def _arrays(rows: Sequence[Row], metric: str) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.array([METRICS[metric](r) for r in rows], dtype=float).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def _indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def _resampled(num: np.ndarray, den: np.ndarray, idx: np.ndarray) -> np.ndarray:
    totals = den[idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, num[idx].sum(axis=1) / totals, np.nan)


def _interval(values: np.ndarray, level: float) -> Interval | None:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(float(low), float(high))


def value(rows: Sequence[Row], metric: str) -> float | None:
    """The metric over ``rows`` (None when no question counts for it)."""
    num, den = _arrays(rows, metric)
    return float(num.sum() / den.sum()) if den.sum() > 0 else None


def intervals(
    rows: Sequence[Row], *, resamples: int = RESAMPLES, seed: int = SEED, level: float = LEVEL
) -> dict[str, Interval | None]:
    """A bootstrap interval for every metric of :data:`METRICS` over one run's questions."""
    if not rows:
        return dict.fromkeys(METRICS)
    idx = _indices(len(rows), resamples, seed)
    return {
        metric: _interval(_resampled(*_arrays(rows, metric), idx), level) for metric in METRICS
    }


def paired_differences(
    before: Sequence[Row], now: Sequence[Row], *, resamples: int = RESAMPLES, seed: int = SEED,
    level: float = LEVEL,
) -> dict[str, Interval | None]:
    """Bootstrap intervals of ``now - before`` for every metric; ``before[i]`` and ``now[i]``
    are the same question."""
    if len(before) != len(now):
        raise ValueError("paired rows must be the same questions in the same order")
    if not now:
        return dict.fromkeys(METRICS)
    idx = _indices(len(now), resamples, seed)
    return {
        metric: _interval(
            _resampled(*_arrays(now, metric), idx) - _resampled(*_arrays(before, metric), idx),
            level,
        )
        for metric in METRICS
    }
