"""The ingest pipeline for one file: load, clean, find sections, chunk."""

from __future__ import annotations

from pathlib import Path

from ingest.catalog import infer_meta
from ingest.chunking import ChunkingOptions, TokenCounter, chunk_document
from ingest.errors import UnreadableDocument
from ingest.loaders import DEFAULT_MAX_BYTES, load_document
from ingest.records import DocumentMeta, LoadedDocument, PreparedDocument
from ingest.structure import parse_sections


def prepare(
    document: LoadedDocument,
    count_tokens: TokenCounter,
    meta: DocumentMeta | None = None,
    options: ChunkingOptions | None = None,
) -> PreparedDocument:
    """Turn a loaded document into sections and chunks; ``meta`` overrides what is inferred."""
    sections = parse_sections(document)
    if not sections:
        raise UnreadableDocument(
            document.path, "no text left after cleaning", "check that the file holds prose"
        )
    inferred = infer_meta(document.source, sections, document.metadata_title)
    if meta is not None:
        meta = DocumentMeta(
            title=meta.title or inferred.title,
            year=meta.year if meta.year is not None else inferred.year,
            kind=meta.kind,
            aliases=meta.aliases,
        )
    chunks = chunk_document(document, meta or inferred, sections, count_tokens, options)
    return PreparedDocument(
        document=document,
        meta=meta or inferred,
        sections=sections,
        chunks=chunks,
        warnings=document.warnings,
    )


def prepare_file(
    path: Path,
    count_tokens: TokenCounter,
    meta: DocumentMeta | None = None,
    options: ChunkingOptions | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    pdf_password: str | None = None,
) -> PreparedDocument:
    """Load and prepare one file."""
    document = load_document(path, max_bytes=max_bytes, pdf_password=pdf_password)
    return prepare(document, count_tokens, meta, options)
