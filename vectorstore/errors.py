"""Errors of the index layer, under the distribution's root error.

    ingest.AssistantError         root of every error assistant, ingest and vectorstore raise
     └── StoreError               the index or the embedding model cannot be used
          ├── EmbeddingModelError   the embedding model cannot be found, verified or loaded
          ├── IndexUnavailable      the index directory or the Chroma server cannot be used
          └── IndexMismatch         the index was built with another embedding model
"""

from __future__ import annotations

from ingest.errors import AssistantError


class StoreError(AssistantError):
    """Base class of index-layer errors."""


class EmbeddingModelError(StoreError):
    """The embedding model cannot be found, verified or loaded."""


class IndexUnavailable(StoreError):
    """The index cannot be opened or written."""


class IndexMismatch(StoreError):
    """The index on disk was built with a different embedding model or dimension."""
