"""The citation check, run on every draft answer before it is shown (both answer modes).

A draft is read as *units*: the sentences of each paragraph, and each list item (an item with no
marker of its own is cited by its list's intro). For every unit:

1. markers citing a passage that was not given are removed;
2. each remaining cited passage must *support* the unit:
   - every number the unit states (amounts, years, counts) must appear in the passage, in a
     sentence that shares a word with the unit (or in its title or section), since a wrong
     figure is the costliest error in a briefing;
   - the unit's content terms must be found in the passage (``lexical``: share of terms, light
     stemming), and its meaning must match a passage sentence (``semantic``: the best cosine
     between the unit and the passage's sentences);
   - a unit quoted verbatim from the passage is supported without further work;
   - otherwise it is supported when ``lexical >= MIN_LEXICAL`` and
     ``(lexical + semantic) / 2 >= MIN_SUPPORT``;
   unsupported citations are removed;
3. a unit whose markers are missing, or cite no supporting passage, is attached to the given
   passage that supports it best (small models seldom write ``[n]``; an answer must not depend
   on them), trying the passages that share most of its terms first;
4. a unit left with no supporting passage is dropped, and so is one that repeats an earlier
   unit word for word.

Every removal is recorded with its reason. Citations are then numbered 1..m in order of first
appearance, each with the passage sentence that best supports what cites it (the quote to
highlight).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.evidence import PassageSentences, SentenceCache
from assistant.records import Citation, Passage, Removal
from assistant.text import (
    LIST_MARKER,
    content_terms,
    is_list_item,
    markers,
    numbers,
    strip_markers,
)
from ingest.sentences import split_sentences

MIN_LEXICAL = 0.5
MIN_SUPPORT = 0.6


@dataclass
class Unit:
    """One checkable piece of an answer: a sentence or a list item."""

    text: str  # without markers
    cited: list[int]  # marker numbers, as drafted
    kind: str  # "sentence" | "intro" | "item"
    paragraph: int
    supported_by: dict[int, tuple[float, int]] = field(default_factory=dict)  # n -> (score, sent)


@dataclass(frozen=True)
class Support:
    supported: bool
    score: float
    sentence: int  # index of the passage sentence that best supports the unit
    reason: str = ""


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    citations: tuple[Citation, ...]
    removed: tuple[Removal, ...]
    kept_units: int


def parse_units(answer: str) -> list[Unit]:
    """Split a drafted answer into units; markers written after a sentence's full stop
    ("... 2009. [1] The ...") belong to the sentence before them."""
    units: list[Unit] = []
    for paragraph, block in enumerate(re.split(r"\n\s*\n", answer.strip())):
        intro_cited: list[int] = []
        for line in block.split("\n"):
            if not line.strip():
                continue
            if is_list_item(line):
                body = LIST_MARKER.sub("", line)
                cited = markers(body) or list(intro_cited)
                units.append(Unit(strip_markers(body), cited, "item", paragraph))
                continue
            # A marker followed by more text ends a unit: "... in 2007 [1] The ..." is two.
            pieces = [
                segment[s:e]
                for segment in re.split(r"(?<=\])[ \t]+(?=[^\s\[])", line)
                for s, e in split_sentences(segment)
            ]
            merged: list[str] = []
            for piece in pieces:
                lead = re.match(r"^((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)\s*", piece)
                if lead and merged:
                    merged[-1] += " " + lead.group(1).strip()
                    piece = piece[lead.end():]
                if piece.strip():
                    merged.append(piece)
                elif lead and not merged:
                    merged.append(lead.group(1))
            for piece in merged:
                text = strip_markers(piece)
                if not text:
                    continue
                kind = "intro" if text.endswith(":") else "sentence"
                units.append(Unit(text, markers(piece), kind, paragraph))
                if kind == "intro":
                    intro_cited = markers(piece)
    return units


class CitationChecker:
    """Checks and numbers the citations of a drafted answer against the passages given."""

    def __init__(self, cache: SentenceCache):
        self.cache = cache

    def support(self, unit_text: str, passage: Passage, unit_vector: np.ndarray | None) -> Support:
        """Does ``passage`` support ``unit_text``? (See the module docstring for the rule.)"""
        entry = self.cache.sentences(passage)
        verbatim = _squash(unit_text)
        for index, (start, end) in enumerate(entry.spans):
            if verbatim and verbatim in _squash(passage.text[start:end]):
                return Support(True, 1.0, index)
        if verbatim and len(verbatim) > 20 and verbatim in _squash(passage.text):
            return Support(True, 1.0, _best_overlap(unit_text, passage, entry.spans))
        stated = numbers(unit_text)
        terms = set(content_terms(unit_text))
        context = numbers(f"{passage.title} {passage.section} {passage.year or ''}")
        missing = sorted(stated - numbers(passage.text) - context)
        if missing:
            return Support(False, 0.0, 0, f"states {', '.join(missing)}, which the passage "
                           "does not contain")
        stray = self._stray_numbers(stated - context, terms, passage, entry)
        if stray:
            return Support(False, 0.0, 0, f"states {', '.join(stray)}, which the passage gives "
                           "only in sentences about something else")
        lexical = len(terms & entry.passage_terms) / len(terms) if terms else 0.0
        if unit_vector is None or not entry.spans:
            semantic, best = 0.0, 0
        else:
            vectors = self.cache.vectors([(passage, i) for i in range(len(entry.spans))])
            sims = vectors @ unit_vector
            best = int(np.argmax(sims))
            semantic = float(sims[best])
        score = (lexical + semantic) / 2
        if lexical >= MIN_LEXICAL and score >= MIN_SUPPORT:
            return Support(True, score, best)
        return Support(
            False, score, best,
            f"too little support (terms found {lexical:.2f}, meaning {semantic:.2f}, "
            f"combined {score:.2f} < {MIN_SUPPORT})",
        )

    @staticmethod
    def _stray_numbers(
        stated: set[str], terms: set[str], passage: Passage, entry: PassageSentences
    ) -> list[str]:
        """The figures of a unit (those not in the passage's title, section or year) that its
        passage states only in sentences sharing none of the unit's words ("55 staff
        interviewed" against "profiles for 55 countries")."""
        words = {t for t in terms if not any(c.isdigit() for c in t)}
        grounded: set[str] = set()
        for (start, end), sentence_terms in zip(entry.spans, entry.terms, strict=True):
            if not words or words & sentence_terms:
                grounded |= numbers(passage.text[start:end])
        return sorted(stated - grounded)

    def check(self, draft: str, passages: Sequence[Passage]) -> CheckedAnswer:
        units = parse_units(draft)
        removed: list[Removal] = []
        given = range(1, len(passages) + 1)
        need_vectors = [
            u.text for u in units
            if not any(_verbatim(u.text, passages[n - 1]) for n in u.cited if n in given)
        ]
        vectors = {}
        if need_vectors and passages:
            embedded = self.cache.embedder.embed_sentences(need_vectors)
            vectors = dict(zip(need_vectors, embedded, strict=True))
        kept: list[Unit] = []
        said: set[str] = set()
        for unit in units:
            if _squash(unit.text) in said:  # small models loop: say a thing once
                removed.append(Removal("sentence", unit.text, None, "repeats an earlier sentence"))
                continue
            for n in unit.cited:
                if n not in given:
                    removed.append(Removal(
                        "citation", unit.text, n,
                        f"cites [{n}], but only passages 1-{len(passages)} were given"
                        if passages else f"cites [{n}], but no passages were given",
                    ))
            valid = [n for n in unit.cited if n in given]
            reasons = []
            for n in valid:
                result = self.support(unit.text, passages[n - 1], vectors.get(unit.text))
                if result.supported:
                    unit.supported_by[n] = (result.score, result.sentence)
                else:
                    removed.append(Removal(
                        "citation", unit.text, n, f"passage [{n}] {result.reason}"
                    ))
                    reasons.append(f"[{n}]: {result.reason}")
            if not unit.supported_by:
                self._attach(unit, passages, vectors.get(unit.text), exclude=set(valid))
            if unit.supported_by:
                kept.append(unit)
                said.add(_squash(unit.text))
                continue
            if not unit.cited:
                why = "cites no passage, and no passage given supports it"
            elif not valid:
                why = "cites no passage that was given, and no passage given supports it"
            else:
                why = "no passage supports it; " + "; ".join(reasons)
            removed.append(Removal("sentence", unit.text, None, why))
        return self._assemble(kept, passages, removed)

    def _attach(
        self, unit: Unit, passages: Sequence[Passage], vector: np.ndarray | None,
        exclude: set[int], tries: int = 4,
    ) -> None:
        """Cite the passage that supports ``unit`` best, trying the ``tries`` passages that
        share most of its terms (the ones in ``exclude`` were tried already)."""
        terms = set(content_terms(unit.text))
        if not terms:
            return
        shared = sorted(
            (
                (len(terms & self.cache.sentences(p).passage_terms), -n, n)
                for n, p in enumerate(passages, 1) if n not in exclude
            ),
            reverse=True,
        )
        best: tuple[float, int, int] | None = None
        for overlap, _, n in shared[:tries]:
            if overlap / len(terms) < MIN_LEXICAL:
                break
            result = self.support(unit.text, passages[n - 1], vector)
            if result.supported and (best is None or result.score > best[0]):
                best = (result.score, result.sentence, n)
        if best is not None:
            unit.supported_by[best[2]] = (best[0], best[1])

    def _assemble(
        self, kept: list[Unit], passages: Sequence[Passage], removed: list[Removal]
    ) -> CheckedAnswer:
        numbering: dict[int, int] = {}
        for unit in kept:
            for n in unit.supported_by:
                numbering.setdefault(n, len(numbering) + 1)
        paragraphs: dict[int, list[str]] = {}
        for unit in kept:
            marks = "".join(f"[{numbering[n]}]" for n in unit.supported_by)
            lines = paragraphs.setdefault(unit.paragraph, [])
            if unit.kind == "item":
                lines.append(f"- {unit.text} {marks}")
            elif lines and not lines[-1].startswith("- "):
                lines[-1] += f" {unit.text} {marks}"
            else:
                lines.append(f"{unit.text} {marks}")
        blocks = ["\n".join(lines) for lines in paragraphs.values()]
        citations = []
        for n, number in numbering.items():
            passage = passages[n - 1]
            entry = self.cache.sentences(passage)
            chosen = sorted({
                unit.supported_by[n][1] for unit in kept if n in unit.supported_by
            })
            spans = tuple(entry.spans[i] for i in chosen if i < len(entry.spans))
            best = max(
                (unit.supported_by[n] for unit in kept if n in unit.supported_by),
                key=lambda pair: pair[0],
            )
            quote_span = entry.spans[best[1]] if best[1] < len(entry.spans) else (0, 0)
            citations.append(Citation(
                n=number, passage=passage.rank, chunk_id=passage.chunk_id,
                source=passage.source, title=passage.title, year=passage.year,
                page=passage.page, page_end=passage.page_end, section=passage.section,
                quote=passage.text[slice(*quote_span)],
                quotes=tuple(passage.text[s:e] for s, e in spans),
                spans=spans, text=passage.text,
                support=round(min(u.supported_by[n][0] for u in kept if n in u.supported_by), 4),
            ))
        return CheckedAnswer("\n\n".join(blocks), tuple(citations), tuple(removed), len(kept))


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[^\w%$€£.,]+", " ", text.lower()).split())


def _verbatim(text: str, passage: Passage) -> bool:
    squashed = _squash(text)
    return bool(squashed) and squashed in _squash(passage.text)


def _best_overlap(text: str, passage: Passage, spans: Sequence[tuple[int, int]]) -> int:
    terms = set(content_terms(text))
    scores = [len(terms & set(content_terms(passage.text[s:e]))) for s, e in spans]
    return int(np.argmax(scores)) if scores else 0
