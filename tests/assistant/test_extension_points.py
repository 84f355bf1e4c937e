"""The extension points: a new answer mode, fusion method or reranker is one registry entry;
one error tree; construction does no I/O; a bad registry name fails at start-up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from assistant import AskRequest, ConfigError, SearchRequest, Settings, build_assistant
from assistant.answering.answerers import ANSWERERS, AnswererSpec
from assistant.errors import (
    AssistantError,
    CatalogError,
    DocumentNotFound,
    EvalSetError,
    IngestError,
    LLMError,
    QueryError,
    StoreError,
)
from assistant.retrieval.fusion import FUSIONS
from assistant.retrieval.rerank import RERANKERS


class FirstSentence:
    """A toy answer mode: quotes the first sentence of the best passage."""

    streams = False

    def condense(self, question: str, history: Sequence[object]) -> str:
        return question

    def draft(self, question: str, evidence: object, passages: Sequence[object]) -> Iterator[str]:
        first = passages[0].text.split(". ")[0].rstrip(".")  # type: ignore[attr-defined]
        yield f"{first}. [1]"

    def declined(self, draft: str) -> bool:
        return False


class Reversed:
    def rerank(self, query, query_vector, candidates):
        return list(reversed(candidates))


@pytest.fixture()
def registered(monkeypatch):
    monkeypatch.setitem(
        ANSWERERS, "first", AnswererSpec("first", "toy", lambda settings, model: FirstSentence())
    )
    monkeypatch.setitem(RERANKERS, "reversed", lambda context: Reversed())
    monkeypatch.setitem(FUSIONS, "dense-only", lambda rankings, params: [
        (hit.chunk.chunk_id, hit.score) for hit in rankings[0]
    ])


def test_a_new_answer_mode_is_one_registry_entry(registered, corpus):
    answer = corpus.ask(AskRequest("What was the budget of the LMPP project?",
                                   answer_mode="first"))
    assert answer.mode == "first" and answer.answerable
    assert answer.citations[0].passage == 1  # the citation check accepted the draft
    from assistant.serve.cli import build_parser

    ask = build_parser().parse_args(["ask", "q", "--mode", "first"])  # the CLI choice follows
    assert ask.mode == "first"
    with pytest.raises(QueryError, match="mode must be one of extractive, local, llm, first"):
        corpus.ask("What was the budget of the LMPP project?", answer_mode="nope")


def test_a_reranker_and_a_fusion_method_are_one_registry_entry(registered, corpus, tmp_path):
    query = SearchRequest("budget of the LMPP project", k=5)
    fused = corpus.search(query)
    settings = corpus.settings.model_copy(update={"reranker": "reversed", "fusion": "dense-only"})
    with build_assistant(settings, embedder=corpus.embedder) as other:
        reranked = other.search(query)
    assert len(reranked) == 5 and [p.rank for p in reranked] == [1, 2, 3, 4, 5]
    # dense-only fusion, then reversed: the last of the dense candidates comes first
    dense = corpus.search(SearchRequest(query.query, k=settings.candidates,
                                        retrieval_mode="dense"))
    assert reranked[0].chunk_id == dense[-1].chunk_id
    assert fused[0].chunk_id != reranked[0].chunk_id


def test_a_bad_registry_name_fails_at_start_up_with_the_choices(tmp_path):
    for setting, message in (("answer_mode", "answer_mode must be one of extractive, local, llm"),
                             ("fusion", "fusion must be one of rrf, convex"),
                             ("reranker", "reranker must be one of none")):
        settings = Settings.load(index_dir=tmp_path, env={}, **{setting: "nope"})
        with pytest.raises(ConfigError, match=message):
            build_assistant(settings)


def test_construction_does_no_io(tmp_path):
    index_dir = tmp_path / "not-yet"
    assistant = build_assistant(Settings.load(index_dir=index_dir, env={}))
    assert not index_dir.exists()  # neither Chroma nor SQLite opened
    assert not assistant.embedder.loaded  # the model loads on the first embedding
    assistant.close()


def test_one_error_tree():
    for error in (IngestError, CatalogError, StoreError, ConfigError, QueryError,
                  DocumentNotFound, EvalSetError, LLMError):
        assert issubclass(error, AssistantError), error
    from ingest.errors import AssistantError as root

    assert root is AssistantError
