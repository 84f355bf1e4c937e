"""Embedder, dense index (Chroma), lexical index (SQLite FTS5) and the document catalog.

Its names are imported on first use (:mod:`ingest.exports`): reading the settings, or an error
class, does not load Chroma, numpy or the embedders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.exports import lazy

if TYPE_CHECKING:
    from vectorstore.catalog import DocumentCatalog
    from vectorstore.chroma import open_client
    from vectorstore.dense import ChromaDenseIndex, Hit
    from vectorstore.embedder import DEFAULT_MODEL, Embedder, LocalModelEmbedder
    from vectorstore.embedders import (
        EMBEDDER_BACKENDS,
        EMBEDDERS,
        EMBEDDING_PRECISIONS,
        EmbedderBackend,
        describe_embedder,
        make_embedder,
    )
    from vectorstore.errors import EmbeddingModelError, IndexMismatch, IndexUnavailable, StoreError
    from vectorstore.lexical import Fts5LexicalIndex, fts_query
    from vectorstore.records import DocumentRecord
    from vectorstore.sentence_transformer import SentenceTransformerEmbedder

#: Where each public name lives.
_HOMES = {
    "DocumentCatalog": "vectorstore.catalog",
    "open_client": "vectorstore.chroma",
    "ChromaDenseIndex": "vectorstore.dense",
    "Hit": "vectorstore.dense",
    "DEFAULT_MODEL": "vectorstore.embedder",
    "Embedder": "vectorstore.embedder",
    "LocalModelEmbedder": "vectorstore.embedder",
    "EMBEDDER_BACKENDS": "vectorstore.embedders",
    "EMBEDDERS": "vectorstore.embedders",
    "EMBEDDING_PRECISIONS": "vectorstore.embedders",
    "EmbedderBackend": "vectorstore.embedders",
    "describe_embedder": "vectorstore.embedders",
    "make_embedder": "vectorstore.embedders",
    "EmbeddingModelError": "vectorstore.errors",
    "IndexMismatch": "vectorstore.errors",
    "IndexUnavailable": "vectorstore.errors",
    "StoreError": "vectorstore.errors",
    "Fts5LexicalIndex": "vectorstore.lexical",
    "fts_query": "vectorstore.lexical",
    "DocumentRecord": "vectorstore.records",
    "SentenceTransformerEmbedder": "vectorstore.sentence_transformer",
}

__all__ = [
    "ChromaDenseIndex",
    "DEFAULT_MODEL",
    "DocumentCatalog",
    "DocumentRecord",
    "EMBEDDERS",
    "EMBEDDER_BACKENDS",
    "EMBEDDING_PRECISIONS",
    "Embedder",
    "EmbedderBackend",
    "EmbeddingModelError",
    "Fts5LexicalIndex",
    "Hit",
    "IndexMismatch",
    "IndexUnavailable",
    "LocalModelEmbedder",
    "SentenceTransformerEmbedder",
    "StoreError",
    "describe_embedder",
    "fts_query",
    "make_embedder",
    "open_client",
]

__getattr__, __dir__ = lazy(__name__, _HOMES)
