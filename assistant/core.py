"""The library's front door: ``Assistant``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.answering import AnswerEvent, AnswerPipeline
from assistant.errors import DocumentNotFound
from assistant.indexing import Index, IngestProgress
from assistant.records import Answer, Filters, IngestReport, Passage
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from vectorstore import DocumentRecord, Embedder, make_embedder


class Assistant:
    """Ingest reports, search them, answer questions, list and delete documents.

    Heavy parts are injected or built lazily: the embedding model loads on the first embedding,
    never at construction; tests can hand in their own ``embedder`` and Chroma ``client``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        client: Any = None,
        chat_model: Any = None,
    ):
        self.settings = settings or Settings.load()
        self.embedder = embedder or make_embedder(
            self.settings.embedding_model,
            self.settings.embedding_backend,
            self.settings.embedding_precision,
        )
        self.index = Index(self.settings, self.embedder, client)
        self.retriever = HybridRetriever(self.index)
        self.answers = AnswerPipeline(
            self.settings, self.retriever, self.embedder, self.index.lexical, chat_model
        )

    def ingest(
        self, paths: Sequence[Path | str] | None = None, progress: IngestProgress | None = None
    ) -> IngestReport:
        """Ingest files or folders (default: the configured reports folder)."""
        targets = [Path(p) for p in paths] if paths else [self.settings.reports_dir]
        return self.index.ingest(targets, progress)

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> list[Passage]:
        """The best passages for ``query``: hybrid (default), ``dense`` or ``lexical``."""
        k = self.settings.top_k if k is None else k
        mode = mode or self.settings.retrieval_mode
        return self.retriever.search(query, k, filters, mode)

    def ask(
        self,
        question: str,
        history: Any = None,
        filters: Filters | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer ``question`` with checked citations, or refuse (``answerable: false``).

        ``history``: earlier turns (``[{"role", "content"}]`` or ``[(question, answer)]``), used
        to make a follow-up standalone. ``mode``: ``extractive`` (default) or ``llm``.
        """
        return self.answers.ask(question, history, filters, mode, k)

    def ask_stream(
        self,
        question: str,
        history: Any = None,
        filters: Filters | None = None,
        *,
        mode: str | None = None,
        k: int | None = None,
    ) -> Iterator[AnswerEvent]:
        """Like :meth:`ask`, yielding the passages, the LLM's draft as it is written and the
        checked answer (the last event)."""
        return self.answers.stream(question, history, filters, mode, k)

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

    def as_retriever(self, k: int = 5, filters: Filters | None = None, mode: str = "hybrid") -> Any:
        """A LangChain retriever over this assistant's search."""
        from assistant.langchain_retriever import ReportRetriever

        return ReportRetriever(assistant=self, k=k, filters=filters, mode=mode)

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
