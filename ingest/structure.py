"""From pages of raw text to sections of clean paragraphs.

The parser walks the document line by line (keeping each line's page), finds headings
(markdown ``#`` headings; numbered, upper-case or short title lines in plain text and PDFs),
and unwraps hard-wrapped lines into paragraphs while keeping list items and table rows apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.clean import (
    Dehyphenator,
    drop_dingbat,
    is_page_number,
    normalize_characters,
    normalize_spaces,
    remove_running_margins,
    strip_markup,
)
from ingest.records import LoadedDocument, Paragraph, Section

LEAF_LEVEL = 9  # level of headings whose depth cannot be told (title-like lines)

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(
    r"^(?:[-*+•●▪◦■□➢►‣o]\s+|\(?\d{1,3}[.)]\s+|\(?[a-hA-H][.)]\s+|\(?[ivxIVX]{1,4}\.?\)\s+)"
)
_NUMBERED = re.compile(r"^((?:\d{1,2}\.){0,3}\d{1,2})\.?\s+(\S.*)$")
_ROMAN_OR_LETTER = re.compile(r"^(?:[IVX]{1,5}|[A-H])\.\s+([A-Z].*)$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}|…{2,}|_{4,}")
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*(?::?-{3,}:?)?\s*$")
# Words a heading does not end on: a title line ending in one goes on over the next line.
# Not the lexical index's STOPWORDS (vectorstore.lexical): that list is a larger set tuned for
# queries ("tell", "report", pronouns...), and using it here would change which lines are headings.
_DANGLING_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with which that than its their".split()
)
_BULLET_GLYPHS = re.compile(r"^[•●▪◦■□➢►‣]\s*")


@dataclass
class _Line:
    text: str  # markup removed, spaces normalised
    raw: str
    page: int | None

    @property
    def blank(self) -> bool:
        return not self.text


@dataclass
class _Block:
    kind: str
    parts: list[tuple[str, int | None]] = field(default_factory=list)


def parse_sections(doc: LoadedDocument) -> tuple[Section, ...]:
    """Split a loaded document into sections of cleaned paragraphs."""
    markdown = doc.format in ("md", "docx")  # the Word loader writes markdown
    lines = _clean_lines(doc, markdown)
    if doc.format == "pdf":
        lines = _move_interrupting_footnotes(lines)
    full_text = "\n".join(line.text for line in lines)
    dehyphen = Dehyphenator(full_text)
    filled = [len(line.text) for line in lines if len(line.text) > 20]
    width = _percentile(filled, 0.8) if filled else 80.0
    has_md_headings = markdown and any(_MD_HEADING.match(line.raw) for line in lines)

    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    paragraphs: list[Paragraph] = []
    block: _Block | None = None

    def flush_block() -> None:
        nonlocal block
        if block and block.parts:
            paragraph = _assemble(block, dehyphen)
            if paragraph is not None:
                paragraphs.append(paragraph)
        block = None

    def flush_section() -> None:
        nonlocal paragraphs
        flush_block()
        if paragraphs:
            sections.append(Section(tuple(title for _, title in stack), tuple(paragraphs)))
        paragraphs = []

    prev_ended = True  # did the previous non-blank line end a paragraph?
    prev_line: _Line | None = None
    continued: set[int] = set()  # lines already merged into a heading above them
    for index, line in enumerate(lines):
        if index in continued:
            continue
        if line.blank:
            if _runs_on(block, _next_filled(lines, index)):
                continue  # a sentence cut by a blank line (a page or column break) runs on
            flush_block()
            prev_ended = True
            continue
        next_line = _next_filled(lines, index)
        heading = _heading(
            line, prev_ended, prev_line, next_line, width, markdown, has_md_headings
        )
        prev_line = line
        if heading is not None:
            level, title = heading
            follow = index + 1
            if follow < len(lines) and _continues_heading(title, lines[follow], markdown):
                title = f"{title} {lines[follow].text}"
                continued.add(follow)
            flush_section()
            if stack and not sections and stack[-1][0] >= level:
                # The title block: heading-like lines before any text ("Final Evaluation" over
                # "Jane Doe") nest under the first, which stays the document's title.
                level = stack[-1][0] + 1
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title[:150]))
            prev_ended = True
            continue

        kind = _line_kind(line)
        if block is not None:
            last_text = block.parts[-1][0]
            short_end = len(last_text) < 0.7 * width and bool(_TERMINAL.search(last_text))
            if (
                kind == "list"
                or (kind == "table") != (block.kind == "table")
                or (block.kind != "table" and short_end)
            ):
                flush_block()
        if block is None:
            block = _Block(kind="table" if kind == "table" else kind)
        block.parts.append((line.text, line.page))
        prev_ended = bool(_TERMINAL.search(line.text)) or kind == "table"
    flush_section()
    return tuple(sections)


def _clean_lines(doc: LoadedDocument, markdown: bool) -> list[_Line]:
    page_lines = [
        normalize_characters(page.text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
        for page in doc.pages
    ]
    if doc.format == "pdf":
        page_lines = remove_running_margins(page_lines)
    lines: list[_Line] = []
    for page, raw_lines in zip(doc.pages, page_lines, strict=True):
        for raw in raw_lines:
            text = normalize_spaces(drop_dingbat(strip_markup(raw, markdown)))
            if _TABLE_RULE.match(raw):
                continue  # the |---|---| row under a markdown table header
            if _RULE.match(raw) or is_page_number(text):
                lines.append(_Line("", raw, page.number))
                continue
            if markdown:
                heading = _MD_HEADING.match(raw)
                if heading:
                    text = normalize_spaces(strip_markup(heading.group(2), markdown))
            lines.append(_Line(text, raw, page.number))
    return lines


_FOOTNOTE = re.compile(r"^(\d{1,3})\s+[A-Z\"“‘']")
_WEB_ADDRESS = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_FOOTNOTE_LOOKAHEAD = 40  # lines: a page's footnotes and a page number or running header


def _move_interrupting_footnotes(lines: list[_Line]) -> list[_Line]:
    """Put footnotes that cut a sentence after the sentence instead.

    Text taken from a paginated report carries each page's footnotes where the page ends, so a
    sentence that runs over a page break is cut by them: "... compared to 2006, and an" /
    "2 Tripartite Meeting of Experts: ..." / "3 ILO, 2006, ..." / "increase of over 200
    percent ...". Such a block is recognised only where it interrupts a sentence: the line
    before it stops mid-sentence, it opens with a numbered note and its notes count up, and
    the text after it carries on in lower case. The notes are moved, as paragraphs of their
    own, to after the line that ends the interrupted sentence; nothing is dropped.
    """
    out = list(lines)
    index = 0
    while index < len(out):
        line = out[index]
        if (
            line.blank
            or _TERMINAL.search(line.text)
            or _line_kind(line) != "text"
            or _WEB_ADDRESS.match(line.text)
            or _in_note(out, index)
        ):
            index += 1
            continue
        span = _footnote_span(out, index + 1)
        if span is None:
            index += 1
            continue
        start, resume = span
        end = resume
        while end < len(out) and not out[end].blank and not _TERMINAL.search(out[end].text):
            end += 1
        end = min(end + 1, len(out))  # past the line that ends the sentence
        moved: list[_Line] = []
        for note in out[start:resume]:
            if note.blank:
                continue
            if _FOOTNOTE.match(note.text):  # each note a paragraph of its own
                moved.append(_Line("", "", note.page))
            moved.append(note)
        moved.append(_Line("", "", moved[-1].page))
        out[index + 1 : end] = [*out[resume:end], *moved]
        index = end
    return out


def _in_note(lines: list[_Line], index: int) -> bool:
    """Is the line part of a numbered note (its paragraph, up to this line, opens a note)?"""
    i = index
    while i >= 0 and index - i < 15 and not lines[i].blank:
        if _FOOTNOTE.match(lines[i].text):
            return True
        i -= 1
    return False


def _footnote_span(lines: list[_Line], start: int) -> tuple[int, int] | None:
    """(first note line, first line of the resumed text) when a block of numbered notes starts
    at or after blank lines from ``start`` and the text resumes in lower case after it."""
    i = start
    limit = min(len(lines), start + _FOOTNOTE_LOOKAHEAD)
    while i < limit and lines[i].blank:
        i += 1
    first = _FOOTNOTE.match(lines[i].text) if i < limit else None
    if first is None:
        return None
    number, note_start = int(first.group(1)), i
    # Does the note go on over the next line? ("... available at:" / "http://...")
    open_note = not _TERMINAL.search(lines[i].text) or lines[i].text.endswith(":")
    i += 1
    while i < limit:
        line = lines[i]
        if line.blank:
            open_note = False
            i += 1
            continue
        note = _FOOTNOTE.match(line.text)
        if _WEB_ADDRESS.match(line.text):
            pass  # a note's address on a line of its own ("2008.;" / "http://...")
        elif note is not None and number < int(note.group(1)) <= number + 3:
            number = int(note.group(1))
        elif not open_note:
            # After a finished note: the cut sentence resumes in lower case, or this was no
            # sentence cut by notes.
            resumes = (
                line.text[:1].islower()
                and _line_kind(line) == "text"
                and not _WEB_ADDRESS.match(line.text)
            )
            return (note_start, i) if resumes else None
        open_note = not _TERMINAL.search(line.text) or line.text.endswith(":")
        i += 1
    return None


def _next_filled(lines: list[_Line], index: int) -> _Line | None:
    for line in lines[index + 1 : index + 4]:
        if not line.blank:
            return line
    return None


def _runs_on(block: _Block | None, next_line: _Line | None) -> bool:
    """Does the text block go on past a blank line? Yes when it stopped mid-sentence (no
    closing punctuation) and the next line carries on in lower case: "... including donors
    and migrant" / "workers themselves and remained so ..."."""
    if block is None or block.kind != "text" or next_line is None:
        return False
    last = block.parts[-1][0]
    return (
        not _TERMINAL.search(last)
        and next_line.text[:1].islower()
        and _line_kind(next_line) == "text"
    )


