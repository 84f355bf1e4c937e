"""Which reports a question names: "the 2013 evaluation", "the LMPP project", "the HLE".

Staff name the report they mean by its year, an acronym or words of its title. When a question
does, the answer should come from that report: passages from other reports on the same topic are
the most common wrong answer. The scoper links the question to the catalog, with nothing
written for this corpus:

- each report's *aliases* come from its catalog record: its year and the acronyms in its title
  count as strong evidence; the content words of its title as weak evidence, weighted by how
  few of the other reports' texts use them (a word every report uses names none);
- acronyms the report uses for itself ("high-level evaluation (HLE)") are found by taking the
  initials of runs of title words and keeping those that occur in that report's text and in
  no other report;
- a question that quotes :data:`TITLE_RUN` consecutive content words of a title names that
  report as strongly as its year does;
- a report is in scope when its aliases in the question add up to :data:`THRESHOLD` (one
  strong alias, or two distinctive title words). Several reports can be in scope (a comparison).

The result also says which question terms only named the report(s), so the evidence scorer can
leave them out: once the report is chosen, "2021" and "HLE" say nothing about which sentence
answers.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.text import content_words, words
from vectorstore import DocumentRecord

#: Score of a strong alias (the report's year, an acronym of its own) shared by no other report.
STRONG = 3.0
#: Score a report needs to be in scope.
THRESHOLD = 2.5
#: Consecutive title words a question must quote for the quote to name the report.
TITLE_RUN = 4
#: Above this many reports the reports' texts are not read to find their own acronyms or to
#: weigh title words (the titles alone are used): one lookup per term per report would make the
#: first answer after a catalog change slow on a large index.
MAX_READ_REPORTS = 200
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_JOINERS = frozenset("of on for and the in to a an 's".split())
# A year after one of these words, or in a range ("2008/09", "2016-20"), is a date in the
# question ("remittances in 2008"), not the name of a report ("the 2008 evaluation").
_DATE_YEAR = re.compile(
    r"\b(?:in|during|since|by|before|after|until|till|through|around|circa|early|mid|late|"
    r"end of|start of|beginning of|(?:between|from)\s+(?:19|20)\d\d\s+(?:and|to))"
    r"\s+((?:19|20)\d\d)\b"
    r"|\b(?:between|from)\s+((?:19|20)\d\d)\s+(?:and|to)\b"
    r"|\b((?:19|20)\d\d)\s*[/–-]\s*\d",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Scope:
    """The reports a question names (best first) and the question terms that named them."""

    sources: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    terms: frozenset[str] = frozenset()
    reference: str = ""  # the words that named the report(s): "the LMPP project"
    # what "it" in a follow-up stands for: the shortest of those words that name a report
    antecedent: str = ""

    def __bool__(self) -> bool:
        return bool(self.sources)


@dataclass(frozen=True)
class _Aliases:
    source: str
    title: str
    strong: frozenset[str]  # lower-case years and acronyms
    weak: dict[str, float]  # stemmed title content term -> how well it names this report
    sequence: tuple[str, ...]  # the title's stemmed content terms in order
    # the catalog's other names for the report, each as its lower-case words
    aliases: tuple[tuple[str, ...], ...] = ()


class ReportScoper:
    """Links questions to the catalogued reports they name.

    ``documents`` lists the catalog; ``mentions(term)`` gives the chunk count per ``doc_id``
    of chunks containing ``term`` (the lexical index), used to confirm a report's acronyms.
    """

    def __init__(
        self,
        documents: Callable[[], Sequence[DocumentRecord]],
        mentions: Callable[[str], dict[str, int]],
    ):
        self.documents = documents
        self.mentions = mentions
        self._lock = threading.Lock()
        self._cache: (
            tuple[tuple[tuple[str, str], ...], list[_Aliases], dict[str, int]] | None
        ) = None

    def aliases(self) -> list[_Aliases]:
        """Every report's aliases, rebuilt when the catalog changes."""
        return self._catalog()[0]

    def _catalog(self) -> tuple[list[_Aliases], dict[str, int]]:
        """The aliases, and how many reports share each strong alias."""
        records = list(self.documents())
        key = tuple(sorted((r.source, r.doc_id) for r in records))
        with self._lock:
            if self._cache is None or self._cache[0] != key:
                seen: dict[str, dict[str, int]] = {}

                def mentions(term: str) -> dict[str, int]:  # each term is looked up once
                    if term not in seen:
                        seen[term] = self.mentions(term)
                    return seen[term]

                read_text = len(records) <= MAX_READ_REPORTS
                built = [self._build(r, records, mentions, read_text) for r in records]
                shared: dict[str, int] = {}
                for r in built:
                    for a in r.strong:
                        shared[a] = shared.get(a, 0) + 1
                self._cache = (key, built, shared)
            return self._cache[1], self._cache[2]

    def _build(
        self,
        record: DocumentRecord,
        records: Sequence[DocumentRecord],
        mentions: Callable[[str], dict[str, int]],
        read_text: bool,
    ) -> _Aliases:
        strong: set[str] = set()
        if record.year:
            strong.add(str(record.year))
        title_words = _TITLE_WORD.findall(record.title.replace("-", " "))
        for word in title_words:
            bare = _unpossessed(word)
            if len(bare) >= 3 and bare.isupper():
                strong.add(bare.lower())
        for acronym in _initialisms(title_words) if read_text else ():
            if acronym in strong:
                continue
            found = mentions(acronym)
            if set(found) == {record.doc_id}:
                strong.add(acronym)
        # A title word names the report as far as the other reports do not use it: "strategy"
        # or "migrant" in a title says little when every report's text has them too.
        title_terms = content_words(record.title)
        weak = {}
        for term, word in title_terms.items():
            if term in strong or term[0].isdigit():
                continue
            users = (
                len(mentions(word)) if read_text
                else sum(word.lower() in r.title.lower() for r in records)
            ) or 1
            weight = math.log(len(records) / users)
            if weight > 0:
                weak[term] = weight
        aliases = tuple(filter(None, (tuple(words(a)) for a in record.aliases)))
        return _Aliases(
            record.source, record.title, frozenset(strong), weak, tuple(title_terms), aliases
        )

    def resolve(self, question: str) -> Scope:
        """The reports ``question`` names, or an empty scope when it names none."""
        reports, strong_df = self._catalog()
        if len(reports) < 2:
            return Scope()
        tokens = [_unpossessed(w) for w in words(question)]
        raw = set(tokens)
        raw -= {"".join(found) for found in _DATE_YEAR.findall(question)} - _named_years(question)
        sequence = tuple(content_words(question))
        stems = set(sequence)
        scored = []
        for r in reports:
            weak = r.weak.keys() & stems
            matched = (r.strong & raw) | weak
            score = sum(STRONG / strong_df[a] for a in r.strong & raw)
            score += sum(r.weak[a] for a in weak)
            # "the Turin Centre evaluation": one mention, though "Turin" is an alias too
            named = [alias for alias in r.aliases if _names_report(alias, tokens)]
            if named:
                score += STRONG
                matched |= {t for alias in named for t in content_words(" ".join(alias))}
            run = _common_run(r.sequence, sequence)
            if len(run) >= TITLE_RUN and _quoted(run, question):
                # the title quoted: "Effective Action for Labour ..."
                score += STRONG
                matched |= set(run)
            if score >= THRESHOLD:
                scored.append((score, r, matched))
        if not scored:
            return Scope()
        scored.sort(key=lambda item: -item[0])
        terms = frozenset(t for _, _, matched in scored for t in matched)
        return Scope(
            tuple(r.source for _, r, _ in scored), tuple(r.title for _, r, _ in scored), terms,
            reference_phrase(question, terms), antecedent_phrase(question, terms),
        )


