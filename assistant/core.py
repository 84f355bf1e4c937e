"""The library's front door: :class:`Assistant`, built by :func:`build_assistant`."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from assistant.answering.evidence import fill_sentence_vectors
from assistant.answering.pipeline import AnswerEvent, AnswerPipeline
from assistant.errors import ConfigError, DocumentNotFound, registered
from assistant.indexing import Index, IngestProgress
from assistant.records import Answer, AskRequest, Filters, IngestReport, Passage, SearchRequest
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.rerank import RerankContext, build_reranker
from assistant.retrieval.scope import ReportScoper
from assistant.retrieval.second import PASSAGES, SecondRanking
from assistant.settings import Settings
from vectorstore import DocumentRecord, Embedder, make_embedder
from vectorstore.embedders import answer_precision
from vectorstore.sentence_store import SentenceVectorStore


class Assistant:
    """Ingest reports, search them, answer questions, list and delete documents.

    Construction does no I/O: the embedding model loads on the first embedding and the index
    opens on first use. Build one with :func:`build_assistant`, or hand in your own parts
    (tests pass their own ``embedder`` and Chroma ``client``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder,
        client: Any = None,
        chat_model: Any = None,
        index: Index | None = None,
        answer_embedder: Embedder | None = None,
    ):
        self.settings = settings
        self.embedder = embedder
        # the model that scores answer sentences; the index's own unless settings name another
        if answer_embedder is None:
            answer_embedder = (
                embedder if settings.answer_model == settings.embedding_model
                else make_embedder(settings.answer_model, settings.embedding_backend,
                                   answer_precision(settings.embedding_precision))
            )
        self.answer_embedder = answer_embedder
        self.chat_model = chat_model
        own_index = index is None
        self.index = index or Index(settings, embedder, client)
        reranker = build_reranker(settings.reranker, RerankContext(embedder, answer_embedder))
        self.second = self._second_ranking(settings, answer_embedder, own_index)
        self.retriever = HybridRetriever(self.index, reranker, settings, self.second)
        scoper = ReportScoper(
            self.index.documents, lambda term: self.index.lexical.docs_mentioning(term)
        )
        self.answers = AnswerPipeline(
            settings, self.retriever, embedder, lambda: self.index.lexical, chat_model, scoper,
            answer_embedder=answer_embedder,
        )

    def _second_ranking(
        self, settings: Settings, answer_embedder: Embedder, own_index: bool
    ) -> SecondRanking | None:
        """The answer model's ranking over every passage, fused as a third in hybrid search;
        None when the answer model is the index's own, or its weight is 0. Its passage vectors
        are made as chunks are written (:meth:`Index.ingest`) by the assistant that opened the
        index (a :meth:`variant` reads what it kept)."""
        if answer_embedder is self.embedder or answer_embedder.name == self.embedder.name:
            return None
        # Passage vectors are index data, kept like Chroma's vectors whatever
        # keep_sentence_vectors says (it governs answer sentences): one made later, in other
        # batches, could differ from the ingest's in its last bits and reorder near-ties.
        store = SentenceVectorStore(settings.sentence_vectors_path,
                                    PASSAGES.format(model=answer_embedder.name))
        passages = (  # the backend that serves the model (the native one for e5)
            make_embedder(settings.answer_model, "auto", settings.embedding_precision)
            if answer_embedder.name == settings.answer_model else answer_embedder
        )
        second = SecondRanking(answer_embedder, lambda doc_id: self.index.dense.doc_chunks(doc_id),
                               store, passages)
        if own_index and settings.second_weight > 0:
            self.index.on_written.append(second.keep)
        return second

    def fill_sentence_vectors(self, stop: threading.Event | None = None) -> int:
        """Embed, on one core, the sentences of the index that the kept sentence vectors lack
        (:func:`assistant.answering.evidence.fill_sentence_vectors`), until done or ``stop``
        is set; returns how many were embedded (0 when vectors are not kept)."""
        store = self.answers.cache.store
        if store is None:
            return 0
        chunks = ((c.title, c.text) for c in self.index.lexical.iter_chunks())
        return fill_sentence_vectors(store, self.answer_embedder, chunks,
                                     stop or threading.Event())

    def ingest(
        self, paths: Sequence[Path | str] | None = None, progress: IngestProgress | None = None
    ) -> IngestReport:
        """Ingest files or folders (default: the configured reports folder)."""
        targets = [Path(p) for p in paths] if paths else [self.settings.reports_dir]
        return self.index.ingest(targets, progress)

    def search(self, request: SearchRequest | str, **options: Any) -> list[Passage]:
        """The best passages for a :class:`SearchRequest`, or for a query string with the
        request's fields as keywords (``k``, ``filters``, ``retrieval_mode``)."""
        return self.retriever.search(_as_request(SearchRequest, request, options))

    def ask(self, request: AskRequest | str, **options: Any) -> Answer:
        """Answer with checked citations, or refuse (``answerable: false``).

        Takes an :class:`AskRequest`, or a question string with the request's fields as
        keywords (``history``, ``filters``, ``answer_mode``, ``k``).
        """
        return self.answers.ask(_as_request(AskRequest, request, options))

    def ask_stream(self, request: AskRequest | str, **options: Any) -> Iterator[AnswerEvent]:
        """Like :meth:`ask`, yielding the passages, the draft as it is written and the
        checked answer (the last event)."""
        return self.answers.stream(_as_request(AskRequest, request, options))

    def documents(self) -> list[DocumentRecord]:
        """Every document in the index."""
        return self.index.documents()

    def delete(self, source: str) -> DocumentRecord:
        """Remove a document (by file name) and all its chunks."""
        record = self.index.delete(source)
        if record is None:
            known = ", ".join(r.source for r in self.documents()) or "none"
            raise DocumentNotFound(f"no document named '{source}' in the index (known: {known})")
        return record

    def as_retriever(
        self, k: int = 5, filters: Filters | None = None, retrieval_mode: str = "hybrid"
    ) -> Any:
        """A LangChain retriever over this assistant's search."""
        from assistant.retrieval.langchain import ReportRetriever

        return ReportRetriever(assistant=self, k=k, filters=filters, mode=retrieval_mode)

    def variant(self, settings: Settings) -> Assistant:
        """An assistant with other retrieval or answer settings (mode, k, fusion, refusal
        threshold, models of the answerers) over this one's index and embedding model, which
        stay loaded. Close it with :meth:`close_variant`; the index stays open for this one.

        Settings that decide what the index holds (where it is, the embedding model, chunking)
        must be the same: a ConfigError names the first that differs.
        """
        for name in _INDEX_SETTINGS:
            if getattr(settings, name) != getattr(self.settings, name):
                raise ConfigError(
                    f"{name} decides what the index holds: a variant over this index cannot "
                    f"change it ({getattr(self.settings, name)!r} -> {getattr(settings, name)!r})"
                )
        check_choices(settings)
        same = settings.answer_model == self.settings.answer_model
        return Assistant(settings, embedder=self.embedder, chat_model=self.chat_model,
                         index=self.index, answer_embedder=self.answer_embedder if same else None)

    def close_variant(self) -> None:
        """Release what a :meth:`variant` holds of its own (not the shared index)."""
        self.retriever.close()

    def close(self) -> None:
        self.retriever.close()
        self.index.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Settings that decide what an index holds or where it is: the same for every variant.
