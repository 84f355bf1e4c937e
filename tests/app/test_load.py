"""A small version of bench/load.py: concurrent clients and an upload, zero errors."""

from __future__ import annotations

import pytest

from bench.load import run_load

pytestmark = pytest.mark.server


def test_concurrent_questions_and_an_upload(app_server):
    upload = (b"# Load smoke report\n\nThe Samoa seasonal employment review counted 77 "
              b"returning workers in 2022 and recommends pre-departure training.\n")
    result = run_load(app_server["url"], clients=6, questions=3, upload=upload)
    assert result["requests"] == 18
    assert result["errors"] == 0, result["error_samples"]
    assert result["upload_status"] == "added"
