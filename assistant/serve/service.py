"""The assistant as a long-running service: what the chat UI, the REST API and the MCP tools
share. One process owns the index; questions are answered concurrently while uploads and
deletions are written one at a time (the index's write lock).

Nothing here imports a web framework: ``app.py`` and :mod:`assistant.serve.api` are thin front ends.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answering.answerers import answer_modes
from assistant.core import Assistant, build_assistant
from assistant.errors import AssistantError
from assistant.evaluation.feedback import append_feedback, feedback_record
from assistant.indexing import IngestProgress
from assistant.records import Answer, IngestReport
from assistant.settings import Settings
from ingest import SUPPORTED_SUFFIXES
from ingest.errors import FileTooLarge, UnsupportedFormat

UPLOAD_TYPES = SUPPORTED_SUFFIXES
MAX_NAME = 120


def safe_filename(name: str) -> str:
    """A file name safe to store: no folders (``../``, absolute paths, ``\\``), no control or
    NUL characters, letters, digits and ``._-()`` and spaces only, at most 120 characters with
    the extension kept. Raises :class:`UnsupportedFormat` when nothing usable is left or no
    loader reads the type (:data:`ingest.SUPPORTED_SUFFIXES`)."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w.()\- ]+", "_", base, flags=re.UNICODE)
    base = re.sub(r"\s+", " ", base).strip(" .")
    stem, dot, ext = base.rpartition(".")
    ext = ext.lower()
    if not dot or not stem or f".{ext}" not in UPLOAD_TYPES:
        raise UnsupportedFormat(
            str(name)[:200], f"'{Path(base).suffix or base}' is not a supported type",
            f"upload {_kinds(UPLOAD_TYPES)} file",
        )
    stem = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") or "upload"
    return f"{stem}.{ext}"


def _kinds(suffixes: tuple[str, ...]) -> str:
    """``(".pdf", ".txt", ".md")`` as "a PDF, a .txt or a .md"."""
    names = [f"a {s[1:].upper()}" if s == ".pdf" else f"a {s}" for s in suffixes]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass(frozen=True)
