"""The `assistant` command run as a real subprocess on a real index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import REPORTS, ROOT

pytestmark = pytest.mark.slow  # the CLI runs the real model in a subprocess

SMALL = [
    "2013-ilo-labour-migration-evaluation-summary.md",
    "2021-fair-labour-migration-hle-summary.txt",
]


def run(*args: str, index, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_INDEX_DIR"] = str(index)
    result = subprocess.run(
        [sys.executable, "-m", "assistant.serve.cli", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    for name in [*SMALL, "catalog.yaml"]:
        shutil.copy(REPORTS / name, folder / name)
    index = tmp_path_factory.mktemp("index")
    first = json.loads(run("ingest", str(folder), "--json", index=index).stdout)
    return folder, index, first


def test_ingest_twice(cli_index):
    folder, index, first = cli_index
    assert (first["added"], first["failed"]) == (2, 0)
    assert first["chunks_in_index"] == first["chunks_written"] > 0
    second = json.loads(run("ingest", str(folder), "--json", index=index).stdout)
    assert (second["added"], second["unchanged"], second["chunks_written"]) == (0, 2, 0)
    text = run("ingest", str(folder), index=index).stdout
    assert "0 added, 0 replaced, 2 unchanged, 0 skipped, 0 failed" in text


def test_search_json_prints_passages_with_their_place(cli_index):
    _, index, _ = cli_index
    out = json.loads(run("search", "How many people answered the surveys?", "--json", "--k", "3",
                         index=index).stdout)
    assert len(out["passages"]) == 3
    first = out["passages"][0]
    for key in ("rank", "chunk_id", "source", "title", "year", "page", "section", "score", "text"):
        assert key in first
    filtered = json.loads(run("search", "surveys", "--json", "--year", "2021", index=index).stdout)
    assert {p["year"] for p in filtered["passages"]} == {2021}
    human = run("search", "fair recruitment", "--source", SMALL[1], index=index).stdout
    assert human.startswith("[1] High-level evaluation of ILO's work on fair labour migration")


def test_docs_and_delete(cli_index, tmp_path):
    folder, index, _ = cli_index
    scratch = tmp_path / "idx"
    shutil.copytree(index, scratch)
    docs = json.loads(run("docs", "--json", index=scratch).stdout)
    assert sorted(d["source"] for d in docs) == sorted(SMALL)
    assert all(d["sha256"] and d["chunks"] > 0 for d in docs)
    deleted = run("delete", SMALL[1], index=scratch).stdout
    assert "deleted 2021-fair" in deleted
    assert "still there, so the next `assistant ingest`" in deleted  # it is in data/reports
    assert [d["source"] for d in json.loads(run("docs", "--json", index=scratch).stdout)] == [
        SMALL[0]
    ]
    missing = run("delete", "nope.md", index=scratch, check=False)
    assert missing.returncode == 1 and "no document named 'nope.md'" in missing.stderr


def test_output_to_a_closed_pipe_ends_quietly(cli_index):
    _, index, _ = cli_index
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_INDEX_DIR"] = str(index)
    process = subprocess.Popen(  # like `assistant search ... --json | head -c 100`
        [sys.executable, "-m", "assistant.serve.cli", "search", "migration", "--k", "100",
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100)
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0
    assert "Traceback" not in error and "BrokenPipeError" not in error


def test_errors_are_one_line_and_set_the_exit_status(cli_index, tmp_path):
    _, index, _ = cli_index
    empty = run("search", "   ", index=index, check=False)
    assert empty.returncode == 2
    assert empty.stderr.strip() == (
        "error: the query is empty; type a question or some words to search for"
    )
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    failed = run("ingest", str(bad), str(tmp_path / "missing.txt"), index=index, check=False)
    assert failed.returncode == 1
    lines = [line for line in failed.stderr.splitlines() if line.startswith("FAILED")]
    assert len(lines) == 2
    assert "bad.pdf: corrupt or truncated PDF" in failed.stderr
    assert "missing.txt: no such file" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_an_ingest_that_loaded_torch_exits_with_its_status_and_whole_output(tmp_path):
    """The command's exit skips torch's teardown (`console`): its status, its last line of
    output and its writes must all survive that."""
    folder, index = tmp_path / "reports", tmp_path / "index"
    folder.mkdir()
    shutil.copy(REPORTS / SMALL[1], folder / SMALL[1])
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    result = run("ingest", str(folder), "--json", index=index, check=False)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # the whole JSON document was flushed
    assert (report["added"], report["failed"]) == (1, 1) and report["chunks_written"] > 0
    found = json.loads(run("search", "fair recruitment", "--json", "--k", "2",
                           index=index).stdout)
    assert [p["source"] for p in found["passages"]] == [SMALL[1]] * 2


def test_bad_setting_is_reported(tmp_path):
    env = {**os.environ, "ASSISTANT_CHUNK_TOKENS": "lots", "ASSISTANT_INDEX_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "assistant.serve.cli", "docs"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert "invalid settings: chunk_tokens" in result.stderr and "'lots'" in result.stderr
