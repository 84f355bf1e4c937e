"""Chat history and follow-up questions.

A follow-up ("and who funded it?") is turned into a standalone question before retrieval. In LLM
mode the model rewrites it (``prompts/condense_*``); in extractive mode :func:`condense` does it
without a model: when the question leans on the conversation (a pronoun or "this/that", an
opening "and"/"what about", or almost no content words of its own), the content words of the
previous standalone question are added to it as context. Each earlier user turn is condensed the
same way first, so a chain of follow-ups keeps its topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.items import item_phrase
from assistant.answering.slots import asks_who_or_when, expected_slots
from assistant.records import Turn
from assistant.text import NAME_WORD, QUESTION_WORDS, content_terms, strip_markers, words
from vectorstore.lexical import STOPWORDS

_OPENS_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|what else)\b", re.IGNORECASE
)
_REFERS_BACK = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|this|that|these|those|there|he|she|him|his|her|"
    r"the same|such|former|latter)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|theirs|he|she|him|his|her)\b", re.IGNORECASE)
#: What :func:`condense_one` puts before the earlier turn's words it appends.
_CONTEXT = " (context: "
_LEADING_JOINER = re.compile(r"^\s*(and|but|also|so|then)\s*,?\s+", re.IGNORECASE)


def needs_history(question: str) -> bool:
    """Can the question only be understood with an earlier turn? It opens like a follow-up
    ("and ...", "what about ...") or refers back ("it", "they", "that") with at most three
    content words of its own."""
    if _OPENS_FOLLOW_UP.search(question):
        return True
    return bool(_REFERS_BACK.search(question)) and len(content_terms(question)) <= 3


def leans_on_context(question: str) -> bool:
    """Does the question need the conversation to make sense? Yes when it opens like a
    follow-up ("and ...", "what about ..."), has at most one content word, uses a personal
    pronoun ("it", "they", "their"), or refers back with "this"/"that" with at most three
    content words of its own."""
    own = len(content_terms(question))
    if _OPENS_FOLLOW_UP.search(question) or own <= 1 or _PRONOUN.search(question):
        return True
    return bool(_REFERS_BACK.search(question)) and own <= 3


def topic_words(question: str) -> list[str]:
    """The question's own words minus question words and stopwords, in order."""
    out: list[str] = []
    for word in words(question):
        if word in STOPWORDS or word in QUESTION_WORDS or word in out:
            continue
        out.append(word)
    return out


def condense_one(question: str, previous: str | None) -> str:
    """``question`` made standalone using the previous standalone question."""
    question = " ".join(question.split())
    if not previous or not leans_on_context(question):
        return question
    own = set(content_terms(question))
    context = [w for w in topic_words(strip_markers(previous)) if content_terms(w)
               and content_terms(w)[0] not in own]
    if not context:
        return question
    body = _LEADING_JOINER.sub("", question)
    body = body[:1].upper() + body[1:]
    return f"{body}{_CONTEXT}{' '.join(context)})"


def condense(question: str, history: Sequence[Turn], reference: str = "") -> str:
    """The standalone form of ``question`` after the user turns of ``history``.

    ``reference``: the words that named the report the conversation is about ("the LMPP
    project"). A follow-up that points at it with a pronoun gets it in its place: "Who
    evaluated it?" becomes "Who evaluated the LMPP project?"."""
    previous: str | None = None
    for turn in history:
        if turn.role == "user" and turn.content.strip():
            previous = condense_one(turn.content, previous)
    if leans_on_context(question) and not refers_inside(question):
        # "it" is the numbered item the previous question asked for, of the report the
        # conversation is about ("What was the final recommendation of the 2019 evaluation?" /
        # "How did the Centre respond to it?"), unless it asks who or when; else that report
        # ("this report" always is); or, when no report was named, the thing the previous
        # question named last ("... adopt its National Labour Migration Policy?" / "What was
        # planned to put it into practice?")
        item = item_phrase(previous) if previous and reference else None
        if item and asks_who_or_when(expected_slots(question)):
            item = None  # "Who evaluated it?", "When was it carried out?": the report
        resolved = question
        if item:
            resolved = resolve_pronoun(question, f"the {item} of {reference}", reports_too=False)
        if resolved == question and reference:
            resolved = resolve_pronoun(question, reference)
        elif not reference:
            named = antecedent(previous) if previous else ""
            resolved = resolve_pronoun(question, named, reports_too=False) if named else question
        if resolved != question:
            if _REFERS_BACK.search(_PRONOUN.sub(" ", resolved)) and previous:
                return condense_one(resolved, previous)
            return resolved
    return condense_one(question, previous)


