"""Errors raised while reading and preparing documents, under the distribution's root error.

    AssistantError              root of every error assistant, ingest and vectorstore raise
     ├── IngestError            a document could not be turned into chunks (names file, page)
     │    ├── UnsupportedFormat     the file type is not one we read
     │    ├── FileTooLarge          over the configured size limit
     │    ├── UnreadableDocument    missing, corrupt, encrypted, binary, empty or without text
     │    └── CatalogError          the catalog file beside the reports is malformed
     ├── vectorstore.StoreError     the index or the embedding model cannot be used
     └── assistant's own errors     (assistant.errors: ConfigError, QueryError, ...)

``AssistantError`` lives here, in the lowest package, because ``ingest`` imports neither
``vectorstore`` nor ``assistant`` while both of them import ``ingest``.
"""

from __future__ import annotations

from pathlib import Path


class AssistantError(Exception):
    """Root of every error the assistant, ingest and vectorstore packages raise on purpose.

    Front ends catch this (and nothing broader) to turn an expected failure into one clear line.
    """


class IngestError(AssistantError):
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


class CatalogError(IngestError):
    """The catalog file (``catalog.yaml`` beside the reports) exists but cannot be used."""
