"""Files -> pages -> clean text -> sections -> chunks. Pure: no index access.

Its names are imported on first use (:mod:`ingest.exports`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.exports import lazy

if TYPE_CHECKING:
    from ingest.catalog import infer_meta, read_catalog
    from ingest.chunking import ChunkingOptions, chunk_document
    from ingest.errors import (
        AssistantError,
        CatalogError,
        FileTooLarge,
        IngestError,
        UnreadableDocument,
        UnsupportedFormat,
    )
    from ingest.loaders import (
        LOADERS,
        SUPPORTED_SUFFIXES,
        iter_input_files,
        load_document,
        loader_for,
        sha256_of,
    )
    from ingest.pipeline import prepare, prepare_file
    from ingest.records import (
        Chunk,
        DocumentMeta,
        LoadedDocument,
        Loader,
        LoadOptions,
        Page,
        Paragraph,
        Section,
    )
    from ingest.sentences import split_sentences
    from ingest.structure import parse_sections

#: Where each public name lives.
_HOMES = {
    "infer_meta": "ingest.catalog",
    "read_catalog": "ingest.catalog",
    "ChunkingOptions": "ingest.chunking",
    "chunk_document": "ingest.chunking",
    "AssistantError": "ingest.errors",
    "CatalogError": "ingest.errors",
    "FileTooLarge": "ingest.errors",
    "IngestError": "ingest.errors",
    "UnreadableDocument": "ingest.errors",
    "UnsupportedFormat": "ingest.errors",
    "LOADERS": "ingest.loaders",
    "SUPPORTED_SUFFIXES": "ingest.loaders",
    "iter_input_files": "ingest.loaders",
    "load_document": "ingest.loaders",
    "loader_for": "ingest.loaders",
    "sha256_of": "ingest.loaders",
    "prepare": "ingest.pipeline",
    "prepare_file": "ingest.pipeline",
    "Chunk": "ingest.records",
    "DocumentMeta": "ingest.records",
    "LoadedDocument": "ingest.records",
    "Loader": "ingest.records",
    "LoadOptions": "ingest.records",
    "Page": "ingest.records",
    "Paragraph": "ingest.records",
    "Section": "ingest.records",
    "split_sentences": "ingest.sentences",
    "parse_sections": "ingest.structure",
}

__all__ = [
    "AssistantError",
    "CatalogError",
    "Chunk",
    "ChunkingOptions",
    "DocumentMeta",
    "FileTooLarge",
    "IngestError",
    "LOADERS",
    "LoadOptions",
    "LoadedDocument",
    "Loader",
    "Page",
    "Paragraph",
    "SUPPORTED_SUFFIXES",
    "Section",
    "UnreadableDocument",
    "UnsupportedFormat",
    "chunk_document",
    "infer_meta",
    "iter_input_files",
    "load_document",
    "loader_for",
    "parse_sections",
    "prepare",
    "prepare_file",
    "read_catalog",
    "sha256_of",
    "split_sentences",
]

__getattr__, __dir__ = lazy(__name__, _HOMES)
