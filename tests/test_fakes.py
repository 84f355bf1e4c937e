"""The hash-seeded fake embedder the plumbing tests use (its Embedder contract is checked with
the real ones in tests/vectorstore/test_embedder_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import HashEmbedder


def test_vectors_depend_on_the_text_only():
    first, second = HashEmbedder(), HashEmbedder()
    texts = ["budget", "Budget", "budget ", "Évaluation à Genève"]
    vectors = first.embed_batch(texts)
    assert np.array_equal(vectors, second.embed_documents(texts))  # another instance, same rows
    assert np.array_equal(vectors[0], first.embed_query("budget"))
    # pinned: seeded from sha256 of the UTF-8 text, so no run or process can change them
    assert vectors[0][:3] == pytest.approx([-0.015661, 0.03581, -0.037536], abs=1e-6)
    assert first.embedded == len(texts) + 1 and second.embedded == len(texts)


def test_vectors_are_unit_length_and_different_texts_differ():
    texts = [f"chunk {i}" for i in range(200)]
    vectors = HashEmbedder().embed_batch(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (200, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    cosines = vectors @ vectors.T
    np.fill_diagonal(cosines, 0.0)
    assert np.abs(cosines).max() < 0.3  # unrelated: no two texts come out alike


def test_the_dimension_is_configurable_and_named():
    small = HashEmbedder(dimension=16)
    assert small.embed_query("x").shape == (16,)
    assert small.name != HashEmbedder().name  # an index built with one refuses the other
