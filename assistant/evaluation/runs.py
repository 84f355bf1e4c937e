"""Batch question sets: run a set (:mod:`assistant.evaluation.questions`) through the
assistant, score it, compare it with a baseline.

The comparison with a baseline is :mod:`assistant.evaluation.gate`.

Per question, an answerable question *passes* when it is answered (not refused) and states every
keyword; an unanswerable one passes when it is refused.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.evaluation.questions import (  # noqa: F401 - re-exported for callers
    TYPES,
    EvalQuestion,
    QuestionSet,
    Source,
    keyword_in_quotes,
    load_question_set,
    normalise,
    quote_in_report,
)
from assistant.records import Answer, AskRequest


@dataclass
class QuestionResult:
    id: str
    type: str
    question: str
    answerable: bool
    refused: bool
    passed: bool
    keywords_found: list[str]
    keywords_missing: list[str]
    hit: bool | None  # an expected quote is in the top k (answerable questions)
    reciprocal_rank: float | None
    evidence_recall: float | None
    citations: int
    citations_relevant: int  # cited passages holding an expected quote or keyword
    citations_valid: int  # cited quote found verbatim in the stored chunk
    evidence_cited: bool | None  # a cited passage holds an expected quote (answered questions)
    evidence: float
    retrieve_ms: float
    answer_ms: float
    standalone_question: str
    answer: str
    error: str | None = None
    first_token_ms: float | None = None  # when the answerer writes its draft token by token
    critical: bool = False  # marked `critical: true` in the set: a pass->fail flip fails the gate
    cited: list[dict[str, Any]] = field(default_factory=list)  # where each citation points
    checks: dict[str, bool | None] = field(default_factory=dict)  # pass/fail per measure
    cached: bool = False  # the answer came from the answer cache (latencies are the original's)


@dataclass
class EvalRun:
    """A finished run: metadata, the metrics and every question's result."""

    meta: dict[str, Any]
    metrics: dict[str, Any]
    results: list[QuestionResult] = field(default_factory=list)
    #: 95 % bootstrap interval of each metric over the questions (:mod:`.stats`)
    intervals: dict[str, list[float] | None] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """Every question's result as a plain dict (the shape of results.json)."""
        return [asdict(r) for r in self.results]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RESULTS_FORMAT, "meta": self.meta, "metrics": self.metrics,
            "intervals": self.intervals, "results": self.rows(),
        }


#: Version of the results/baseline file. 2 added per question: the citations (`cited`), the
#: verdict of each measure (`checks`), `critical`; and per run: `intervals`.
RESULTS_FORMAT = 2


def score_question(
    q: EvalQuestion, answer: Answer, answer_ms: float, chunk_text: Callable[[str], str | None]
) -> QuestionResult:
    """Score one answer against its question's expectations."""
    refused = not answer.answerable
    text = normalise(answer.answer)
    found = [k for k in q.keywords if normalise(k) in text] if not refused else []
    missing = [k for k in q.keywords if k not in found]
    quotes = [normalise(s.quote) for s in q.sources]
    passages = [normalise(p.text) for p in answer.passages]
    hit = rr = recall = None
    if q.answerable and quotes:
        ranks = [i for i, p in enumerate(passages, 1) if any(quote in p for quote in quotes)]
        hit = bool(ranks)
        rr = 1.0 / ranks[0] if ranks else 0.0
        recall = sum(any(quote in p for p in passages) for quote in quotes) / len(quotes)
    cited_texts = [normalise(c.text) for c in answer.citations]
    evidence_cited = (
        any(quote in c for quote in quotes for c in cited_texts)
        if q.answerable and quotes and not refused else None
    )
    expected = quotes + [normalise(k) for k in q.keywords]
    relevant = valid = 0
    for c in answer.citations:
        body = normalise(c.text)
        relevant += any(e in body for e in expected)
        stored = chunk_text(c.chunk_id)
        valid += bool(stored is not None and c.quote in stored)
    passed = (not refused and not missing) if q.answerable else refused
    checks = {
        "keywords": (not refused and not missing) if q.answerable else None,
        "refusal": refused != q.answerable,
        "retrieval": hit,
        "evidence_cited": evidence_cited,
        "citations_valid": valid == len(answer.citations) if answer.citations else None,
    }
    return QuestionResult(
        id=q.id, type=q.type, question=q.question, answerable=q.answerable, refused=refused,
        passed=passed, keywords_found=found, keywords_missing=missing, hit=hit,
        reciprocal_rank=rr, evidence_recall=recall, citations=len(answer.citations),
        citations_relevant=relevant, citations_valid=valid, evidence_cited=evidence_cited,
        evidence=round(answer.evidence, 4),
        retrieve_ms=round(answer.timings_ms.get("retrieve", 0.0), 1),
        answer_ms=round(answer_ms, 1), standalone_question=answer.standalone_question,
        answer=answer.answer, critical=q.critical, checks=checks,
        cited=[{"n": c.n, "source": c.source, "page": c.page, "section": c.section,
                "quote": c.quote} for c in answer.citations],
    )


