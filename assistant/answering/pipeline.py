"""From a question to a checked answer record.

    question (+ history) -> standalone question -> hybrid retrieval -> evidence score
      -> refusal, or (the sentence check, when set: :mod:`assistant.answering.verify`) a draft
      (by the answerer the request names) -> citation check -> Answer

The same steps run for every answerer; only the drafting and the follow-up rewriting differ
(:mod:`assistant.answering.answerers`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any

from assistant.answering.answerers import (
    Answerer,
    answerer_spec,
    check_available,
)
from assistant.answering.citations import CitationChecker
from assistant.answering.evidence import (
    Evidence,
    EvidenceScorer,
    SentenceCache,
    asked_terms,
    label_named,
)
from assistant.answering.followup import needs_history
from assistant.answering.items import ItemReference, item_reference
from assistant.answering.prompts import NO_CONTEXT, REFUSAL, Prompts, filtered_out_text
from assistant.answering.slots import (
    Slot,
    asked_names,
    asks_who_or_when,
    expected_slots,
    fills,
    names_in,
)
from assistant.answering.verify import SentenceVerifier
from assistant.records import (
    Answer,
    AskRequest,
    Filters,
    Passage,
    Removal,
    SearchRequest,
    Turn,
    clean_query,
)
from assistant.retrieval.hybrid import HybridRetriever, to_passage
from assistant.retrieval.scope import ReportScoper, Scope
from assistant.settings import Settings
from assistant.text import KEY_VALUE, is_list_item, words
from ingest.records import Chunk
from vectorstore import Embedder, Fts5LexicalIndex
from vectorstore.sentence_store import SentenceVectorStore

#: How many of the best sentences may fill the question's slot before it counts as unfilled.
SLOT_CANDIDATES = 8
#: Fact-sheet passages added per named report when a name, date or amount is asked for.
FACT_SHEETS = 3
#: Passages added per named report that mention the numbered item a question asks for.
ITEM_PASSAGES = 3


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
        scoper: ReportScoper | None = None,
        answer_embedder: Embedder | None = None,
    ):
        self.settings = settings
        self.retriever = retriever
        self.embedder = embedder
        # sentences are scored and citations checked with this model (default: the index's)
        self.answer_embedder = answer_embedder or embedder
        store = (
            SentenceVectorStore(settings.sentence_vectors_path, self.answer_embedder.name)
            if settings.keep_sentence_vectors
            else None
        )
        self.cache = SentenceCache(self.answer_embedder, store=store)
        self.scorer = EvidenceScorer(
            self.cache,
            lambda terms: lexical().chunk_frequencies(terms),
            lambda: lexical().count(),
        )
        self.checker = CitationChecker(self.cache)
        self.scoper = scoper
        self.chat_model = chat_model
        self._answerers: dict[str, Answerer] = {}
        self._verifier: SentenceVerifier | None = None
        self._lock = threading.Lock()

    def verifier(self) -> SentenceVerifier | None:
        """The sentence check that the setting ``answer_verifier`` names (None: none), built
        once; the local model itself loads on first use."""
        if self.settings.answer_verifier == "none":
            return None
        with self._lock:
            if self._verifier is None:
                from assistant.answering.local import runtime_for

                self._verifier = SentenceVerifier(
                    runtime_for(self.settings), Prompts.load(self.settings.prompts_dir),
                    self.settings.verifier_sentences, self.settings.verifier_weight,
                    self.settings.verifier_refuse_below,
                )
            return self._verifier

    def answerer(self, name: str | None = None) -> Answerer:
        """The answerer called ``name`` (default: the setting ``answer_mode``), built once."""
        name = name or self.settings.answer_mode
        spec = answerer_spec(name)
        with self._lock:
            if name not in self._answerers:
                check_available(spec, self.settings, self.chat_model)
                self._answerers[name] = spec.build(self.settings, self.chat_model)
            return self._answerers[name]

    def _retrieve(
        self, query: str, k: int, filters: Filters, vector: Any, second_vector: Any = None
    ) -> tuple[Passage, ...]:
        """The passages for ``query``; when the question names several reports (a
        comparison), each report gets its share of them, so none is crowded out.
        ``second_vector``: the query by the answer model, used by the retriever's second
        ranking when that ranks with the same model (else it embeds the query itself)."""
        second = self.retriever.second
        if second is None or second.embedder is not self.answer_embedder:
            second_vector = None
        mode = self.settings.retrieval_mode
        if len(filters.sources) < 2:
            return tuple(self.retriever.search(
                SearchRequest(query, k, filters, mode), query_vector=vector,
                second_vector=second_vector,
            ))
        share = max(2, k // len(filters.sources))
        per_report = [
            self.retriever.search(
                SearchRequest(query, share, replace(filters, sources=(source,)), mode),
                query_vector=vector, second_vector=second_vector,
            )
            for source in filters.sources
        ]
        merged = [p for group in zip_longest(*per_report) for p in group if p is not None]
        return tuple(replace(p, rank=rank) for rank, p in enumerate(merged[:k], 1))

    def _with_fact_sheets(
        self, passages: tuple[Passage, ...], sources: Sequence[str], vector: Any,
        wanted: Callable[[str], bool] | None = None,
    ) -> tuple[Passage, ...]:
        """``passages`` and the named reports' fact sheets after them; with ``wanted``, only
        the sheets that have a label line it accepts."""
        return _appended(passages, [
            p for source in sources
            for p in self.retriever.fact_sheets(source, vector)[:FACT_SHEETS]
            if wanted is None or any(
                wanted(line.strip()) for line in p.text.splitlines()
                if KEY_VALUE.match(line.strip())
            )
        ])

    @staticmethod
    def _asks_field(question: str, ignore: frozenset[str]) -> Callable[[str], bool]:
        """Whether a label line names a field that ``question`` asks about ("Project code:"
        for "what is the project's official code?"); ``ignore``: the terms that named the
        report."""
        terms = asked_terms(question) - ignore
        return lambda line: label_named(line, terms)

    def _with_item(
        self, passages: tuple[Passage, ...], item: ItemReference, sources: Sequence[str]
    ) -> tuple[tuple[Passage, ...], Callable[[str, str], float] | None]:
        """``passages`` and, after them, the passages of each named report that label or
        mention the numbered item asked for; and how strongly a sentence speaks of the item
        (:meth:`Located.weight`: from the first report that has the item)."""
        extra: list[Passage] = []
        favoured = None
        for source in sources:
            located = item.locate(self.retriever.report_chunks(source))
            if located is None:
                continue
            favoured = favoured or located.weight
            extra += [to_passage(c, 0, 0.0, None, None) for c in located.chunks[:ITEM_PASSAGES]]
        return _appended(passages, extra), favoured

    def _mended(self, passages: tuple[Passage, ...]) -> tuple[Passage, ...]:
        """``passages`` with what a chunk boundary cut off put back from the next chunk of
        their report: the rest of a sentence cut in the middle ("Recommendation 2: The Office
        needs to develop a strategy for" / "collaboration with other international
        organizations ..."), or the items of a list whose intro ends the passage ("...,
        including:"). The passage then ends where the added text ends in the next chunk."""
        out = []
        for passage in passages:
            nxt: list[Chunk] = []  # the next chunk, looked up only when the passage is cut

            def following(passage: Passage = passage, nxt: list[Chunk] = nxt) -> str:
                nxt[:] = self._next_chunk(passage)
                return nxt[0].text if nxt else ""

            tail, used = _cut_off(passage.text, following)
            if tail and nxt:
                after = nxt[0]
                pages = [n for n in (passage.page_end, after.page_start, after.page_end) if n]
                passage = replace(
                    passage, text=passage.text.rstrip() + tail,
                    page_end=max(pages) if pages else None,
                    char_end=after.char_start + used if after.section == passage.section
                    else passage.char_end,
                )
            out.append(passage)
        return tuple(out)

    def _next_chunk(self, passage: Passage) -> list[Chunk]:
        """The chunk after ``passage`` in its report, as a list of one (none at its end)."""
        chunks = self.retriever.report_chunks(passage.source)
        for here, after in zip(chunks, chunks[1:], strict=False):
            if here.chunk_id == passage.chunk_id:
                return [after]
        return []

    def _scope(self, question: str, history: Sequence[Turn]) -> Scope:
        """The reports the question names; a follow-up that names none keeps the reports its
        conversation was about."""
        if self.scoper is None:
            return Scope()
        scope = self.scoper.resolve(question)
        if scope or not history:
            return scope
        for turn in reversed(history):
            if turn.role == "user":
                earlier = self.scoper.resolve(turn.content)
                if earlier:
                    return earlier
        return scope

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
        if self.answer_embedder is not self.embedder:
            self.answer_embedder.prefetch()  # its tokenizer and weights, while we retrieve
        scope = self._scope(question, request.history)
        standalone = question
        if request.history:
            standalone = clean_query(
                answerer.condense(question, request.history, scope.antecedent) or question
            )
        timings["condense"] = _ms(clock)
        passages: tuple[Passage, ...] = ()
        answerability = 0.0

        def finish(answer_text: str, answerable: bool, citations: tuple = (),
                   removed: tuple[Removal, ...] = ()) -> AnswerEvent:
            timings["total"] = sum(timings.values())
            return AnswerEvent("answer", answer=Answer(
                question=question, standalone_question=standalone, answer=answer_text,
                answerable=answerable, mode=mode, citations=citations, passages=passages,
                evidence=answerability, threshold=self.settings.refusal_threshold,
                removed=removed, timings_ms=timings,
            ))

        if not request.history and not scope and needs_history(question):
            yield AnswerEvent("passages", standalone_question=standalone)
            yield finish(NO_CONTEXT, False)
            return
        filters = request.filters
        if scope:
            years = {r.source: r.year for r in self.retriever.index.documents()}
            allowed = tuple(s for s in scope.sources if filters.accepts(s, years.get(s)))
            if not allowed:
                yield AnswerEvent("passages", standalone_question=standalone)
                yield finish(filtered_out_text(scope), False)
                return
            filters = Filters(allowed, filters.year_min, filters.year_max)

        clock = time.perf_counter()
        vector = self.embedder.embed_query(standalone)
        # the answer model's: sentences are scored with it, and it ranks passages too (a third
        # ranking in hybrid search, assistant.retrieval.second)
        question_vector = (
            vector if self.answer_embedder is self.embedder
            else self.answer_embedder.embed_query(standalone)
        )
        passages = self._retrieve(standalone, k, filters, vector, question_vector)
        slots = expected_slots(question, scope.terms)
        if scope:  # a name, date or amount, or a field of one: the named reports' fact sheets
            passages = self._with_fact_sheets(
                passages, filters.sources, vector,
                None if slots else self._asks_field(f"{question} {standalone}", scope.terms),
            )
        # the item the user's words name or, unless they ask who or when (of the report), the
        # one the earlier turn asked for ("... in response?" after "the final recommendation")
        item = None
        if scope:
            item = item_reference(question) or (
                None if asks_who_or_when(slots)
                else item_reference(standalone)
            )
        favoured = None
        if item is not None:  # "the final recommendation": the passages that mention it
            passages, favoured = self._with_item(passages, item, filters.sources)
        passages = self._mended(passages)
        timings["retrieve"] = _ms(clock)
        yield AnswerEvent("passages", passages=passages, standalone_question=standalone)

        clock = time.perf_counter()
        asked = f"{question} {standalone}"  # the user's words and what was searched
        evidence = self.scorer.score(
            standalone, question_vector, passages, scope.terms, slots, asked, scope.reference,
            favoured,
        )
        if len(filters.sources) > 1 and scope:
            evidence = replace(evidence, cover=filters.sources)
        answerability = evidence.answerability
        timings["evidence"] = _ms(clock)

        best = evidence.sentences[:SLOT_CANDIDATES]
        names = asked_names(question, scope.terms, scope.reference)
        unfilled = bool(slots) and not any(
            fills(slot, s.text, asked) and names_in(passages[s.passage], names, slot.focus)
            for slot in slots for s in best
        )
        if not passages or evidence.answerability < self.settings.refusal_threshold:
            # a near-miss refused for weak evidence still says what it did not find (a name
            # the passages never mention says more, when there is one)
            missing = slots[0] if unfilled and not evidence.missing_key_terms else None
            yield finish(refusal_text(passages, evidence, unfilled=missing), False)
            return
        if unfilled:
            yield finish(refusal_text(passages, evidence, unfilled=slots[0]), False)
            return
        verifier = self.verifier()
        if verifier is not None:  # the reading model's check of the best sentences
            clock = time.perf_counter()
            verified = verifier.verify(standalone, evidence, passages)
            evidence = verified.evidence
            timings["verify"] = _ms(clock)
            if verified.best_odds < verifier.refuse_below:
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


#: The line after which a refusal lists the closest passages (the chat page shows them as
#: cards instead).
CLOSEST_HEADING = "Closest passages:"


def refusal_text(
    passages: tuple[Passage, ...], evidence: Evidence, checked: bool = False,
    unfilled: Slot | None = None,
) -> str:
    """The refusal, naming the closest passages so the reader can look for themselves."""
    lead = REFUSAL
    if unfilled is not None:
        lead += (f" The closest passages are on the topic but do not give {unfilled.describe()} "
                 "asked for.")
    elif checked:
        lead += " No sentence of the draft answer was supported by the passages it cited."
    elif evidence.missing_key_terms:
        # the retrieved passages, not every report: a name may be elsewhere in the reports
        lead += " The passages found do not mention " + ", ".join(evidence.missing_key_terms) + "."
    if not passages:
        return lead + " No passage matched it."
    lines = [lead, "", CLOSEST_HEADING]
    for p in closest_passages(passages):
        where = f", p. {p.page}" if p.page else ""
        section = f", {p.section}" if p.section else ""
        lines.append(f"- {p.title} ({p.year or 'n.d.'}){where}{section}")
    return "\n".join(lines)


def closest_passages(passages: Sequence[Passage], limit: int = 3) -> list[Passage]:
    """The first ``limit`` passages from different sections: a refusal names each place once."""
    seen: set[tuple[str, str]] = set()
    chosen: list[Passage] = []
    for p in passages:
        if (p.source, p.section) in seen:
            continue
        seen.add((p.source, p.section))
        chosen.append(p)
        if len(chosen) == limit:
            break
    return chosen


def _cut_off(text: str, following: Callable[[], str]) -> tuple[str, int]:
    """What to append to a passage's ``text`` from the chunk after it (``following``, read
    only when needed), and how many characters of that chunk it takes: ("", 0) unless the
    passage ends mid-sentence or with a list's intro."""
    end = text.rstrip()
    if not end:
        return "", 0
    if end.endswith(":"):
        nxt = following()
        items, used = _leading_items(nxt, text)
        return ("\n\n" + items, used) if items else ("", 0)
    last_line = end.rsplit("\n", 1)[-1]
    if end[-1] in ".!?;)\"”’" or not re.search(r"[a-z,]$", end) or len(words(last_line)) < 4:
        return "", 0  # a whole sentence, or a heading, a label or a table cell
    nxt = following()
    rest = nxt.lstrip()
    if not rest[:1].islower() or is_list_item(rest):
        return "", 0
    # the sentence's end: a full stop before a space, or before a footnote's number glued to
    # the next sentence ("... of the ILC in 2004.10This strategy ...")
    stop = next(
        (m.end() for m in re.finditer(r"[.!?][\"”’)]*(?=\s|$|\d{1,3}[A-Z])", rest)), None
    )
    if stop is None or stop > len(rest.split("\n", 1)[0]):
        return "", 0  # the rest is no sentence of one line
    return " " + rest[:stop], len(nxt) - len(rest) + stop


def _leading_items(text: str, before: str) -> tuple[str, int]:
    """The list items that open ``text`` (blank lines between them allowed), after any lines
    that ``before`` already holds, and where the last of them ends in ``text``; ("", 0) when
    ``text`` opens with no item."""
    held = {line.strip() for line in before.splitlines() if line.strip()}
    items: list[str] = []
    used = offset = 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        if not line.strip() or (not items and line.strip() in held):
            continue
        if not is_list_item(line):
            break
        items.append(line.rstrip())
        used = offset - (len(line) - len(line.rstrip()))
    return "\n\n".join(items), used


def _appended(passages: tuple[Passage, ...], extra: Sequence[Passage]) -> tuple[Passage, ...]:
    """``passages``, then those of ``extra`` not among them, ranked on from the last."""
    seen = {p.chunk_id for p in passages}
    added = [p for p in extra if p.chunk_id not in seen]
    return passages + tuple(
        replace(p, rank=rank) for rank, p in enumerate(added, len(passages) + 1)
    )


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
