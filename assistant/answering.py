"""From a question to a checked answer record.

    question (+ history) -> standalone question -> hybrid retrieval -> evidence score
      -> refusal, or a draft (extractive or LLM) -> citation check -> Answer

The same steps run in both modes; only the drafting and the follow-up rewriting differ.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistant.errors import ConfigError, QueryError
from assistant.evidence import Evidence, EvidenceScorer, SentenceCache
from assistant.extractive import ExtractiveAnswerer, ExtractiveOptions
from assistant.followup import condense, normalise_history
from assistant.llm import LLMAnswerer, is_refusal
from assistant.prompts import REFUSAL
from assistant.records import Answer, Filters, Passage, Removal
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.support import CitationChecker
from assistant.text import markers
from vectorstore import Embedder, Fts5LexicalIndex

MODES = ("extractive", "llm")


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
    """Answers questions over an index; the chat model is built on first use in LLM mode."""

    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        embedder: Embedder,
        lexical: Fts5LexicalIndex,
        chat_model: Any = None,
    ):
        self.settings = settings
        self.retriever = retriever
        self.embedder = embedder
        self.cache = SentenceCache(embedder)
        self.scorer = EvidenceScorer(self.cache, lexical.chunk_frequencies, lexical.count)
        self.extractive = ExtractiveAnswerer(
            ExtractiveOptions(max_sentences=settings.answer_sentences)
        )
        self.checker = CitationChecker(self.cache)
        self._chat_model = chat_model
        self._llm: LLMAnswerer | None = None

    @property
    def llm(self) -> LLMAnswerer:
        if self._llm is None:
            from assistant.llm import build_chat_model
            from assistant.prompts import Prompts

            model = self._chat_model or build_chat_model(self.settings)
            self._llm = LLMAnswerer(
                model, Prompts.load(self.settings.prompts_dir),
                self.settings.llm or type(model).__name__,
            )
        return self._llm

    def ask(
        self,
        question: str,
        history: Any = None,
        filters: Filters | None = None,
        mode: str | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer ``question``; see :meth:`stream` for the steps."""
        final = None
        for event in self.stream(question, history, filters, mode, k):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Any = None,
        filters: Filters | None = None,
        mode: str | None = None,
        k: int | None = None,
    ) -> Iterator[AnswerEvent]:
        """Answer ``question``, yielding the passages, the draft as it is written (LLM mode)
        and the checked answer."""
        mode = mode or self.settings.answer_mode
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode == "llm" and not (self.settings.llm or self._chat_model):
            raise ConfigError(
                "LLM mode needs a chat model: set ASSISTANT_LLM (e.g. openai:MODEL with "
                "ASSISTANT_LLM_BASE_URL, or ollama:MODEL), or use --mode extractive"
            )
        k = self.settings.answer_passages if k is None else k
        question = self.retriever.validate(question, k)
        turns = normalise_history(history)
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        if turns and mode == "llm":
            standalone = self.llm.condense(question, turns)
            standalone = self.retriever.validate(standalone or question, k)
        else:
            standalone = condense(question, turns)
        timings["condense"] = _ms(clock)

        clock = time.perf_counter()
        vector = self.embedder.embed_query(standalone)
        passages = tuple(self.retriever.search(
            standalone, k, filters, self.settings.retrieval_mode, query_vector=vector
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
        if mode == "llm":
            pieces = []
            for piece in self.llm.stream(standalone, passages):
                pieces.append(piece)
                yield AnswerEvent("token", text=piece)
            draft = "".join(pieces)
        else:
            draft = self.extractive.draft(standalone, evidence, passages)
        timings["answer"] = _ms(clock)

        if mode == "llm" and is_refusal(draft) and not markers(draft):
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