class UploadResult:
    """One uploaded file: its name as given, as stored, and what ingest made of it."""

    name: str
    stored_as: str | None
    status: str  # added | replaced | unchanged | skipped | failed | rejected
    chunks: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def lower_priority() -> None:
    """Give the calling thread the lowest CPU priority (Linux: a thread has its own nice
    value), so that it only takes what requests leave idle; elsewhere nothing changes."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux: the work still runs on one core
        pass


class Service:
    """What the chat page, the REST API and the MCP tools need beyond the library's front door
    (:attr:`assistant`, which answers and searches): uploads, status, deletion of uploaded
    files and feedback, over one index."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None):
        self.settings = settings
        self.assistant = assistant or build_assistant(settings)
        self._stop_filling = threading.Event()
        self._filling: threading.Thread | None = None
        self._fill_lock = threading.Lock()

    def status(self) -> dict[str, Any]:
        """Index health and size; raises IndexUnavailable when Chroma does not answer."""
        self.assistant.index.check()
        records = self.assistant.documents()
        return {
            "status": "ok",
            "documents": len(records),
            "chunks": sum(r.chunks for r in records),
            "embedding_model": self.settings.embedding_model,
            "index_dir": str(self.settings.index_dir),
            "chroma": self.settings.chroma_url or (
                f"{self.settings.chroma_host}:{self.settings.chroma_port}"
                if self.settings.chroma_host else "embedded"
            ),
            "answer_modes": answer_modes(self.settings, self.assistant.answers.chat_model),
            "llm": self.settings.llm,
            "sentence_vectors": self.filling_state(),
        }

    @property
    def _fills(self) -> bool:
        """Whether this server embeds the index's sentences in advance (settings)."""
        return self.settings.keep_sentence_vectors and self.settings.fill_sentence_vectors

    def filling_state(self) -> str:
        """The index's sentences embedded in advance: "pending" (no pass started yet),
        "filling", "done" (the last pass ended), or "off" (settings)."""
        if not self._fills:
            return "off"
        if self._filling is None:
            return "pending"
        return "filling" if self._filling.is_alive() else "done"

    def warm_up(self) -> None:
        """Load what the first question would wait for: the index, the embedding model and
        the answer model (each embeds a word). The app runs this in the background as it
        starts serving, so neither the first chat question nor the first `assistant ask` that
        the app answers (:mod:`assistant.serve.discovery`) pays for loading."""
        assistant = self.assistant
        assistant.documents()  # opens Chroma and the FTS5 cache (brought in line)
        assistant.embedder.embed_query("warm")
        assistant.embedder.load_fast_path()
        if assistant.answer_embedder is not assistant.embedder:
            assistant.answer_embedder.embed_query("warm")
            assistant.answer_embedder.load_fast_path()

    def warm_up_in_background(self) -> threading.Thread:
        """Run :meth:`warm_up` in a daemon thread (returned); a failure is only reported on
        stderr, since the first question meets it again with its own message."""

        def run() -> None:
            try:
                self.warm_up()
            except AssistantError as exc:
                print(f"warning: the models could not be loaded in advance: {exc}",
                      file=sys.stderr, flush=True)
                return
            self.fill_in_background()

        thread = threading.Thread(target=run, name="warm-up", daemon=True)
        thread.start()
        return thread

    def fill_in_background(self) -> threading.Thread | None:
        """Embed the index's sentences that the kept sentence vectors lack, in a daemon thread
        at the lowest CPU priority on one core (returned; None when the setting is off or a
        pass is already running). Questions on any passage then read their sentences' vectors
        instead of embedding them: in this server, and in every later process on the index
        (:mod:`vectorstore.sentence_store`). Stopped by :meth:`close`."""
        if not self._fills:
            return None
        with self._fill_lock:
            if self._filling is not None and self._filling.is_alive():
                return None

            def run() -> None:
                lower_priority()
                started = time.monotonic()
                try:
                    embedded = self.assistant.fill_sentence_vectors(self._stop_filling)
                    if embedded:
                        print(f"Embedded {embedded} answer sentences of the index in advance in "
                              f"{time.monotonic() - started:.0f} s (kept in "
                              f"{self.settings.sentence_vectors_path})", flush=True)
                except AssistantError as exc:
                    print(f"warning: answer sentences were not embedded in advance: {exc}",
                          file=sys.stderr, flush=True)

            self._filling = threading.Thread(target=run, name="sentence-vectors", daemon=True)
            self._filling.start()
            return self._filling

    # -- writing (one at a time) -------------------------------------------------------------
    def ingest_default(self, progress: IngestProgress | None = None) -> IngestReport | None:
        """Bring the index up to date with the configured reports folder, when it exists."""
        if not self.settings.reports_dir.is_dir():
            return None
        return self.assistant.ingest([self.settings.reports_dir], progress)

    def upload(
        self,
        files: Iterable[tuple[str, bytes]],
        progress: Callable[[str, int, int], None] | None = None,
    ) -> list[UploadResult]:
        """Store and ingest uploaded files. A bad name, type or size is rejected with a
        reason; the other files are still ingested."""
        results: list[UploadResult] = []
        accepted: list[tuple[str, Path]] = []
        self.settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            try:
                stored = safe_filename(name)
                if len(data) > self.settings.max_file_bytes:
                    raise FileTooLarge(
                        stored, f"{len(data) / 1e6:.1f} MB is over the "
                        f"{self.settings.max_file_mb:g} MB limit",
                        "split the report or raise ASSISTANT_MAX_FILE_MB",
                    )
            except (UnsupportedFormat, FileTooLarge) as exc:
                results.append(UploadResult(name, None, "rejected", error=str(exc)))
                continue
            path = self.settings.uploads_dir / stored
            path.write_bytes(data)
            accepted.append((name, path))
        total = len(accepted)

        def on_file(path: Path, number: int, count: int) -> None:
            if progress:
                progress(path.name, number, total)

        if accepted:
            report = self.assistant.ingest(
                [path for _, path in accepted], IngestProgress(on_file=on_file)
            )
            self.fill_in_background()  # the new reports' sentences
            by_path = {Path(r.path).name: r for r in report.results}
            for name, path in accepted:
                r = by_path.get(path.name)
                if r is None:
                    results.append(UploadResult(name, path.name, "failed", error="not ingested"))
                else:
                    results.append(UploadResult(name, path.name, r.status, r.chunks, r.error))
        return results

    def delete(self, source: str) -> Any:
        record = self.assistant.delete(source)
        stored = self.settings.uploads_dir / source
        if stored.is_file():
            stored.unlink()
        return record

    def record_feedback(self, answer: Answer, rating: str, comment: str | None = None) -> None:
        """Save a thumbs up/down with the question, answer and citations (JSON Lines)."""
        append_feedback(self.settings.feedback_path, feedback_record(answer, rating, comment))

    def close(self) -> None:
        self._stop_filling.set()
        if self._filling is not None:
            self._filling.join(timeout=30)
        self.assistant.close()