_REPORT_NOUNS = frozenset(
    "project projects evaluation evaluations report reports programme programmes review study "
    "hle summary strategy survey assessment".split()
)


def reference_phrase(question: str, terms: frozenset[str]) -> str:
    """The words of ``question`` that name the report: from the first to the last word giving
    one of ``terms``, with a following report noun ("LMPP" + "project"), as "the ..."."""
    tokens, hits = _naming_words(question, terms)
    if not hits:
        return ""
    return _phrase(tokens, hits[0], _past_report_nouns(tokens, hits[-1] + 1))


#: Words between two naming words of one name at most ("the LMPP labour migration project").
_RUN_GAP = 4
#: The longest reference that "it" may be replaced with when no run of naming words ends in a
#: report noun.
_ANTECEDENT_WORDS = 8


def antecedent_phrase(question: str, terms: frozenset[str]) -> str:
    """What a later "it" stands for: of the runs of words giving ``terms`` (naming words a
    few words apart), the last that a report noun follows ("the 2008 strategy evaluation",
    not "ILO" early in the question); else the whole :func:`reference_phrase`, when it is
    short, or the last run."""
    tokens, hits = _naming_words(question, terms)
    if not hits:
        return ""
    runs: list[list[int]] = [[hits[0]]]
    for i in hits[1:]:
        if i - runs[-1][-1] <= _RUN_GAP:
            runs[-1].append(i)
        else:
            runs.append([i])
    spans = []
    for run in runs:
        end = _past_report_nouns(tokens, run[-1] + 1)
        spans.append((run[0], end, end > run[-1] + 1))
    nouned = [span for span in spans if span[2]]
    if nouned:
        start, end, _ = nouned[-1]
    else:
        whole = _phrase(tokens, hits[0], spans[-1][1])  # what reference_phrase gives
        if len(whole.split()) <= _ANTECEDENT_WORDS:
            return whole
        start, end, _ = spans[-1]
    return _phrase(tokens, start, end)


