"""What kind of fact a question asks for, and whether a sentence supplies it.

"How many members sat on the steering committee?" asks for a count *of members*; a passage on
the steering committee that gives no such count is on topic but does not answer. Near-miss
questions like this get confident wrong answers when relevance alone decides, so the pipeline
asks one more thing of the sentences it would quote: does at least one of them fill the slot?

A slot has a *kind* (a count or amount, a percentage, a date, a name) and, for counts and
percentages, a *focus*: the content words of the thing counted ("members", "response rate").
A sentence fills the slot when it holds a value of the kind that the question does not already
hold, and, where there is a focus, one of the focus words. The rules are about English question
forms, not about this corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.countries import countries_in
from assistant.records import Passage
from assistant.text import (
    KEY_VALUE,
    content_terms,
    content_words,
    normalise_number,
    numbers,
    stem,
    words,
)
from vectorstore.lexical import STOPWORDS

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve dozen dozens hundred "
    "hundreds thousand thousands million millions half third quarter"
)
_NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(_NUMBER_WORDS.split())})\b", re.IGNORECASE)
_AMOUNT = re.compile(
    r"(?:US\s?\\?\$|\$|€|£|\bUSD\b|\bCHF\b|\bEUR\b|\bRs\.?|\bLKR\b)\s?\d"
    r"|\d[\d,.]*\s?(?:million|billion|dollars?|rupees|francs|euros?)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"\d\s?(?:%|per\s?cent|percent)", re.IGNORECASE)
#: A share in words: "nearly half of international migration", "two-thirds", "a quarter".
_FRACTION = re.compile(r"\b(?:half|halves|thirds?|quarters?|fifths?|tenths?)\b", re.IGNORECASE)
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = re.compile(rf"\b(?:{'|'.join(m.title() for m in _MONTHS)})\b")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# Words that end the noun phrase after "how many": a verb or auxiliary, a preposition, a
# relative pronoun. The phrase is at most three words.
_PHRASE_END = frozenset(
    """did do does were was are is have has had will would could can should may might
    on in at to for from by with about between during within under over into across per
    that which who whom whose where when said say says sat got made took gave went came
    saw felt thought found held""".split()
)
_PHRASE_WORDS = 3
_JOIN_WORDS = frozenset("of for the and de van von".split())
_COUNT = re.compile(r"\bhow\s+many\s+([^,;?]+)", re.IGNORECASE)
#: "how many *were* thematic studies": a count whose noun comes after the verb.
#: ("how many were looked at": a participle, which names nothing counted)
#: ("in how many was labour migration mentioned": the subject of the verb is no count)
_COPULA = re.compile(r"^(?:were|are)\s+(?=[a-z])(?![a-z]+(?:ed|en)\b)", re.IGNORECASE)
#: "in how many ...", "of how many ...": the question before a count ends with a preposition.
_ENDS_WITH_PREPOSITION = re.compile(r"\b(?:in|of|for|from|to|at|on|by|with)\s*$", re.IGNORECASE)
_MUCH = re.compile(r"\bhow\s+much\s+([^,;?]+)", re.IGNORECASE)
#: "how much of the outflow goes to ...": a share ("at least one third"), which names the
#: whole in its own words ("the flows"); "how much of a priority" asks for a degree.
_SHARE_OF = re.compile(r"of\s+(?:the|its|their|these|those|all)\b", re.IGNORECASE)
_SHARE = re.compile(
    r"\b(?:what|which)\s+(?:percentage|proportion|share|per\s?cent(?:age)?|fraction|rate)\b"
    r"(?:\s+of)?\s*([^,;?]*)", re.IGNORECASE,
)
_RATE = re.compile(r"\b(?:what|which)\s+([\w -]{0,30}?\brate)\b", re.IGNORECASE)
#: A question that asks for a date: "when" opening it or a clause, "what year", "how long".
DATE_QUESTION = re.compile(
    # "When the Committee re-examined the instruments, which changes did it point to?": a
    # clause of time before the question, which asks for no date
    r"^\s*when\b(?![^?]*?,\s*(?:which|what|who|whom|whose|how|where|why|did|does|do|was|were|"
    r"is|are|has|have|had|can|could|would|should)\b)|[,;]\s*(?:and\s+)?when\b|\b(?:what|which)\s+(?:dates?|days?|months?|years?|"
    r"period|time\s?frame)\b|\bsince when\b|\bhow long\b",
    re.IGNORECASE,
)
#: "How long did it run?": a duration, not a date ("when" elsewhere in it asks for a date).
_HOW_LONG = re.compile(r"\bhow\s+long\b", re.IGNORECASE)
#: A length of time: "2.7 years", "38 months", "a four-year project", "six weeks".
_DURATION = re.compile(
    rf"(?:\b\d+(?:[.,]\d+)?|\b(?:{'|'.join(_NUMBER_WORDS.split())}|several|a few))"
    r"[\s-]+(?:years?|months?|weeks?|days?)\b",
    re.IGNORECASE,
)
#: "In which months ...", "on what date ...": a year alone does not say.
_MONTH_ASKED = re.compile(r"\b(?:which|what)\s+(?:exact\s+)?(?:months?|days?|dates?)\b",
                          re.IGNORECASE)
_PLACE = re.compile(
    r"(?:^|[,;]\s*|\band\s+)where\b"
    r"|\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:city|cities|region|regions|"
    r"place|places|location|locations)\b", re.IGNORECASE,  # countries: _COUNTRY_ASKED
)
#: "Which countries ...", "with which country?": a country's name fills it (:mod:`.countries`).
_COUNTRY_ASKED = re.compile(
    r"\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:country|countries|nations?)\b", re.IGNORECASE
)
# A place: a capitalised word that does not open the sentence and is no acronym ("Bangkok").
_PLACE_WORD = re.compile(r"(?<=\S\s)(?:[A-Z][a-z]{2,})(?:\s+[A-Z][a-z]+)*\b")
_BUDGET = re.compile(r"\b(?:what|which)\s+(?:was|were|is|are)\s+(?:the\s+|its\s+|their\s+)?"
                     # "the Turin Centre's total budget", "the project's cost": an owner first
                     r"(?:[\w-]+(?:\s+[\w-]+){0,3}?['’]s\s+)?"
                     r"(?:total\s+)?(?:budget|cost|amount|funding|expenditure)\b", re.IGNORECASE)
_WHO_ROLE = re.compile(
    r"(?:^|[,;]\s*|\band\s+)who\s+(?:was|were|is|are)\s+(?:the\s+|an?\s+)?(.+)", re.IGNORECASE
)
#: "Who funds ...", "who paid for ...", "which donor ...": a name that a sentence gives as the
#: funder, so the sentence must say so ("Donor: DFID", "funded by", "financed"). "Support" is
#: not enough: the ILO's "support to the Regional Conference" funds nothing.
_WHO_FUNDS = re.compile(
    r"(?:^|[,;]\s*|\band\s+)who\s+(?:\w+\s+)?(?:funds?|funded|funding|financ(?:e[sd]?|ing)|"
    r"sponsor(?:s|ed|ing)?|pa(?:id|ys?|ying)\s+for)\b"
    r"|\b(?:which|what)\s+(?:\w+\s+)?(?:donors?|funders?)\b", re.IGNORECASE,
)
FUNDER_TERMS = frozenset({"fund", "funder", "donor", "financ", "sponsor", "grant"})
_WHO = re.compile(
    # ("..., whom the ILO trained": after a comma, "whom" opens a relative clause)
    r"(?:^|[,;]\s*|\band\s+)who\b|(?:^|;\s*|\band\s+|\bto\s+)whom\b"
    # "which person", "which UN agency", "what international organization": up to two words
    # between the question word and a noun for a person or a body
    # (not "what did one person say": the person is the subject of an auxiliary)
    r"|\b(?:which|what)\s+(?:(?!(?:did|does|do|was|were|is|are|has|have|had|will|would|can|"
    r"could|should|might|may)\b)[\w-]+\s+){0,2}?(?:person|individual|organi[sz]ation|agency|donor|"
    r"institution|ministry|consultant|firm|company)\b", re.IGNORECASE,
)
#: The World Health Organization's acronym, which the case-blind patterns above read as "who".
_ACRONYM_WHO = re.compile(r"\bWHO\b")
# A name: two or more capitalised words ("Philip Martin", "Department for International
# Development"), or an acronym that is not part of a code.
_NAME = re.compile(
    r"\b[A-Z][a-z]+(?:\s+(?:(?:of|for|the|and|de|van|von)\s+)?[A-Z][a-z]+)+\b"
    r"|(?<![/\w])[A-Z]{2,}(?![/\w])"  # an acronym, but not a part of a code ("GLO/06/57")
)

#: A person named by a post: "the country director for Indonesia", "the Chief of MIGRANT".
_ROLE = re.compile(
    r"\b(?:[Dd]irector|[Cc]oordinator|[Mm]anager|[Cc]hief|[Hh]ead|[Oo]fficer|[Ss]pecialist|"
    r"[Cc]hair(?:person|man|woman)?|[Aa]dvis[eo]r|[Rr]epresentative|[Mm]inister|[Ss]ecretary)"
    r"\s+(?:for|of|in)\s+(?:the\s+)?[A-Z][\w-]+"
)


@dataclass(frozen=True)
class Slot:
    """The kind of fact a question asks for."""

    kind: str  # "count" | "much" | "amount" | "percent" | "date" | "month" | "name" | "place" |
    # "country"
    focus: frozenset[str] = frozenset()  # stemmed content terms of what is counted

    def describe(self) -> str:
        """How a refusal names what was missing."""
        what = {"count": "the number", "much": "the amount", "amount": "the amount",
                "percent": "the percentage", "date": "the date", "month": "the date",
                "duration": "the duration",
                "name": "the name", "place": "the place", "country": "the country"}[self.kind]
        return what


def expected_slots(question: str, ignore: frozenset[str] = frozenset()) -> tuple[Slot, ...]:
    """The slots ``question`` asks to fill, one per part ("who funded it, and what was its
    budget?" has two); none when it asks for something open (a finding, a recommendation, a
    list). ``ignore``: terms that only name the report."""
    found: list[Slot] = []
    for match in _SHARE.finditer(question):
        found.append(Slot("percent", _focus(match.group(1), ignore)))
    for match in _RATE.finditer(question):
        found.append(Slot("percent", _focus(match.group(1), ignore)))
    for match in _COUNT.finditer(question):
        # "how many were country studies": the thing counted follows the verb
        phrase = match.group(1)
        if not _ENDS_WITH_PREPOSITION.search(question[:match.start()]):
            phrase = _COPULA.sub("", phrase, count=1)
        found.append(Slot("count", _focus(phrase, ignore)))
    for match in _MUCH.finditer(question):  # "how much travel money": an amount, or a count
        if _SHARE_OF.match(match.group(1)):  # "how much of the outflow": a share of a whole
            found.append(Slot("percent"))
        else:
            found.append(Slot("much", _focus(match.group(1), ignore)))
    if _BUDGET.search(question):
        found.append(Slot("amount"))
    if _MONTH_ASKED.search(question):
        found.append(Slot("month"))
    elif DATE_QUESTION.search(_HOW_LONG.sub(" ", question)):
        found.append(Slot("date"))
    if _HOW_LONG.search(question):
        found.append(Slot("duration"))
    if _COUNTRY_ASKED.search(question):
        found.append(Slot("country"))
    elif _PLACE.search(question):
        found.append(Slot("place"))
    # "with IOM and WHO": the World Health Organization, no "who"
    asking = question if question.isupper() else _ACRONYM_WHO.sub("the_WHO", question)
    role = _WHO_ROLE.search(asking)
    if role is not None and re.match(r"[a-z]+ing\b", role.group(1)):
        role = None  # "who was leading it": a verb, not a post ("who was paying": a funder)
    if role is not None:
        found.append(Slot("name", _focus(role.group(1), ignore)))
    elif _WHO_FUNDS.search(asking):
        found.append(Slot("name", FUNDER_TERMS))
    elif _WHO.search(asking):
        found.append(Slot("name"))
    return tuple(dict.fromkeys(found))


def asks_who_or_when(slots: Sequence[Slot]) -> bool:
    """Do the question's ``slots`` ask for a name or a date? "Who evaluated it?" and "When was
    it carried out?" are about the report, not about a numbered item of it."""
    return bool({s.kind for s in slots} & {"name", "date", "month", "duration"})


