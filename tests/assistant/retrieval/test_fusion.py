"""Fusion of the dense and lexical rankings (pure functions, no model)."""

from __future__ import annotations

import pytest

from assistant import QueryError
from assistant.retrieval.fusion import fuse
from ingest.records import Chunk
from vectorstore import Hit


def _hits_of(*ids_scores):
    return [
        Hit(Chunk(chunk_id=i, doc_id="d", source="s.md", title="t", year=None, section="",
                  text=i, char_start=0, char_end=1, page_start=None, page_end=None,
                  position=n, kind=None), score)
        for n, (i, score) in enumerate(ids_scores)
    ]


def test_fusion_methods_rank_as_defined():
    dense = _hits_of(("a", 0.9), ("b", 0.8), ("c", 0.1))
    lexical = _hits_of(("d", 12.0), ("b", 11.0), ("e", 2.0))
    # RRF: b, second in both lists, beats a and d, each first in one list only
    rrf = fuse(dense, lexical, "rrf", k=60)
    assert rrf[0] == ("b", pytest.approx(0.5 / 62 + 0.5 / 62))
    assert [i for i, _ in rrf][1:3] in (["a", "d"], ["d", "a"])
    # with a small k and a dense weight of 0.9, the dense first place comes first
    assert fuse(dense, lexical, "rrf", k=1, dense_weight=0.9)[0][0] == "a"
    # convex: min-max scaled scores, b = 0.875*w + 0.9*(1-w) ...
    convex = dict(fuse(dense, lexical, "convex", dense_weight=0.5))
    assert convex["b"] == pytest.approx(0.5 * (0.7 / 0.8) + 0.5 * (9 / 10))
    assert convex["c"] == pytest.approx(0.0) and convex["e"] == pytest.approx(0.0)
    assert convex["a"] == pytest.approx(0.5) and convex["d"] == pytest.approx(0.5)
    # all weight on one side reproduces that side's order
    assert [i for i, _ in fuse(dense, lexical, "convex", dense_weight=1.0)][:3] == ["a", "b", "c"]
    with pytest.raises(QueryError, match="fusion must be one of"):
        fuse(dense, lexical, "borda")


def test_a_second_ranking_joins_with_its_weight():
    dense = _hits_of(("a", 0.9), ("b", 0.8))
    lexical = _hits_of(("b", 12.0), ("a", 11.0))
    second = _hits_of(("c", 0.95), ("a", 0.9))
    fused = dict(fuse(dense, lexical, "rrf", k=10, dense_weight=0.4, second=second,
                      second_weight=0.6))
    assert fused["a"] == pytest.approx(0.4 / 11 + 0.6 / 12 + 0.6 / 12)
    assert fused["b"] == pytest.approx(0.4 / 12 + 0.6 / 11)
    assert fused["c"] == pytest.approx(0.6 / 11)  # found by the second ranking alone
    # weight 0, or no second ranking: the two-way fusion, unchanged
    two_way = fuse(dense, lexical, "rrf", k=10, dense_weight=0.4)
    assert fuse(dense, lexical, "rrf", k=10, dense_weight=0.4, second=second,
                second_weight=0.0) == two_way


def test_the_dense_weight_unset_depends_on_the_second_ranking():
    from assistant import Settings

    settings = Settings.load(env={})
    assert settings.dense_weight is None
    assert settings.fusion_dense_weight(True) == 0.4
    assert settings.fusion_dense_weight(False) == 0.5
    pinned = Settings.load(env={"ASSISTANT_DENSE_WEIGHT": "0.7"})
    assert pinned.fusion_dense_weight(True) == pinned.fusion_dense_weight(False) == 0.7
