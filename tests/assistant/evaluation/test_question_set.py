"""The fixed question set is sound: quotes are really in their reports, keywords in quotes."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import REPORTS, ROOT

from assistant.evaluation.questions import (
    UNANSWERABLE_TYPES,
    keyword_in_quotes,
    load_question_set,
    quote_in_report,
)

SET = load_question_set(ROOT / "eval_questions" / "reports.yaml")


def test_the_set_is_large_and_varied():
    kinds = Counter(q.type for q in SET.questions)
    assert len(SET.questions) >= 50
    assert sum(not q.answerable for q in SET.questions) >= 8
    for kind in ("fact", "number", "list", "finding", "recommendation", "methodology",
                 "multi-report"):
        assert kinds[kind] >= 1, kind
    reports = {s.report for q in SET.questions for s in q.sources}
    assert reports == {p.name for p in REPORTS.iterdir() if p.suffix in (".md", ".txt")}
    for q in SET.questions:
        if q.type == "multi-report":
            assert len({s.report for s in q.sources}) >= 2, q.id


def test_every_quote_is_in_its_report_and_every_keyword_in_a_quote():
    for q in SET.questions:
        assert q.answerable == (q.type not in UNANSWERABLE_TYPES), q.id
        for source in q.sources:
            assert quote_in_report(source, REPORTS), (q.id, source.quote)
        assert keyword_in_quotes(q) == [], q.id


@pytest.mark.parametrize(("name", "follow_ups"), [
    ("fresh_tune", 4), ("fresh_holdout", 4), ("fresh2_tune", 2), ("fresh2_holdout", 2),
    ("fresh3_tune", 2), ("fresh3_holdout", 2), ("fresh4_tune", 2), ("fresh4_holdout", 2),
    ("fresh5_tune", 2), ("fresh5_holdout", 2),
    ("fresh6_tune", 3), ("fresh6_holdout", 3),
])
def test_the_fresh_halves_are_sound_and_alike(name, follow_ups):
    """The sets written for the right-answers issue: tuned on one half, the other kept apart."""
    fresh = load_question_set(ROOT / "eval_questions" / f"{name}.yaml")
    kinds = Counter(q.type for q in fresh.questions)
    assert len(fresh.questions) >= 30 and kinds["near-miss"] >= 8
    assert sum(bool(q.history) for q in fresh.questions) >= follow_ups
    for q in fresh.questions:
        assert q.answerable == (q.type not in UNANSWERABLE_TYPES), q.id
        for source in q.sources:
            assert quote_in_report(source, REPORTS), (q.id, source.quote)
        assert keyword_in_quotes(q) == [], q.id