def _focus(phrase: str, ignore: frozenset[str]) -> frozenset[str]:
    """Content terms of the noun phrase that opens ``phrase`` (up to its verb)."""
    kept: list[str] = []
    for word in phrase.split():
        bare = re.sub(r"[^\w'-]", "", word).lower()
        if bare in _PHRASE_END or (kept and bare.endswith("ed")) or len(kept) == _PHRASE_WORDS:
            break
        kept.append(bare)
        if word[-1:] in ",;:?":
            break
    terms = {t for t in content_terms(" ".join(kept)) if t not in ignore}
    named = [w for w in kept if w]
    while named and not content_terms(named[-1]):  # "team leader of": no "TLO"
        named.pop()
    while named and not content_terms(named[0]):
        named.pop(0)
    if len(terms) > 1 and not any("'" in w for w in named):
        # "memoranda of understanding" are counted as "five MOUs"
        for letters in ("".join(w[:1] for w in named),
                        "".join(w[:1] for w in named if content_terms(w))):
            if len(letters) >= ACRONYM_LETTERS:
                terms |= {letters, f"{letters}s"}
    return frozenset(terms)


#: The fewest letters an acronym of a counted thing has to count as naming it.
ACRONYM_LETTERS = 3


def fills(slot: Slot, sentence: str, question: str) -> bool:
    """Does ``sentence`` supply a value of the slot's kind that ``question`` does not already
    hold (and, for a count or percentage, mention what is counted)?"""
    if slot.focus and not slot.focus & set(content_words(sentence)):
        return False
    if slot.kind == "amount":
        return bool(_AMOUNT.search(sentence))
    if slot.kind == "much":
        return bool(_AMOUNT.search(sentence)) or _new_number(sentence, question)
    if slot.kind == "percent":
        if slot.focus:
            share = _PERCENT.search(sentence) or _FRACTION.search(sentence)
            return bool(share) and _count_near_focus(
                slot.focus, sentence, numbers(question) | _number_words(question), share=True
            )
        return (bool(_PERCENT.search(sentence)) or bool(_NUMBER_WORD.search(sentence))
                or bool(_FRACTION.search(sentence)))
    if slot.kind == "count":
        if not slot.focus:
            return _new_number(sentence, question) or _new_number_word(sentence, question)
        return _count_near_focus(
            slot.focus, sentence, numbers(question) | _number_words(question)
            | _enumerators(sentence),
        )
    if slot.kind == "month":
        asked_months = {m.group(0) for m in _MONTH.finditer(question)}
        return any(m.group(0) not in asked_months for m in _MONTH.finditer(sentence))
    if slot.kind == "duration":  # "2.7 years", "a four-year project", "from 2006 to 2009"
        return (bool(_DURATION.search(sentence)) or len(set(_YEAR.findall(sentence))) > 1
                or len({m.group(0) for m in _MONTH.finditer(sentence)}) > 1)
    if slot.kind == "date":
        asked = set(_YEAR.findall(question))
        return bool(set(_YEAR.findall(sentence)) - asked) or bool(_MONTH.search(sentence))
    if slot.kind == "country":
        return bool(countries_in(sentence) - countries_in(question))
    if slot.kind == "place":
        asked = _lower_words(question) | set(_MONTHS)
        return any(_lower_words(m.group(0)) - asked for m in _PLACE_WORD.finditer(sentence))
    if slot.kind == "name":
        asked = _lower_words(question)
        label = KEY_VALUE.match(sentence)
        if slot.focus == FUNDER_TERMS:  # who funded: a name that the sentence says funds
            sentence = _funders(sentence, bool(label))
        elif label:  # "Period Covered: November 2006": the label is no name, its value may be
            sentence = sentence[sentence.index(":", label.start()) + 1:]
        return any(
            _lower_words(m.group(0)) - asked - _JOIN_WORDS
            for m in (*_NAME.finditer(sentence), *_ROLE.finditer(sentence))
        )
    return True


