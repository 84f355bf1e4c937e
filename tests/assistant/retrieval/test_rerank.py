"""The answer-model reranker on the real corpus, with the real answer model
(multilingual-e5-small): reciprocal-rank fusion of the fused order with the answer model's
cosine ranking of the first candidates."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, SearchRequest
from assistant.retrieval.rerank import SecondModelReranker
from ingest.records import context_header


@pytest.mark.slow
def test_the_answer_model_reorders_the_fused_candidates(corpus):
    question = "Who funded the LMPP project and what was its budget?"
    depth = SecondModelReranker(corpus.answer_embedder).depth
    fused = corpus.search(SearchRequest(question, k=depth))
    model = corpus.answer_embedder
    vectors = model.embed_documents(
        [f"{context_header(p.title, p.year, p.section)}\n{p.text}" for p in fused]
    )
    cosine = vectors @ model.embed_query(question)
    second = {int(i): r for r, i in enumerate(np.argsort(-cosine, kind="stable"), 1)}
    fused_score = [1 / (10 + i + 1) + 1 / (10 + second[i]) for i in range(len(fused))]
    expected = [fused[i].chunk_id for i in sorted(range(len(fused)), key=lambda i: -fused_score[i])]

    settings = corpus.settings.model_copy(update={"reranker": "answer-model"})
    with Assistant(
        settings, embedder=corpus.embedder, answer_embedder=corpus.answer_embedder
    ) as other:
        first = other.search(SearchRequest(question, k=8))
        again = other.search(SearchRequest(question, k=8))  # the passage vectors now cached
    assert [p.chunk_id for p in first] == expected[:8]
    assert [p.chunk_id for p in again] == expected[:8]
    assert [p.rank for p in first] == list(range(1, 9))
    assert [p.chunk_id for p in first] != [p.chunk_id for p in fused[:8]]  # it did reorder
