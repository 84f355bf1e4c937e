"""The :class:`vectorstore.Embedder` contract, run against every implementation: the product's
default (native BERT), sentence-transformers, and the hash-seeded fake the plumbing tests use."""

from __future__ import annotations

import numpy as np
import pytest

from vectorstore import Embedder, SentenceTransformerEmbedder

TEXTS = [
    "Migrant workers' remittances grew quickly.",
    "budget",
    "The evaluation recommends training labour inspectors in every province " * 8,
    "Évaluation à Genève: travailleurs migrants.",
    "Who funded the project?",
]


@pytest.fixture(scope="module")
def sentence_transformers_embedder() -> Embedder:
    return SentenceTransformerEmbedder()


# Fixtures looked up by name (getfixturevalue), so the real ones carry the slow mark here:
# the conftest hook only sees fixtures a test names.
@pytest.fixture(params=[
    pytest.param("embedder", marks=pytest.mark.slow),
    pytest.param("sentence_transformers_embedder", marks=pytest.mark.slow),
    "fake_embedder",
])
def implementation(request) -> Embedder:
    return request.getfixturevalue(request.param)


class TestEmbedderContract:
    def test_rows_are_unit_length_float32_of_the_stated_dimension(self, implementation):
        vectors = implementation.embed_batch(TEXTS)
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(TEXTS), implementation.dimension)
        assert implementation.dimension > 0 and implementation.name
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

    def test_embed_documents_keeps_the_order_across_batches(self, implementation):
        implementation.batch_size, size = 2, implementation.batch_size
        try:
            progress: list[int] = []
            documents = implementation.embed_documents(TEXTS, progress.append)
        finally:
            implementation.batch_size = size
        assert documents.dtype == np.float32
        assert documents.shape == (len(TEXTS), implementation.dimension)
        assert progress == [2, 2, 1]
        alone = np.stack([implementation.embed_query(t) for t in TEXTS])
        # padding to a batch's longest text may move the last digits, never the row
        assert ((documents * alone).sum(axis=1) > 0.999).all()

    def test_embed_query_is_embed_documents_of_one(self, implementation):
        query = "How many interviews were held?"
        vector = implementation.embed_query(query)
        assert vector.shape == (implementation.dimension,) and vector.dtype == np.float32
        assert np.allclose(vector, implementation.embed_documents([query])[0], atol=1e-6)

    def test_the_same_text_gives_the_same_vector(self, implementation):
        assert np.array_equal(implementation.embed_query(TEXTS[0]),
                              implementation.embed_query(TEXTS[0]))

    def test_empty_input_gives_an_empty_matrix(self, implementation, request):
        for vectors in (implementation.embed_documents([]), implementation.embed_batch([])):
            assert vectors.shape == (0, implementation.dimension)
            assert vectors.dtype == np.float32

    def test_tokens_are_counted(self, implementation):
        assert implementation.count_tokens("") == 0
        short, long = (implementation.count_tokens(t) for t in ("labour migration", TEXTS[2]))
        assert 0 < short < long
