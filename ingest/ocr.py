"""OCR for PDF pages without a text layer (scanned reports), with Tesseract.

A page whose text extraction gives nothing is read from the images on it: each image goes to
the ``tesseract`` command (Debian: ``tesseract-ocr``) and the words come back with their
confidence. Pages that have text are never OCR'd. Where Tesseract is not installed, the caller
says how to install it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

#: Seconds one image may take before it is given up (a page at 300 dpi takes 1-5 s).
TIMEOUT_S = 120
#: Tesseract's own OpenMP threads made it 5x slower on 2 cores (0.54 against 2.66 pages/s,
#: bench/ocr.py, 2026-11-30): one thread per page is faster.
ONE_THREAD = {"OMP_THREAD_LIMIT": "1"}


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float  # mean word confidence, 0-100
    words: int


def tesseract() -> str | None:
    """The path of the tesseract command, or None."""
    return shutil.which("tesseract")


def ocr_page(page: Any, language: str = "eng") -> OcrText | None:
    """The text of the images on a pypdf page (None when it has no image)."""
    command = tesseract()
    if command is None:
        return None
    texts, confidences = [], []
    for image in page.images:
        picture = image.image
        if picture is None:
            continue
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        result = subprocess.run(
            [command, "stdin", "stdout", "-l", language, "tsv"], input=buffer.getvalue(),
            capture_output=True, timeout=TIMEOUT_S, check=False, env={**os.environ, **ONE_THREAD},
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode(errors="replace").strip()[-300:])
        text, words = _from_tsv(result.stdout.decode("utf-8", errors="replace"))
        texts.append(text)
        confidences += words
    if not texts:
        return None
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrText("\n\n".join(t for t in texts if t), mean, len(confidences))


def _from_tsv(tsv: str) -> tuple[str, list[float]]:
    """Lines of words (paragraphs apart) and each word's confidence, from Tesseract's TSV."""
    paragraphs: dict[tuple[str, str], dict[str, list[str]]] = {}  # (block, par) -> line -> words
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        block, paragraph, line = cells[2], cells[3], cells[4]
        paragraphs.setdefault((block, paragraph), {}).setdefault(line, []).append(cells[11])
        try:
            if float(cells[10]) >= 0:
                confidences.append(float(cells[10]))
        except ValueError:
            pass
    text = "\n\n".join(
        "\n".join(" ".join(words) for words in lines.values()) for lines in paragraphs.values()
    )
    return text, confidences
