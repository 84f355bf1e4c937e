"""The Word loader: ``.docx`` through python-docx, as one markdown page stream.

Word keeps no page numbers (they are made when the file is laid out), so the document is one
page whose number is unknown, like a text file. Its structure is kept as markdown, which the
section parser reads: paragraphs styled ``Title`` or ``Heading N`` become headings of that
depth, list paragraphs become ``-`` items, and tables become markdown tables, row by row, in
the order they stand in the document.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ingest.errors import UnreadableDocument
from ingest.records import LoadOptions, Page, ReadResult

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def read_docx(path: Path, data: bytes, options: LoadOptions) -> ReadResult:
    """The text of a .docx as markdown: headings, lists and tables kept."""
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - python-docx is a dependency
        raise UnreadableDocument(path, "reading .docx needs python-docx",
                                 "pip install python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # a broken zip, or python-docx's own package errors
        if not isinstance(exc, zipfile.BadZipFile | KeyError | ValueError) and not type(
            exc
        ).__module__.startswith("docx"):
            raise
        raise UnreadableDocument(
            path, f"not a readable Word (.docx) file ({type(exc).__name__}: {exc})",
            "open it in Word or LibreOffice and save it again as .docx",
        ) from exc
    blocks = [
        _table(item) if hasattr(item, "rows") else _paragraph(item)
        for item in document.iter_inner_content()
    ]
    return (Page(None, "\n\n".join(b for b in blocks if b)),), ()


def _paragraph(paragraph: Any) -> str:
    text = " ".join(paragraph.text.split())
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.lower() == "title":
        return f"# {text}"
    heading = _HEADING_STYLE.match(style)
    if heading:
        return f"{'#' * (int(heading.group(1)) + 1)} {text}"  # the title is the only "#"
    if style.lower().startswith("list") or paragraph._p.pPr is not None and (
        paragraph._p.pPr.numPr is not None
    ):
        return f"- {text}"
    return text


def _table(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()).replace("|", "/") for cell in row.cells]
        rows.append("| " + " | ".join(cells) + " |")
    if not rows:
        return ""
    width = rows[0].count("|") - 1
    return "\n".join([rows[0], "|" + "---|" * width, *rows[1:]])
