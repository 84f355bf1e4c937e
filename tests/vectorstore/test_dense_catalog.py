"""Chroma dense index and catalog on a real PersistentClient; the real embedder where
similarity must mean something, the hash-seeded fake where only the storage is tested."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.records import Chunk
from vectorstore import (
    ChromaDenseIndex,
    DocumentCatalog,
    DocumentRecord,
    IndexMismatch,
    open_client,
)
from vectorstore.embedder import PACKAGED_MODEL_SHA256, file_sha256, packaged_model_path


def _chunk(i: int, text: str, doc: str = "d1") -> Chunk:
    return Chunk(f"c{i:05d}", doc, "a.md", "T", 2009, "S", 3, 4, 0, 1, i, text)


def test_packaged_model_weights_are_the_published_ones():
    assert file_sha256(packaged_model_path() / "model.safetensors") == PACKAGED_MODEL_SHA256


def test_embedder_gives_unit_vectors_and_meaningful_similarity(embedder):
    vectors = embedder.embed_batch(
        ["migrant workers' remittances", "money sent home by migrants", "football world cup"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.count_tokens("labour migration") == 2


def test_upsert_query_and_batches_larger_than_chroma_accepts(tmp_path, fake_embedder):
    embedder = fake_embedder
    client = open_client(tmp_path / "chroma")
    dense = ChromaDenseIndex(client, embedder.name)
    texts = ["Migrant domestic workers in the Gulf.", "Skills recognition for returnees."]
    vectors = embedder.embed_batch(texts)
    dense.upsert([_chunk(0, texts[0]), _chunk(1, texts[1], doc="d2")], vectors)
    hits = dense.query(embedder.embed_query(texts[0]), 2)  # the fake: equal text, equal vector
    assert hits[0].chunk.chunk_id == "c00000" and hits[0].chunk.page_start == 3
    assert hits[0].chunk.text == texts[0] and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[1].chunk.chunk_id == "c00001" and hits[1].score < hits[0].score
    only_d2 = dense.query(embedder.embed_query(texts[0]), 2, where={"doc_id": "d2"})
    assert [h.chunk.doc_id for h in only_d2] == ["d2"]

    many = client.get_max_batch_size() + 7
    rng = np.random.default_rng(0)
    bulk = rng.normal(size=(many, 384)).astype(np.float32)
    dense.upsert([_chunk(i + 10, f"t{i}", doc="bulk") for i in range(many)], bulk)
    assert dense.count() == many + 2
    assert dense.doc_ids() == {"d1", "d2", "bulk"}
    dense.delete_doc("bulk")
    assert dense.count() == 2


def test_index_built_with_another_model_is_refused(tmp_path):
    client = open_client(tmp_path / "chroma")
    ChromaDenseIndex(client, "model-a").count()
    with pytest.raises(IndexMismatch, match="built with embedding model 'model-a'"):
        ChromaDenseIndex(client, "model-b").count()


def test_catalog_round_trip(tmp_path):
    catalog = DocumentCatalog(open_client(tmp_path / "chroma"))
    record = DocumentRecord("a.md", "abc", "Title", None, None, 3, 10, "md", "m", "2026-01-01")
    catalog.put(record)
    assert catalog.get("a.md") == record
    assert catalog.all() == [record]
    catalog.delete("a.md")
    assert catalog.get("a.md") is None
    named = DocumentRecord("b.md", "def", "Title", 2019, None, 3, 10, "md", "m", "2026-01-01",
                           aliases=("Turin Centre", "ITC-ILO"))
    catalog.put(named)
    assert catalog.get("b.md") == named


def test_search_is_broad_enough_for_the_candidates_hybrid_search_asks_for(tmp_path):
    """At Chroma's default breadth (ef_search 100) the 50 nearest were approximate past rank
    ~40; the index searches at SEARCH_EF, and raises an older collection's breadth on open."""
    from vectorstore.dense import CHUNKS_COLLECTION, SEARCH_EF

    client = open_client(tmp_path / "chroma")
    older = client.get_or_create_collection(  # as an index built before this setting
        CHUNKS_COLLECTION, configuration={"hnsw": {"space": "cosine"}},
        metadata={"embedding_model": "m"}, embedding_function=None,
    )
    assert older.configuration_json["hnsw"]["ef_search"] < SEARCH_EF
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dense = ChromaDenseIndex(client, "m")
    dense.upsert([_chunk(i, f"t{i}") for i in range(len(vectors))], vectors, batch_size=1000)
    assert dense.collection.configuration_json["hnsw"]["ef_search"] == SEARCH_EF
    reopened = ChromaDenseIndex(open_client(tmp_path / "chroma"), "m")
    missed = 0
    for query in vectors[:20]:
        exact = {f"c{i:05d}" for i in np.argsort(-(vectors @ query))[:50]}
        missed += len(exact - {h.chunk.chunk_id for h in reopened.query(query, 50)})
    assert missed <= 2  # of 1000
