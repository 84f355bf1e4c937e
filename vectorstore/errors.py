"""Errors of the index layer.

    StoreError
     ├── EmbeddingModelError   the embedding model cannot be found, verified or loaded
     ├── IndexUnavailable      the index directory or the Chroma server cannot be used
     └── IndexMismatch         the index was built with another embedding model
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of index-layer errors."""


class EmbeddingModelError(StoreError):
    """The embedding model cannot be found, verified or loaded."""


class IndexUnavailable(StoreError):
    """The index cannot be opened or written."""


class IndexMismatch(StoreError):
    """The index on disk was built with a different embedding model or dimension."""
