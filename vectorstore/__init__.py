"""Embedder, dense index (Chroma), lexical index (SQLite FTS5) and the document catalog."""

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

__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDERS",
    "EMBEDDER_BACKENDS",
    "EMBEDDING_PRECISIONS",
    "ChromaDenseIndex",
    "DocumentCatalog",
    "DocumentRecord",
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
