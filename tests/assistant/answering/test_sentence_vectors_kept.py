"""Answer sentences scored once are read back by the next process instead of embedded again
(real index of the five reports, real models)."""

from __future__ import annotations

QUESTION = "What was the budget of the LMPP project and who funded it?"


def test_a_second_process_reads_the_sentence_vectors_the_first_kept(corpus, embedder,
                                                                    monkeypatch):
    from assistant import Assistant

    first = corpus.ask(QUESTION)
    # the report gives the budget twice: the summary box's 2,580,649 and the TOR's 2,652,078
    assert first.answerable and ("2,580,649" in first.answer or "2,652,078" in first.answer)
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



SUMMARY = "2013-ilo-labour-migration-evaluation-summary.md"


def test_the_index_sentences_are_filled_in_advance_and_questions_read_them(fresh, embedder,
                                                                          monkeypatch):
    import threading

    from helpers import REPORTS

    from assistant import Assistant
    from assistant.answering.evidence import embedding_text
    from ingest.sentences import split_sentences

    fresh.ingest([REPORTS / SUMMARY])
    chunks = list(fresh.index.lexical.iter_chunks())
    texts = {embedding_text(c.title, c.text[s:e]) for c in chunks
             for s, e in split_sentences(c.text)}
    store = fresh.answers.cache.store

    # stopped at once: it stops after its first chunk at the latest
    stop = threading.Event()
    stop.set()
    assert fresh.fill_sentence_vectors(stop) <= len(texts)
    filled = fresh.fill_sentence_vectors()
    assert store.count() == len(texts)  # every sentence of every chunk, once
    assert 0 < filled <= len(texts)
    assert fresh.fill_sentence_vectors() == 0  # nothing left to embed

    # the filled vectors are the ones a question would compute (fp32, numpy or torch)
    sample = sorted(texts)[:8]
    kept = store.get(sample, fresh.answer_embedder.dimension)
    direct = fresh.answer_embedder.embed_sentences(sample)
    for i, text in enumerate(sample):
        assert float(kept[i] @ direct[i]) > 0.99999, text

    embedded: list[str] = []
    model = fresh.answer_embedder
    original = model.embed_sentences
    monkeypatch.setattr(model, "embed_sentences",
                        lambda texts, *a, **k: embedded.extend(texts) or original(texts, *a, **k))
    question = "How many interviews did the 2013 evaluation conduct?"
    with Assistant(fresh.settings, embedder=embedder, answer_embedder=model) as later:
        answer = later.ask(question)
    assert embedded == []  # a question never asked before: its sentences were all kept
    settings = fresh.settings.model_copy(update={"keep_sentence_vectors": False})
    with Assistant(settings, embedder=embedder, answer_embedder=model) as without:
        assert without.ask(question).answer == answer.answer
    assert embedded


def test_a_server_fills_at_the_lowest_priority_and_stops_when_closed(tmp_path, monkeypatch,
                                                                      capsys):
    import os
    import threading

    from helpers import REPORTS

    import assistant.serve.service as service_module
    from assistant import Settings

    priorities: list[int] = []
    lower = service_module.lower_priority

    def recorded() -> None:
        lower()
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    monkeypatch.setattr(service_module, "lower_priority", recorded)
    service = service_module.Service(Settings.load(index_dir=tmp_path / "index", env={}))
    try:
        service.assistant.ingest([REPORTS / SUMMARY])
        assert service.filling_state() == "pending"
        thread = service.fill_in_background()
        assert thread is not None and thread.name == "sentence-vectors"
        assert service.fill_in_background() is None or not thread.is_alive()  # one at a time
        thread.join(timeout=300)
        assert not thread.is_alive()
        assert service.filling_state() == "done"
        assert service.status()["sentence_vectors"] == "done"
        assert priorities == [19]  # its own thread only: the caller's priority is unchanged
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) != 19
        kept = service.assistant.answers.cache.store.count()
        assert kept > 0
        out = capsys.readouterr().out
        assert f"Embedded {kept} answer sentences of the index in advance" in out
    finally:
        service.close()
    off = Settings.load(index_dir=tmp_path / "index", env={"ASSISTANT_FILL_SENTENCE_VECTORS": "0"})
    quiet = service_module.Service(off)
    try:
        assert quiet.fill_in_background() is None and quiet.filling_state() == "off"
    finally:
        quiet.close()
