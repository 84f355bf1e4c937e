"""Question answering over evaluation reports with cited passages.

Its names are imported on first use (:mod:`ingest.exports`), so that ``import
assistant.settings`` or the CLI's parser does not load the answering pipeline, Chroma or numpy:
a command that a running server answers never needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.exports import lazy

if TYPE_CHECKING:
    from assistant.core import Assistant, build_assistant
    from assistant.errors import AssistantError, ConfigError, DocumentNotFound, QueryError
    from assistant.records import (
        AskRequest,
        FileResult,
        Filters,
        IngestReport,
        Passage,
        SearchRequest,
    )
    from assistant.settings import Settings

#: Where each public name lives.
_HOMES = {
    "Assistant": "assistant.core",
    "build_assistant": "assistant.core",
    "AssistantError": "assistant.errors",
    "ConfigError": "assistant.errors",
    "DocumentNotFound": "assistant.errors",
    "QueryError": "assistant.errors",
    "AskRequest": "assistant.records",
    "FileResult": "assistant.records",
    "Filters": "assistant.records",
    "IngestReport": "assistant.records",
    "Passage": "assistant.records",
    "SearchRequest": "assistant.records",
    "Settings": "assistant.settings",
}

__all__ = [
    "AskRequest",
    "Assistant",
    "AssistantError",
    "ConfigError",
    "DocumentNotFound",
    "FileResult",
    "Filters",
    "IngestReport",
    "Passage",
    "QueryError",
    "SearchRequest",
    "Settings",
    "build_assistant",
]

__getattr__, __dir__ = lazy(__name__, _HOMES)
