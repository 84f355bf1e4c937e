"""What an ingest shows while it runs: a real ingest of two small reports, its progress read
back as text (content, not timing)."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from helpers import REPORTS

import assistant.indexing
from assistant.serve.progress import ingest_progress

SMALL = ("2013-ilo-labour-migration-evaluation-summary.md",
         "2021-fair-labour-migration-hle-summary.txt")


@pytest.fixture()
def reports(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in (*SMALL, "catalog.yaml"):
        shutil.copy(REPORTS / name, folder / name)
    return folder


def test_one_group_names_both_files_it_embeds_and_counts_them_when_written(fresh, reports):
    stream = io.StringIO()
    progress, close = ingest_progress(stream, bar=False)
    report = fresh.ingest([reports], progress)
    close()
    chunks = {r.source: r.chunks for r in report.results}
    total = sum(chunks.values())
    assert report.count("added") == 2 and total > 0
    lines = stream.getvalue().splitlines()
    embedded = [line for line in lines if " embedded " in line]
    assert [line for line in lines if line not in embedded] == [
        f"[0/2 files] reading 1/2 ({SMALL[0]})",
        f"[0/2 files] reading 2/2 ({SMALL[1]})",
        f"[0/2 files] embedding {total} chunks of 2 files ({SMALL[0]}, {SMALL[1]})",
        f"[1/2 files] added {SMALL[0]} ({chunks[SMALL[0]]} chunks)",
        f"[2/2 files] added {SMALL[1]} ({chunks[SMALL[1]]} chunks)",
    ]
    # the embedding's lines come between the group's announcement and the first file written,
    # counting up (a batch of 32 at a time) to the group's total
    assert lines[3 : 3 + len(embedded)] == embedded
    counts = [int(re.search(r"embedded (\d+)/(\d+) chunks", e).group(1)) for e in embedded]
    assert counts == sorted(counts) and counts[-1] == total
    assert all(e.endswith(f"/{total} chunks") for e in embedded)

    # again: nothing to embed, each file counted as it is found unchanged
    stream = io.StringIO()
    progress, close = ingest_progress(stream, bar=False)
    fresh.ingest([reports], progress)
    assert stream.getvalue().splitlines() == [
        f"[0/2 files] reading 1/2 ({SMALL[0]})",
        f"[1/2 files] unchanged {SMALL[0]}",
        f"[1/2 files] reading 2/2 ({SMALL[1]})",
        f"[2/2 files] unchanged {SMALL[1]}",
    ]


def test_the_bar_counts_each_file_as_its_group_is_written(fresh, reports, monkeypatch):
    monkeypatch.setattr(assistant.indexing, "GROUP_CHUNKS", 1)  # a group per file
    stream = io.StringIO()
    progress, close = ingest_progress(stream, bar=True)
    report = fresh.ingest([reports, reports / "missing.md"], progress)
    close()
    first = next(r.chunks for r in report.results if r.source == SMALL[0])
    screens = [s.strip() for s in re.split(r"[\r\n]", stream.getvalue()) if s.strip()]
    # the first file is embedded, written and counted before the second is read
    embedding_first = next(i for i, s in enumerate(screens)
                           if s.startswith(f"embedding {first}/{first} chunks") and SMALL[0] in s)
    counted = next(i for i, s in enumerate(screens) if " 1/2 " in s)
    reading_second = next(i for i, s in enumerate(screens)
                          if s.startswith("reading 2/2") and SMALL[1] in s)
    assert embedding_first < counted < reading_second
    assert " 2/2 " in screens[-1]
    assert any(s.startswith("not found: ") and "missing.md" in s for s in screens), screens