#: Where a sentence names who funds: after "funded by", "funding from", "financed by",
#: "supported by" (up to two words between: "funded largely by"), or before "-funded" /
#: "funded the" ("DFID funded the project"). "Specially funded projects in other ILO units"
#: names no funder.
_FUNDING_AGENT = re.compile(
    r"\b(?:fund(?:ed|ing|s)?|financ(?:ed|ing|es)?|sponsor(?:ed|ship)?|support(?:ed)?|"
    r"grants?|contributions?)\s+(?:\w+\s+){0,2}?(?:by|from)\s+(?P<after>[^.;:()]{1,80})"
    r"|(?P<before>\S+(?:\s+\S+){0,5})[\s-]+(?:funded|financed|sponsored)\b"
    r"(?!\s+(?:\w+\s+){0,2}?(?:by|from)\b)",
    re.IGNORECASE,
)


def _funders(sentence: str, label: bool) -> str:
    """The part of ``sentence`` that may name a funder: a label's value when the label is a
    funding one ("Donor: DFID"), else the words around a funding verb; "" when none."""
    if label:
        name, _, value = sentence.partition(":")
        return value if set(content_terms(name)) & FUNDER_TERMS else ""
    return " ".join(
        m.group("after") or m.group("before") or "" for m in _FUNDING_AGENT.finditer(sentence)
    )


