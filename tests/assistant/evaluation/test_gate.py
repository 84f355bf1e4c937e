"""The regression gate's parts without a model: paired bootstrap intervals, flips, critical
questions, old baselines, the reports, JUnit against its schema, history, cache keys and matrix
files."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from helpers import TEST_DATA
from scored import BUDGET_Q, NONE_Q, answer, run_of, stored

from assistant.errors import EvalSetError
from assistant.evaluation import stats
from assistant.evaluation.cache import AnswerCache, answer_from_dict, settings_fingerprint
from assistant.evaluation.gate import (
    BEYOND_TOLERANCE,
    SIGNIFICANT,
    compare,
    describe_comparison,
    read_baseline,
)
from assistant.evaluation.history import append_history, history_record, read_history, trend
from assistant.evaluation.junit import junit_xml
from assistant.evaluation.matrix import load_matrix
from assistant.evaluation.report import ci_summary, html_report, markdown
from assistant.evaluation.runs import compute_metrics, score_question
from assistant.settings import Settings

GOOD = "2,580,649 DFID [1]"
BAD = "2,580,649 [1]"


def budget(i: int, text: str, critical: bool = False):
    """A scored copy of the budget question with its own id."""
    q = replace(BUDGET_Q, id=f"b{i:02d}", critical=critical)
    return score_question(q, answer(text), 10.0, stored)


def test_metrics_from_the_bootstrap_arrays_equal_the_run_metrics():
    results = [budget(i, GOOD if i % 3 else BAD) for i in range(9)]
    results.append(score_question(NONE_Q, answer("no", False), 1.0, stored))
    run = run_of(*results)
    metrics = compute_metrics(results)
    for metric in stats.METRICS:
        value = stats.value(run.rows(), metric)
        assert (round(value, 4) if value is not None else None) == metrics[metric], metric


def test_identical_runs_have_zero_wide_differences_and_reproducible_intervals():
    rows = run_of(*[budget(i, GOOD if i % 2 else BAD) for i in range(20)]).rows()
    differences = stats.paired_differences(rows, rows)
    assert all(d is not None and d.to_list() == [0.0, 0.0] for d in differences.values()
               if d is not None)
    first, again = stats.intervals(rows), stats.intervals(rows)
    assert first == again  # fixed seed
    low, high = first["answer_accuracy"].to_list()
    assert low < 0.5 < high


def test_a_consistent_small_drop_fails_on_its_interval_even_within_tolerance():
    before = run_of(*[budget(i, GOOD) for i in range(40)])
    now = run_of(*[budget(i, BAD if i < 8 else GOOD) for i in range(40)])
    baseline = {**before.to_dict(), "tolerances": {"answer_accuracy": 0.5}}
    comparison = compare(now, baseline)
    (delta,) = [d for d in comparison.deltas if d.metric == "answer_accuracy"]
    assert delta.delta == -0.2 and delta.interval[1] < 0
    assert delta.reasons == (SIGNIFICANT,) and comparison.failed
    assert comparison.newly_failing == [f"b{i:02d}" for i in range(8)]


def test_a_drop_beyond_tolerance_fails_even_when_its_interval_holds_zero():
    before = run_of(*[budget(i, GOOD) for i in range(60)])
    now = run_of(*[budget(i, BAD if i < 2 else GOOD) for i in range(60)])
    baseline = {**before.to_dict(), "tolerances": {"answer_accuracy": 0.01}}
    (delta,) = [d for d in compare(now, baseline).deltas if d.metric == "answer_accuracy"]
    assert delta.interval[0] < 0 <= delta.interval[1]
    assert delta.reasons == (BEYOND_TOLERANCE,)
    text = describe_comparison(compare(now, baseline), "base.json")
    assert "answer_accuracy: 1.0 -> 0.9667" in text and "beyond the tolerance" in text


def test_a_critical_question_that_flips_fails_the_gate_on_its_own():
    before = run_of(*[budget(i, GOOD, critical=i == 5) for i in range(40)])
    baseline = before.to_dict()
    plain = compare(run_of(*[budget(i, BAD if i == 4 else GOOD) for i in range(40)]), baseline)
    assert not plain.failed and plain.newly_failing == ["b04"]  # 1 of 40: within tolerance
    critical = compare(
        run_of(*[budget(i, BAD if i == 5 else GOOD, critical=i == 5) for i in range(40)]),
        baseline,
    )
    assert critical.failed and critical.critical_flips == ["b05"] and not critical.regressions
    assert "critical questions that went from pass to fail: b05" in describe_comparison(
        critical, "base.json")


def test_flips_come_first_with_both_answers_and_their_citations():
    before = run_of(budget(1, GOOD), budget(2, BAD), budget(3, GOOD))
    now = run_of(budget(1, BAD), budget(2, GOOD), budget(3, GOOD + " again"))
    comparison = compare(now, before.to_dict())
    assert [(f.id, f.direction) for f in comparison.flips] == [
        ("b01", "pass -> fail"), ("b02", "fail -> pass")]
    flip = comparison.flips[0]
    assert flip.before["answer"] == GOOD and flip.now["answer"] == BAD
    assert flip.now["why"] == "missing DFID" and flip.before["cited"][0]["source"] == "r.md"
    assert comparison.changed == ["b03"]
    text = markdown(now, describe_comparison(comparison, "b.json"), comparison)
    assert text.index("#### b01") < text.index("#### b02")
    assert "[1] r.md" in text and "Checks that changed: keywords pass -> fail" in text
    summary = ci_summary(now, comparison, "b.json")
    assert summary.startswith("## assistant eval") and "<details>" in summary


def test_an_old_baseline_is_read_and_the_diff_says_what_it_lacks(tmp_path):
    old = run_of(budget(1, GOOD)).to_dict()
    del old["format"], old["intervals"]
    for row in old["results"]:
        del row["cited"], row["checks"], row["critical"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    comparison = compare(run_of(budget(1, BAD)), read_baseline(path))
    assert comparison.flips[0].before["cited"] is None
    assert "predates per-question citations" in comparison.notes[0]
    assert "citations not recorded in this baseline" in markdown(
        run_of(budget(1, BAD)), None, comparison)
    path.write_text(json.dumps({"metrics": {}, "results": [{"id": "x"}]}))
    with pytest.raises(EvalSetError, match="lacks per-question results"):
        read_baseline(path)


def test_the_report_escapes_flipped_answers_and_draws_intervals_and_trend():
    q = replace(BUDGET_Q, id="x1")
    before = run_of(score_question(q, answer(GOOD), 1.0, stored))
    now = run_of(score_question(q, answer("<script>alert(1)</script>"), 1.0, stored))
    comparison = compare(now, before.to_dict())
    records = [history_record(before), history_record(now)]
    page = html_report(now, "text", comparison, records)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert 'aria-label="differences to the baseline' in page
    assert 'aria-label="metrics across runs"' in page
    assert "Questions whose verdict flipped (1)" in page


def test_junit_validates_against_the_schema_with_one_case_per_question():
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(TEST_DATA / "junit.xsd")))
    run = run_of(budget(1, GOOD), budget(2, BAD),
                 score_question(NONE_Q, answer("<b>x</b> & y"), 1.0, stored))
    run.meta["date"] = "2026-11-30 05:43:38 +0000"
    for document in (junit_xml(run), junit_xml([("k8", run), ("k2", run)])):
        tree = etree.fromstring(document.encode())
        schema.assertValid(tree)
    suites = etree.fromstring(junit_xml([("k8", run), ("k2", run)]).encode())
    assert [len(s.findall("testcase")) for s in suites] == [3, 3]
    assert suites.get("tests") == "6" and suites.get("failures") == "4"


def test_history_lines_are_appended_read_and_filtered(tmp_path):
    path = tmp_path / "h" / "history.jsonl"
    run = run_of(budget(1, GOOD))
    run.meta.update(settings_hash="s", index_fingerprint="i", code_version="c")
    append_history(path, history_record(run, gate="passed", git={"commit": "abc", "dirty": False}))
    append_history(path, history_record(run, configuration="k2"))
    with path.open("a") as handle:
        handle.write("{broken\n")
    records, problems = read_history(path)
    assert len(records) == 2 and "line 3" in problems[0]
    assert records[0]["metrics"]["pass_rate"] == 1.0 and records[0]["git"]["commit"] == "abc"
    assert records[0]["index_fingerprint"] == "i" and records[0]["gate"] == "passed"
    assert trend(records, "t", "k2") == [records[1]]


def test_cache_keys_follow_question_settings_prompts_and_index(tmp_path):
    settings = Settings.load(env={})
    first = AnswerCache(tmp_path, settings_fingerprint(settings, None, None), "index-a")
    assert first.key("q", ()) != first.key("q", ("earlier",)) != first.key("r", ())
    assert settings_fingerprint(settings, None, 2) != settings_fingerprint(settings, None, None)
    assert settings_fingerprint(settings, "extractive", 8) == settings_fingerprint(
        settings, None, None)  # the defaults spelled out are the same configuration
    moved = Settings.load(env={}, index_dir=tmp_path / "elsewhere", port=9999)
    assert settings_fingerprint(moved, None, None) == settings_fingerprint(settings, None, None)
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "answer_system.md").write_text("Answer briefly.")
    custom = Settings.load(env={}, prompts_dir=prompts)
    before = settings_fingerprint(custom, None, None)
    (prompts / "answer_system.md").write_text("Answer at length.")  # same path, new text
    assert settings_fingerprint(custom, None, None) != before
    other_index = AnswerCache(tmp_path, settings_fingerprint(settings, None, None), "index-b")
    assert other_index.key("q", ()) != first.key("q", ())
    original = answer(GOOD)
    first.put("q", (), original, 12.5, None)
    entry = first.get("q", ())
    assert answer_from_dict(entry["answer"]) == original and entry["answer_ms"] == 12.5
    assert other_index.get("q", ()) is None
    assert (first.hits, first.misses, other_index.misses) == (1, 0, 1)


@pytest.mark.parametrize("body, message", [
    ("configurations: []", "no `configurations` list"),
    ("configurations:\n- {name: a b}", "`name` must be"),
    ("configurations:\n- {name: a}\n- {name: a}", "used twice"),
    ("configurations:\n- {name: a, mode: telepathy}", "`mode` must be one of"),
    ("configurations:\n- {name: a, k: 0}", "`k` must be a whole number"),
    ("configurations:\n- {name: a, settings: {embedding_model: other}}", "cannot vary"),
    ("configurations:\n- {name: a, settings: {rrf_k: -3}}", "rrf_k"),
    ("configurations:\n- {name: a, temperature: 1}", "unknown key"),
])
def test_malformed_matrix_files_name_the_file_and_configuration(tmp_path, body, message):
    path = tmp_path / "matrix.yaml"
    path.write_text(body)
    with pytest.raises(EvalSetError, match=message) as info:
        load_matrix(path)
    assert str(path) in str(info.value)


def test_a_matrix_file_reads_into_named_configurations(tmp_path):
    path = tmp_path / "modes.yaml"
    path.write_text("configurations:\n- {name: k8, k: 8}\n"
                    "- {name: dense, mode: extractive, settings: {retrieval_mode: dense}}\n")
    title, configurations = load_matrix(path)
    assert title == "modes" and [c.name for c in configurations] == ["k8", "dense"]
    assert configurations[1].describe() == "mode extractive, retrieval_mode dense"
