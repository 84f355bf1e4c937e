"""The second dense ranking on the real corpus with the real answer model
(multilingual-e5-small): its cosine over every passage, made at ingest and kept beside the index,
fused with the dense and lexical rankings."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Assistant, SearchRequest
from assistant.records import Filters
from assistant.retrieval.second import PASSAGES
from vectorstore.sentence_store import SentenceVectorStore

QUESTION = "Who funded the LMPP project and what was its budget?"


def every_chunk(assistant):
    return [c for r in assistant.documents() for c in assistant.index.dense.doc_chunks(r.doc_id)]


def test_it_ranks_every_passage_by_the_answer_models_cosine(corpus):
    second = corpus.second
    query = corpus.answer_embedder.embed_query(QUESTION)
    store = SentenceVectorStore(
        corpus.settings.sentence_vectors_path, PASSAGES.format(model=corpus.answer_embedder.name)
    )
    chunks = every_chunk(corpus)
    texts = [c.embedding_text() for c in chunks]
    kept = store.get(texts, second.passage_embedder.dimension)  # as the ingest kept them
    store.close()
    assert len(kept) == len(texts)
    cosine = np.array([float(np.asarray(kept[i], dtype=np.float32) @ query)
                       for i in range(len(texts))])
    order = sorted(range(len(texts)), key=lambda i: -cosine[i])[:10]

    ranking = corpus.retriever.second_ranking(QUESTION, 10)
    assert [h.score for h in ranking] == pytest.approx([cosine[i] for i in order], abs=1e-6)
    assert {h.chunk.chunk_id for h in ranking} == {chunks[i].chunk_id for i in order}
    # kept at the ingest's precision, in its batches: the passage embedded again on its own
    # in fp32 is the same vector to the third decimal
    for hit in ranking[:3]:
        exact = corpus.answer_embedder.embed_documents([hit.chunk.embedding_text()])[0]
        assert float(exact @ query) == pytest.approx(hit.score, abs=2e-3)
    again = second.passage_embedder.embed_documents([texts[order[0]]])[0]
    assert float(again @ np.asarray(kept[order[0]], dtype=np.float32)) > 0.999


def test_filters_keep_it_to_the_allowed_reports(corpus):
    lmpp = "2009-lmpp-project-final-evaluation.md"
    ranking = corpus.retriever.second_ranking(QUESTION, 20, Filters(sources=(lmpp,)))
    assert len(ranking) == 20
    assert {h.chunk.source for h in ranking} == {lmpp}
    assert corpus.retriever.second_ranking(QUESTION, 5, Filters(year_min=2030)) == []


def test_its_vectors_are_made_at_ingest_and_read_by_the_next_process(corpus):
    settings = corpus.settings
    store = SentenceVectorStore(
        settings.sentence_vectors_path, PASSAGES.format(model=corpus.answer_embedder.name)
    )
    texts = {c.embedding_text() for c in every_chunk(corpus)}
    assert store.count() == len(texts)  # kept by the ingest, one per distinct passage
    store.close()

    with Assistant(settings, embedder=corpus.embedder) as later:  # its own answer model
        ranking = later.retriever.second_ranking(QUESTION, 10)
        assert later.answer_embedder.embedded == 1  # the query alone: no passage embedded
    assert [h.chunk.chunk_id for h in ranking] == [
        h.chunk.chunk_id for h in corpus.retriever.second_ranking(QUESTION, 10)
    ]


def test_the_search_fuses_it_and_gives_every_passage_the_index_models_cosine(corpus):
    request = SearchRequest(QUESTION, k=8)
    fused = corpus.search(request)
    off = corpus.settings.model_copy(update={"second_weight": 0.0})
    with Assistant(off, embedder=corpus.embedder,
                   answer_embedder=corpus.answer_embedder) as two_way:
        without = two_way.search(request)
        dense, _ = two_way.retriever.rankings(QUESTION, corpus.settings.candidates)
    assert [p.chunk_id for p in fused] != [p.chunk_id for p in without]
    assert all(p.dense_score is not None for p in fused)
    reached = {h.chunk.chunk_id for h in dense}
    added = [p for p in fused if p.chunk_id not in reached]
    assert added  # found by the second ranking alone: the cosine comes from Chroma's vector
    for p in added:
        vector = corpus.index.dense.vectors([p.chunk_id])[0]
        assert p.dense_score == pytest.approx(
            float(vector @ corpus.embedder.embed_query(QUESTION)), abs=1e-5
        )


def test_a_deleted_report_leaves_the_ranking(fresh, tmp_path):
    from helpers import REPORTS

    names = ("2009-lmpp-project-final-evaluation.md",
             "2013-ilo-labour-migration-evaluation-summary.md")
    for name in names:
        (tmp_path / name).write_bytes((REPORTS / name).read_bytes())
    fresh.ingest([tmp_path / name for name in names])
    before = {h.chunk.source for h in fresh.retriever.second_ranking(QUESTION, 10_000)}
    assert before == {"2009-lmpp-project-final-evaluation.md",
                      "2013-ilo-labour-migration-evaluation-summary.md"}
    fresh.delete("2009-lmpp-project-final-evaluation.md")
    fresh.index.refresh()
    after = {h.chunk.source for h in fresh.retriever.second_ranking(QUESTION, 10_000)}
    assert after == {"2013-ilo-labour-migration-evaluation-summary.md"}


def test_a_second_model_that_cannot_load_leaves_two_rankings(tmp_path, caplog):
    from fakes import HashEmbedder
    from helpers import REPORTS

    from assistant import Settings

    settings = Settings.load(index_dir=tmp_path / "index", env={},
                             answer_embedding_model=str(tmp_path / "no-such-model"))
    with Assistant(settings, embedder=HashEmbedder()) as assistant:
        report = assistant.ingest([REPORTS / "2009-lmpp-project-final-evaluation.md"])
        assert report.count("added") == 1  # the ingest goes on without its vectors
        found = assistant.search(SearchRequest("budget of the project", k=3))
        assert len(found) == 3
        assert assistant.retriever.second_ranking("budget of the project", 5) == []
    warnings = [r.getMessage() for r in caplog.records if "second ranking is off" in r.getMessage()]
    assert len(warnings) == 1 and "no-such-model" in warnings[0]  # said once, with the cause