def _lower_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


#: How many words apart a count and the thing counted may be: "79 interviews", "sent to 239
#: ILO staff", "the committee had 12 members".
COUNT_WINDOW = 4


def _count_near_focus(
    focus: frozenset[str], sentence: str, ignore: set[str], share: bool = False
) -> bool:
    """Is there a count (a new number or a number word) within :data:`COUNT_WINDOW` words of
    a word of ``focus``? A count before the word must not be cut off from it by a
    preposition: "two ILO conventions on migrant workers" counts conventions, "19 detailed
    replies" and "five of the interviews" count what was asked. A ``share`` ("96 percent of
    the migrants going abroad") may be."""
    tokens = words(sentence)
    at_focus = [i for i, w in enumerate(tokens) if set(content_words(w)) & focus]
    for i, w in enumerate(tokens):
        value = normalise_number(w) if w[:1].isdigit() else None
        is_count = (value is not None and value not in ignore) or (
            bool(_NUMBER_WORD.fullmatch(w)) and w.lower() not in ignore
        )
        if is_count and any(
            0 < i - j <= COUNT_WINDOW  # "the committee had 12 members", "interviews: 79"
            or (0 < j - i <= COUNT_WINDOW
                and (share or not {t.lower() for t in tokens[i + 1:j]} & _PREPOSITIONS))
            for j in at_focus
        ):
            return True
    return False


