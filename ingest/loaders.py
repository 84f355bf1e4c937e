"""Read files into pages of raw text, through a loader chosen by the file's suffix.

PDFs are read page by page with pypdf (page numbers kept, 1-based; pages without a text layer
by OCR; :mod:`ingest.pdf`); ``.txt`` and ``.md`` files are one page stream whose page number is
unknown (None; :mod:`ingest.plaintext`); Word ``.docx`` files are one markdown stream
(:mod:`ingest.docx`). A new format is one module with a ``read(path, data, options)`` function
plus one line in :data:`LOADERS`; :data:`SUPPORTED_SUFFIXES`, the unsupported-format message
and the upload allow-list follow from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ingest.catalog import CATALOG_FILES
from ingest.docx import read_docx
from ingest.errors import FileTooLarge, IngestError, UnreadableDocument, UnsupportedFormat
from ingest.pdf import read_pdf, read_pdf_title
from ingest.plaintext import read_text
from ingest.records import LoadedDocument, Loader, LoadOptions

#: The loader of each supported suffix (lower case, with the dot).
LOADERS: dict[str, Loader] = {
    ".pdf": Loader("pdf", read_pdf, read_pdf_title),
    ".txt": Loader("txt", read_text),
    ".text": Loader("txt", read_text),
    ".md": Loader("md", read_text),
    ".markdown": Loader("md", read_text),
    ".docx": Loader("docx", read_docx),
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(LOADERS)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def sha256_of(data: bytes) -> str:
    """Hex sha256 of ``data``: the document id of a file."""
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file after checking that it exists, is a supported type and is not too large."""
    if not path.exists():
        raise UnreadableDocument(path, "no such file", "check the path")
    if not path.is_file():
        raise UnreadableDocument(path, "not a regular file")
    loader_for(path)  # an unsupported type fails before the file is read
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            path,
            f"file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB",
            "raise ASSISTANT_MAX_FILE_MB or split the file",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(path, f"cannot read the file: {exc.strerror}") from exc


def loader_for(path: Path) -> Loader:
    """The loader registered for ``path``'s suffix; :class:`UnsupportedFormat` if none."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFormat(
            path,
            f"unsupported file type '{path.suffix or '(none)'}'",
            "supported: " + ", ".join(LOADERS),
        )
    return loader


def load_document(
    path: Path,
    *,
    data: bytes | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    pdf_password: str | None = None,
    on_ocr: Callable[[int, int], None] | None = None,
) -> LoadedDocument:
    """Load one file into pages of raw text (``data``: its bytes, when already read).

    Raises an :class:`~ingest.errors.IngestError` subclass naming the file (and page) when the
    file is missing, unsupported, too large, corrupt, encrypted, binary, empty or has no text.
    """
    path = Path(path)
    if data is None:
        data = read_bytes(path, max_bytes)
    if not data.strip():
        raise UnreadableDocument(path, "the file is empty", "remove it or replace it")
    loader = loader_for(path)
    options = LoadOptions(pdf_password, on_ocr)
    pages, warnings = loader.read(path, data, options)
    if not any(page.text.strip() for page in pages):
        from ingest.ocr import tesseract

        raise UnreadableDocument(
            path,
            "no extractable text (a scanned or image-only document?)",
            "install Tesseract to read scanned pages (Debian: apt-get install tesseract-ocr)"
            if loader.format == "pdf" and tesseract() is None
            else "run OCR on it first, for example with ocrmypdf",
        )
    return LoadedDocument(
        path=path,
        doc_id=sha256_of(data),
        size_bytes=len(data),
        format=loader.format,
        pages=pages,
        warnings=warnings,
        metadata_title=loader.title(path, data, options) if loader.title else None,
    )


def iter_input_files(paths: list[Path]) -> tuple[list[Path], list[IngestError]]:
    """Expand directories (recursively, sorted) into files; report paths that do not exist.

    Hidden files and catalog files are skipped; every other file is returned, so that a file
    of an unsupported type is reported by the loader rather than silently ignored.
    """
    files: list[Path] = []
    errors: list[IngestError] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and not any(part.startswith(".") for part in child.relative_to(path).parts)
                    and child.name.lower() not in CATALOG_FILES
                ):
                    files.append(child)
        elif path.exists():
            files.append(path)
        else:
            errors.append(UnreadableDocument(path, "no such file or directory", "check the path"))
    return files, errors