def _line_kind(line: _Line) -> str:
    raw = line.raw.strip()
    if raw.startswith("|") or _DOT_LEADER.search(line.text):
        return "table"
    if _LIST_ITEM.match(line.text):
        return "list"
    return "text"


def _continues_heading(title: str, line: _Line, markdown: bool) -> bool:
    """A heading wrapped over two lines: "4. THE ROLE AND THE NEED FOR AN EXPLICIT ILO" +
    "STRATEGY ON MIGRANT WORKERS", or "1.2 Evaluation of the Protection of" + "Migrant Workers"."""
    text = line.text
    if not text or len(text) > 70 or _TERMINAL.search(text) or _LIST_ITEM.match(text):
        return False
    if markdown and _MD_HEADING.match(line.raw):
        return False
    if _NUMBERED.match(text) or not text[:1].isalpha():
        return False
    if title.split()[-1].lower() in _DANGLING_WORDS and text[:1].isupper():
        return True
    return _is_upper(title) and _is_upper(text) and len(title) > 40


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) / len(letters) >= 0.8


def _heading(
    line: _Line,
    prev_ended: bool,
    prev_line: _Line | None,
    next_line: _Line | None,
    width: float,
    markdown: bool,
    has_md_headings: bool,
) -> tuple[int, str] | None:
    """Return (level, title) when ``line`` is a heading."""
    if markdown:
        match = _MD_HEADING.match(line.raw)
        if match:
            return (len(match.group(1)), line.text) if line.text else None
    text = line.text
    if len(text) > 110 or _DOT_LEADER.search(text):
        return None
    numbered = _NUMBERED.match(text)
    strong = numbered is not None and _is_upper(text) and len(text.split()) <= 14
    if not prev_ended and not strong:
        return None
    if line.raw.strip().startswith("|") or sum(ch.isalpha() for ch in text) < 3:
        return None
    if text[-1] in ",;" or text.endswith(" -"):
        return None
    upper = _is_upper(text)
    words = text.split()
    next_starts_block = next_line is None or next_line.text[:1].isupper() or (
        next_line.text[:1].isdigit()
    )
    next_is_list = next_line is not None and bool(_LIST_ITEM.match(next_line.text))
    ends_sentence = text[-1] in ".:!?"

    if numbered and numbered.group(2)[:1].isupper() and not ends_sentence:
        depth = numbered.group(1).count(".") + 1
        if depth == 1 and _in_list(numbered.group(1), prev_line, next_line):
            return None  # "3. ITC Turin" after "2. GENDER" is a list item
        level = LEAF_LEVEL if has_md_headings else depth
        if depth > 1 and (len(text) < 0.97 * width or upper) and len(words) <= 16:
            return level, text
        if depth == 1 and upper and len(words) <= 14:
            return level, text
        if (
            depth == 1
            and not any(ch.isdigit() for ch in numbered.group(2))
            and len(text) < 0.7 * width
            and len(words) <= 10
            and next_starts_block
            and not next_is_list
            and words[-1].lower() not in _DANGLING_WORDS
        ):
            return level, text
        return None
    if _ROMAN_OR_LETTER.match(text) and not ends_sentence and len(words) <= 12:
        return (LEAF_LEVEL if has_md_headings else 1), text
    if upper and len(words) <= 14 and not ends_sentence:
        return (LEAF_LEVEL if has_md_headings else 1), text
    if (
        text[0].isupper()
        and not ends_sentence
        and len(words) <= 8
        and len(text) <= 60
        and len(text) < 0.75 * width
        and not any(ch.isdigit() or ch in "$%€:" for ch in text)
        and not _LIST_ITEM.match(text)
        and words[-1].lower() not in _DANGLING_WORDS
        and next_line is not None
        and next_starts_block
        and not next_is_list
    ):
        return LEAF_LEVEL, text
    return None