def run_set(
    assistant: Any,
    qset: QuestionSet,
    *,
    mode: str | None = None,
    k: int | None = None,
    progress: Callable[[QuestionResult], None] | None = None,
    cache_dir: Path | None = None,
) -> EvalRun:
    """Ask every question of ``qset`` in this process and score the answers; with
    ``cache_dir``, answers of an unchanged configuration come from the answer cache
    (:mod:`.cache`) and new ones are stored there."""
    from assistant.evaluation import cache as answer_cache
    from assistant.evaluation.stats import intervals

    started = time.perf_counter()
    settings = assistant.settings
    settings_key = answer_cache.settings_fingerprint(settings, mode, k)
    index_key = answer_cache.index_fingerprint(assistant)
    store = (answer_cache.AnswerCache(cache_dir, settings_key, index_key)
             if cache_dir is not None else None)
    results = []

    def chunk_text(chunk_id: str) -> str | None:
        got = assistant.index.dense.get([chunk_id])
        return got[0].text if got else None

    for q in qset.questions:
        entry = store.get(q.question, q.history) if store else None
        if entry is not None:
            answer = answer_cache.answer_from_dict(entry["answer"])
            answer_ms, first_token = entry["answer_ms"], entry["first_token_ms"]
        else:
            answer, answer_ms, first_token = _ask(assistant, q, mode, k)
            if store:
                store.put(q.question, q.history, answer, answer_ms, first_token)
        result = score_question(q, answer, answer_ms, chunk_text)
        result.cached = entry is not None
        if first_token is not None:
            result.first_token_ms = round(first_token, 1)
        results.append(result)
        if progress:
            progress(result)
    meta = {
        "set": qset.name,
        "set_file": str(qset.path),
        "set_sha256": qset.sha256,
        "mode": mode or settings.answer_mode,
        "k": k or settings.answer_passages,
        "retrieval_mode": settings.retrieval_mode,
        "embedding_model": settings.embedding_model,
        "answer_embedding_model": settings.answer_model,
        "rrf_k": settings.rrf_k,
        "refusal_threshold": settings.refusal_threshold,
        "answer_verifier": (
            f"{settings.answer_verifier}:{settings.local_model}"
            if settings.answer_verifier != "none" else None
        ),
        "llm": {"llm": settings.llm, "local": settings.local_model}.get(
            mode or settings.answer_mode
        ),
        "documents": len(assistant.documents()),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "seconds": round(time.perf_counter() - started, 1),
        "settings_hash": settings_key,
        "index_fingerprint": index_key,
        "code_version": answer_cache.code_version(),
        "cache": store.counters() if store else None,
    }
    run = EvalRun(meta, compute_metrics(results), results)
    run.intervals = {m: i.to_list() if i else None for m, i in intervals(run.rows()).items()}
    return run


def _ask(assistant: Any, q: EvalQuestion, mode: str | None, k: int | None
         ) -> tuple[Answer, float, float | None]:
    """The answer to ``q``, its time and the time to its first draft token (ms)."""
    clock = time.perf_counter()
    first_token = answer = None
    for event in assistant.ask_stream(AskRequest(q.question, q.history, answer_mode=mode, k=k)):
        if event.kind == "token" and first_token is None:
            first_token = (time.perf_counter() - clock) * 1000
        elif event.kind == "answer":
            answer = event.answer
    assert answer is not None
    return answer, (time.perf_counter() - clock) * 1000, first_token


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _quantile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def compute_metrics(results: Sequence[QuestionResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    with_sources = [r for r in answerable if r.hit is not None]
    cited = [r for r in answerable if not r.refused]
    first_tokens = [r.first_token_ms for r in results if r.first_token_ms is not None]
    by_type: dict[str, dict[str, Any]] = {}
    for r in results:
        entry = by_type.setdefault(r.type, {"questions": 0, "passed": 0})
        entry["questions"] += 1
        entry["passed"] += int(r.passed)
    for entry in by_type.values():
        entry["accuracy"] = _share(entry["passed"], entry["questions"])
    return {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "pass_rate": _share(sum(r.passed for r in results), len(results)),
        "hit_rate": _share(sum(bool(r.hit) for r in with_sources), len(with_sources)),
        "mrr": _share(sum(r.reciprocal_rank or 0.0 for r in with_sources), len(with_sources)),
        "evidence_recall": _share(
            sum(r.evidence_recall or 0.0 for r in with_sources), len(with_sources)
        ),
        "keyword_accuracy": _share(
            sum(len(r.keywords_found) / max(1, len(r.keywords_found) + len(r.keywords_missing))
                for r in answerable), len(answerable),
        ),
        "answer_accuracy": _share(sum(r.passed for r in answerable), len(answerable)),
        "citation_precision": _share(
            sum(r.citations_relevant for r in cited), sum(r.citations for r in cited)
        ),
        "evidence_cited": _share(
            sum(bool(r.evidence_cited) for r in cited), len(cited)
        ),
        "citation_validity": _share(
            sum(r.citations_valid for r in results), sum(r.citations for r in results)
        ),
        "refusal_tpr": _share(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _share(sum(r.refused for r in answerable), len(answerable)),
        "retrieve_ms_p50": _quantile([r.retrieve_ms for r in results], 0.5),
        "retrieve_ms_p95": _quantile([r.retrieve_ms for r in results], 0.95),
        "answer_ms_p50": _quantile([r.answer_ms for r in results], 0.5),
        "answer_ms_p95": _quantile([r.answer_ms for r in results], 0.95),
        "first_token_ms_p50": _quantile(first_tokens, 0.5),
        "first_token_ms_p95": _quantile(first_tokens, 0.95),
        "answer_ms_mean": round(statistics.fmean(r.answer_ms for r in results), 1)
        if results else None,
        "by_type": dict(sorted(by_type.items())),
    }
