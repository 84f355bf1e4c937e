"""Can a learned sentence scorer beat the fixed formula of :mod:`assistant.answering.evidence`?

Every candidate sentence that the real pipeline scores for the answerable questions of the given
sets is recorded (instrumenting ``EvidenceScorer.score``), labelled by whether it holds one of the
question's expected keywords or lies inside an expected quote, and described by features beyond
the formula's score. A logistic regression (pointwise, and pairwise within a question) is fitted on
all sets but one and tested on the one left out, each in turn; the table compares, per held-out
set, how often the best-ranked sentence holds a keyword and how often the best 3 and 5 hold every
keyword, for the formula and the fitted scorers. Only tuning sets belong here, never a held-back
half (docs/answers.md, "Scoring sentences", has the result of 2026-12-02).

    python -m bench.sentence_scorer_cv eval_questions/fresh_tune.yaml ... reports.yaml
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass

import numpy as np

from assistant import AskRequest, Settings, build_assistant
from assistant.answering import evidence as evidence_module
from assistant.evaluation.questions import load_question_set, normalise
from assistant.text import KEY_VALUE

#: A sentence about the report itself ("This evaluation ...", "The purpose of ...").
_META = re.compile(
    r"\b(?:this|the) (?:final |mid-?term |independent |high-level |present )?"
    r"(?:evaluation|report|review|assessment|study)\b|\bpurpose of\b|\bscope of\b", re.I,
)
_SECTIONS = ("summary", "recommend", "conclu", "finding", "method", "annex", "lesson",
             "background|introduction|context")
FEATURES = (
    "cosine_rel", "coverage_rel", "typed", "log_passage_rank", "dense_rel", "first", "log_words",
    "short", "long", "label", "digit", "refers_back", "top_report", "about_report",
    *(f"section_{s.split('|')[0]}" for s in _SECTIONS),
)


@dataclass
class Question:
    set: str
    keywords: set[str]
    scores: np.ndarray  # the formula's score of each candidate
    features: np.ndarray  # candidates x FEATURES
    found: list[set[str]]  # the expected keywords each candidate holds
    labels: np.ndarray  # 1: holds a keyword or lies in an expected quote


def collect(paths: list[str]) -> list[Question]:
    assistant = build_assistant(Settings.load())
    scorer_type = evidence_module.EvidenceScorer
    original = scorer_type.score
    seen: dict = {}

    def recording(self, question, vector, passages, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(self, question, vector, passages, *args, **kwargs)
        seen["evidence"], seen["passages"] = result, passages
        return result

    scorer_type.score = recording  # type: ignore[method-assign]
    questions = []
    try:
        for path in paths:
            question_set = load_question_set(path)
            for q in question_set.questions:
                if not q.answerable:
                    continue
                seen.clear()
                assistant.ask(AskRequest(q.question, q.history))
                if "evidence" not in seen or not seen["evidence"].sentences:
                    continue
                questions.append(describe(question_set.name, q, seen["evidence"], seen["passages"]))
    finally:
        scorer_type.score = original  # type: ignore[method-assign]
    return questions


def describe(name, q, evidence, passages) -> Question:  # type: ignore[no-untyped-def]
    sentences = evidence.sentences
    quotes = [normalise(s.quote) for s in q.sources]
    best_cos = max(s.similarity for s in sentences)
    best_cov = max(s.coverage for s in sentences)
    best_dense = max((p.dense_score or 0.0) for p in passages)
    top_report = passages[0].source
    rows, found, labels = [], [], []
    for s in sentences:
        p = passages[s.passage]
        text = normalise(s.text)
        words = len(s.text.split())
        section = p.section.lower()
        rows.append([
            s.similarity - best_cos, s.coverage - best_cov, float(s.bonus > 0),
            math.log1p(s.passage), (p.dense_score or 0.0) - best_dense, float(s.sentence == 0),
            math.log(max(words, 1)), float(words < 8), float(words > 60),
            float(bool(KEY_VALUE.match(s.text))), float(bool(re.search(r"\d", s.text))),
            float(evidence_module.refers_back(s.text)), float(p.source == top_report),
            float(bool(_META.search(s.text))),
            *(float(bool(re.search(kind, section))) for kind in _SECTIONS),
        ])
        holds = {k for k in q.keywords if normalise(k) in text}
        found.append(holds)
        in_quote = any(len(text) > 20 and (text in quote or quote in text) for quote in quotes)
        labels.append(int(bool(holds) or in_quote))
    return Question(
        name, set(q.keywords), np.array([s.score for s in sentences]), np.array(rows), found,
        np.array(labels),
    )


def outcomes(q: Question, scores: np.ndarray) -> tuple[bool, bool, bool]:
    order = np.argsort(-scores, kind="stable")
    first = q.labels[order[0]] == 1

    def covers(n: int) -> bool:
        return set().union(*(q.found[i] for i in order[:n])) >= q.keywords

    return bool(first), covers(3), covers(5)


def pointwise(train: list[Question], c: float):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([np.column_stack([q.scores, q.features]) for q in train])
    y = np.concatenate([q.labels for q in train])
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)
    return lambda q: model.decision_function(np.column_stack([q.scores, q.features]))


def pairwise(train: list[Question], c: float):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    xs, ys = [], []
    for q in train:
        z = np.column_stack([q.scores, q.features])
        for i in np.flatnonzero(q.labels == 1):
            for j in np.flatnonzero(q.labels == 0):
                xs += [z[i] - z[j], z[j] - z[i]]
                ys += [1, 0]
    model = LogisticRegression(C=c, max_iter=3000, fit_intercept=False).fit(np.array(xs), ys)
    return lambda q: np.column_stack([q.scores, q.features]) @ model.coef_[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="question sets (tuning sets only)")
    args = parser.parse_args()
    questions = collect(args.sets)
    names = sorted({q.set for q in questions})
    fits = {"formula": None} | {
        f"pointwise C={c}": (pointwise, c) for c in (0.1, 1.0)
    } | {f"pairwise C={c}": (pairwise, c) for c in (0.01, 0.1, 1.0)}
    print(f"{len(questions)} answerable questions with candidates, "
          f"{sum(len(q.labels) for q in questions)} candidates, leave one set out")
    print("| scorer | best holds a keyword | best 3 hold all | best 5 hold all |")
    print("|---|---|---|---|")
    for label, fit in fits.items():
        totals = np.zeros(3, dtype=int)
        for held in names:
            test = [q for q in questions if q.set == held]
            if fit is None:
                score = lambda q: q.scores  # noqa: E731
            else:
                score = fit[0]([q for q in questions if q.set != held], fit[1])
            for q in test:
                totals += np.array(outcomes(q, score(q)), dtype=int)
        print(f"| {label} | {totals[0]} | {totals[1]} | {totals[2]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