def _naming_words(question: str, terms: frozenset[str]) -> tuple[list[str], list[int]]:
    """The question's words, and the positions of those that give one of ``terms``."""
    tokens = question.rstrip("?.! ").split()
    return tokens, [i for i, word in enumerate(tokens) if _names(word, terms)]


def _names(word: str, terms: frozenset[str]) -> bool:
    bare = re.sub(r"[^\w'’-]", "", word)
    return bool(bare) and (
        _unpossessed(bare.lower()) in terms or bool(set(content_words(bare)) & terms)
    )


def _past_report_nouns(tokens: Sequence[str], end: int) -> int:
    while end < len(tokens) and re.sub(r"\W", "", tokens[end]).lower() in _REPORT_NOUNS:
        end += 1
    return end


def _phrase(tokens: Sequence[str], start: int, end: int) -> str:
    """``tokens[start:end]`` as a name: "the ..."."""
    phrase = " ".join(tokens[start:end]).strip(",;:")
    return phrase if phrase.lower().startswith("the ") else f"the {phrase}"


def _quoted(run: Sequence[str], question: str) -> bool:
    """Does ``question`` hold the title terms ``run`` as a quote: in order, with nothing but
    joining words (:data:`_JOINERS`) between them? "Labour Migration Policies and Practice"
    is; "put the National Labour Migration Policy into practice" is not."""
    tokens = words(question)
    terms = [next(iter(content_words(t)), None) for t in tokens]
    for i, term in enumerate(terms):
        if term != run[0]:
            continue
        k, j = 1, i + 1
        while k < len(run) and j < len(tokens):
            if terms[j] == run[k]:
                k += 1
            elif tokens[j] not in _JOINERS:
                break
            j += 1
        if k == len(run):
            return True
    return False


#: How many words after a catalog alias a report noun may come: "the Turin Centre's labour
#: migration survey".
ALIAS_WINDOW = 4


def _names_report(alias: Sequence[str], tokens: Sequence[str]) -> bool:
    """Does the question (its ``tokens``) name a report by ``alias``, followed within
    :data:`ALIAS_WINDOW` words by a report noun ("the 2019 Turin Centre training evaluation")?
    The alias alone may name something else the report is about: "the Turin Centre labour
    migration course" of another report."""
    n = len(alias)
    for i in range(len(tokens) - n + 1):
        if tuple(tokens[i:i + n]) == tuple(alias) and (
            set(tokens[i + n:i + n + ALIAS_WINDOW]) & _REPORT_NOUNS
        ):
            return True
    return False


def _unpossessed(word: str) -> str:
    """``word`` up to an apostrophe: "ILO's" gives "ILO"."""
    return re.split(r"['’]", word, maxsplit=1)[0]


def _common_run(a: Sequence[str], b: Sequence[str]) -> tuple[str, ...]:
    """The longest run of consecutive items found in both ``a`` and ``b``."""
    best: tuple[str, ...] = ()
    for i in range(len(a)):
        for j in range(len(b)):
            n = 0
            while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
                n += 1
            if n > len(best):
                best = tuple(a[i:i + n])
    return best


def _named_years(question: str) -> set[str]:
    """Years that also appear outside a date phrase (named as a report elsewhere)."""
    rest = _DATE_YEAR.sub(" ", question)
    return set(re.findall(r"\b(?:19|20)\d\d\b", rest))


def _initialisms(title_words: Sequence[str]) -> set[str]:
    """Initials of runs of 3 to 6 consecutive title words, joiners skipped: "High-level
    evaluation" gives "hle"."""
    content = [w for w in title_words if w.lower() not in _JOINERS]
    out = set()
    for start in range(len(content)):
        for length in range(3, 7):
            run = content[start:start + length]
            if len(run) == length:
                out.add("".join(w[0] for w in run).lower())
    return out
