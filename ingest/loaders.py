"""Read PDF, plain-text and markdown files into pages of raw text.

PDFs are read page by page with pypdf (page numbers kept, 1-based); ``.txt`` and ``.md`` files
are one page stream whose page number is unknown (None).
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from ingest.errors import FileTooLarge, IngestError, UnreadableDocument, UnsupportedFormat
from ingest.records import LoadedDocument, Page

TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
SUPPORTED_SUFFIXES = (".pdf", *TEXT_SUFFIXES)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
CATALOG_NAMES = ("catalog.yaml", "catalog.yml")


def sha256_of(data: bytes) -> str:
    """Hex sha256 of ``data``: the document id of a file."""
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file after checking that it exists, is a supported type and is not too large."""
    if not path.exists():
        raise UnreadableDocument(path, "no such file", "check the path")
    if not path.is_file():
        raise UnreadableDocument(path, "not a regular file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormat(
            path,
            f"unsupported file type '{path.suffix or '(none)'}'",
            "supported: " + ", ".join(SUPPORTED_SUFFIXES),
        )
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


def load_document(
    path: Path,
    *,
    data: bytes | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    pdf_password: str | None = None,
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
    suffix = path.suffix.lower()
    warnings: list[str] = []
    if suffix == ".pdf":
        pages = _load_pdf(path, data, pdf_password, warnings)
        fmt = "pdf"
    else:
        pages = (Page(None, _decode_text(path, data, warnings)),)
        fmt = TEXT_SUFFIXES[suffix]
    if not any(page.text.strip() for page in pages):
        raise UnreadableDocument(
            path,
            "no extractable text (a scanned or image-only document?)",
            "run OCR on it first, for example with ocrmypdf",
        )
    return LoadedDocument(
        path=path,
        doc_id=sha256_of(data),
        size_bytes=len(data),
        format=fmt,
        pages=pages,
        warnings=tuple(warnings),
    )


def _load_pdf(
    path: Path, data: bytes, password: str | None, warnings: list[str]
) -> tuple[Page, ...]:
    # pypdf is imported here so that text-only work never pays for it.
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    if not data.lstrip().startswith(b"%PDF-"):
        raise UnreadableDocument(path, "not a PDF file (no %PDF- header)", "check the file")
    try:
        reader = PdfReader(io.BytesIO(data))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise UnreadableDocument(
            path, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})", "re-export the PDF"
        ) from exc
    except DependencyError as exc:
        raise UnreadableDocument(path, f"cannot open the PDF: {exc}") from exc

    if reader.is_encrypted:
        _decrypt(path, reader, password)

    try:
        page_count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise UnreadableDocument(
            path, "the PDF is encrypted", "set ASSISTANT_PDF_PASSWORD"
        ) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise UnreadableDocument(
            path, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})", "re-export the PDF"
        ) from exc

    pages: list[Page] = []
    failed = 0
    for index in range(page_count):
        number = index + 1
        try:
            with _PypdfLog() as log:
                text = reader.pages[index].extract_text() or ""
            if not text.strip() and log.errors:
                # pypdf logs (does not raise) for a broken content stream and returns no text
                failed += 1
                warnings.append(
                    f"{path.name}, page {number}: text extraction failed ({log.errors[0]}); "
                    "page skipped"
                )
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                RecursionError, ZeroDivisionError) as exc:
            # One broken page must not cost the whole document: report it and go on.
            failed += 1
            warnings.append(
                f"{path.name}, page {number}: text extraction failed "
                f"({type(exc).__name__}: {exc}); page skipped"
            )
            text = ""
        pages.append(Page(number, text))
    if failed and failed == page_count:
        raise UnreadableDocument(
            path, f"text extraction failed on all {page_count} pages", "re-export the PDF"
        )
    return tuple(pages)


class _PypdfLog(logging.Handler):
    """Collects what pypdf logs at warning level or above while it extracts one page."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(record.getMessage()[:200])

    def __enter__(self) -> _PypdfLog:
        logging.getLogger("pypdf").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("pypdf").removeHandler(self)


def _decrypt(path: Path, reader: object, password: str | None) -> None:
    from pypdf import PasswordType
    from pypdf.errors import DependencyError, PyPdfError

    candidates = [password] if password else [""]
    for candidate in candidates:
        try:
            result = reader.decrypt(candidate)  # type: ignore[attr-defined]
        except DependencyError as exc:
            raise UnreadableDocument(
                path,
                f"the PDF uses encryption that needs an extra package ({exc})",
                "install pypdf[crypto]",
            ) from exc
        except (PyPdfError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
            raise UnreadableDocument(path, f"cannot decrypt the PDF ({exc})") from exc
        # A wrong password does not raise: pypdf returns NOT_DECRYPTED.
        if result != PasswordType.NOT_DECRYPTED:
            return
    if password:
        raise UnreadableDocument(
            path, "the PDF is encrypted and the configured password is wrong",
            "check ASSISTANT_PDF_PASSWORD",
        )
    raise UnreadableDocument(
        path, "the PDF is encrypted with a password", "set ASSISTANT_PDF_PASSWORD to open it"
    )


def _decode_text(path: Path, data: bytes, warnings: list[str]) -> str:
    """Decode text bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument(path, f"invalid UTF-16 text ({exc.reason})") from exc
        return _check_printable(path, text)
    if b"\x00" in data[:8192]:
        raise UnreadableDocument(
            path, "binary content, not text", "convert it to .txt, .md or .pdf first"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Latin-1 family text is common in older reports; cp1252 decodes it and also maps
        # the typographic quotes that Windows editors write.
        text = data.decode("cp1252", errors="replace")
        warnings.append(f"{path.name}: not UTF-8; decoded as Windows-1252 (Latin-1)")
    return _check_printable(path, text)


def _check_printable(path: Path, text: str) -> str:
    sample = text[:20000]
    if not sample:
        return text
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    replaced = sample.count("\ufffd")
    if (control + replaced) / len(sample) > 0.05:
        raise UnreadableDocument(
            path, "binary content, not text", "convert it to .txt, .md or .pdf first"
        )
    return text


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
                    and child.name.lower() not in CATALOG_NAMES
                ):
                    files.append(child)
        elif path.exists():
            files.append(path)
        else:
            errors.append(UnreadableDocument(path, "no such file or directory", "check the path"))
    return files, errors
