"""Frozen records passed between the ingest stages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Page:
    """Raw text of one page; ``number`` is 1-based for PDFs and None for text streams."""

    number: int | None
    text: str


@dataclass(frozen=True)
class LoadOptions:
    """What a loader may need beyond the file's bytes."""

    pdf_password: str | None = None
    #: Called before a page is read by OCR, with its number and the document's page count
    #: (OCR takes seconds a page, so front ends show it).
    on_ocr: Callable[[int, int], None] | None = None


#: What a loader's reader returns: the pages of raw text, and warnings about what it skipped.
ReadResult = tuple[tuple[Page, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Loader:
    """How files of one suffix are read (an entry of :data:`ingest.loaders.LOADERS`).

    ``read(path, data, options)`` turns the file's bytes into pages, raising
    :class:`~ingest.errors.UnreadableDocument` (naming the file and page) when it cannot;
    ``format`` is what :attr:`LoadedDocument.format` records ("md" headings are markdown);
    ``title(path, data, options)``, where the format has one, reads the title the file's own
    metadata gives (``None`` when it gives none).
    """

    format: str
    read: Callable[[Path, bytes, LoadOptions], ReadResult]
    title: Callable[[Path, bytes, LoadOptions], str | None] | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A file read from disk: its identity and its pages of raw text."""

    path: Path
    doc_id: str  # sha256 of the file's bytes
    size_bytes: int
    format: str  # "pdf", "md" or "txt"
    pages: tuple[Page, ...]
    warnings: tuple[str, ...] = ()
    metadata_title: str | None = None  # the title in the file's metadata, as written there

    @property
    def source(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Paragraph:
    """A cleaned paragraph (or table, or list item) inside a section.

    ``page_marks`` maps character offsets within ``text`` to the page that starts there:
    ``((0, 41), (230, 42))`` means the text from offset 230 on was printed on page 42.
    """

    text: str
    page_marks: tuple[tuple[int, int | None], ...]
    kind: str = "text"  # "text", "list", "table"

    def page_at(self, offset: int) -> int | None:
        page = self.page_marks[0][1] if self.page_marks else None
        for start, number in self.page_marks:
            if start <= offset:
                page = number
            else:
                break
        return page


@dataclass(frozen=True)
class Section:
    """Paragraphs under one heading path (outermost heading first)."""

    path: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]

    @property
    def name(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True)
class DocumentMeta:
    """Title, year and kind of a report, from the catalog file or the document itself."""

    title: str
    year: int | None = None
    kind: str | None = None
    # other names staff use for the report ("the Turin Centre evaluation" for ITCILO's)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, with everything needed to cite it."""

    chunk_id: str
    doc_id: str
    source: str
    title: str
    year: int | None
    section: str
    page_start: int | None
    page_end: int | None
    char_start: int
    char_end: int
    position: int
    text: str
    kind: str | None = None

    def context_header(self) -> str:
        """Report title, year and section path: the context a passage is read in."""
        return context_header(self.title, self.year, self.section)

    def embedding_text(self) -> str:
        """The text given to the embedder: the context header, then the passage."""
        return embedding_text(self.title, self.year, self.section, self.text)


def embedding_text(title: str, year: int | None, section: str, text: str) -> str:
    """What a passage is embedded as, at ingest and wherever its vector is made again: its
    context header, then its text."""
    return f"{context_header(title, year, section)}\n{text}"


def context_header(title: str, year: int | None, section: str) -> str:
    """``"Title (2009) > Section > Subsection"``: prepended to a passage when embedding it. A
    document whose title is its first heading has that heading as its outermost section too;
    it is said once ("Title > Title > Methods" would spend the embedder's tokens on a repeat)."""
    head = f"{title} ({year})" if year else title
    parts = section.split(" > ") if section else []
    if parts and " ".join(parts[0].split()).casefold() == " ".join(title.split()).casefold():
        parts = parts[1:]
    return " > ".join(part for part in (head, *parts) if part)


@dataclass(frozen=True)
class PreparedDocument:
    """The output of the ingest pipeline for one file."""

    document: LoadedDocument
    meta: DocumentMeta
    sections: tuple[Section, ...]
    chunks: tuple[Chunk, ...]
    warnings: tuple[str, ...] = field(default=())
