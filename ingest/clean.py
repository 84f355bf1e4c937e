"""Line-level cleaning: leftover markup, page numbers, running headers and footers, hyphens."""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

_SUP = re.compile(r"<sup>\s*[^<]{0,6}?\s*</sup>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>~])")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:of\s+\d{1,4})?\s*$", re.IGNORECASE
)
_ROMAN_PAGE = re.compile(r"^\s*[ivxlc]{1,6}\s*$")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


#: Compatibility characters that text extraction leaves and nobody types or searches for:
#: ligatures (U+FB00-FB4F) and full-width forms (U+FF01-FF5E); NFKC turns them into letters.
_COMPATIBLE = re.compile("[\ufb00-\ufb4f\uff01-\uff5e]")
#: Characters that carry nothing readable: C0/C1 controls (tab and newline kept), soft hyphen,
#: zero-width marks, and private-use glyphs (icon fonts).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff"
    "\ue000-\uf8ff]"
)
_ODD_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def normalize_characters(text: str) -> str:
    """Text as a reader would type it: ligatures ("ﬁ") and full-width letters become plain
    letters, non-breaking and other odd spaces become spaces, and control characters, soft
    hyphens, zero-width marks and private-use glyphs are dropped (a form feed, a page break,
    becomes a newline). Other characters are left alone: NFKC everywhere would also turn
    superscript footnote markers into digits."""
    text = text.replace("\f", "\n")
    text = _COMPATIBLE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    text = _ODD_SPACES.sub(" ", text)
    return _INVISIBLE.sub("", text)


def strip_markup(text: str, markdown: bool = False) -> str:
    """Remove leftover HTML tags (footnote ``<sup>`` markers entirely) and, for markdown,
    emphasis, links and backslash escapes; decode HTML entities."""
    text = _SUP.sub("", text)
    text = _TAG.sub("", text)
    if markdown:
        text = _MD_IMAGE.sub(r"\1", text)
        text = _MD_LINK.sub(r"\1", text)
        for _ in range(2):  # nested emphasis such as ***x***
            text = _MD_STRONG.sub(r"\2", text)
            text = _MD_EM.sub(r"\1", text)
        text = text.replace("**", "")  # a bold span wrapped over two lines leaves strays
        text = _MD_ESCAPE.sub(r"\1", text)
    return html.unescape(text)


_DINGBAT = re.compile(r"^(\s*)X(?=[A-Z][a-z])")


def drop_dingbat(line: str) -> str:
    """Remove an icon glyph that text extraction turned into a capital X glued to the next
    word ("XDescription of the evaluation"); no English word starts with "X" + capital."""
    return _DINGBAT.sub(r"\1", line)


def normalize_spaces(text: str) -> str:
    """Collapse runs of spaces, tabs and exotic blanks into one space."""
    return _SPACES.sub(" ", text).strip()


def is_page_number(line: str) -> bool:
    """A line holding only a page number: ``12``, ``- 12 -``, ``Page 3 of 9``, ``iv``."""
    return bool(_PAGE_NUMBER.match(line) or _ROMAN_PAGE.match(line))


def _margin_key(line: str) -> str:
    return re.sub(r"\d+", "#", normalize_spaces(line).lower())


#: A running header or footer is short: a title, a date, "Page 3 of 9".
MAX_MARGIN_WORDS = 15


def remove_running_margins(pages: Sequence[list[str]], depth: int = 2) -> list[list[str]]:
    """Drop headers and footers repeated across pages.

    A line is a running header or footer when it is short (at most :data:`MAX_MARGIN_WORDS`
    words), sits among the first or last ``depth`` non-blank lines of a page that has body
    lines besides (a page of one or two lines has no margins), and the same line (digits
    ignored, so "Page 3" matches "Page 4") is in the margin of at least a third of the pages,
    and of three pages at least. Removal never empties the document: when nothing would be
    left, the pages are kept as they are.
    """
    if len(pages) < 3:
        return [list(p) for p in pages]
    counts: Counter[str] = Counter()
    for lines in pages:
        keys = {_margin_key(line) for line in _margin_lines(lines, depth)}
        counts.update(k for k in keys if k.strip("# "))
    threshold = max(3, len(pages) // 3)
    repeated = {key for key, n in counts.items() if n >= threshold}
    if not repeated:
        return [list(p) for p in pages]
    cleaned = []
    for lines in pages:
        margin = {id(line) for line in _margin_lines(lines, depth)}
        cleaned.append(
            [line for line in lines if not (id(line) in margin and _margin_key(line) in repeated)]
        )
    if not any(line.strip() for lines in cleaned for line in lines):
        return [list(p) for p in pages]
    return cleaned


def _margin_lines(lines: list[str], depth: int) -> list[str]:
    filled = [line for line in lines if line.strip()]
    reach = min(depth, (len(filled) - 1) // 2)  # leave at least one body line in between
    if reach <= 0:
        return []
    edges = filled[:reach] + filled[-reach:]
    return [line for line in edges if len(line.split()) <= MAX_MARGIN_WORDS]


class Dehyphenator:
    """Joins words broken across lines ("migra-" + "tion"), keeping real compounds.

    A break is joined when the joined word occurs elsewhere in the document or the hyphenated
    form does not; "self-" + "employed" stays hyphenated when "self-employed" is used elsewhere.
    """

    _WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:-[A-Za-z\u00c0-\u024f]+)*")

    def __init__(self, text: str):
        words = Counter(w.lower() for w in self._WORD.findall(text))
        self._words = words

    def join(self, left: str, right: str) -> str:
        """Join ``left`` (ending with a hyphen) and the next line ``right``."""
        head = re.search(r"([A-Za-z\u00c0-\u024f]+)-$", left)
        tail = re.match(r"([a-z\u00df-\u024f]+)", right)
        if not head or not tail:
            return f"{left} {right}" if not left.endswith("-") else left + right
        joined = (head.group(1) + tail.group(1)).lower()
        hyphenated = f"{head.group(1)}-{tail.group(1)}".lower()
        if self._words.get(hyphenated, 0) > 0 and self._words.get(joined, 0) == 0:
            return left + right
        return left[:-1] + right
