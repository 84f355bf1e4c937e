"""The extractive answerer: the default, offline answer mode with no language model.

It drafts an answer from the sentences of the retrieved passages that best answer the question
(see :mod:`assistant.answering.evidence`), each followed by the ``[n]`` of its passage, and the
citation check then verifies and numbers the draft like any other.

Selection is greedy: at each step the sentence with the best *marginal* score is taken, where
question terms already covered by chosen sentences count for less, so a two-part question
("the budget, and who funded it?") gets a sentence for each part. Near-duplicates (overlapping
chunks repeat sentences) are skipped; selection stops at ``max_sentences`` or when the next
sentence scores under ``min_ratio`` of the best. The answer reads passage by passage (most
relevant first), in document order within a passage. A sentence that introduces a list ("...
the following:", "seven components, namely: (i.) ... (ii.) ...") brings its items as a list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.answering.evidence import (
    SIMILARITY_WEIGHT,
    Evidence,
    ScoredSentence,
    refers_back,
)
from assistant.records import Passage
from assistant.text import KEY_VALUE, LIST_MARKER, is_list_item, numbers

# "(i.) ... (ii.) ...", "(a) ... (b) ...", "1) ... 2) ...": inline enumerations.
_INLINE_ENUM = re.compile(r"(?:(?<=\s)|^)\(?([ivx]{1,5}|[a-h]|\d{1,2})(?:\.\)|\)|\.(?=\s))\s*")
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
MAX_LIST_ITEMS = 12


#: The number of a footnote that opens its text ("38 In the case of the Asia-Pacific region,
#: ..."): a report may give the same note twice, under two numbers, and the number is no figure.
_NOTE_MARKER = re.compile(r"^\s*\d{1,3}\s+(?=[A-Z“\"])")


@dataclass(frozen=True)
class ExtractiveOptions:
    max_sentences: int = 5
    min_ratio: float = 0.8  # skip a sentence scoring below this share of the best
    duplicate_cosine: float = 0.9  # sentences closer than this to a chosen one are repeats
    covered_weight: float = 0.3  # weight of a question term another chosen sentence covers
    # added to the gain of a sentence that continues a chosen one in its paragraph
    continuation_bonus: float = 0.05
    # instead, for a continuation that refers back to the chosen one ("These projects ...")
    reference_bonus: float = 0.1


class ExtractiveAnswerer:
    """Drafts an answer from passage sentences; markers cite passages by their number."""

    mode = "extractive"

    def __init__(self, options: ExtractiveOptions | None = None):
        self.options = options or ExtractiveOptions()

    def select(
        self, question: str, evidence: Evidence, sources: Sequence[str] = (),
        texts: Sequence[str] = (),
    ) -> list[ScoredSentence]:
        """The sentences to quote, in the order chosen (best first); ``sources``: the report
        of each passage, for the reports ``evidence.cover`` asks to quote each; ``texts``: the
        passages' texts, where a chosen sentence's continuation in its paragraph is found."""
        opts = self.options
        pool = list(evidence.sentences)
        chosen: list[ScoredSentence] = []
        covered: set[str] = set()
        best = None
        seen_text: set[str] = set()
        # A comparison quotes each report it names: its best sentence first.
        for source in evidence.cover:
            own = [s for s in pool if sources and sources[s.passage] == source]
            if own and len(chosen) < opts.max_sentences:
                pick = max(own, key=lambda s: s.score)
                pool.remove(pick)
                chosen.append(pick)
                covered |= set(pick.terms)
                seen_text.add(" ".join(pick.text.lower().split()))
                raw = pick.score - pick.verified
                best = raw if best is None else max(best, raw)
        total = sum(evidence.question_terms.values()) or 1.0
        ends = {(c.passage, c.sentence): c.end for c in chosen}  # chosen: where each ends
        # chosen sentences that rest on the one before them: where each starts
        starts = {(c.passage, c.sentence): c.start for c in chosen if refers_back(c.text)}
        while pool and len(chosen) < opts.max_sentences:
            weights = {
                t: w * (opts.covered_weight if t in covered else 1.0)
                for t, w in evidence.question_terms.items()
            }

            def gain(s: ScoredSentence, weights: dict[str, float] = weights) -> float:
                # question terms found, weighted down where chosen sentences cover them,
                # as a share of the question's full weight
                cov = sum(w for t, w in weights.items() if t in s.terms) / total
                return (SIMILARITY_WEIGHT * s.similarity + (1 - SIMILARITY_WEIGHT) * cov
                        + s.bonus + follows(s))

            def follows(s: ScoredSentence) -> float:
                # A finding stated over two sentences of one paragraph ("This included Outcome
                # 9 ..." / "Special attention was given to Outcome 5.3"): the second rarely
                # repeats the question's words, so it gains when the first is chosen. So does
                # the sentence that a chosen one rests on ("... was therefore unable to ...").
                if not texts:
                    return 0.0
                before = ends.get((s.passage, s.sentence - 1))
                if before is not None and "\n" not in texts[s.passage][before:s.start]:
                    # "These projects aimed to ...": it says what the chosen one is about
                    return (opts.reference_bonus if refers_back(s.text)
                            else opts.continuation_bonus)
                after = starts.get((s.passage, s.sentence + 1))
                if after is not None and "\n" not in texts[s.passage][s.end:after]:
                    return opts.continuation_bonus
                return 0.0

            candidate = max(pool, key=gain)
            pool.remove(candidate)
            raw = candidate.score - candidate.verified  # the bar is set without the check
            if best is None:
                best = raw
            elif raw + follows(candidate) < opts.min_ratio * best:
                continue
            if self._repeats(candidate, chosen, seen_text):
                # another copy of a chosen sentence (overlapping chunks, a summary repeating
                # the body): its continuation continues the chosen one
                ends.setdefault((candidate.passage, candidate.sentence), candidate.end)
                continue
            chosen.append(candidate)
            ends[(candidate.passage, candidate.sentence)] = candidate.end
            covered |= set(candidate.terms)
            if refers_back(candidate.text):
                starts[(candidate.passage, candidate.sentence)] = candidate.start
                # "The assessment was therefore unable to ..." is quoted with the sentence it
                # rests on ("None of the PoAs reviewed contained targets ..."), when scored
                before = next((s for s in pool if (s.passage, s.sentence)
                               == (candidate.passage, candidate.sentence - 1)), None)
                if (before is not None and len(chosen) < opts.max_sentences and texts
                        and "\n" not in texts[before.passage][before.end:candidate.start]
                        and not self._repeats(before, chosen, seen_text)):
                    pool.remove(before)
                    chosen.append(before)
                    ends[(before.passage, before.sentence)] = before.end
                    covered |= set(before.terms)
        return chosen

    def _repeats(
        self, candidate: ScoredSentence, chosen: Sequence[ScoredSentence], seen_text: set[str]
    ) -> bool:
        """Is ``candidate`` a repeat of a chosen sentence? (If not, it is noted as seen.) A
        near-copy is a repeat unless it states other figures: two budgets that the report
        gives in two places are both shown."""
        text = _NOTE_MARKER.sub("", candidate.text)
        key = " ".join(text.lower().split())
        if key in seen_text or any(
            float(candidate.vector @ c.vector) > self.options.duplicate_cosine
            and numbers(text) <= numbers(_NOTE_MARKER.sub("", c.text))
            for c in chosen
        ):
            return True
        seen_text.add(key)
        return False

    def draft(self, question: str, evidence: Evidence, passages: Sequence[Passage]) -> str:
        """The answer text, each sentence followed by ``[n]`` = its passage's number."""
        chosen = self.select(
            question, evidence, [p.source for p in passages], [p.text for p in passages]
        )
        if not chosen:
            return ""
        order: dict[int, float] = {}
        for s in chosen:
            order[s.passage] = max(order.get(s.passage, 0.0), s.score)
        ranked = sorted(chosen, key=lambda s: (-order[s.passage], s.passage, s.start))
        blocks: list[str] = []
        prose: list[str] = []
        for s in ranked:
            marker = f"[{s.passage + 1}]"
            end = continuation(passages[s.passage].text, s.end)
            if end != s.end:
                s = replace(s, end=end, text=passages[s.passage].text[s.start : end])
            items = list_items(passages[s.passage].text, s.start, s.end)
            if items:
                if prose:
                    blocks.append(" ".join(prose))
                    prose = []
                intro, entries = items
                lines = [f"{intro} {marker}"] + [f"- {item}" for item in entries]
                blocks.append("\n".join(lines))
            elif KEY_VALUE.match(s.text) and s.text.rstrip()[-1:] not in ".!?":
                if prose:  # a label line ("Budget: US$ ...") reads best as a list item
                    blocks.append(" ".join(prose))
                    prose = []
                if blocks and blocks[-1].startswith("- "):
                    blocks[-1] += f"\n- {_clean(s.text)} {marker}"
                else:
                    blocks.append(f"- {_clean(s.text)} {marker}")
            else:
                prose.append(f"{_clean(s.text)} {marker}")
        if prose:
            blocks.append(" ".join(prose))
        return "\n\n".join(blocks)


