"""How well retrieved passages answer a question, sentence by sentence.

The extractive answerer picks sentences from this, the refusal decision reads its
``answerability`` score, and the citation check reuses the cached sentence vectors.

Two signals are combined, because each fails alone:
- *embedding similarity* between the question and a sentence (cosine) finds paraphrases but rates
  on-topic sentences high even when the specific thing asked about (a country, a year) is absent;
- *term coverage*: the share of the question's content terms that the sentence (fully) or its
  passage and report metadata (half) contain, each weighted by its inverse chunk frequency in the
  index, so a rare term weighs most.
Key terms (names, acronyms, numbers) that no retrieved passage mentions lower answerability:
"What did the ILO achieve in Morocco?" is on topic, but the reports never name Morocco.

Embedding every sentence of every passage costs ~8 ms a sentence on two CPU cores, so sentences
are first ranked by a cheap score (passage similarity and term coverage) and only the best
``embed_limit`` are embedded; vectors are cached per sentence.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.slots import (
    DATE_QUESTION,
    NAME_PREFIX,
    Slot,
    acronyms_in,
    fills,
    mentions,
    word_forms,
)
from assistant.records import Passage
from assistant.text import (
    KEY_VALUE,
    content_terms,
    content_words,
    is_list_item,
    key_phrases,
    key_terms,
    stem,
    words,
)
from ingest.sentences import split_sentences
from vectorstore import Embedder
from vectorstore.sentence_store import SentenceVectorStore

#: Weight of embedding similarity in a sentence's score; the rest is term coverage.
SIMILARITY_WEIGHT = 0.55
#: Bonus for a sentence holding the kind of fact the question asks for (an amount, a date).
ANSWER_TYPE_BONUS = 0.12
#: How much answerability falls when every key term of the question is missing (scaled by
#: the idf-weighted share of key terms missing).
MISSING_KEY_PENALTY = 0.5
_CAPTION = re.compile(
    r"^\s*(?:Table|Figure|Fig\.|Chart|Graph|Box|Diagram|Map|Exhibit)\s*[\dIVX]+[.:]?\s", re.I
)
#: The fields of a title page or summary box that hold each kind of fact ("how much" asks
#: for an amount).
_MONEY_FIELDS = "budget cost costs funding fund amount expenditure contribution"
_DATE_FIELDS = "date dates period duration timing timeframe year years time schedule"
_FIELDS = {
    kind: frozenset(stem(w) for w in names.split())
    for kind, names in {
        "amount": _MONEY_FIELDS,
        "much": _MONEY_FIELDS,
        "date": _DATE_FIELDS,
        "month": _DATE_FIELDS,
        "duration": _DATE_FIELDS,
        "place": "country countries region regions location place venue",
        "country": "country countries",
        "name": "team evaluator evaluators consultant donor agency organization organisation "
                "manager management client author partner partners",
        "count": "number total",
        "percent": "rate percentage share",
    }.items()
}
#: The line under a table or a figure that says where its figures come from.
_ATTRIBUTION = re.compile(r"^\s*(?:Sources?|Notes?|NB)\s*:", re.I)
#: The innermost section of a reference list: its entries are titles of other works, not
#: findings ("Skilled labour mobility: the resurgence of the brain drain' debate." pp. 125-59").
_REFERENCE_LIST = re.compile(
    r"^(?:(?:annex|appendix)\s*[\w.]*\s*[.:-]?\s*)?(?:[\dIVX]+[.)]?\s+)?"
    r"(?:bibliography|references|works cited|literature(?: cited| reviewed)?|"
    r"(?:list of )?(?:documents|sources|publications)(?: consulted| reviewed| cited)?)\s*$",
    re.I,
)
#: A question about the works a report draws on, which its reference list answers.
_ASKS_SOURCES = re.compile(
    r"\b(?:bibliograph\w*|references?|literature|documents?|publications?|sources?|"
    r"studies|papers?|cited|citations?)\b", re.I,
)
#: The adjective of an interrogative "how ..." ("how long was the project", "how often").
_HOW_ADJECTIVE = re.compile(
    r"\bhow\s+(?:long|often|far|old|soon|big|large|frequently|recently|early|late)\b", re.I
)
#: A web address: the sentence cites a document (a footnote, a reference) rather than finding
#: anything.
_CITATION = re.compile(r"https?://|\bwww\.\w", re.I)
#: A label line that gives the kind of fact asked for gets this many times the bonus.
LABEL_FACTOR = 2.0
#: Label lines that fill the question's slot, scored beyond the ``embed_limit`` best.
FACT_LABELS = 8
#: The sentences after this many of the best candidates are scored as well (continuations).
SUCCESSORS = 6
#: "Who funded ..." and a sentence naming a donor: the one kind that slots do not cover.
_FUNDER = (
    re.compile(r"\b(who funded|funded by|donor|financ|paid for|sponsor)", re.I),
    re.compile(r"\b(donor|funded|financed|funding from|supported by)\b", re.I),
)
_ANSWER_TYPES = (
    # (question pattern, sentence pattern)
    (re.compile(r"\b(budget|cost|how much|amount|spent|expenditure|funding|money)\b", re.I),
     re.compile(r"(US\s?\\?\$|\$|€|£|\bUSD\b|\bCHF\b|\bEUR\b|\bdollars?\b)\s?\d"
                r"|\d\s?(million|billion)", re.I)),
    (re.compile(r"\b(how many|number of|share|percentage|per cent|percent|rate|proportion)\b",
                re.I),
     re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozen|half|quarter)\b",
                re.I)),
    # "when" asks for a date where it opens the question or a clause ("..., and when ..."),
    # not as a conjunction ("... when advising governments?"): the date slot's own pattern
    (DATE_QUESTION,
     re.compile(r"\b(1[89]|20)\d\d\b|\b(January|February|March|April|May|June|July|August|"
                r"September|October|November|December)\b")),
    _FUNDER,
)


@dataclass(frozen=True)
class PassageSentences:
    """The sentences of one passage: spans in its text and their content terms."""

    spans: tuple[tuple[int, int], ...]
    terms: tuple[frozenset[str], ...]
    passage_terms: frozenset[str]  # the passage's text, section, title, file name and year


class SentenceCache:
    """Sentence splits per chunk and sentence vectors, least recently used out first.

    Chunks are immutable (their id hashes their text), so an entry never goes stale.
    """

    def __init__(
        self, embedder: Embedder, size: int = 20000, store: SentenceVectorStore | None = None
    ):
        self.embedder = embedder
        self.size = size
        self.store = store  # vectors kept on disk by earlier processes (None: memory only)
        self._splits: OrderedDict[str, PassageSentences] = OrderedDict()
        self._vectors: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._lock = threading.RLock()  # the app answers from several threads at once

    def sentences(self, passage: Passage) -> PassageSentences:
        with self._lock:
            return self._sentences(passage)

    def _sentences(self, passage: Passage) -> PassageSentences:
        entry = self._splits.get(passage.chunk_id)
        if entry is None:
            spans = tuple(split_sentences(passage.text))
            context = f"{passage.title} {passage.section} {passage.source} {passage.year or ''}"
            entry = PassageSentences(
                spans=spans,
                terms=tuple(frozenset(content_terms(passage.text[s:e])) for s, e in spans),
                passage_terms=frozenset(content_terms(f"{context} {passage.text}")),
            )
            _put(self._splits, passage.chunk_id, entry, self.size)
        else:
            self._splits.move_to_end(passage.chunk_id)
        return entry

    def vectors(self, items: Sequence[tuple[Passage, int]]) -> np.ndarray:
        """Unit vectors of sentence ``i`` of each passage, embedding the uncached ones in one
        call (shortest first, so batches carry little padding)."""
        with self._lock:
            return self._vectors_of(items)

    def _vectors_of(self, items: Sequence[tuple[Passage, int]]) -> np.ndarray:
        keys = [(p.chunk_id, i) for p, i in items]
        missing = [
            (key, _embedding_text(p, p.text[slice(*self.sentences(p).spans[i])]))
            for key, (p, i) in zip(keys, items, strict=True)
            if key not in self._vectors
        ]
        missing = list(dict(missing).items())
        if missing and self.store is not None:
            kept = self.store.get([text for _, text in missing], self.embedder.dimension)
            for i, vector in kept.items():
                _put(self._vectors, missing[i][0], vector, self.size)
            missing = [kv for i, kv in enumerate(missing) if i not in kept]
        if missing:
            # each distinct text once: copies of a sentence (overlapping chunks) get the same
            # vector, so they tie exactly wherever they are compared
            texts = sorted({text for _, text in missing}, key=lambda t: (len(t), t))
            by_text = dict(zip(texts, self.embedder.embed_sentences(texts), strict=True))
            for key, text in missing:
                _put(self._vectors, key, by_text[text], self.size)
            if self.store is not None:
                self.store.put(list(by_text.items()))
        if not keys:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.vstack([self._vectors[key] for key in keys])


def _embedding_text(passage: Passage, sentence: str) -> str:
    return embedding_text(passage.title, sentence)


def embedding_text(title: str, sentence: str) -> str:
    """What a sentence is embedded as. A label line ("Budget: US$ 2,580,649") means little
    alone: it is embedded with the report's title, which is what it is about."""
    if KEY_VALUE.match(sentence) and len(sentence) < 120:
        return f"{title}. {sentence}"
    return sentence


