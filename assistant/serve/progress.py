"""Ingest progress on a terminal, for `assistant ingest` and the first run of `python app.py`.

An ingest reads files one by one, then embeds and writes them in groups (several small files
share one embedding pass, see :data:`assistant.preparing.GROUP_CHUNKS`). What is shown follows
that truthfully:

- the bar counts files that are *finished* (written, unchanged, skipped or failed), out of the
  files found;
- its description says what is happening now: ``reading 3/5 name.md`` while a file is parsed
  and chunked, ``embedding 96/301 chunks of 2 files`` while a group is embedded, with the
  group's file names after it.

On a terminal this is a tqdm bar; elsewhere (a log, a pipe) each step is one plain line, so a
first run's log still says what it did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from assistant.preparing import IngestProgress
from assistant.records import FileResult


class _Lines:
    """The plain-text display: one line per step."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.total = 0
        self.n = 0
        self.embedding = ""
        self.step = 0

    def activity(self, text: str, detail: str = "") -> None:
        if text.startswith("embedding "):
            self.step = 0  # a new group
        print(f"[{self.n}/{self.total} files] {text}" + (f" ({detail})" if detail else ""),
              file=self.stream, flush=True)

    def chunks(self, done: int, total: int) -> None:
        # a line per batch would flood a log: one each time another tenth is done
        step = 10 * done // total
        if step > self.step:
            self.step = step
            self.activity(f"embedded {done}/{total} chunks")

    def note(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def finished(self, result: FileResult) -> None:
        self.n += 1
        detail = f"{result.chunks} chunks" if result.status in ("added", "replaced") else ""
        self.activity(f"{result.status} {result.source}", detail)

    def close(self) -> None:
        return None


class _Bar:
    """The terminal display: a tqdm bar over files with the current activity."""

    def __init__(self, stream: TextIO):
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="file", file=stream, dynamic_ncols=True)
        self.embedding = ""

    @property
    def total(self) -> int:
        return int(self.bar.total or 0)

    @total.setter
    def total(self, value: int) -> None:
        self.bar.total = value

    def activity(self, text: str, detail: str = "") -> None:
        self.bar.set_description_str(text, refresh=False)
        self.bar.set_postfix_str(detail)

    def chunks(self, done: int, total: int) -> None:
        self.bar.set_description_str(f"embedding {done}/{total} chunks", refresh=False)
        self.bar.set_postfix_str(self.embedding)

    def note(self, text: str) -> None:
        self.bar.write(text, file=self.bar.fp)

    def finished(self, result: FileResult) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def ingest_progress(
    stream: TextIO, *, bar: bool, quiet: bool = False
) -> tuple[IngestProgress, Callable[[], None]]:
    """Callbacks that show an ingest on ``stream`` (a tqdm ``bar``, else plain lines; nothing
    when ``quiet``), and the function that closes the display."""
    if quiet:
        return IngestProgress(), lambda: None
    display: Any = _Bar(stream) if bar else _Lines(stream)
    announced: set[str] = set()

    def on_file(path: Path, number: int, total: int) -> None:
        display.total = total
        announced.add(str(path))
        display.activity(f"reading {number}/{total}", path.name)

    def on_embed(paths: Sequence[Path], chunks: int) -> None:
        names = ", ".join(p.name for p in paths)
        display.embedding = names
        files = f"{len(paths)} file{'s' if len(paths) != 1 else ''}"
        display.activity(f"embedding {chunks} chunks of {files}", names)

    def on_ocr(page: int, pages: int) -> None:
        display.activity(f"OCR page {page}/{pages}")

    def on_result(result: FileResult) -> None:
        if result.path in announced:
            display.finished(result)
        else:  # a path that does not exist: not one of the files counted
            display.note(f"not found: {result.error}")

    return (
        IngestProgress(on_file, display.chunks, on_result, on_ocr=on_ocr, on_embed=on_embed),
        display.close,
    )
