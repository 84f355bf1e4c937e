"""Structure-aware chunking: never across a section, cut at paragraph then sentence
boundaries, and small enough for the embedding model's word-piece window."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from ingest.records import (
    Chunk,
    DocumentMeta,
    LoadedDocument,
    Paragraph,
    Section,
    context_header,
)
from ingest.sentences import split_sentences

TokenCounter = Callable[[str], int]  # word-pieces of a text, without special tokens

_WORDS = re.compile(r"\S+")

#: A chunk whose units' summed size comes within this many word-pieces of the model's window is
#: counted again as one text (see :func:`_pack`).
EXACT_NEAR_WINDOW = 16


@dataclass(frozen=True)
class ChunkingOptions:
    """Sizes in word-pieces of the embedding model's tokenizer.

    ``window`` is the model's limit (all-MiniLM-L6-v2 truncates at 256 including its two special
    tokens); a chunk's embedding text (section path + passage) must fit in it. ``target`` is the
    preferred chunk size and ``overlap`` the most that is repeated when a paragraph is cut.
    """

    target: int = 200
    window: int = 256
    overlap: int = 40
    special_tokens: int = 2

    def __post_init__(self) -> None:
        if self.target <= 0 or self.window <= self.special_tokens:
            raise ValueError(
                f"chunk sizes must be positive; got target={self.target}, window={self.window}"
            )
        if not 0 <= self.overlap < self.target:
            raise ValueError(
                f"overlap must be >= 0 and < target; got overlap={self.overlap}, "
                f"target={self.target}"
            )


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a row, or a word-cut piece) with its offsets in the document text."""

    start: int
    end: int
    tokens: int
    paragraph: int  # index of the paragraph in the section; units of one paragraph share it


def document_text(sections: tuple[Section, ...]) -> tuple[str, list[list[int]]]:
    """The cleaned text of a document and the offset of each paragraph in it.

    Headings are written on their own line before their section's paragraphs, and paragraphs are
    separated by a blank line; chunk offsets point into this text.
    """
    parts: list[str] = []
    offsets: list[list[int]] = []
    cursor = 0
    for section in sections:
        heading = section.path[-1] if section.path else ""
        if heading:
            parts.append(heading + "\n\n")
            cursor += len(heading) + 2
        section_offsets = []
        for paragraph in section.paragraphs:
            section_offsets.append(cursor)
            parts.append(paragraph.text + "\n\n")
            cursor += len(paragraph.text) + 2
        offsets.append(section_offsets)
    return "".join(parts), offsets


def chunk_document(
    doc: LoadedDocument,
    meta: DocumentMeta,
    sections: tuple[Section, ...],
    count_tokens: TokenCounter,
    options: ChunkingOptions | None = None,
) -> tuple[Chunk, ...]:
    """Cut every section into chunks that fit the embedding window."""
    options = options or ChunkingOptions()
    text, offsets = document_text(sections)
    chunks: list[Chunk] = []
    for section, section_offsets in zip(sections, offsets, strict=True):
        header_tokens = count_tokens(context_header(meta.title, meta.year, section.name)) + 1
        limit = options.window - options.special_tokens - header_tokens
        budget = max(min(options.target, limit), 32)  # a pathological heading leaves room
        units = _units(section.paragraphs, section_offsets, text, count_tokens, budget)
        groups = _pack(units, budget, options.overlap)
        if any(sum(u.tokens for u in group) > limit - EXACT_NEAR_WINDOW
               and count_tokens(text[group[0].start : group[-1].end]) > limit
               for group in groups):
            groups = _pack(units, budget, options.overlap, lambda group: count_tokens(
                text[group[0].start : group[-1].end]))
        for start, end in ((group[0].start, group[-1].end) for group in groups):
            pages = _pages(section.paragraphs, section_offsets, start, end)
            body = text[start:end]
            position = len(chunks)
            chunk_id = hashlib.sha256(
                f"{doc.doc_id}\x1f{position}\x1f{body}".encode()
            ).hexdigest()[:32]
            chunks.append(
                Chunk(
                    chunk_id=chunk_id,
                    doc_id=doc.doc_id,
                    source=doc.source,
                    title=meta.title,
                    year=meta.year,
                    section=section.name,
                    page_start=min(pages) if pages else None,
                    page_end=max(pages) if pages else None,
                    char_start=start,
                    char_end=end,
                    position=position,
                    text=body,
                    kind=meta.kind,
                )
            )
    return tuple(chunks)


