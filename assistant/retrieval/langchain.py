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

    Build it with ``Assistant.as_retriever(k=5, filters=...)``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int = 5
    filters: Filters | None = None
    mode: str = "hybrid"

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        request = SearchRequest(query, self.k, self.filters or Filters(), self.mode)
        documents = []
        for passage in self.assistant.search(request):
            metadata = passage.to_dict()
            text = metadata.pop("text")
            documents.append(Document(page_content=text, metadata=metadata, id=passage.chunk_id))
        return documents