def _in_list(number: str, prev_line: _Line | None, next_line: _Line | None) -> bool:
    """Is "N. text" an item of a numbered list (its neighbour is N-1 or N+1)?"""
    for neighbour, step in ((prev_line, -1), (next_line, 1)):
        if neighbour is None:
            continue
        match = re.match(r"^\(?(\d{1,3})[.)]\s", neighbour.text)
        if match and int(match.group(1)) == int(number) + step:
            return True
    return False


def _assemble(block: _Block, dehyphen: Dehyphenator) -> Paragraph | None:
    text = ""
    marks: list[tuple[int, int | None]] = []
    for part, page in block.parts:
        if not text:
            start = 0
            text = part
        elif block.kind == "table":
            text += "\n"
            start = len(text)
            text += part
        elif text.endswith("-") and part[:1].islower():
            joined = dehyphen.join(text, part)
            start = len(joined) - len(part)
            text = joined
        else:
            text += " "
            start = len(text)
            text += part
        if not marks or marks[-1][1] != page:
            marks.append((start, page))
    if block.kind == "list":
        text = _BULLET_GLYPHS.sub(lambda m: "•" + m.group(0)[1:], text)
    if sum(ch.isalnum() for ch in text) < 2:
        return None
    return Paragraph(text=text, page_marks=tuple(marks), kind=block.kind)


def _percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])
