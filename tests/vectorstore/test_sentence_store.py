"""Sentence vectors kept beside the index, on real SQLite and across real processes."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from vectorstore.sentence_store import SentenceVectorStore

ROOT = Path(__file__).resolve().parents[2]


def _unit(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def test_vectors_come_back_by_model_and_text(tmp_path):
    store = SentenceVectorStore(tmp_path / "s.sqlite3", "model-a")
    store.put([("Budget: US$ 2,580,649", _unit(1)), ("The donor was DFID.", _unit(2))])
    got = store.get(["unknown sentence", "The donor was DFID.", "Budget: US$ 2,580,649"], 8)
    assert sorted(got) == [1, 2]
    assert np.array_equal(got[1], _unit(2)) and np.array_equal(got[2], _unit(1))
    assert got[1].flags.writeable  # a copy, not a view of SQLite's buffer
    # another model's vectors of the same text are its own
    other = SentenceVectorStore(tmp_path / "s.sqlite3", "model-b")
    assert other.get(["The donor was DFID."]) == {}
    other.put([("The donor was DFID.", _unit(3))])
    assert np.array_equal(other.get(["The donor was DFID."])[0], _unit(3))
    assert np.array_equal(store.get(["The donor was DFID."])[0], _unit(2))
    # a text kept once keeps its first vector; a vector of another length is not used
    store.put([("The donor was DFID.", _unit(4))])
    assert np.array_equal(store.get(["The donor was DFID."])[0], _unit(2))
    assert store.get(["The donor was DFID."], dimension=16) == {}
    assert store.count() == 2 and other.count() == 1
    store.close()
    other.close()


def test_another_process_reads_what_one_wrote(tmp_path):
    path = tmp_path / "s.sqlite3"
    script = textwrap.dedent(f"""
        import numpy as np
        from vectorstore.sentence_store import SentenceVectorStore
        store = SentenceVectorStore({str(path)!r}, "m")
        store.put([(f"sentence {{i}}", np.full(4, i, dtype=np.float32)) for i in range(50)])
        store.close()
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
    got = SentenceVectorStore(path, "m").get([f"sentence {i}" for i in range(60)], 4)
    assert sorted(got) == list(range(50))
    assert all(np.array_equal(got[i], np.full(4, i, dtype=np.float32)) for i in got)


def test_a_store_that_cannot_be_opened_warns_once_and_is_left_alone(tmp_path, caplog):
    path = tmp_path / "no such folder" / "s.sqlite3"
    store = SentenceVectorStore(path, "m")
    with caplog.at_level(logging.WARNING, logger="vectorstore.sentence_store"):
        assert store.get(["a sentence"]) == {}
        store.put([("a sentence", _unit(1))])  # no error: the answer goes on without it
        assert store.get(["a sentence"]) == {}
    assert not store.available
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and str(path) in warnings[0]
    assert not path.parent.exists()  # no index folder is made by the store