_CONTINUES = re.compile(r"[ \t]*\n\s*(?=[a-z(])")


def continuation(text: str, end: int) -> int:
    """Where a sentence really ends when the source broke it across a paragraph: a sentence
    without end punctuation followed by a line starting in lower case ("... on three key areas"
    / "of labour migration: the protection of ...") runs on to the end of that line."""
    if text[:end].rstrip()[-1:] in ".!?:;)\"”’":
        return end
    match = _CONTINUES.match(text, end)
    if not match:
        return end
    line_end = text.find("\n", match.end())
    return len(text) if line_end < 0 else line_end


def list_items(text: str, start: int, end: int) -> tuple[str, list[str]] | None:
    """If the sentence at ``start:end`` introduces a list, return (intro, items)."""
    sentence = text[start:end]
    inline = _sequence(list(_INLINE_ENUM.finditer(sentence)))
    if len(inline) >= 3:
        intro = sentence[: inline[0].start()].rstrip()
        items = []
        for here, nxt in zip(inline, inline[1:] + [None], strict=False):
            item = sentence[here.end() : nxt.start() if nxt else len(sentence)]
            item = re.sub(r"[;,]?\s*(and|or)?\s*$", "", item.strip()).rstrip(" ;,.")
            if item:
                items.append(item)
        return (_clean(intro) if intro.endswith(":") else _clean(intro) + ":"), items[
            :MAX_LIST_ITEMS
        ]
    if not (sentence.rstrip().endswith(":") or _labelled_item(text, start, end)):
        return None
    rest = text[end:].split("\n")
    items = []
    kind = None
    for line in rest[1:] if rest and not rest[0].strip() else rest:
        if not line.strip():
            continue  # items of a loose list stand a blank line apart
        if not is_list_item(line) or (kind is not None and _marker_kind(line) != kind):
            break  # the list has ended, or the next item of an outer list begins
        kind = _marker_kind(line)
        items.append(LIST_MARKER.sub("", line).strip())
        if len(items) == MAX_LIST_ITEMS:
            break
    return (_clean(sentence), items) if items else None


