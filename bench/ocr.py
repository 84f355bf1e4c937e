"""OCR throughput: scanned pages (pictures of text at 200 dpi, no text layer) read by Tesseract
through the PDF loader, against the same pages with a text layer. Writes a Markdown section to
stdout (and to docs/benchmarks.md with --write).

    python -m bench.ocr [--write] [--pages 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the PDF makers the tests use

from helpers import make_pdf, make_scanned_pdf  # noqa: E402

from bench.foundation import publish  # noqa: E402
from ingest import load_document  # noqa: E402
from ingest.ocr import tesseract  # noqa: E402

MARK = "<!-- ocr -->"
TEXT = ("Findings\nThe pilot scheme placed {n} migrant workers in farm jobs and\n"
        "recovered US$ 48,000 in unpaid wages. Complaints to the labour\n"
        "inspectorate doubled after the reform, and recruitment fees fell\n"
        "by a third in the corridor between the two countries.")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    if tesseract() is None:
        raise SystemExit("Tesseract is missing: apt-get install tesseract-ocr")
    pages = [TEXT.format(n=1000 + n) for n in range(args.pages)]
    runs: dict[str, list[float]] = {"scanned": [], "text": []}
    found = 0
    with tempfile.TemporaryDirectory() as tmp:
        scanned = make_scanned_pdf(Path(tmp) / "scan.pdf", pages)
        text = make_pdf(Path(tmp) / "text.pdf", pages)
        for _ in range(3):
            for name, path in (("scanned", scanned), ("text", text)):
                started = time.perf_counter()
                doc = load_document(path)
                runs[name].append(time.perf_counter() - started)
                if name == "scanned":
                    found = sum(f"{1000 + n} migrant" in p.text for n, p in enumerate(doc.pages))
    ocr_s, text_s = statistics.median(runs["scanned"]), statistics.median(runs["text"])
    lines = [
        MARK,
        "## OCR: scanned pages read by Tesseract",
        "",
        f"{args.pages} pages, each a 1650×2300 picture of five lines of text (200 dpi), loaded "
        "through the PDF loader (pypdf finds no text, Tesseract 5 reads the page image), "
        "median of 3 runs; the same pages with a text layer as the baseline.",
        "",
        "| pages | OCR: seconds | OCR: pages/s | text layer: seconds | ratio | figures read "
        "right |",
        "|---|---|---|---|---|---|",
        f"| {args.pages} | {ocr_s:.2f} | {args.pages / ocr_s:.2f} | {text_s:.3f} | "
        f"{ocr_s / text_s:.0f}× | {found}/{args.pages} |",
        "",
        MARK,
    ]
    publish(MARK, lines, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