_INDEX_SETTINGS = (
    "index_dir", "chroma_url", "chroma_host", "chroma_port", "embedding_model",
    "embedding_backend", "embedding_precision", "chunk_tokens", "chunk_overlap",
)

R = TypeVar("R", AskRequest, SearchRequest)


def _as_request(kind: type[R], request: R | str, options: dict[str, Any]) -> R:
    """``request`` itself, or a ``kind`` built from a string and the request's fields."""
    if isinstance(request, str):
        return kind(request, **options)
    if options:
        raise TypeError(f"give either a {kind.__name__} or a string with options, not both")
    return request


def build_assistant(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    client: Any = None,
    chat_model: Any = None,
) -> Assistant:
    """The one place that builds the embedder, the Chroma client's owner and the answerers'
    parts from ``settings`` (default: :meth:`Settings.load`, defaults and ``ASSISTANT_*``).

    Names the settings choose from a registry (fusion, reranker, answer mode) are checked here,
    so a bad one fails at start-up with the choices listed. Nothing is loaded or opened yet.
    """
    settings = settings or Settings.load()
    check_choices(settings)
    embedder = embedder or make_embedder(
        settings.embedding_model, settings.embedding_backend, settings.embedding_precision
    )
    return Assistant(settings, embedder=embedder, client=client, chat_model=chat_model)


def check_choices(settings: Settings) -> None:
    """ConfigError when a setting names something no registry has, or the Chroma server
    address is malformed (parsed only; nothing is contacted)."""
    settings.chroma_server()
    from assistant.answering.answerers import ANSWERERS
    from assistant.retrieval.fusion import FUSIONS
    from assistant.retrieval.rerank import RERANKERS

    for setting, registry in (
        ("answer_mode", ANSWERERS), ("fusion", FUSIONS), ("reranker", RERANKERS)
    ):
        registered(
            registry, getattr(settings, setting), setting, ConfigError,
            f" (ASSISTANT_{setting.upper()})",
        )