#: "it" as the subject of a clause inside the question ("How did the Centre's management say
#: it would act on that?"): it stands for a name the question gives before it, not for an
#: earlier turn.
_EMBEDDED_IT = re.compile(
    r"\bit\s+(?:would|will|could|should|can|may|might|must|had|has|was|is|did|does|"
    r"planned|intended|wanted)\b", re.IGNORECASE,
)
#: A name: capitalised words (acronyms, possessives), joined by at most one short lowercase
#: word ("Effective Action for Labour Migration Policies and Practice").
_NAME = re.compile(rf"\b{NAME_WORD}(?:\s+(?:(?:of|for|and|on|in|to|the)\s+)?{NAME_WORD})*")


def refers_inside(question: str) -> bool:
    """Does the question's "it" stand for something it names itself: a name given before an
    "it" that opens a clause, or a thing it introduces with "a"/"an" ("Had any region set up
    a task force, and who was leading it?")?"""
    match = _EMBEDDED_IT.search(question)
    if match is not None and named_phrases(question[: match.start()]):
        return True
    pronoun = _IT.search(question)
    return pronoun is not None and bool(_INDEFINITE.search(question[: pronoun.start()]))


#: "it" or "its", but not "its own" ("a task force of its own" says whose, not which).
_IT = re.compile(r"\b(?:it|its)\b(?!\s+own\b)", re.IGNORECASE)
#: "it", "its" (not "its own") or "this/that/the same report": what a reference replaces.
_IT_OR_REPORT = re.compile(
    r"\b(?:(?:this|that|the same)\s+(?:report|evaluation|project|programme|review)|it)\b"
    r"|\bits\b(?!\s+own\b)", re.IGNORECASE,
)
#: A thing introduced with an indefinite article, which a later "it" can stand for.
_INDEFINITE = re.compile(r"\b(?:a|an)\s+[a-z][\w-]*", re.IGNORECASE)


def named_phrases(text: str) -> list[str]:
    """The names in ``text``, in order: runs of capitalised words, less a question word or a
    lone capital that opens the text."""
    out = []
    for match in _NAME.finditer(text):
        phrase = match.group(0)
        if match.start() == len(text) - len(text.lstrip()):  # the text's first word
            first, _, rest = phrase.partition(" ")
            if first.lower() in QUESTION_WORDS or first.lower() in STOPWORDS or not rest:
                continue
        out.append(re.sub(r"['’]s$", "", phrase))
    return out


def antecedent(previous: str) -> str:
    """What "it" most likely stands for after ``previous`` (a standalone question): the last
    name it gives, or "" when it gives none."""
    names = named_phrases(strip_markers(previous).split(_CONTEXT)[0])
    return names[-1] if names else ""


def resolve_pronoun(question: str, reference: str, reports_too: bool = True) -> str:
    """``question`` with its first "it"/"its" (or, with ``reports_too``, "this/that report")
    replaced by ``reference``; unchanged when it has none. A bare name gets "the" ("it" ->
    "the National Labour Migration Policy")."""
    question = " ".join(question.split())
    body = _LEADING_JOINER.sub("", question)
    pattern = _IT_OR_REPORT if reports_too else _IT
    match = pattern.search(body)
    if match is None:
        return question
    if not reports_too and not reference.lower().startswith("the ") and " " in reference:
        reference = "the " + reference
    replacement = reference + ("'s" if match.group(0).lower() == "its" else "")
    body = body[: match.start()] + replacement + body[match.end():]
    return body[:1].upper() + body[1:]
