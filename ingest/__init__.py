"""Files -> pages -> clean text -> sections -> chunks. Pure: no index access."""

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

__all__ = [
    "LOADERS",
    "SUPPORTED_SUFFIXES",
    "AssistantError",
    "CatalogError",
    "Chunk",
    "ChunkingOptions",
    "DocumentMeta",
    "FileTooLarge",
    "IngestError",
    "LoadOptions",
    "LoadedDocument",
    "Loader",
    "Page",
    "Paragraph",
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
