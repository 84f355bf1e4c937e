"""The regression gate that `make test` (and so CI) runs: the fixed question set on the default
corpus against eval_questions/baseline.json, through the real `assistant eval` command."""

from __future__ import annotations

import json

from scored import BASELINE, run_eval


def test_the_fixed_set_meets_its_baseline(corpus, tmp_path):
    done = run_eval(corpus.settings.index_dir, tmp_path, "--junit", str(tmp_path / "junit.xml"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "No metric dropped beyond its tolerance" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    baseline = json.loads(BASELINE.read_text())
    assert results["meta"]["set_sha256"] == baseline["meta"]["set_sha256"]
    assert results["metrics"]["questions"] >= 50
    report = (tmp_path / "report.html").read_text()
    assert report.count("<svg") == 4  # three charts of the run, the differences to the baseline
    assert results["comparison"]["flips"] == [] and not results["comparison"]["failed"]
    assert "Questions that did not pass" in (tmp_path / "summary.md").read_text()
    check_junit(tmp_path / "junit.xml", results)


def check_junit(path, results) -> None:
    """One test case per question; the failed ones carry what was missing or wrong."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(results["results"]) == int(suite.get("tests"))
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == int(suite.get("failures")) == sum(
        not r["passed"] for r in results["results"])
    for case, result in zip(cases, results["results"], strict=True):
        assert case.get("name").startswith(f"{result['id']}: ")
        assert float(case.get("time")) >= 0 and case.get("classname").startswith("reports.")
    assert all(c.find("failure").get("message").startswith(("missing: ", "refused ", "answered "))
               for c in failed)


def test_a_run_that_cannot_reach_its_index_exits_2_not_1(tmp_path):
    done = run_eval(tmp_path / "index", tmp_path / "out",
                    ASSISTANT_CHROMA_URL="http://127.0.0.1:9")  # nothing listens there
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "the run could not finish: cannot reach the Chroma server" in done.stderr


def test_a_broken_retriever_setting_fails_the_gate_naming_the_questions(corpus, tmp_path):
    done = run_eval(corpus.settings.index_dir, tmp_path, ASSISTANT_RETRIEVAL_MODE="dense")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "REGRESSION against" in done.stdout
    assert "hit_rate:" in done.stdout
    failing = done.stdout.split("Questions that went from pass to fail: ")[1].splitlines()[0]
    assert len(failing.split(", ")) >= 3  # each named by its id, e.g. r2008-03
    assert all(name.startswith(("r20", "multi-", "none-")) for name in failing.split(", "))
