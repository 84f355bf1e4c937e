"""The library's front door: ``Assistant``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import DocumentNotFound
from assistant.indexing import Index, IngestProgress
from assistant.records import Filters, IngestReport, Passage
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from vectorstore import DocumentRecord, Embedder, SentenceTransformerEmbedder


class Assistant:
    """Ingest reports, search them, list and delete documents.

    Heavy parts are injected or built lazily: the embedding model loads on the first embedding,
    never at construction; tests can hand in their own ``embedder`` and Chroma ``client``.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        client: Any = None,
    ):
        self.settings = settings or Settings.load()
        self.embedder = embedder or SentenceTransformerEmbedder(self.settings.embedding_model)
        self.index = Index(self.settings, self.embedder, client)
        self.retriever = HybridRetriever(self.index)

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
        mode: str = "hybrid",
    ) -> list[Passage]:
        """The best passages for ``query``: hybrid (default), ``dense`` or ``lexical``."""
        k = self.settings.top_k if k is None else k
        return self.retriever.search(query, k, filters, mode)

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