def fill_sentence_vectors(
    store: SentenceVectorStore,
    embedder: Embedder,
    chunks: Iterable[tuple[str, str]],
    stop: threading.Event,
    batch: int = 16,
) -> int:
    """Embed and keep the sentences of ``chunks`` ((title, text) pairs) that ``store`` does
    not hold yet, ``batch`` at a time on one core (:meth:`Embedder.embed_sentences_beside`),
    until done or ``stop`` is set; returns how many were embedded. A question's sentences are
    then read instead of embedded (:class:`SentenceCache`)."""
    embedded = 0
    pending: list[str] = []
    seen: set[str] = set()

    def flush() -> None:
        nonlocal embedded
        kept = store.get(pending, embedder.dimension)
        todo = [text for i, text in enumerate(pending) if i not in kept]
        if todo:
            store.put(list(zip(todo, embedder.embed_sentences_beside(todo), strict=True)))
            embedded += len(todo)
        pending.clear()

    for title, text in chunks:
        for start, end in split_sentences(text):
            sentence = embedding_text(title, text[start:end])
            if sentence not in seen:
                seen.add(sentence)
                pending.append(sentence)
        if len(pending) >= batch:
            flush()
        if stop.is_set() or not store.available:
            return embedded
    if pending:
        flush()
    return embedded


