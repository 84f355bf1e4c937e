"""A LangChain ``BaseRetriever`` over the same hybrid search."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.records import Filters, SearchRequest


class ReportRetriever(BaseRetriever):
    """Returns passages as LangChain documents; metadata carries report, page, section, score.

    Build it with ``Assistant.as_retriever(k=5, filters=...)``. ``k``, ``filters`` and ``mode``
    can also be given per call: ``retriever.invoke(query, k=1, filters=Filters(...))``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int = 5
    filters: Filters | None = None
    mode: str = "hybrid"

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> list[Document]:
        request = SearchRequest(
            query, k if k is not None else self.k, filters or self.filters or Filters(),
            mode or self.mode,
        )
        documents = []
        for passage in self.assistant.search(request):
            metadata = passage.to_dict()
            text = metadata.pop("text")
            documents.append(Document(page_content=text, metadata=metadata, id=passage.chunk_id))
        return documents