def _units(
    paragraphs: tuple[Paragraph, ...],
    offsets: list[int],
    text: str,
    count_tokens: TokenCounter,
    budget: int,
) -> list[_Unit]:
    units: list[_Unit] = []
    for index, (paragraph, base) in enumerate(zip(paragraphs, offsets, strict=True)):
        whole = count_tokens(paragraph.text)
        if whole <= budget:
            units.append(_Unit(base, base + len(paragraph.text), whole, index))
            continue
        for s, e in split_sentences(paragraph.text):
            tokens = count_tokens(paragraph.text[s:e])
            if tokens <= budget:
                units.append(_Unit(base + s, base + e, tokens, index))
            else:
                units.extend(_cut_words(base + s, base + e, text, count_tokens, budget, index))
    return units


def _cut_words(
    start: int, end: int, text: str, count_tokens: TokenCounter, budget: int, paragraph: int
) -> list[_Unit]:
    """Cut an over-long sentence (a table row, a run-on list) at word boundaries.

    The tokenizer splits on whitespace first, so a piece's size is the sum of its words' sizes.
    """
    pieces: list[_Unit] = []
    current_start = current_end = -1
    current_tokens = 0
    for match in _WORDS.finditer(text, start, end):
        tokens = count_tokens(match.group(0))
        if current_start >= 0 and current_tokens + tokens > budget:
            pieces.append(_Unit(current_start, current_end, current_tokens, paragraph))
            current_start = -1
            current_tokens = 0
        if current_start < 0:
            current_start = match.start()
        current_end = match.end()
        current_tokens += tokens
    if current_start >= 0:
        pieces.append(_Unit(current_start, current_end, current_tokens, paragraph))
    return pieces


def _pack(
    units: list[_Unit], budget: int, overlap: int,
    size: Callable[[list[_Unit]], int] | None = None,
) -> list[list[_Unit]]:
    """Group units into chunks (lists of consecutive units): whole paragraphs when they fit,
    else sentences, with a short overlap (the previous sentence) when a paragraph is cut in the
    middle.

    A group's size is the sum of its units' sizes: the tokenizers used here (WordPiece,
    SentencePiece) split on whitespace first, and units meet at whitespace, so the sum is the
    count of the group's text (the same chunks as counting each candidate group's text, on the
    five reports and 800 SciFact abstracts, at about half the chunking time; that re-count was
    the ingest's costliest step before embedding). :func:`chunk_document` counts a chunk again
    where the sum comes near the model's window and, if a tokenizer that merges across spaces
    made it overflow, packs the section again with ``size`` counting each group's text."""
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = size or (lambda group: sum(u.tokens for u in group))

    i = 0
    while i < len(units):
        unit = units[i]
        candidate = [*current, unit]
        if not current or size(candidate) <= budget:
            current = candidate
            i += 1
            continue
        groups.append(current)
        last = current[-1]
        current = []
        # Cut inside a paragraph: carry its last sentence over so the next chunk has context.
        if last.paragraph == unit.paragraph and last.tokens <= overlap:
            if size([last, unit]) <= budget:
                current = [last]
    if current:
        groups.append(current)
    return groups


def _pages(
    paragraphs: tuple[Paragraph, ...], offsets: list[int], start: int, end: int
) -> list[int]:
    pages: set[int] = set()
    for paragraph, base in zip(paragraphs, offsets, strict=True):
        p_start, p_end = base, base + len(paragraph.text)
        if p_end <= start or p_start >= end:
            continue
        for i, (mark, number) in enumerate(paragraph.page_marks):
            next_mark = (
                paragraph.page_marks[i + 1][0] if i + 1 < len(paragraph.page_marks) else None
            )
            seg_start = base + mark
            seg_end = base + next_mark if next_mark is not None else p_end
            if number is not None and seg_start < end and seg_end > start:
                pages.add(number)
    return sorted(pages)