def _put(store: OrderedDict, key: object, value: object, size: int) -> None:  # type: ignore[type-arg]
    store[key] = value
    while len(store) > size:
        store.popitem(last=False)


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate answer sentence: where it is, and how well it answers the question."""

    passage: int  # index into the passages given
    sentence: int  # index of the sentence in its passage
    start: int
    end: int
    text: str
    similarity: float  # cosine to the question
    coverage: float  # idf-weighted share of question terms, sentence full / context half
    score: float
    bonus: float  # answer-type bonus included in ``score``
    terms: frozenset[str]
    vector: np.ndarray
    # what a reading model's check added to ``score`` and ``bonus`` (:mod:`.verify`): it
    # reorders the sentences, but the extractive answer's bar (a share of the best sentence's
    # score) is set without it, so the check changes which sentences are quoted, not how many
    verified: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """The best sentences of the retrieved passages, scored against the question."""

    question: str
    question_terms: dict[str, float]  # term -> idf weight
    sentences: tuple[ScoredSentence, ...]  # best first
    missing_key_terms: tuple[str, ...]  # names / numbers of the question no passage mentions
    answerability: float  # 0..1: below the refusal threshold the question is refused
    cover: tuple[str, ...] = ()  # reports the answer must quote each (a comparison)


def coverage(
    weights: dict[str, float], terms: frozenset[str], context: frozenset[str] = frozenset()
) -> float:
    """Share of the weighted question terms found in ``terms`` (full) or ``context`` (half)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    got = sum(w if t in terms else (0.5 * w if t in context else 0.0) for t, w in weights.items())
    return got / total


