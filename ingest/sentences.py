"""A sentence splitter for report prose: abbreviations, initials and numbers do not end a
sentence; list markers and table rows stay whole."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st no nos vol vols p pp para paras fig figs e.g i.e etc al cf vs viz
    approx dept govt inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec art
    arts ch sec op cit ibid rev ed eds est incl u.s u.k u.n""".split()
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of the sentences of ``text``.

    Spans cover the text without its surrounding whitespace; newlines (table rows, list items
    joined in one paragraph) always end a sentence.
    """
    spans: list[tuple[int, int]] = []
    for line_start, line in _lines_with_offsets(text):
        start = 0
        for match in _BOUNDARY.finditer(line):
            end = match.start() + 1
            if not _is_boundary(line, end, match.end()):
                continue
            closing = line[end:match.end()].rstrip()
            spans.append((line_start + start, line_start + end + len(closing)))
            start = match.end()
        if line[start:].strip():
            spans.append((line_start + start, line_start + len(line.rstrip())))
    return [(s + _lead(text, s, e), e) for s, e in spans if text[s:e].strip()]


def _lead(text: str, start: int, end: int) -> int:
    chunk = text[start:end]
    return len(chunk) - len(chunk.lstrip())


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out = []
    offset = 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _is_boundary(line: str, end: int, next_start: int) -> bool:
    before = line[:end]
    after = line[next_start:]
    if not after:
        return True
    token = re.search(r"([A-Za-z.]+)\.$", before)
    if token:
        stem = token.group(1).lower().rstrip(".")
        if stem in _ABBREVIATIONS or re.fullmatch(r"[a-z]", stem):
            # "Mr. Smith", "e.g. the", "J. Smith": not an end, unless what follows is a
            # clear sentence start after a lower-case abbreviation like "etc."
            if not (stem in {"etc", "al"} and after[:1].isupper()):
                return False
    first = after[:1]
    # A new sentence starts with a capital, a digit, a quote, a bracket or a bullet.
    return bool(first) and (first.isupper() or first.isdigit() or first in "\"'“‘(•[")
