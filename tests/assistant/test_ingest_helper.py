"""A cold ingest embeds in a helper process that loads the model while the files are parsed
(real model, real Chroma, real processes)."""

from __future__ import annotations

import logging
import multiprocessing

import numpy as np
from helpers import REPORTS

NAMES = ("2013-ilo-labour-migration-evaluation-summary.md",
         "2021-fair-labour-migration-hle-summary.txt")


def _index(tmp_path, **settings):
    from assistant import Settings
    from assistant.indexing import Index
    from vectorstore import make_embedder

    config = Settings.load(index_dir=tmp_path / "index", env={}, **settings)
    embedder = make_embedder(config.embedding_model, config.embedding_backend,
                             config.embedding_precision)
    return Index(config, embedder), embedder


def _vectors(index) -> dict[str, np.ndarray]:
    ids = index.dense.chunk_ids()
    return dict(zip(ids, index.dense.vectors(ids), strict=True))


def test_the_helper_embeds_what_this_process_would(tmp_path):
    helped, helped_model = _index(tmp_path / "a")
    assert helped._wants_helper()
    report = helped.ingest([REPORTS / n for n in NAMES])
    assert report.count("added") == 2
    assert not helped_model.loaded  # the model was read by the helper only
    assert helped_model.embedded == sum(r.chunks for r in report.results)
    assert not multiprocessing.active_children()  # the helper is gone

    alone, alone_model = _index(tmp_path / "b", ingest_helper_process=False)
    assert not alone._wants_helper()
    alone.ingest([REPORTS / n for n in NAMES])
    assert alone_model.loaded
    a, b = _vectors(helped), _vectors(alone)
    assert a.keys() == b.keys() and len(a) == report.results[0].chunks + report.results[1].chunks
    assert max(float(np.abs(a[k] - b[k]).max()) for k in a) < 1e-6

    # unchanged: nothing embedded, and the helper, started on speculation, is killed at once
    again = helped.ingest([REPORTS / n for n in NAMES])
    assert again.count("unchanged") == 2
    assert not multiprocessing.active_children()
    helped.close()
    alone.close()


def test_a_helper_that_dies_is_replaced_by_this_process_with_a_warning(tmp_path, monkeypatch,
                                                                       caplog):
    from vectorstore import embed_worker

    original = embed_worker.EmbeddingWorker.embed_documents

    def die_first(self, texts, progress=None):
        self._process.kill()
        self._process.join()
        return original(self, texts, progress)

    monkeypatch.setattr(embed_worker.EmbeddingWorker, "embed_documents", die_first)
    index, model = _index(tmp_path)
    with caplog.at_level(logging.WARNING, logger="assistant.indexing"):
        report = index.ingest([REPORTS / NAMES[0]])
    assert report.count("added") == 1
    assert model.loaded  # embedded here instead
    warnings = [r.getMessage() for r in caplog.records]
    assert any("helper process went away" in w and "embedding in this process" in w
               for w in warnings), warnings
    hits = index.dense.query(model.embed_query("interviews"), 3)
    assert hits  # the chunks are searchable
    assert not multiprocessing.active_children()
    index.close()
