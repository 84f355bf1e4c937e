"""The plain-text and markdown loader: the whole file is one page stream (page number None)."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import UnreadableDocument
from ingest.records import LoadOptions, Page, ReadResult


def read_text(path: Path, data: bytes, options: LoadOptions) -> ReadResult:
    """One page of decoded text, with a warning when it was not UTF-8."""
    warnings: list[str] = []
    return (Page(None, _decode_text(path, data, warnings)),), tuple(warnings)


def _decode_text(path: Path, data: bytes, warnings: list[str]) -> str:
    """Decode text bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableDocument(path, f"invalid UTF-16 text ({exc.reason})") from exc
        return _check_printable(path, text)
    if b"\x00" in data[:8192]:
        raise UnreadableDocument(
            path, "binary content, not text", "convert it to .txt, .md or .pdf first"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Latin-1 family text is common in older reports; cp1252 decodes it and also maps
        # the typographic quotes that Windows editors write.
        text = data.decode("cp1252", errors="replace")
        warnings.append(f"{path.name}: not UTF-8; decoded as Windows-1252 (Latin-1)")
    return _check_printable(path, text)


def _check_printable(path: Path, text: str) -> str:
    sample = text[:20000]
    if not sample:
        return text
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    replaced = sample.count("\ufffd")
    if (control + replaced) / len(sample) > 0.05:
        raise UnreadableDocument(
            path, "binary content, not text", "convert it to .txt, .md or .pdf first"
        )
    return text
