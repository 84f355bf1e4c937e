"""Numbered items of a report that a question points at: "the first recommendation", "the
final recommendation", "recommendation 3", "lesson learned 2".

Evaluation reports number their recommendations (and often their conclusions, findings and
lessons), and staff ask for them by position. Nothing in the words "What was the first
recommendation?" resembles the recommendation's own text, so similarity search finds the
management's *responses* to recommendations, or other recommendations, instead. The pipeline
resolves the reference to a number (the last one: the highest the report labels), adds the
passages that mention that item to the evidence, and favours the sentences that do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ingest.records import Chunk

_KINDS = r"recommendation|conclusion|finding|lesson(?:s)?\s+learned|lesson|good\s+practice"
_ORDINALS = {
    word: n for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
        .split(), 1
    )
}
_BY_POSITION = re.compile(
    rf"\b(?P<pos>{'|'.join(_ORDINALS)}|last|final|\d{{1,2}}(?:st|nd|rd|th))\s+"
    rf"(?:(?:main|key|overall|numbered)\s+)?(?P<kind>{_KINDS})\b",
    re.IGNORECASE,
)
_BY_NUMBER = re.compile(
    rf"\b(?P<kind>{_KINDS})\s+(?:no\.?\s*|number\s+|n[°º]\s*)?(?P<number>\d{{1,2}})\b",
    re.IGNORECASE,
)


# A numbered paragraph: "3. Encourage countries to ..." (not "3.5 million").
_NUMBERED = re.compile(r"(?m)^\s*(?:[-•]\s*)?(\d{1,2})[.)]\s+(?=[A-Z])")


@dataclass(frozen=True)
class ItemReference:
    """A numbered item asked for: its kind ("recommendation") and number (None: the last)."""

    kind: str
    number: int | None

    def locate(self, chunks: Sequence[Chunk]) -> Located | None:
        """Where report ``chunks`` (in document order) hold the item: its number, and the
        chunks that label it, then those that mention it. A report labels its items
        ("Recommendation 4: ...") or numbers paragraphs in a section named after the kind
        ("Recommendations" > "4. Place a high priority ..."); the labels win where both occur.
        None when the report numbers no such items, or not this one."""
        by_label = {c.chunk_id: _labels(self.kind, c.text) for c in chunks}
        listed = not any(by_label.values())
        if listed:
            by_label = {
                c.chunk_id: _listed(c.text) if _names(self.kind, c.section) else set()
                for c in chunks
            }
        numbers = set().union(*by_label.values()) if by_label else set()
        number = self.number if self.number is not None else max(numbers, default=None)
        if number is None or number not in numbers:
            return None
        located = Located(self.kind, number, listed)
        labelled = [c for c in chunks if number in by_label[c.chunk_id]]
        mentioned = [
            c for c in chunks if c not in labelled and located.mentions(c.text)
        ]
        return replace(located, chunks=tuple(labelled + mentioned))


@dataclass(frozen=True)
class Located:
    """An item found in a report: its kind, number, how the report numbers such items, and
    the chunks that label or mention it (in that order)."""

    kind: str
    number: int
    listed: bool  # numbered paragraphs in a section named after the kind, not labels
    chunks: tuple[Chunk, ...] = ()

    def mentions(self, text: str) -> bool:
        """Does ``text`` name this item ("recommendation 3", "Recommendation No. 3")?"""
        return any(n == self.number for n in _mentioned(self.kind, text))

    def weight(self, paragraph: str, section: str = "") -> float:
        """How strongly a sentence speaks of this item, given its ``paragraph`` (from the start
        up to the sentence): 2 when the paragraph opens with the item's label ("Recommendation
        6: Build ...", or "6. Build ..." where the report lists its items), 1 when the first
        item of this kind it names is this one ("In response to recommendation 6, ..."), else 0
        (a paragraph on recommendation 3 that adds "see also recommendation 1" is about 3)."""
        text = paragraph.replace("*", "")
        if self.listed and _names(self.kind, section):
            opening = _NUMBERED.match(text)
            if opening:
                return 2.0 if int(opening.group(1)) == self.number else 0.0
        named = _mentioned(self.kind, text)
        if not named or named[0] != self.number:
            return 0.0
        label = _label_pattern(self.kind).match(re.sub(r"^[\s•\-–]*(?:\d{1,3}[.)]\s*)?", "", text))
        return 2.0 if label else 1.0


def _kind_words(kind: str) -> str:
    return r"lessons?\s+learned" if kind == "lesson learned" else r"\s+".join(kind.split())


def _numbered(kind: str) -> str:
    """An item of ``kind`` and its number (the group): "Recommendation 3", "no. 3"."""
    return rf"\b{_kind_words(kind)}\s+(?:no\.?\s*|number\s+)?(\d{{1,2}})"


def _label_pattern(kind: str) -> re.Pattern[str]:
    return re.compile(rf"{_numbered(kind)}\s*[:.)]", re.IGNORECASE)


def _labels(kind: str, text: str) -> set[int]:
    """Item numbers ``text`` labels ("Recommendation 4:")."""
    return {int(m.group(1)) for m in _label_pattern(kind).finditer(text.replace("*", ""))}


def _listed(text: str) -> set[int]:
    """Numbers of the numbered paragraphs in ``text`` ("4. Place a high priority ...")."""
    return {int(m.group(1)) for m in _NUMBERED.finditer(text.replace("*", ""))}


def _mentioned(kind: str, text: str) -> list[int]:
    """The numbers of the items of ``kind`` that ``text`` names, in order."""
    mention = re.compile(rf"{_numbered(kind)}(?![\d.,]\d)", re.IGNORECASE)
    return [int(m.group(1)) for m in mention.finditer(text.replace("*", ""))]


def _names(kind: str, section: str) -> bool:
    """Is the innermost heading of ``section`` named after ``kind`` ("Recommendations",
    "Conclusions and recommendations")?"""
    innermost = section.split(" > ")[-1]
    return bool(re.search(rf"\b{_kind_words(kind)}s?\b", innermost, re.IGNORECASE))


def item_reference(question: str) -> ItemReference | None:
    """The numbered item ``question`` asks about, if it names one by position or number."""
    match = _BY_NUMBER.search(question)
    if match:
        return ItemReference(_kind(match.group("kind")), int(match.group("number")))
    match = _BY_POSITION.search(question)
    if match is None:
        return None
    position = match.group("pos").lower()
    if position in ("last", "final"):
        number = None
    elif position in _ORDINALS:
        number = _ORDINALS[position]
    else:
        number = int(re.sub(r"\D", "", position))
    return ItemReference(_kind(match.group("kind")), number)


def item_phrase(question: str) -> str | None:
    """The words by which ``question`` names a numbered item ("final recommendation",
    "recommendation 3"), or None."""
    match = _BY_NUMBER.search(question) or _BY_POSITION.search(question)
    return " ".join(match.group(0).split()) if match else None


def _kind(words: str) -> str:
    kind = " ".join(words.lower().split())
    return "lesson learned" if kind.startswith("lesson") else kind
