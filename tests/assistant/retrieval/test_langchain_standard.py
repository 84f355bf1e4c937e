"""LangChain's own standard test suite for retrievers (``langchain-tests``), run against the
retriever over a real index of the default corpus."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.records import Filters
from assistant.retrieval.langchain import ReportRetriever


class TestReportRetriever(RetrieversIntegrationTests):
    _assistant: Any = None

    @pytest.fixture(autouse=True)
    def _real_index(self, corpus: Any) -> None:
        type(self)._assistant = corpus

    @property
    def retriever_constructor(self) -> type[ReportRetriever]:
        return ReportRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"assistant": self._assistant}

    @property
    def retriever_query_example(self) -> str:
        return "What was the budget of the LMPP project?"


def test_call_time_options_override_the_retriever_settings(corpus):
    retriever = corpus.as_retriever(k=5)
    only = "2021-fair-labour-migration-hle-summary.txt"
    docs = retriever.invoke("labour migration", k=2, filters=Filters((only,)), mode="lexical")
    assert len(docs) == 2 and {d.metadata["source"] for d in docs} == {only}
    assert len(retriever.invoke("labour migration")) == 5  # the retriever's own k again
