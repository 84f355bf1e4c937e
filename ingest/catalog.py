"""Report metadata (title, year, kind) from a catalog file beside the reports, or from the
document itself."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.errors import CatalogError
from ingest.records import DocumentMeta, Section

CATALOG_FILES = ("catalog.yaml", "catalog.yml")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")

__all__ = ["CATALOG_FILES", "CatalogError", "infer_meta", "read_catalog"]


def read_catalog(folder: Path) -> dict[str, DocumentMeta]:
    """Read ``catalog.yaml`` in ``folder``: ``reports: {file name: {title, year, kind}}``.

    A missing catalog is not an error (an empty mapping is returned); a malformed one is.
    """
    for name in CATALOG_FILES:
        path = Path(folder) / name
        if path.is_file():
            return _parse(path)
    return {}


def _parse(path: Path) -> dict[str, DocumentMeta]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogError(path, f"invalid YAML ({exc})", "fix the catalog file") from exc
    reports = data.get("reports") if isinstance(data, dict) else None
    if not isinstance(reports, dict):
        raise CatalogError(path, "expected a mapping 'reports: {file name: {title, year, kind}}'")
    catalog: dict[str, DocumentMeta] = {}
    for source, entry in reports.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str):
            raise CatalogError(path, f"entry '{source}' needs at least a 'title' string")
        year = entry.get("year")
        if year is not None and not (isinstance(year, int) and 1900 <= year <= 2100):
            raise CatalogError(path, f"entry '{source}': year must be a four-digit number")
        kind = entry.get("kind")
        catalog[str(source)] = DocumentMeta(
            title=entry["title"].strip(), year=year, kind=str(kind) if kind else None
        )
    return catalog


def infer_meta(source: str, sections: tuple[Section, ...]) -> DocumentMeta:
    """Title from the first heading (else the first line), year from the file name (else the
    first year in the opening text)."""
    title = ""
    for section in sections:
        if section.path:
            title = section.path[0]
            break
    if not title and sections and sections[0].paragraphs:
        title = sections[0].paragraphs[0].text.split("\n")[0][:120]
    title = title or Path(source).stem.replace("-", " ").replace("_", " ")
    match = _YEAR.search(Path(source).stem)
    if not match and sections:
        opening = " ".join(p.text for s in sections[:3] for p in s.paragraphs[:3])
        match = _YEAR.search(opening)
    return DocumentMeta(title=title, year=int(match.group(1)) if match else None)
