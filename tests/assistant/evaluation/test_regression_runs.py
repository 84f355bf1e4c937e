"""`assistant eval` as a CI job runs it, on the real corpus against the committed baseline:
a worse setting fails naming its flips, an unchanged run passes with intervals around zero and
is answered from the cache the second time, a matrix of two configurations makes one table.

Each test runs part of the fixed set (every third or sixth question) in extractive mode:
the behaviour does not need all 63 questions, and `make test` stays short.
"""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import ROOT, TEST_DATA
from scored import run_eval

pytestmark = pytest.mark.slow


def subset(tmp_path, step: int):
    """Every ``step``-th question of the fixed set, as a set file of its own (same name)."""
    data = yaml.safe_load((ROOT / "eval_questions" / "reports.yaml").read_text())
    data["questions"] = data["questions"][::step]
    path = tmp_path / f"reports-{step}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path, [q["id"] for q in data["questions"]]


def test_a_worse_setting_fails_the_gate_naming_the_flipped_questions(corpus, tmp_path):
    from lxml import etree

    path, ids = subset(tmp_path, 3)
    done = run_eval(corpus.settings.index_dir, tmp_path / "out", "--k", "1",
                    "--junit", str(tmp_path / "junit.xml"), "--summary", str(tmp_path / "ci.md"),
                    "--cache-dir", str(tmp_path / "cache"), set_file=path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    comparison = results["comparison"]
    assert comparison["failed"] and comparison["paired"] == len(ids)
    flipped = [f["id"] for f in comparison["flips"] if f["direction"] == "pass -> fail"]
    assert len(flipped) >= 2
    named = done.stdout.split("Questions that went from pass to fail: ")[1].splitlines()[0]
    assert named.split(", ") == flipped
    for flip in comparison["flips"]:  # both answers and their citations, before and now
        assert flip["before"]["answer"] and flip["now"]["answer"]
        assert isinstance(flip["before"]["cited"], list) and isinstance(flip["now"]["cited"], list)
    first = comparison["flips"][0]
    assert first["direction"] == "pass -> fail" and first["before"]["cited"]
    hit = next(r for r in comparison["regressions"] if r["metric"] == "hit_rate")
    assert hit["interval"][1] < 0 and set(hit["reasons"]) == {
        "beyond the tolerance", "95 % interval excludes 0"}
    page = (tmp_path / "out" / "report.html").read_text()
    assert f"Questions whose verdict flipped ({len(comparison['flips'])})" in page
    assert all(f">{i}<" in page for i in flipped)
    summary = (tmp_path / "ci.md").read_text()
    assert "❌ regression" in summary and all(f"#### {i} " in summary for i in flipped)
    schema = etree.XMLSchema(etree.parse(str(TEST_DATA / "junit.xsd")))
    junit = etree.parse(str(tmp_path / "junit.xml"))
    schema.assertValid(junit)
    cases = junit.getroot().findall("testsuite/testcase")
    assert [c.get("name").split(":")[0] for c in cases] == ids


def test_an_unchanged_run_passes_with_intervals_around_zero_and_is_then_cached(corpus, tmp_path):
    path, ids = subset(tmp_path, 3)
    args = ("--cache-dir", str(tmp_path / "cache"), "--history", str(tmp_path / "h.jsonl"))
    first = run_eval(corpus.settings.index_dir, tmp_path / "one", *args, set_file=path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    results = json.loads((tmp_path / "one" / "results.json").read_text())
    comparison = results["comparison"]
    assert not comparison["failed"] and comparison["newly_failing"] == []
    assert comparison["deltas"] and all(
        d["interval"][0] <= 0 <= d["interval"][1] for d in comparison["deltas"])
    assert results["meta"]["cache"]["misses"] == len(ids) and results["meta"]["cache"]["hits"] == 0
    again = run_eval(corpus.settings.index_dir, tmp_path / "two", *args, set_file=path)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    second = json.loads((tmp_path / "two" / "results.json").read_text())
    assert second["meta"]["cache"]["hits"] == len(ids) and second["meta"]["cache"]["misses"] == 0
    assert all(r["cached"] for r in second["results"])
    assert [r["answer"] for r in second["results"]] == [r["answer"] for r in results["results"]]
    assert second["metrics"] == results["metrics"]
    lines = (tmp_path / "h.jsonl").read_text().splitlines()
    history = [json.loads(line) for line in lines]
    assert len(history) == 2 and history[1]["cache_hits"] == len(ids)
    assert history[0]["index_fingerprint"] == history[1]["index_fingerprint"]
    assert 'aria-label="metrics across runs"' in (tmp_path / "two" / "report.html").read_text()
    forced = run_eval(corpus.settings.index_dir, tmp_path / "three", "--no-cache",
                      "--no-history", set_file=subset(tmp_path, 21)[0])
    assert forced.returncode == 0, forced.stdout[-3000:] + forced.stderr[-2000:]
    assert json.loads((tmp_path / "three" / "results.json").read_text())["meta"]["cache"] is None
    assert len((tmp_path / "h.jsonl").read_text().splitlines()) == 2


def test_a_two_configuration_matrix_makes_one_table(corpus, tmp_path):
    path, ids = subset(tmp_path, 6)
    matrix = tmp_path / "modes.yaml"
    matrix.write_text(
        "name: modes\nconfigurations:\n"
        "- {name: k8, mode: extractive, k: 8}\n"
        "- {name: k2-dense, k: 2, settings: {retrieval_mode: dense}}\n"
        "- {name: remote, mode: llm, settings: {llm: 'openai:gpt-4o-mini'}}\n"  # no key here
    )
    done = run_eval(corpus.settings.index_dir, tmp_path / "m", "--matrix", str(matrix),
                    "--cache-dir", str(tmp_path / "cache"), set_file=path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]  # k2-dense regresses
    table = (tmp_path / "m" / "matrix.md").read_text()
    assert table.count("| metric | k8 | k2-dense | remote |") == 1
    document = json.loads((tmp_path / "m" / "matrix.json").read_text())
    by_name = {c["name"]: c for c in document["configurations"]}
    assert by_name["k8"]["ran"] and by_name["k2-dense"]["ran"] and not by_name["remote"]["ran"]
    assert "API key" in by_name["remote"]["not_run"]  # reported as not run, with the reason
    assert not by_name["k8"]["gate"]["failed"] and by_name["k2-dense"]["gate"]["failed"]
    assert by_name["k8"]["metrics"]["questions"] == len(ids)
    assert by_name["k2-dense"]["metrics"]["hit_rate"] < by_name["k8"]["metrics"]["hit_rate"]
    page = (tmp_path / "m" / "matrix.html").read_text()
    assert 'aria-label="metrics of each configuration"' in page and "was not run" in page
    for name in ("k8", "k2-dense"):
        run = json.loads((tmp_path / "m" / name / "results.json").read_text())
        assert run["meta"]["configuration"] == name
    assert "REGRESSION against" in done.stdout and "in: k2-dense" in done.stdout
