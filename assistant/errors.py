"""One error tree for the whole distribution. Front ends catch :class:`AssistantError` (and
nothing broader) and turn it into a message; which status or exit code follows from the branch.

    AssistantError (defined in ingest.errors, the lowest package, re-exported here)
     ├── IngestError            a file could not be read (names the file and page)
     │    ├── UnsupportedFormat, FileTooLarge, UnreadableDocument
     │    └── CatalogError      the catalog file beside the reports is malformed
     ├── StoreError             the index or the embedding model cannot be used
     │    └── EmbeddingModelError, IndexUnavailable, IndexMismatch
     ├── ConfigError            a setting has a bad value
     ├── QueryError             a question or search request is invalid (empty, too long, bad k)
     ├── DocumentNotFound       no document with that name in the index
     ├── EvalSetError           a question set or baseline file is malformed
     └── LLMError               the chat model could not be reached or failed
          └── ModelBusy         too many questions wait for the local model
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from ingest.errors import AssistantError, CatalogError, IngestError
from vectorstore.errors import StoreError

__all__ = [
    "AssistantError",
    "CatalogError",
    "ConfigError",
    "DocumentNotFound",
    "EvalSetError",
    "IngestError",
    "LLMError",
    "ModelBusy",
    "QueryError",
    "StoreError",
    "registered",
]

T = TypeVar("T")


class ConfigError(AssistantError):
    """A setting has a bad value; the message names the setting and the value."""


class QueryError(AssistantError):
    """A request is invalid; the message says what to change."""


class DocumentNotFound(AssistantError):
    """No document with the given name is in the index."""


class EvalSetError(AssistantError):
    """A question set or baseline file is malformed; the message names the file and item."""


class LLMError(AssistantError):
    """The chat model could not be reached or failed; the message names the model."""


class ModelBusy(LLMError):
    """Too many questions are waiting for the local model; the client may try again."""


def registered(
    registry: Mapping[str, T], name: str, what: str,
    error: type[AssistantError] = QueryError, hint: str = "",
) -> T:
    """The entry ``name`` of a registry, or ``error`` listing the registered names:
    "fusion must be one of rrf, convex; got 'borda'"."""
    try:
        return registry[name]
    except KeyError:
        raise error(
            f"{what} must be one of {', '.join(registry)}; got {name!r}{hint}"
        ) from None
