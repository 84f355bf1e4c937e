"""Two models, each where it pays: passages are found with the index's model (MiniLM) and the
sentences of an answer are scored with the answer embedding model (multilingual-e5-small by
default), on the real corpus with both real models."""

from __future__ import annotations

import pytest

from assistant import Settings
from assistant.serve.doctor import _answer_model_check
from assistant.settings import CALIBRATED_THRESHOLDS

pytestmark = pytest.mark.slow

LMPP = "Who funded the LMPP project and what was its budget?"


def test_sentences_are_scored_by_e5_and_passages_found_by_minilm(corpus):
    assert corpus.settings.embedding_model == "all-MiniLM-L6-v2"
    assert corpus.answer_embedder.name == corpus.settings.answer_model == "multilingual-e5-small"
    assert corpus.answers.cache.embedder is corpus.answer_embedder  # sentences and citations
    answer = corpus.ask(LMPP)
    assert answer.answerable and "2,580,649" in answer.answer and "DFID" in answer.answer
    assert answer.threshold == CALIBRATED_THRESHOLDS["multilingual-e5-small"][0]
    # every cited sentence was checked against its passage with e5's vectors
    cited = {c.chunk_id for c in answer.citations}
    cached = {chunk for chunk, _ in corpus.answers.cache._vectors}
    assert cited and cited <= cached
    assert all(v.shape == (corpus.answer_embedder.dimension,)
               for v in corpus.answers.cache._vectors.values())


def test_index_scores_sentences_with_the_index_model_again(corpus):
    settings = corpus.settings.with_answer_model("index")
    assert settings.refusal_threshold == CALIBRATED_THRESHOLDS["all-MiniLM-L6-v2"][0]
    other = corpus.variant(settings)
    try:
        assert other.answer_embedder is corpus.embedder
        answer = other.ask(LMPP)
        assert answer.answerable and "2,580,649" in answer.answer
        assert answer.threshold == CALIBRATED_THRESHOLDS["all-MiniLM-L6-v2"][0]
    finally:
        other.close_variant()


def test_doctor_says_when_the_answer_model_is_not_fetched(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path / "empty"))
    check = _answer_model_check(Settings.load(env={}))
    assert not check.ok
    assert "assistant models fetch multilingual-e5-small" in check.detail
    same = _answer_model_check(Settings.load(env={"ASSISTANT_ANSWER_EMBEDDING_MODEL": "index"}))
    assert same.ok and "the index's" in same.detail


def test_a_matrix_compares_answer_models_each_with_its_threshold(corpus):
    from dataclasses import replace

    from helpers import ROOT

    from assistant.evaluation.matrix import Configuration, run_matrix
    from assistant.evaluation.questions import load_question_set

    qset = load_question_set(ROOT / "eval_questions" / "reports.yaml")
    qset = replace(qset, questions=qset.questions[:3])
    entries = run_matrix(corpus, qset, [
        Configuration("e5-sentences"),
        Configuration("minilm-sentences", settings={"answer_embedding_model": "index"}),
    ])
    e5, minilm = (entry.run for entry in entries)
    assert e5 is not None and minilm is not None
    assert e5.meta["answer_embedding_model"] == "multilingual-e5-small"
    assert minilm.meta["answer_embedding_model"] == "all-MiniLM-L6-v2"
    assert e5.meta["refusal_threshold"] == CALIBRATED_THRESHOLDS["multilingual-e5-small"][0]
    assert minilm.meta["refusal_threshold"] == CALIBRATED_THRESHOLDS["all-MiniLM-L6-v2"][0]
