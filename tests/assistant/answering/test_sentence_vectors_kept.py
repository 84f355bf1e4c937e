"""Answer sentences scored once are read back by the next process instead of embedded again
(real index of the five reports, real models)."""

from __future__ import annotations

QUESTION = "What was the budget of the LMPP project and who funded it?"


def test_a_second_process_reads_the_sentence_vectors_the_first_kept(corpus, embedder,
                                                                    monkeypatch):
    from assistant import Assistant

    first = corpus.ask(QUESTION)
    assert first.answerable and "2,580,649" in first.answer
    assert corpus.settings.sentence_vectors_path.is_file()

    embedded: list[str] = []
    answer_model = corpus.answer_embedder
    original = answer_model.embed_sentences

    def counted(texts, *args, **kwargs):
        embedded.extend(texts)
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(answer_model, "embed_sentences", counted)
    # A new assistant over the same folder: nothing in memory, as in the next process.
    with Assistant(corpus.settings, embedder=embedder, answer_embedder=answer_model) as again:
        second = again.ask(QUESTION)
    assert embedded == []  # every sentence's vector was read from the folder
    assert second.answer == first.answer
    assert [c.to_dict() for c in second.citations] == [c.to_dict() for c in first.citations]
    assert abs(second.evidence - first.evidence) < 1e-5

    # Switched off, the same question embeds its sentences again and answers the same.
    settings = corpus.settings.model_copy(update={"keep_sentence_vectors": False})
    with Assistant(settings, embedder=embedder, answer_embedder=answer_model) as memory_only:
        third = memory_only.ask(QUESTION)
    assert embedded  # embedded again, nothing read
    assert third.answer == first.answer