#: Words that end the noun phrase a count opens.
_PREPOSITIONS = frozenset(
    "on in at to for from by with about between during within under over into across per "
    "than through among against after before since".split()
)


def _new_number(sentence: str, question: str) -> bool:
    """Does ``sentence`` state a number that the question does not, other than an
    enumerator?"""
    return bool(numbers(sentence) - numbers(question) - _enumerators(sentence))


def _number_words(text: str) -> set[str]:
    """The numbers ``text`` gives in words ("eight", "dozens"), lower case."""
    return {m.group(0).lower() for m in _NUMBER_WORD.finditer(text)}


def _new_number_word(sentence: str, question: str) -> bool:
    """Does ``sentence`` count in words ("eight case studies") with a word the question does
    not already use ("of the eight case studies, how many ...")?"""
    return bool(_number_words(sentence) - _number_words(question))


def _enumerators(sentence: str) -> set[str]:
    """Numbers used to enumerate, "(1) ... (2) ...", which count nothing."""
    return set(re.findall(r"\((\d{1,2})\)", sentence))


def asked_names(
    question: str, report_terms: frozenset[str], naming: str = ""
) -> tuple[tuple[str, ...], ...]:
    """The names of ``question`` other than those naming the report (its ``report_terms``, or
    inside ``naming``, the words that named it: "the evaluation of the Turin Centre's
    training"), each as its words' stems: runs of capitalised words past the first ("Decent
    Work Country Programmes") and acronyms. "How many Nepalese women worked in Kuwait?" names
    Nepalese and Kuwait."""
    report_terms = report_terms | {stem(w) for w in words(naming)}
    names: list[tuple[str, ...]] = []
    run: list[str] = []
    # hyphens split words as the passages' words are split: "Asia-Pacific" is two name words,
    # and "LMPP-backed" names LMPP only
    for index, word in enumerate([*re.findall(r"[\w'’]+", question), ""]):
        bare = word.strip("'’")
        if index > 0 and bare[:1].isupper() and bare.lower() not in STOPWORDS:
            run.append(bare)
            continue
        if run:
            terms = tuple(stem(w.lower()) for w in run)
            if not set(terms) <= report_terms:
                names.append(terms)
            run = []
    return tuple(names)


