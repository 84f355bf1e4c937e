"""Embedder, dense index (Chroma), lexical index (SQLite FTS5) and the document catalog."""

from vectorstore.catalog import DocumentCatalog
from vectorstore.chroma import open_client
from vectorstore.dense import ChromaDenseIndex, Hit
from vectorstore.embedder import (
    DEFAULT_MODEL,
    Embedder,
    LocalModelEmbedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from vectorstore.errors import EmbeddingModelError, IndexMismatch, IndexUnavailable, StoreError
from vectorstore.lexical import Fts5LexicalIndex, fts_query
from vectorstore.records import DocumentRecord

__all__ = [
    "DEFAULT_MODEL",
    "ChromaDenseIndex",
    "DocumentCatalog",
    "DocumentRecord",
    "Embedder",
    "EmbeddingModelError",
    "Fts5LexicalIndex",
    "Hit",
    "IndexMismatch",
    "IndexUnavailable",
    "LocalModelEmbedder",
    "SentenceTransformerEmbedder",
    "StoreError",
    "fts_query",
    "make_embedder",
    "open_client",
]
