"""Reading one file for the index: the unchanged/twin checks, parsing and chunking, and the
callbacks an ingest reports progress through. :class:`~assistant.indexing.Index` embeds and
writes what this prepares."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.records import FileResult
from ingest import (
    ChunkingOptions,
    DocumentMeta,
    IngestError,
    load_document,
    prepare,
    read_catalog,
    sha256_of,
)
from ingest.loaders import read_bytes
from ingest.records import PreparedDocument
from vectorstore import DocumentRecord

if TYPE_CHECKING:
    from assistant.indexing import Index

#: Prepared files are embedded and written together once they hold this many chunks.
GROUP_CHUNKS = 256


@dataclass
class Pending:
    """A file read, parsed and chunked, waiting for its group to be embedded and written."""

    path: Path
    data_size: int
    doc_id: str
    existing: DocumentRecord | None
    prepared: PreparedDocument
    started: float


@dataclass
class IngestProgress:
    """Callbacks a front end can pass to follow an ingest (all optional).

    Files are read one by one (``on_file`` before each), then embedded and written in groups:
    ``on_embed(paths, chunks)`` announces a group, ``on_chunks(done, total)`` follows its
    embedding, and ``on_result`` comes once per file when its group is written (at once for a
    file that needs no write). ``on_stage(stage, path)`` is called as a group of files reaches
    each write stage (``parse``, ``embed``, ``write``, ``catalog``); the crash tests use it to
    stop at a known point.
    """

    on_file: Callable[[Path, int, int], None] | None = None  # path, number (1-based), total
    on_chunks: Callable[[int, int], None] | None = None  # embedded so far, total for the group
    on_result: Callable[[FileResult], None] | None = None
    on_stage: Callable[[str, Path], None] | None = None
    on_ocr: Callable[[int, int], None] | None = None  # a scanned page: its number, page count
    on_embed: Callable[[Sequence[Path], int], None] | None = None  # a group's files, chunks


def prepare_file(
    index: Index,
        path: Path,
        catalogs: dict[Path, dict[str, DocumentMeta] | IngestError],
        pending: dict[str, Pending],
        progress: IngestProgress,
    ) -> FileResult | Pending:
        """Read, parse and chunk one file, or say why it needs no write (unchanged, a twin
        of a catalogued or pending document, unreadable)."""
        started = time.perf_counter()
        try:
            data = read_bytes(path, index.settings.max_file_bytes)
            doc_id = sha256_of(data)
            existing = index.catalog.get(path.name)
            if (
                existing is not None
                and existing.doc_id == doc_id
                and not meta_changed(existing, catalog_meta(path, catalogs))
            ):
                return FileResult(
                    str(path), path.name, "unchanged", existing.chunks, doc_id,
                    seconds=time.perf_counter() - started,
                )
            twin = next(
                (r.source for r in index.catalog.with_doc_id(doc_id) if r.source != path.name),
                pending[doc_id].path.name if doc_id in pending else None,
            )
            if twin is not None:
                return FileResult(
                    str(path), path.name, "skipped", 0, doc_id,
                    error=f"{path.name}: same content as {twin}, already in the index",
                    seconds=time.perf_counter() - started,
                )
            meta = catalog_meta(path, catalogs)
            if progress.on_stage:
                progress.on_stage("parse", path)
            password = index.settings.pdf_password
            document = load_document(
                path,
                data=data,
                max_bytes=index.settings.max_file_bytes,
                pdf_password=password.get_secret_value() if password else None,
                on_ocr=progress.on_ocr,
            )
            prepared = prepare(
                document,
                index.embedder.count_tokens,
                meta,
                ChunkingOptions(
                    target=index.settings.chunk_tokens,
                    overlap=min(index.settings.chunk_overlap, index.settings.chunk_tokens - 1),
                    window=index.embedder.max_tokens,
                ),
            )
        except IngestError as exc:
            return FileResult(
                str(path), path.name, "failed", error=str(exc),
                seconds=time.perf_counter() - started,
            )
        return Pending(path, data_size=len(data), doc_id=doc_id, existing=existing,
                        prepared=prepared, started=started)


def catalog_meta(
    path: Path, catalogs: dict[Path, dict[str, DocumentMeta] | IngestError]
) -> DocumentMeta | None:
    folder = path.parent
    if folder not in catalogs:
        try:
            catalogs[folder] = read_catalog(folder)
        except IngestError as exc:
            catalogs[folder] = exc
    entry = catalogs[folder]
    if isinstance(entry, IngestError):
        raise entry
    return entry.get(path.name)


def meta_changed(record: DocumentRecord, meta: DocumentMeta | None) -> bool:
    """Has the catalog file changed a document's title, year, kind or aliases since it was
    ingested?"""
    if meta is None:
        return False
    pairs = ((meta.title, record.title), (meta.year, record.year), (meta.kind, record.kind))
    return any(new not in (None, "") and new != old for new, old in pairs) or (
        tuple(meta.aliases) != tuple(record.aliases)
    )