def _labelled_item(text: str, start: int, end: int) -> bool:
    """Is the sentence at ``start:end`` a whole line that labels an item ("16. Recommendation
    4: Enhance dialogue ... on migration activities.")? The list under it is its parts ("- a.
    Consider convening a regular meeting forum ...")."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: len(text) if line_end < 0 else line_end]
    head = text[line_start:start]
    if (head.strip() and not LIST_MARKER.fullmatch(head)) or text[
        end: len(text) if line_end < 0 else line_end
    ].strip():
        return False  # the sentence is not its line ("16. " may open it)
    return bool(KEY_VALUE.match(LIST_MARKER.sub("", line).strip()))


def _marker_kind(line: str) -> str:
    """The kind of a list item's marker: a bullet, a number, a letter or a roman numeral."""
    marker = LIST_MARKER.match(line)
    found = marker.group(0).strip() if marker else ""
    if found[:1].isdigit():
        return "number"
    if re.fullmatch(r"\(?[ivx]{1,5}\.?\)", found):
        return "roman"
    if re.fullmatch(r"\(?[a-z]\)", found):
        return "letter"
    return "bullet"


def _sequence(found: list[re.Match[str]]) -> list[re.Match[str]]:
    """The longest run of markers counting 1, 2, 3 / i, ii, iii / a, b, c from the first."""
    for start in range(len(found)):
        run = [found[start]]
        label = found[start].group(1)
        if label not in ("1", "i", "a"):
            continue
        series = (
            [str(n) for n in range(1, 30)] if label == "1"
            else _ROMAN if label == "i" else list("abcdefgh")
        )
        for match in found[start + 1 :]:
            if len(run) < len(series) and match.group(1) == series[len(run)]:
                run.append(match)
        if len(run) >= 3:
            return run
    return []


def _clean(sentence: str) -> str:
    """A passage sentence as a line of prose: no list bullet, one space between words."""
    return " ".join(LIST_MARKER.sub("", sentence).split())