def answer_type_match(question: str, sentence: str, funders_only: bool = False) -> bool:
    """Does ``sentence`` hold the kind of fact ``question`` asks for (amount, count, date,
    funder)? ``funders_only``: check the funder kind alone ("who funded" and "Donor:")."""
    types = (_FUNDER,) if funders_only else _ANSWER_TYPES
    return any(q.search(question) and s.search(sentence) for q, s in types)


class EvidenceScorer:
    """Scores the sentences of retrieved passages for a question."""

    def __init__(
        self,
        cache: SentenceCache,
        chunk_frequencies: Callable[[list[str]], dict[str, int]],
        chunk_count: Callable[[], int],
        embed_limit: int = 16,
    ):
        self.cache = cache
        self.chunk_frequencies = chunk_frequencies
        self.chunk_count = chunk_count
        self.embed_limit = embed_limit

    def term_weights(self, question: str) -> dict[str, float]:
        """Inverse chunk frequency of each content term of the question (BM25-style idf). The
        adjective of "how long", "how often" and the like asks for the value and is no term of
        the question: any sentence with a duration would cover "long"."""
        found_words = _asked_words(question)
        if not found_words:
            return {}
        total = max(self.chunk_count(), 1)
        counts = self.chunk_frequencies(list(found_words.values()))
        return {
            term: math.log(1.0 + (total - counts.get(word, 0) + 0.5) / (counts.get(word, 0) + 0.5))
            for term, word in found_words.items()
        }

    def score(
        self,
        question: str,
        question_vector: np.ndarray,
        passages: Sequence[Passage],
        ignore: frozenset[str] = frozenset(),
        slots: Sequence[Slot] = (),
        asked: str | None = None,
        naming: str = "",
        favoured: Callable[[str, str], float] | None = None,
    ) -> Evidence:
        """Score every sentence of ``passages`` for ``question``; ``ignore``: question terms
        that only name the report the passages were drawn from (they are left out); ``slots``:
        the kinds of fact asked for (a sentence that gives one gets a bonus); ``asked``: the
        question in the user's words, for the slot check (default ``question``); ``naming``: the
        words that named the report ("the 2019 evaluation of the Turin Centre's training"): a
        name inside them is the report's, not a thing the passages must mention; ``favoured``:
        how many answer-type bonuses a sentence gets for speaking of the numbered item asked
        for (:mod:`assistant.answering.items`); it is given the sentence's paragraph line up to
        the sentence's end, and the passage's section."""
        weights = {t: w for t, w in self.term_weights(question).items() if t not in ignore}
        candidates = []
        context_terms: set[str] = set()
        fallback = min((p.dense_score for p in passages if p.dense_score is not None), default=0.3)
        sources_asked = bool(_ASKS_SOURCES.search(asked or question))
        for index, passage in enumerate(passages):
            if not sources_asked and is_reference_list(passage.section):
                continue
            entry = self.cache.sentences(passage)
            context_terms |= entry.passage_terms
            prior = passage.dense_score if passage.dense_score is not None else fallback
            for number, ((start, end), terms) in enumerate(
                zip(entry.spans, entry.terms, strict=True)
            ):
                text = passage.text[start:end]
                if not _answer_like(text) or (number == 0 and _fragment(passage.text, start)):
                    continue
                if not sources_asked and _CITATION.search(text):
                    continue  # a footnote citing a document ("29 ILO, Report of ..., at: http")
                cov = coverage(weights, terms, entry.passage_terms)
                typed = any(fills(slot, text, asked or question) for slot in slots)
                bonus = ANSWER_TYPE_BONUS if typed else 0.0
                if KEY_VALUE.match(text):
                    if typed and _label_asked(text, weights, slots):
                        bonus *= LABEL_FACTOR  # "Donor: DFID" states the fact outright
                    elif not typed and label_named(text, weights):
                        # "Project code: GLO/06/57/UKM" for "what is the project's code?": a
                        # field the question names, though it asks for no kind of fact that
                        # slots know
                        bonus = ANSWER_TYPE_BONUS
                # The question's slots, where it has any, decide the bonus for amounts, counts
                # and dates (a count *of interviews*); the coarse patterns, which take any digit
                # for "how many", would reward every sentence with a year in it.
                if answer_type_match(question, text, funders_only=bool(slots)):
                    bonus += ANSWER_TYPE_BONUS
                if favoured is not None:  # read from the start of the sentence's paragraph line
                    line = passage.text.rfind("\n", 0, start) + 1  # ("2. Promote ... . A ...")
                    bonus += favoured(passage.text[line:end], passage.section) * ANSWER_TYPE_BONUS
                cheap = SIMILARITY_WEIGHT * prior + (1 - SIMILARITY_WEIGHT) * cov + bonus
                candidates.append((cheap, index, number, start, end, text, cov, bonus, terms))
        candidates.sort(key=lambda c: -c[0])
        # Label lines that give the kind of fact asked for ("Donor: ...", "Evaluator: ...")
        # are scored too: their wording rarely shares the question's terms.
        labels = [
            c for c in candidates[self.embed_limit:] if c[7] and KEY_VALUE.match(c[5])
        ][:FACT_LABELS]
        # The sentence after each of the best few is scored too: reports often state a finding
        # over two sentences ("This included Outcome 9 ..." / "Special attention was given to
        # Outcome 5.3 ..."), and the second rarely repeats the question's words.
        top = candidates[: self.embed_limit]
        taken = {(c[1], c[2]) for c in top} | {(c[1], c[2]) for c in labels}
        by_place = {(c[1], c[2]): c for c in candidates}
        # So is the sentence before one that refers back to it ("The evaluability assessment
        # was therefore unable to ..." rests on "None of the PoAs reviewed contained targets").
        successors = []
        for c in top[:SUCCESSORS]:
            nxt = by_place.get((c[1], c[2] + 1))
            if nxt is not None and (nxt[1], nxt[2]) not in taken:
                taken.add((nxt[1], nxt[2]))
                successors.append(nxt)
            prev = by_place.get((c[1], c[2] - 1))
            if (prev is not None and (prev[1], prev[2]) not in taken and refers_back(c[5])
                    and "\n" not in passages[c[1]].text[prev[4]:c[3]]):
                taken.add((prev[1], prev[2]))
                successors.append(prev)
        candidates = top + labels + successors
        vectors = self.cache.vectors([(passages[c[1]], c[2]) for c in candidates])
        sims = vectors @ question_vector if len(candidates) else np.zeros(0)
        scored = [
            ScoredSentence(
                passage=index, sentence=number, start=start, end=end, text=text,
                similarity=float(sim), coverage=cov,
                score=SIMILARITY_WEIGHT * float(sim) + (1 - SIMILARITY_WEIGHT) * cov + bonus,
                bonus=bonus, terms=terms, vector=vector,
            )
            for (_, index, number, start, end, text, cov, bonus, terms), sim, vector in zip(
                candidates, sims, vectors, strict=True
            )
        ]
        scored.sort(key=lambda s: -s.score)
        keys = {t: w for t, w in key_terms(question).items() if t not in ignore}
        missing = unmentioned(keys, context_terms)
        # A multi-word name counts as missing when no passage has its words close together,
        # even if each word appears somewhere ("Safe and Fair", "Domestic Workers Convention");
        # "the Turin Centre" is found in "the International Training Centre in Turin".
        texts = [
            [stem(w) for w in words(f"{p.title} {p.section} {p.text}")] for p in passages
        ]
        named = " ".join(naming.lower().split())
        phrases = {
            phrase: sum(weights.get(t, 1.0) for t in content_terms(phrase))
            for phrase in key_phrases(question)
            if not (named and " ".join(phrase.lower().split()) in named)
        }
        acronyms = (
            set().union(*(acronyms_in(f"{p.section} {p.text}") for p in passages))
            if phrases else set()
        )
        absent = [  # a name is mentioned by its words close together, or by its acronym
            p for p in phrases
            if not any(_near(content_terms(p), t) for t in texts) and initials(p) not in acronyms
        ]
        # Answerability counts one answer-type bonus at most: the extra weight that label lines
        # and funder matches get orders the sentences but does not make a question answerable.
        best = max(
            (s.score - s.bonus + min(s.bonus, ANSWER_TYPE_BONUS) for s in scored), default=0.0
        )
        total = sum(weights.get(t, 1.0) for t in keys) + sum(phrases.values())
        lost = sum(weights.get(t, 1.0) for t in missing) + sum(phrases[p] for p in absent)
        if total and lost:
            best *= 1.0 - MISSING_KEY_PENALTY * lost / total
        return Evidence(
            question, weights, tuple(scored), tuple([keys[t] for t in missing] + absent),
            max(0.0, min(1.0, best)),
        )


