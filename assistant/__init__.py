"""Question answering over evaluation reports with cited passages."""

from assistant.core import Assistant
from assistant.errors import AssistantError, ConfigError, DocumentNotFound, QueryError
from assistant.records import FileResult, Filters, IngestReport, Passage
from assistant.settings import Settings

__all__ = [
    "Assistant",
    "AssistantError",
    "ConfigError",
    "DocumentNotFound",
    "FileResult",
    "Filters",
    "IngestReport",
    "Passage",
    "QueryError",
    "Settings",
]