#: Letters two forms of a name share: "Lanka" / "Lankan", "Nepal" / "Nepalese", "Kuwait" /
#: "Kuwaiti".
NAME_PREFIX = 5


def word_forms(found: set[str]) -> set[str]:
    """The stemmed words ``found``, and the first :data:`NAME_PREFIX` letters of each: what
    :func:`mentions` looks a name's word up in."""
    return found | {w[:NAME_PREFIX] for w in found}


def mentions(term: str, forms: set[str]) -> bool:
    """Is the stemmed word ``term`` among ``forms`` (:func:`word_forms`), itself or as another
    form of it ("Sri Lankan" is named by "Sri Lanka", "Nigerian" by "Nigeria")?"""
    return term in forms or term[:NAME_PREFIX] in forms


def acronyms_in(text: str) -> set[str]:
    """The acronyms ``text`` uses, upper case, a plural's "s" dropped ("DWCPs" gives DWCP)."""
    return {
        w.rstrip("s") for w in re.findall(r"[\w-]+", text) if len(w) > 1 and w.rstrip("s").isupper()
    }


def names_in(
    passage: Passage, names: tuple[tuple[str, ...], ...], focus: frozenset[str] = frozenset()
) -> bool:
    """Does ``passage`` (its text, title and section) name each of ``names`` that is not part
    of the slot's ``focus`` (what is counted: "Turin training activities")? A name counts when
    all its words occur, or its acronym ("DWCPs" for Decent Work Country Programmes). A count
    of domestic helpers in Saudi Arabia does not answer how many worked in Kuwait."""
    wanted = [name for name in names if not set(name) & focus]
    if not wanted:
        return True
    text = f"{passage.title} {passage.section} {passage.text}"
    found = word_forms({stem(w) for w in words(text)})
    acronyms = acronyms_in(text)
    return all(
        all(mentions(t, found) for t in name)
        or (len(name) > 1 and "".join(t[0] for t in name).upper() in acronyms)
        for name in wanted
    )
