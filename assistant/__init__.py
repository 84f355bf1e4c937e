"""Question answering over evaluation reports with cited passages."""

from assistant.core import Assistant, build_assistant
from assistant.errors import AssistantError, ConfigError, DocumentNotFound, QueryError
from assistant.records import AskRequest, FileResult, Filters, IngestReport, Passage, SearchRequest
from assistant.settings import Settings

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