#: Words within which the words of a multi-word name must all appear to count as present.
NAME_WINDOW = 6


def unmentioned(terms: Iterable[str], found: set[str]) -> list[str]:
    """The stemmed key ``terms`` that no term of ``found`` mentions. Another word form of a
    name mentions it, as in the slots' name check (:func:`~assistant.answering.slots.mentions`:
    "Nigeria" for "Nigerian"); a number only itself."""
    forms = word_forms(found)
    years = {t for t in found if _YEAR_TERM.fullmatch(t)}
    return [
        t for t in terms
        if t not in found and not (t.isalpha() and mentions(t, forms))
        # "the mid-1960s" is mentioned by "1965"
        and not (_DECADE.fullmatch(t) and any(y[:3] == t[:3] for y in years))
    ]


#: A year, and a decade ("1960s"), as terms.
_YEAR_TERM = re.compile(r"(?:1[5-9]|20)\d\d")
_DECADE = re.compile(r"(?:1[5-9]|20)\d0s")


def initials(phrase: str) -> str:
    """The acronym of a multi-word name: its capitalised words' initials ("Decent Work Country
    Programmes" gives DWCP); "" for fewer than three."""
    letters = "".join(w[0] for w in phrase.split() if w[:1].isupper())
    return letters if len(letters) >= 3 else ""


