"""An embedded index opened for reading through Chroma's engine (vectorstore.chroma): the same
answers as PersistentClient, and a write hands every later call to PersistentClient."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from ingest.records import Chunk
from vectorstore import ChromaDenseIndex, DocumentCatalog, DocumentRecord, open_client
from vectorstore.chroma import READ_FIRST_ENV, _ReadFirstClient


def _chunk(i: int, doc: str) -> Chunk:
    return Chunk(f"c{i:05d}", doc, f"{doc}.md", "T", 2009, "S", 3, 4, 0, 1, i, f"text {i}")


@pytest.fixture()
def built(tmp_path):
    """A folder with 60 chunks of three documents and a catalog, written by PersistentClient."""
    path = tmp_path / "chroma"
    client = open_client(path)
    assert not isinstance(client, _ReadFirstClient)  # nothing there yet: it is created
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(60, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ChromaDenseIndex(client, "m").upsert(
        [_chunk(i, f"d{i % 3}") for i in range(60)], vectors
    )
    DocumentCatalog(client).put(
        DocumentRecord("d0.md", "d0", "Title", 2009, None, 3, 20, "md", "m", "2026-01-01")
    )
    del client
    gc.collect()
    return path, vectors


def test_reads_through_the_engine_equal_persistent_client(built, monkeypatch):
    path, vectors = built
    reader = open_client(path)
    assert isinstance(reader, _ReadFirstClient) and reader.reading
    monkeypatch.setenv(READ_FIRST_ENV, "off")
    full = open_client(path)
    assert not isinstance(full, _ReadFirstClient)
    light, heavy = ChromaDenseIndex(reader, "m"), ChromaDenseIndex(full, "m")
    for row in (0, 17, 59):
        a, b = light.query(vectors[row], 5), heavy.query(vectors[row], 5)
        assert [h.chunk for h in a] == [h.chunk for h in b]
        assert [h.score for h in a] == pytest.approx([h.score for h in b])
        assert a[0].chunk.chunk_id == f"c{row:05d}"
    only = light.query(vectors[0], 5, where={"doc_id": {"$in": ["d1", "d2"]}})
    assert only and {h.chunk.doc_id for h in only} <= {"d1", "d2"}
    assert light.count() == heavy.count() == 60
    assert light.doc_counts() == heavy.doc_counts() == {"d0": 20, "d1": 20, "d2": 20}
    assert light.doc_chunks("d1") == heavy.doc_chunks("d1")
    assert np.array_equal(light.vectors(["c00003", "c00004"]), heavy.vectors(["c00003", "c00004"]))
    assert [c.chunk_id for c in light.get(["c00009"])] == ["c00009"]
    assert DocumentCatalog(reader).all() == DocumentCatalog(full).all()
    reader.heartbeat()
    assert reader.reading  # nothing above needed more than the engine


def test_a_write_hands_every_later_call_to_persistent_client(built):
    path, vectors = built
    reader = open_client(path)
    dense = ChromaDenseIndex(reader, "m")
    assert dense.count() == 60 and reader.reading
    dense.delete_doc("d2")  # not a read: PersistentClient from here on
    assert not reader.reading
    assert dense.count() == 40  # the same collection object now reads what was written
    assert dense.doc_counts() == {"d0": 20, "d1": 20}
    assert dense.query(vectors[2], 1)[0].chunk.doc_id != "d2"


def test_a_collection_that_is_not_there_is_created_by_persistent_client(built):
    path, _ = built
    reader = open_client(path)
    other = ChromaDenseIndex(reader, "m", name="another_collection")
    assert other.count() == 0
    assert not reader.reading
