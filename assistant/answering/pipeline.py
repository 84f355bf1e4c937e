"""From a question to a checked answer record.

    question (+ history) -> standalone question -> hybrid retrieval -> evidence score
      -> refusal, or a draft (by the answerer the request names) -> citation check -> Answer

The same steps run for every answerer; only the drafting and the follow-up rewriting differ
(:mod:`assistant.answering.answerers`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assistant.answering.answerers import (
    Answerer,
    answerer_spec,
    check_available,
)
from assistant.answering.citations import CitationChecker
from assistant.answering.evidence import Evidence, EvidenceScorer, SentenceCache
from assistant.answering.prompts import REFUSAL
from assistant.records import Answer, AskRequest, Passage, Removal, SearchRequest, clean_query
from assistant.retrieval.hybrid import HybridRetriever
from assistant.settings import Settings
from vectorstore import Embedder, Fts5LexicalIndex


@dataclass(frozen=True)
class AnswerEvent:
    """One step of a streamed answer: ``passages`` (retrieval done), ``token`` (a piece of
    the LLM's draft) and finally ``answer`` (the checked record)."""

    kind: str
    text: str = ""
    passages: tuple[Passage, ...] = ()
    standalone_question: str = ""
    answer: Answer | None = None


class AnswerPipeline:
    """Answers :class:`AskRequest` s over an index with the registered answerers (built on
    first use; a chat model can be injected for the ``llm`` answerer)."""

    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        embedder: Embedder,
        lexical: Callable[[], Fts5LexicalIndex],
        chat_model: Any = None,
    ):
        self.settings = settings
        self.retriever = retriever
        self.embedder = embedder
        self.cache = SentenceCache(embedder)
        self.scorer = EvidenceScorer(
            self.cache,
            lambda terms: lexical().chunk_frequencies(terms),
            lambda: lexical().count(),
        )
        self.checker = CitationChecker(self.cache)
        self.chat_model = chat_model
        self._answerers: dict[str, Answerer] = {}
        self._lock = threading.Lock()

    def answerer(self, name: str | None = None) -> Answerer:
        """The answerer called ``name`` (default: the setting ``answer_mode``), built once."""
        name = name or self.settings.answer_mode
        spec = answerer_spec(name)
        with self._lock:
            if name not in self._answerers:
                check_available(spec, self.settings, self.chat_model)
                self._answerers[name] = spec.build(self.settings, self.chat_model)
            return self._answerers[name]

    def ask(self, request: AskRequest) -> Answer:
        """Answer ``request``; see :meth:`stream` for the steps."""
        final = None
        for event in self.stream(request):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final

    def stream(self, request: AskRequest) -> Iterator[AnswerEvent]:
        """Answer ``request``, yielding the passages, the draft as it is written (answerers
        that stream) and the checked answer."""
        mode = request.answer_mode or self.settings.answer_mode
        answerer = self.answerer(mode)
        k = request.k or self.settings.answer_passages
        question = request.question
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        standalone = question
        if request.history:
            standalone = clean_query(answerer.condense(question, request.history) or question)
        timings["condense"] = _ms(clock)

        clock = time.perf_counter()
        vector = self.embedder.embed_query(standalone)
        passages = tuple(self.retriever.search(
            SearchRequest(standalone, k, request.filters, self.settings.retrieval_mode),
            query_vector=vector,
        ))
        timings["retrieve"] = _ms(clock)
        yield AnswerEvent("passages", passages=passages, standalone_question=standalone)

        clock = time.perf_counter()
        evidence = self.scorer.score(standalone, vector, passages)
        timings["evidence"] = _ms(clock)

        def finish(answer_text: str, answerable: bool, citations: tuple = (),
                   removed: tuple[Removal, ...] = ()) -> AnswerEvent:
            timings["total"] = sum(timings.values())
            return AnswerEvent("answer", answer=Answer(
                question=question, standalone_question=standalone, answer=answer_text,
                answerable=answerable, mode=mode, citations=citations, passages=passages,
                evidence=evidence.answerability, threshold=self.settings.refusal_threshold,
                removed=removed, timings_ms=timings,
            ))

        if not passages or evidence.answerability < self.settings.refusal_threshold:
            yield finish(refusal_text(passages, evidence), False)
            return

        clock = time.perf_counter()
        pieces = []
        for piece in answerer.draft(standalone, evidence, passages):
            pieces.append(piece)
            if answerer.streams:
                yield AnswerEvent("token", text=piece)
        draft = "".join(pieces)
        timings["answer"] = _ms(clock)

        if answerer.declined(draft):
            yield finish(refusal_text(passages, evidence), False)
            return
        clock = time.perf_counter()
        checked = self.checker.check(draft, passages)
        timings["check"] = _ms(clock)
        if not checked.kept_units:
            yield finish(refusal_text(passages, evidence, checked=True), False,
                         removed=checked.removed)
            return
        yield finish(checked.text, True, checked.citations, checked.removed)


def refusal_text(passages: tuple[Passage, ...], evidence: Evidence, checked: bool = False) -> str:
    """The refusal, naming the closest passages so the reader can look for themselves."""
    lead = REFUSAL
    if checked:
        lead += " No sentence of the draft answer was supported by the passages it cited."
    elif evidence.missing_key_terms:
        lead += " They do not mention " + ", ".join(evidence.missing_key_terms) + "."
    if not passages:
        return lead + " No passage matched it."
    lines = [lead, "", "Closest passages:"]
    for p in passages[:3]:
        where = f", p. {p.page}" if p.page else ""
        section = f", {p.section}" if p.section else ""
        lines.append(f"- {p.title} ({p.year or 'n.d.'}){where}{section}")
    return "\n".join(lines)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
