"""The PDF loader: pypdf, page by page (page numbers kept, 1-based).

A broken page costs only that page (a warning names it); an encrypted file opens with the
configured password; a file that is not a PDF, is corrupt or has no readable page raises
:class:`~ingest.errors.UnreadableDocument` naming the file and the fix.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from ingest.errors import UnreadableDocument
from ingest.records import LoadOptions, Page, ReadResult


def read_pdf(path: Path, data: bytes, options: LoadOptions) -> ReadResult:
    """Pages of a PDF, 1-based, with a warning for each page whose text could not be read."""
    if not data.lstrip().startswith(b"%PDF-"):
        raise UnreadableDocument(path, "not a PDF file (no %PDF- header)", "check the file")
    # What pypdf logs while it opens the file becomes a warning naming the file, instead of
    # an anonymous line on stderr.
    with _PypdfLog() as opening:
        reader, page_count = _open(path, data, options)
    warnings: list[str] = [f"{path.name}: {message}" for message in dict.fromkeys(opening.errors)]
    return _read_pages(path, reader, page_count, warnings, options)


def read_pdf_title(path: Path, data: bytes, options: LoadOptions) -> str | None:
    """The ``/Title`` of the PDF's document information, or None. Called after
    :func:`read_pdf` succeeded, so the file opens; a title that cannot be read is no title."""
    from pypdf.errors import PyPdfError

    with _PypdfLog():
        reader, _ = _open(path, data, options)
        try:
            metadata = reader.metadata  # type: ignore[attr-defined]
            title = metadata.title if metadata is not None else None
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logging.getLogger(__name__).info("%s: no readable /Title (%s)", path.name, exc)
            return None
    return str(title).strip() or None if title is not None else None


def _open(path: Path, data: bytes, options: LoadOptions) -> tuple[object, int]:
    # pypdf is imported here so that text-only work never pays for it.
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise UnreadableDocument(
            path, f"corrupt or truncated PDF ({type(exc).__name__}: {exc})", "re-export the PDF"
        ) from exc
    except DependencyError as exc:
        raise UnreadableDocument(path, f"cannot open the PDF: {exc}") from exc

    if reader.is_encrypted:
        _decrypt(path, reader, options.pdf_password)

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
    return reader, page_count


def _read_pages(
    path: Path, reader: object, page_count: int, warnings: list[str], options: LoadOptions
) -> ReadResult:
    pages: list[Page] = []
    failed = 0
    for index in range(page_count):
        number = index + 1
        text = _page_text(path, reader, index, warnings)
        if text is None:
            failed += 1
            text = ""
        elif not text.strip():  # no text layer: a scanned page, read by OCR
            if options.on_ocr is not None:
                options.on_ocr(number, page_count)
            text = _ocr(path, reader, index, warnings)
        pages.append(Page(number, text))
    if failed and failed == page_count:
        raise UnreadableDocument(
            path, f"text extraction failed on all {page_count} pages", "re-export the PDF"
        )
    return tuple(pages), tuple(warnings)


def _page_text(path: Path, reader: object, index: int, warnings: list[str]) -> str | None:
    """The text layer of one page, or None (with a warning) when extraction failed."""
    from pypdf.errors import PyPdfError

    number = index + 1
    try:
        with _PypdfLog() as log:
            text = reader.pages[index].extract_text() or ""  # type: ignore[attr-defined]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, ZeroDivisionError) as exc:
        # One broken page must not cost the whole document: report it and go on.
        warnings.append(
            f"{path.name}, page {number}: text extraction failed "
            f"({type(exc).__name__}: {exc}); page skipped"
        )
        return None
    if not text.strip() and log.errors:
        # pypdf logs (does not raise) for a broken content stream and returns no text
        warnings.append(
            f"{path.name}, page {number}: text extraction failed ({log.errors[0]}); "
            "page skipped"
        )
        return None
    return text


def _ocr(path: Path, reader: object, index: int, warnings: list[str]) -> str:
    """The page's text by OCR (with a warning saying so and how sure it is), or "" when the
    page has no image or Tesseract is missing (the caller's error then says to install it)."""
    from ingest.ocr import ocr_page

    try:
        with _PypdfLog():
            result = ocr_page(reader.pages[index])  # type: ignore[attr-defined]
    except Exception as exc:  # an image pypdf or Tesseract cannot read costs only the page
        warnings.append(f"{path.name}, page {index + 1}: OCR failed ({type(exc).__name__}: "
                        f"{exc}); page skipped")
        return ""
    if result is None or not result.text.strip():
        return ""
    warnings.append(f"{path.name}, page {index + 1}: text from OCR (mean confidence "
                    f"{result.confidence:.0f}%, {result.words} words)")
    return result.text


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