def _near(terms: Sequence[str], tokens: Sequence[str]) -> bool:
    """Do all ``terms`` occur within :data:`NAME_WINDOW` consecutive ``tokens``? A word counts
    in another form that shares its first :data:`NAME_PREFIX` letters ("Latin American" is
    named by "Latin America"), as in the name checks of :mod:`assistant.answering.slots`."""
    wanted = {t[:NAME_PREFIX] for t in terms}
    if not wanted:
        return True
    tokens = [t[:NAME_PREFIX] for t in tokens]
    for i, token in enumerate(tokens):
        if token in wanted and wanted <= set(tokens[i:i + NAME_WINDOW]) | set(
            tokens[max(0, i - NAME_WINDOW + 1):i + 1]
        ):
            return True
    return False


#: A sentence that rests on the one before it: it opens with a demonstrative ("This", "Such")
#: or draws a consequence within its first words ("The assessment was therefore unable ...").
_REFERS_BACK = re.compile(
    r"^\W*(?:(?:this|these|such|those|that)\b|(?:[\w'’-]+\W+){0,6}?"
    r"(?:therefore|thus|hence|consequently|as a result|accordingly|for this reason)\b)",
    re.I,
)


def refers_back(sentence: str) -> bool:
    """Does ``sentence`` rest on the sentence before it (see :data:`_REFERS_BACK`)?"""
    return bool(_REFERS_BACK.match(sentence))


