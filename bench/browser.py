"""Chat page timings through a real browser: runs the timing test of tests/app/test_browser.py
(headless Debian chromium, the app serving the default corpus on 127.0.0.1) and publishes the
medians it measured in the page itself.

    python -m bench.browser [--write]     (needs chromium: `make browser`)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.foundation import publish

ROOT = Path(__file__).resolve().parent.parent

MARK = "<!-- browser -->"
RESULT = ROOT / "build" / "test-artifacts" / "browser-timings.json"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    RESULT.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/app/test_browser.py", "-k", "timings"],
        cwd=ROOT, check=True,
    )
    timings = json.loads(RESULT.read_text())
    runs = timings["runs"]
    lines = [
        MARK,
        "## Chat page, through a real browser",
        "",
        "Headless Debian chromium drives the page (Playwright), with the app serving the default "
        f"corpus on 127.0.0.1. {len(runs)} questions in extractive mode, each timed in the page "
        "from the Enter keydown to the first text of the new answer (the \"Reading 8 "
        "passages…\" line the stream sends once retrieval is done) and to the finished answer "
        "with its sources under it (including Gradio's queue and rendering).",
        "",
        f"| measure (median of {len(runs)}) | value |",
        "|---|---|",
        f"| Enter → first streamed text | {timings['first_ms_median']:.0f} ms |",
        f"| Enter → full answer with its sources | {timings['full_ms_median']:.0f} ms |",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
