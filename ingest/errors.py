"""Errors raised while reading and preparing documents.

    IngestError
     ├── UnsupportedFormat   the file type is not one we read
     ├── FileTooLarge        over the configured size limit
     └── UnreadableDocument  missing, corrupt, encrypted, binary, empty or without text
"""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A document could not be turned into chunks; names the file and, where known, the page."""

    def __init__(self, path: Path | str, problem: str, fix: str = "", page: int | None = None):
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        self.page = page
        where = self.path.name + (f", page {page}" if page is not None else "")
        message = f"{where}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


class UnsupportedFormat(IngestError):
    """The file extension is not one of the supported formats."""


class FileTooLarge(IngestError):
    """The file is larger than the configured limit."""


class UnreadableDocument(IngestError):
    """The file exists and has a supported type but its text cannot be read."""
