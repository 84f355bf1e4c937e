"""The index as one unit: Chroma chunks + catalog (the truth) and the FTS5 cache beside them.

Write order for a document, so that a crash at any moment leaves nothing half-answerable:
1. chunks + embeddings into Chroma, 2. rows into FTS5, 3. the catalog record (from now on the
document is answerable), 4. the previous version's chunks are deleted. Searches only see chunks
whose ``doc_id`` has a catalog record; leftovers of an interrupted ingest are collected on the
next ingest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.preparing import GROUP_CHUNKS, IngestProgress, Pending, prepare_file
from assistant.records import FileResult, IngestReport
from assistant.settings import Settings
from ingest import DocumentMeta, IngestError, iter_input_files
from ingest.records import Chunk
from vectorstore import (
    ChromaDenseIndex,
    DocumentCatalog,
    DocumentRecord,
    Embedder,
    Fts5LexicalIndex,
    open_client,
)

__all__ = ["GROUP_CHUNKS", "Index", "IngestProgress"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Parts:
    client: Any
    dense: ChromaDenseIndex
    catalog: DocumentCatalog
    lexical: Fts5LexicalIndex


class Index:
    """Dense index, lexical cache and catalog, kept consistent; the single writer."""

    def __init__(self, settings: Settings, embedder: Embedder, client: Any = None):
        self.settings = settings
        self.embedder = embedder
        self._client = client
        self._parts: _Parts | None = None
        self._open_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._records: list[DocumentRecord] | None = None
        self._fetched_at = 0.0
        #: called with each group of chunks once written (the second ranking's vectors)
        self.on_written: list[Callable[[Sequence[Chunk]], None]] = []

    # -- opening (on first use: construction does no I/O) -------------------------------------
    def _open(self) -> _Parts:
        if self._parts is None:
            with self._open_lock:
                if self._parts is None:
                    client = self._client if self._client is not None else self._connect()
                    self._parts = _Parts(
                        client,
                        ChromaDenseIndex(client, self.embedder.name),
                        DocumentCatalog(client),
                        Fts5LexicalIndex(self.settings.lexical_path),
                    )
                    self.sync_lexical()
        return self._parts

    def _connect(self) -> Any:
        server = self.settings.chroma_server()
        if server:
            host, port, https = server
            return open_client(host=host, port=port, ssl=https)
        return open_client(self.settings.chroma_path)

    @property
    def client(self) -> Any:
        """The Chroma client (embedded folder or server)."""
        return self._open().client

    @property
    def dense(self) -> ChromaDenseIndex:
        return self._open().dense

    @property
    def catalog(self) -> DocumentCatalog:
        return self._open().catalog

    @property
    def lexical(self) -> Fts5LexicalIndex:
        return self._open().lexical

    # -- reading -----------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        """Catalog records: cached, refreshed after every write of this process and re-read
        every ``catalog_refresh_s`` seconds. When another process (an app replica, the CLI)
        has changed the catalog, the local FTS5 cache is brought in line before returning."""
        self._open()  # a first opening reads the records (to sync FTS5): not read twice
        stale = time.monotonic() - self._fetched_at > self.settings.catalog_refresh_s
        if self._records is None or stale:
            records = self.catalog.all()
            changed = self._records is not None and _signature(records) != _signature(
                self._records
            )
            self._records = records
            self._fetched_at = time.monotonic()
            if changed:
                self.sync_lexical()
        return list(self._records)

    def check(self) -> None:
        """Raise IndexUnavailable unless Chroma answers now (a server's heartbeat)."""
        self.client.heartbeat()
        self.refresh()

    def refresh(self) -> None:
        """Forget cached catalog records (this process or another one has written)."""
        self._records = None

    # -- consistency -------------------------------------------------------------------------
    def sync_lexical(self) -> dict[str, int]:
        """Bring the FTS5 cache in line with the catalog: rebuild documents whose rows are
        missing or incomplete, drop rows of documents that are not in the catalog."""
        records = {r.doc_id: r for r in self.documents()}
        counts = self.lexical.doc_counts()
        rebuilt = dropped = 0
        for doc_id in set(counts) - set(records):
            self.lexical.delete_doc(doc_id)
            dropped += 1
        for doc_id, record in records.items():
            if counts.get(doc_id) != record.chunks:
                self.lexical.replace_doc(doc_id, self.dense.doc_chunks(doc_id))
                rebuilt += 1
        return {"rebuilt": rebuilt, "dropped": dropped}

    def collect_garbage(self) -> int:
        """Delete Chroma chunks of documents without a catalog record (interrupted ingests)."""
        live = {r.doc_id for r in self.documents()}
        orphans = self.dense.doc_ids() - live
        for doc_id in orphans:
            self.dense.delete_doc(doc_id)
            self.lexical.delete_doc(doc_id)
        return len(orphans)

    # -- writing -----------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], progress: IngestProgress | None = None
    ) -> IngestReport:
        """Ingest files and folders; bad files are reported and skipped, the rest go on."""
        progress = progress or IngestProgress()
        started = time.perf_counter()
        with self._write_lock:
            files, missing = iter_input_files([Path(p) for p in paths])
            results: list[FileResult] = [
                FileResult(str(e.path), e.path.name, "failed", error=str(e)) for e in missing
            ]
            for result in results:
                if progress.on_result:
                    progress.on_result(result)
            catalogs: dict[Path, dict[str, DocumentMeta] | IngestError] = {}
            collected = False

            def collect_once() -> None:
                # Leftovers of an interrupted ingest go before this run's first write.
                nonlocal collected
                if not collected:
                    self.collect_garbage()
                    collected = True

            group: list[Pending] = []
            helper: list[Any] = []  # the embedding helper process, if one was started
            if files and self._wants_helper():
                # A cold process: a second process imports torch and reads the model while
                # this one opens the index and parses (stopped at once if nothing is embedded).
                from vectorstore.embed_worker import EmbeddingWorker

                settings = self.settings
                helper.append(EmbeddingWorker(
                    settings.embedding_model, settings.embedding_backend,
                    settings.embedding_precision, self.embedder.batch_size,
                ))

            def flush() -> None:
                if group:
                    for result in self._write_group(group, progress, collect_once, helper):
                        results.append(result)
                        if progress.on_result:
                            progress.on_result(result)
                    group.clear()

            try:
                for number, path in enumerate(files, 1):
                    if progress.on_file:
                        progress.on_file(path, number, len(files))
                    pending = prepare_file(
                        self, path, catalogs, {p.doc_id: p for p in group}, progress
                    )
                    if isinstance(pending, FileResult):
                        results.append(pending)
                        if progress.on_result:
                            progress.on_result(pending)
                        continue
                    group.append(pending)
                    if sum(len(p.prepared.chunks) for p in group) >= GROUP_CHUNKS:
                        flush()
                flush()
            finally:
                for worker in helper:
                    worker.close()
            self.refresh()
            records = self.documents()
        return IngestReport(
            results=tuple(results),
            seconds=time.perf_counter() - started,
            chunks_in_index=sum(r.chunks for r in records),
            documents_in_index=len(records),
        )

    def _wants_helper(self) -> bool:
        """Embed in a helper process? Where the model is not loaded yet (a cold process) and
        the index's embedder is a local model that the settings rebuild as it is."""
        from vectorstore import LocalModelEmbedder, make_embedder

        if not (
            self.settings.ingest_helper_process
            and isinstance(self.embedder, LocalModelEmbedder)
            and not self.embedder.loaded
        ):
            return False
        rebuilt = make_embedder(self.settings.embedding_model, self.settings.embedding_backend,
                                self.settings.embedding_precision)
        return (
            type(rebuilt) is type(self.embedder)
            and rebuilt.name == self.embedder.name
            and getattr(rebuilt, "precision", None) == getattr(self.embedder, "precision", None)
        )

    def _embed(self, texts: list[str], advance: Callable[[int], None],
               helper: list[Any]) -> Any:
        """The chunks' vectors: by the helper process where there is one, else here (and
        here from then on when the helper failed, with a warning)."""
        from vectorstore import EmbeddingModelError

        if helper:
            try:
                vectors = helper[0].embed_documents(texts, advance)
            except EmbeddingModelError as exc:
                log.warning("%s; embedding in this process instead", exc)
                helper.pop().close()
            else:
                if hasattr(self.embedder, "embedded"):  # the count a local model keeps
                    self.embedder.embedded += len(texts)
                return vectors
        return self.embedder.embed_documents(texts, advance)

    def _write_group(
        self, group: Sequence[Pending], progress: IngestProgress,
        before_write: Callable[[], None], helper: list[Any] | None = None,
    ) -> list[FileResult]:
        """Embed and write prepared files together: one embedding pass (batches pad to their
        own length across files), one Chroma write, then the catalog records. Per-file writes
        cost a Chroma commit each, which dominated ingests of many small files."""
        first = group[0].path
        chunks = [c for p in group for c in p.prepared.chunks]
        done = 0

        def checkpoint(stage: str, path: Path) -> None:
            if progress.on_stage:
                progress.on_stage(stage, path)

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress.on_chunks:
                progress.on_chunks(done, len(chunks))
            if done < len(chunks):
                checkpoint("embed", first)

        before_write()
        if progress.on_embed:
            progress.on_embed([p.path for p in group], len(chunks))
        vectors = self._embed([c.embedding_text() for c in chunks], advance, helper or [])
        self.dense.upsert(chunks, vectors, on_batch=lambda: checkpoint("write", first))
        for p in group:
            self.lexical.replace_doc(p.doc_id, p.prepared.chunks)
        for hook in self.on_written:
            hook(chunks)
        checkpoint("catalog", first)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.catalog.put_many([
            DocumentRecord(
                source=p.path.name,
                doc_id=p.doc_id,
                title=p.prepared.meta.title,
                year=p.prepared.meta.year,
                kind=p.prepared.meta.kind,
                chunks=len(p.prepared.chunks),
                size_bytes=p.data_size,
                format=p.prepared.document.format,
                embedding_model=self.embedder.name,
                ingested_at=now,
                aliases=p.prepared.meta.aliases,
            )
            for p in group
        ])
        results = []
        for p in group:
            if p.existing is not None and p.existing.doc_id != p.doc_id:
                # Same bytes with new catalog metadata keep their chunk ids: the upsert above
                # overwrote them, so there is nothing old to delete.
                self.dense.delete_doc(p.existing.doc_id)
                self.lexical.delete_doc(p.existing.doc_id)
            results.append(FileResult(
                str(p.path),
                p.path.name,
                "replaced" if p.existing is not None else "added",
                len(p.prepared.chunks),
                p.doc_id,
                warnings=p.prepared.warnings,
                seconds=time.perf_counter() - p.started,
            ))
        self.refresh()
        return results

    def delete(self, source: str) -> DocumentRecord | None:
        """Remove a document: its catalog record first (so it stops being answerable), then
        its chunks. Returns the removed record, or None when there was none."""
        with self._write_lock:
            record = self.catalog.get(source)
            if record is None:
                return None
            self.catalog.delete(source)
            self.refresh()
            self.dense.delete_doc(record.doc_id)
            self.lexical.delete_doc(record.doc_id)
            return record

    def close(self) -> None:
        if self._parts is not None:
            self._parts.lexical.close()


def _signature(records: Sequence[DocumentRecord]) -> set[tuple[str, str, int]]:
    return {(r.source, r.doc_id, r.chunks) for r in records}
