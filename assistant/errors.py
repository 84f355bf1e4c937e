"""Errors of the assistant, and the families the front ends turn into messages.

    AssistantError
     ├── ConfigError        a setting has a bad value
     ├── QueryError         a question or search request is invalid (empty, too long, bad k)
     ├── DocumentNotFound   no document with that name in the index
     └── EvalSetError       a question set or baseline file is malformed
    ingest.IngestError      a file could not be read (names the file and page)
    vectorstore.StoreError  the index or the embedding model cannot be used
"""

from __future__ import annotations

from ingest.errors import IngestError
from vectorstore.errors import StoreError


class AssistantError(Exception):
    """Base class of the assistant's own errors."""


class ConfigError(AssistantError):
    """A setting has a bad value; the message names the setting and the value."""


class QueryError(AssistantError):
    """A request is invalid; the message says what to change."""


class DocumentNotFound(AssistantError):
    """No document with the given name is in the index."""


class EvalSetError(AssistantError):
    """A question set or baseline file is malformed; the message names the file and item."""


#: Every error the library raises on purpose; front ends catch these and nothing broader.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (AssistantError, IngestError, StoreError)
