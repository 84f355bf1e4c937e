"""The bad-file matrix through the real CLI: one clear message per bad file, every good file
ingested, the catalog exact, a non-zero exit only when something failed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from helpers import PDF_2008, REPORTS, ROOT, encrypt_pdf, make_image_only_pdf, make_pdf

pytestmark = pytest.mark.slow  # the CLI runs the real model in a subprocess

GOOD = ("2013-ilo-labour-migration-evaluation-summary.md",
        "2021-fair-labour-migration-hle-summary.txt")


def broken_stream_pdf(path):
    """A real PDF whose first page's content stream is not valid Flate data."""
    data = make_pdf(path, ["First page text. " * 20, "Second page about migrant workers. " * 10]
                    ).read_bytes()
    start = data.index(b"stream\n") + len(b"stream\n")
    end = data.index(b"endstream", start)
    garbage = (b"\x00garbage" * ((end - start) // 8 + 1))[: end - start]
    path.write_bytes(data[:start] + garbage + data[end:])
    return path


def cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "assistant.serve.cli", *args], capture_output=True, text=True,
        timeout=300, cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def test_bad_file_matrix(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(REPORTS / name, folder / name)
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(3000))
    (folder / "truncated.pdf").write_bytes(PDF_2008.read_bytes()[:5000])
    encrypt_pdf(make_pdf(tmp_path / "plain.pdf", ["Locked evaluation text on Tuvalu."]),
                folder / "locked.pdf", "pw")
    make_image_only_pdf(folder / "scanned.pdf")
    broken_stream_pdf(folder / "broken-page.pdf")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.md").write_bytes(bytes(range(256)) * 40)
    (folder / "latin1.txt").write_bytes("Évaluation à Genève: travailleurs migrants, "
                                        "résultats et leçons.".encode("latin-1"))
    (folder / "utf16.txt").write_text("Evaluation of seasonal work schemes in Fiji.",
                                      encoding="utf-16")
    (folder / "huge.txt").write_bytes(b"migration " * 40_000)  # 0.4 MB, over the limit
    (folder / "notes.odt").write_bytes(b"PK\x03\x04 not supported")
    index = tmp_path / "index"
    env = {"ASSISTANT_MAX_FILE_MB": "0.3"}

    done = cli("--index", str(index), "ingest", str(folder), "--json", env=env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    status = {f["source"]: f["status"] for f in report["files"]}
    assert {s for s, v in status.items() if v == "added"} == {
        *GOOD, "latin1.txt", "utf16.txt", "broken-page.pdf"
    }
    failed = {f["source"]: f["error"] for f in report["files"] if f["status"] == "failed"}
    assert set(failed) == {"zero.pdf", "corrupt.pdf", "truncated.pdf", "locked.pdf",
                           "scanned.pdf", "empty.txt", "binary.md", "huge.txt", "notes.odt"}
    for name, error in failed.items():
        assert error.startswith(name), error  # each message names its file...
    assert "ASSISTANT_PDF_PASSWORD" in failed["locked.pdf"]  # ...and says what to do
    assert "limit" in failed["huge.txt"] and "unsupported file type" in failed["notes.odt"]
    # stderr: one FAILED line per bad file, no traceback
    lines = [line for line in done.stderr.splitlines() if line.startswith("FAILED")]
    assert len(lines) == len(failed) and "Traceback" not in done.stderr
    warnings = [w for f in report["files"] for w in f["warnings"]]
    assert any(re.search(r"broken-page.pdf, page 1: text extraction failed", w)
               for w in warnings)

    docs = json.loads(cli("--index", str(index), "docs", "--json").stdout)
    assert {d["source"] for d in docs} == {s for s, v in status.items() if v == "added"}

    # With the password, the encrypted PDF goes in; everything else is unchanged: exit 1
    # still (the bad files remain), and a folder of good files alone exits 0.
    again = cli("--index", str(index), "ingest", str(folder), "--json",
                env={**env, "ASSISTANT_PDF_PASSWORD": "pw"})
    files = {f["source"]: f["status"] for f in json.loads(again.stdout)["files"]}
    assert files["locked.pdf"] == "added" and files[GOOD[0]] == "unchanged"
    good_only = tmp_path / "good"
    good_only.mkdir()
    shutil.copy(folder / GOOD[0], good_only / GOOD[0])
    assert cli("--index", str(index), "ingest", str(good_only), env=env).returncode == 0