def _label_asked(text: str, weights: dict[str, float], slots: Sequence[Slot]) -> bool:
    """Does the label of the label line ``text`` name what the question asks: a word of the
    question ("Budget:" for "what was its budget"), of a slot's focus, or a field that holds
    the slot's kind of fact ("Evaluation dates:" for "when", "Evaluation Team:" for "who")?
    "ILO-ACTRAV Manual: ..." in a flattened table fills a count with its "five ratifications"
    but is not the field asked for."""
    label = set(content_terms(text[: text.index(":")]))
    asked = set(weights)
    for slot in slots:
        asked |= slot.focus | _FIELDS.get(slot.kind, frozenset())
    return bool(label & asked)


#: Label words that name no field of their own: "Project code", "Evaluation dates" are
#: named by "code" and "dates", not by "project" or "evaluation".
_GENERIC_LABEL = frozenset(stem(w) for w in (
    "project projects evaluation evaluations report programme programmes ilo key main total "
    "general other overall final"
).split())


def _asked_words(question: str) -> dict[str, str]:
    """The question's content terms (:meth:`EvidenceScorer.term_weights` weighs them)."""
    return content_words(_HOW_ADJECTIVE.sub("how", question))


def asked_terms(question: str) -> set[str]:
    """The terms :meth:`EvidenceScorer.term_weights` gives ``question``, without their
    weights (no index lookup)."""
    return set(_asked_words(question))


def label_named(text: str, terms: Collection[str]) -> bool:
    """Does the question (its ``terms``, or its weighted terms) name the field of the label
    line ``text``: a content word of the label other than :data:`_GENERIC_LABEL`
    ("Implementing agency and unit:" for "which unit ran the project")?"""
    label = {t for t in content_terms(text[: text.index(":")]) if t.isalpha()}
    return bool((label - _GENERIC_LABEL) & set(terms))  # "Targets 2008:" names no year


def is_reference_list(section: str) -> bool:
    """Is ``section`` (a "A > B" path) a reference list ("Bibliography", "Annex 4.
    Documents consulted")? Its entries are quoted only for a question about sources."""
    return bool(_REFERENCE_LIST.match(section.rsplit(">", 1)[-1].strip()))


def _fragment(text: str, start: int) -> bool:
    """Does the passage open mid-sentence at ``start`` ("collaboration with other ...")? A
    chunk's overlap can begin inside a sentence; its tail is no sentence to quote."""
    head = text[start:].lstrip()
    return bool(head) and head[0].islower() and not is_list_item(head)


def _answer_like(text: str) -> bool:
    """Sentences worth quoting: not a heading, a table-of-contents line, a lone label or a
    question (an evaluation question the report asks itself answers nothing)."""
    if text.rstrip().endswith("?"):
        return False
    tokens = words(text)
    if len(tokens) < 3 and not KEY_VALUE.match(text):
        return False
    if not any(t.isalpha() for t in tokens):
        return False
    if re.search(r"\.{4,}\s*\d*$", text):  # a table-of-contents line
        return False
    if _CAPTION.match(text):  # "Table 1: ...", "Figure 7: ...": a caption, not a finding
        return False
    if _ATTRIBUTION.match(text):  # "Source: The World Bank" under a table or a figure
        return False
    if text.rstrip()[-1:] in ".:;!?)\"”’" or KEY_VALUE.match(text) or is_list_item(text):
        return True
    return len(tokens) >= 8  # an unpunctuated line: a heading unless it is long
