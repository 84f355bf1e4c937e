"""Files -> pages -> clean text -> sections -> chunks. Pure: no index access."""

from ingest.catalog import infer_meta, read_catalog
from ingest.chunking import ChunkingOptions, chunk_document
from ingest.errors import FileTooLarge, IngestError, UnreadableDocument, UnsupportedFormat
from ingest.loaders import SUPPORTED_SUFFIXES, iter_input_files, load_document, sha256_of
from ingest.pipeline import prepare, prepare_file
from ingest.records import Chunk, DocumentMeta, LoadedDocument, Page, Paragraph, Section
from ingest.sentences import split_sentences
from ingest.structure import parse_sections

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "ChunkingOptions",
    "DocumentMeta",
    "FileTooLarge",
    "IngestError",
    "LoadedDocument",
    "Page",
    "Paragraph",
    "Section",
    "UnreadableDocument",
    "UnsupportedFormat",
    "chunk_document",
    "infer_meta",
    "iter_input_files",
    "load_document",
    "parse_sections",
    "prepare",
    "prepare_file",
    "read_catalog",
    "sha256_of",
    "split_sentences",
]
