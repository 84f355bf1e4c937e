"""Scoring, baselines, calibration, reports and feedback of `assistant eval` (no model)."""

from __future__ import annotations

import json

import pytest
from scored import BUDGET_Q, NONE_Q, answer, run_of, stored

from assistant.errors import EvalSetError
from assistant.evaluation.calibration import calibrate, fit_threshold, write_threshold
from assistant.evaluation.feedback import (
    append_feedback,
    candidates,
    candidates_yaml,
    read_feedback,
)
from assistant.evaluation.gate import compare
from assistant.evaluation.report import html_report, markdown
from assistant.evaluation.runs import (
    EvalQuestion,
    compute_metrics,
    load_question_set,
    score_question,
)
from assistant.settings import Settings


def test_an_answer_with_every_fact_passes_and_retrieval_is_scored():
    r = score_question(BUDGET_Q, answer("Budget: US$ 2,580,649, from DFID. [1]"), 50.0, stored)
    assert r.passed and r.keywords_missing == []
    assert (r.hit, r.reciprocal_rank, r.evidence_recall) == (True, 0.5, 1.0)
    assert (r.citations, r.citations_relevant, r.citations_valid) == (1, 1, 1)
    assert r.evidence_cited is True  # the cited passage holds the expected quote


def test_missing_facts_refusals_and_unanswerable_questions():
    partial = score_question(BUDGET_Q, answer("Budget: US$ 2,580,649. [1]"), 1.0, stored)
    assert not partial.passed and partial.keywords_missing == ["DFID"]
    refused = score_question(BUDGET_Q, answer("The reports do not...", False), 1.0, stored)
    assert not refused.passed and refused.refused and refused.keywords_found == []
    assert score_question(NONE_Q, answer("No.", False), 1.0, stored).passed
    assert not score_question(NONE_Q, answer("Budget [1]"), 1.0, stored).passed
    assert refused.evidence_cited is None  # a refusal cites nothing to judge
    metrics = compute_metrics([partial, refused])
    assert metrics["keyword_accuracy"] == 0.25 and metrics["false_refusal_rate"] == 0.5
    assert metrics["evidence_cited"] == 1.0  # partial's citation holds the quote
    assert metrics["by_type"]["number"] == {"questions": 2, "passed": 0, "accuracy": 0.0}


def test_the_baseline_gate_names_what_dropped_and_which_questions_failed():
    good = score_question(BUDGET_Q, answer("2,580,649 DFID [1]"), 1.0, stored)
    bad = score_question(BUDGET_Q, answer("2,580,649 [1]"), 1.0, stored)
    baseline = {**run_of(good).to_dict(), "tolerances": {"answer_accuracy": 0.1}}
    same = compare(run_of(good), baseline)
    assert not same.failed and same.newly_failing == []
    worse = compare(run_of(bad), baseline)
    assert worse.failed and worse.newly_failing == ["b1"]
    assert ("answer_accuracy", 1.0, 0.0, 0.1) in worse.regressions
    refusing = score_question(BUDGET_Q, answer("no", False), 1.0, stored)
    assert any(m == "false_refusal_rate" for m, *_ in compare(run_of(refusing), baseline)
               .regressions)  # lower is better: a rise is the regression


def test_reports_escape_text_and_draw_the_charts():
    q = EvalQuestion("x1", "<script>alert(1)</script>?", False, "unanswerable")
    run = run_of(score_question(q, answer("<b>bold</b>", False), 12.0, stored))
    page = html_report(run)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert page.count("<svg") == 3 and "threshold 0.40" in page
    assert "| refusal: unanswerable questions refused | 1.000 |" in markdown(run)


def test_threshold_fit_and_cross_validation():
    answerable = [0.5, 0.55, 0.6, 0.62, 0.7, 0.8, 0.9, 0.45, 0.52, 0.66]
    unanswerable = [0.1, 0.2, 0.15, 0.3, 0.25, 0.05, 0.33, 0.12]
    threshold = fit_threshold(answerable, unanswerable)
    assert 0.33 < threshold < 0.45
    result = calibrate(answerable, unanswerable, folds=4)
    assert result.cv_refusal_tpr == 1.0 and result.cv_false_refusal_rate == 0.0
    assert len(result.fold_thresholds) == 4


def test_calibration_writes_the_project_configuration(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[project]\nname = "x"\n\n[tool.assistant]\ntop_k = 7\n\n[tool.other]\na = 1\n'
    )
    write_threshold(config, 0.4321, "reports.yaml sha256:abcd")
    write_threshold(config, 0.4567, "reports.yaml sha256:ef01")  # updates in place
    text = config.read_text()
    assert text.count("refusal_threshold =") == 1 and "[tool.other]\na = 1" in text
    settings = Settings.load(config_file=config, env={})
    assert settings.refusal_threshold == 0.4567 and settings.top_k == 7
    assert settings.refusal_threshold_set == "reports.yaml sha256:ef01"


def test_feedback_becomes_candidates_that_a_set_refuses_until_completed(tmp_path):
    path = tmp_path / "feedback.jsonl"
    from assistant.evaluation.feedback import feedback_record

    append_feedback(path, feedback_record(answer("2,580,649 [1]"), "down", "wrong donor"))
    append_feedback(path, feedback_record(answer("2,580,649 [1]"), "up"))
    with path.open("a") as handle:
        handle.write("{not json\n")
    records, problems = read_feedback(path)
    assert len(records) == 2 and "line 3" in problems[0]
    items = candidates(records)
    assert len(items) == 1 and items[0]["feedback"]["comment"] == "wrong donor"
    assert items[0]["feedback"]["citations_given"][0]["source"] == "r.md"
    draft = tmp_path / "candidates.yaml"
    draft.write_text(candidates_yaml(items, path))
    with pytest.raises(EvalSetError, match="answerable` must be true or false"):
        load_question_set(draft)


@pytest.mark.parametrize("body, message", [
    ("questions: []", "no `questions` list"),
    ("questions:\n- {id: a, question: q, answerable: true, type: fact}",
     "needs keywords and sources"),
    ("questions:\n- {id: a, question: q, answerable: false}\n- {id: a, question: r, "
     "answerable: false}", "used twice"),
    ("questions:\n- {id: a, question: q, answerable: false, type: trivia}", "must be one of"),
    ("questions:\n- {id: a, question: q, answerable: false, critical: 1}",
     "`critical` must be true or false"),
])
def test_malformed_sets_name_the_file_and_question(tmp_path, body, message):
    path = tmp_path / "set.yaml"
    path.write_text(body)
    with pytest.raises(EvalSetError, match=message) as info:
        load_question_set(path)
    assert str(path) in str(info.value)


def test_results_are_plain_json():
    run = run_of(score_question(BUDGET_Q, answer("2,580,649 DFID [1]"), 1.0, stored))
    assert json.loads(json.dumps(run.to_dict()))["results"][0]["id"] == "b1"
