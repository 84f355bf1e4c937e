"""Small text tools shared by the answerers and the citation check: content terms with a light
stemmer, the numbers a sentence states, and citation markers."""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from vectorstore.lexical import STOPWORDS

#: Words that ask rather than name a topic.
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how many much was were is are did does do".split()
)
# Question words and fillers that say nothing about the topic (beyond the lexical STOPWORDS).
_FILLER = QUESTION_WORDS | frozenset(
    """also according ilo evaluation evaluations please give list explain describe mention
    mentioned find found show shows say says""".split()
) | frozenset(  # the asker's own "I'd like ...", "we're after ...": no name, no topic
    f"{who}{tail}" for who in ("i", "we", "you") for q in ("'", "’")
    for tail in (f"{q}d", f"{q}m", f"{q}ve", f"{q}ll", f"{q}re")
)
_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
#: A list item's marker at the start of a line: bullets, ``1.``/``1)``, ``(a)``/``a)``,
#: ``(iv)``/``iv.)``. ``LIST_MARKER.sub("", line)`` leaves the item's text.
LIST_MARKER = re.compile(r"^\s*(?:[-*•▪◦]|\d{1,2}[.)]|\(?[a-z]\)|\(?[ivx]{1,5}\.?\))\s+")
#: A label line of a title page or summary box: "Donor: DFID", "Budget: US$ 2,580,649".
KEY_VALUE = re.compile(r"^[A-Z][\w /&()-]{1,40}:\s+\S")
#: ``[1]``, ``[2, 3]``, ``[1][4]``: the markers that cite passages.
MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def is_list_item(line: str) -> bool:
    """Does ``line`` start with a list marker followed by text?"""
    found = LIST_MARKER.match(line)
    return found is not None and bool(line[found.end():].strip())


def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of ``word``, lower-cased, possessive dropped: "evaluated",
    "evaluator" and "evaluation" all give "evalu", as the lexical index (FTS5 porter) matches
    them. Numbers are kept as they are."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or w[0].isdigit():
        return w
    return _stem_word(w)


@lru_cache(maxsize=65536)
def _stem_word(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """Words of ``text`` in order, lower-cased; numbers keep their inner commas and points."""
    return [m.group(0).lower() for m in _WORD.finditer(MARKER.sub(" ", text))]


def content_terms(text: str) -> list[str]:
    """Stemmed content terms of ``text``, first occurrence order, stopwords dropped."""
    return list(content_words(text))


def content_words(text: str) -> dict[str, str]:
    """Stemmed content term -> the first word of ``text`` that gave it."""
    out: dict[str, str] = {}
    for word in words(text):
        if word in STOPWORDS or word in _FILLER:
            continue
        if len(word) < 2 and not word.isdigit():
            continue
        term = stem(normalise_number(word) if word[0].isdigit() else word)
        out.setdefault(term, word)
    return out


#: A word of a name: capitalised, or an acronym; hyphenated parts count only when capitalised
#: too ("Asia-Pacific", "South-South"; in "LMPP-backed ILO" the name is "LMPP").
NAME_WORD = r"(?:[A-Z][\w'’]*(?:-[A-Z][\w'’]*)*(?![\w-])|[A-Z]{2,}(?![\w-]))"
_NAME = re.compile(rf"{NAME_WORD}(?:\s+(?:(?:of|for|on|the)\s+)?{NAME_WORD})+")


#: Words that open a question's clause and are capitalised only for being first: prepositions
#: and adverbs ("Besides the ILO, ...", "Beyond ILO constituents, ..."); a first word in -ing
#: ("Leaving IOM's profile aside", "Looking at the 2013 evaluation") is one too.
_OPENERS = frozenset(
    """besides beyond aside apart given unlike despite among amongst across toward towards
    alongside regarding concerning except excluding including throughout apart unlike
    compared""".split()
)


def _opens_clause(word: str) -> bool:
    """Is ``word``, the first of a question, capitalised only because it comes first?"""
    lower = word.lower()
    return (lower in STOPWORDS or lower in _FILLER or lower in _OPENERS
            or (lower.endswith("ing") and len(lower) > 5))


def key_phrases(text: str) -> list[str]:
    """Multi-word names: "Domestic Workers Convention", "Safe and Fair", "UN Women". The first
    word of the text is left out unless the name goes on after it ("What Safe ..." is not one)."""
    text = MARKER.sub(" ", text)
    out = []
    for match in _NAME.finditer(text):
        phrase = match.group(0)
        if match.start() == 0 or text[: match.start()].rstrip().endswith((".", "?", "!")):
            first, _, rest = phrase.partition(" ")
            if _opens_clause(first):  # "Besides the ILO, ...", "Leaving IOM's profile aside"
                phrase = re.sub(r"^(?:(?:of|for|on|the)\s+)+", "", rest)
        # a possessive parts two names: "the ILO's Indonesia country programme" names the ILO
        # and Indonesia, "Sri Lanka's National Labour Migration Policy" Sri Lanka and the policy
        for part in re.split(r"['’]s(?:\s+|$)", phrase):
            part = re.sub(r"^(?:(?:of|for|on|the)\s+)+|\s+(?:of|for|on|the)$", "", part.strip())
            if " " in part:
                out.append(part)
    return out


def key_terms(text: str) -> dict[str, str]:
    """Terms that name a specific thing (capitalised words past the first, acronyms, numbers),
    stem -> word. A question about one is unanswerable when the passages never mention it."""
    out: dict[str, str] = {}
    for index, match in enumerate(_WORD.finditer(MARKER.sub(" ", text))):
        word = match.group(0)
        lower = word.lower()
        if lower in STOPWORDS or lower in _FILLER:
            continue
        if word[0].isdigit() or (index > 0 and word[0].isupper()) or (
            len(word) > 1 and word.isupper()
        ):
            out.setdefault(stem(normalise_number(lower) if word[0].isdigit() else lower), word)
    return out


def normalise_number(token: str) -> str:
    """``2,580,649`` -> ``2580649``; ``3.`` -> ``3``; keeps decimals."""
    token = token.replace(",", "").rstrip(".")
    return token


def numbers(text: str) -> set[str]:
    """The numbers ``text`` states (years, amounts, counts), normalised; citation markers
    and list numbering ("1.", "(ii)") are not counted."""
    text = MARKER.sub(" ", text)
    text = re.sub(r"^\s*(?:\d+[.)]|\(?[ivx]+\.?\))\s+", " ", text, flags=re.MULTILINE)
    return {normalise_number(m.group(0)) for m in _NUMBER.finditer(text)}


def markers(text: str) -> list[int]:
    """Citation numbers in ``text`` in order of appearance (duplicates kept once)."""
    out: dict[int, None] = {}
    for match in MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            out[int(part)] = None
    return list(out)


def strip_markers(text: str) -> str:
    """``text`` without citation markers and the spaces they leave."""
    text = MARKER.sub("", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
