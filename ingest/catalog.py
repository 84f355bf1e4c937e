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

__all__ = [
    "CATALOG_FILES", "CatalogError", "first_page_title", "infer_meta", "is_title_heading",
    "meaningful_metadata_title", "read_catalog",
]


def read_catalog(folder: Path) -> dict[str, DocumentMeta]:
    """Read ``catalog.yaml`` in ``folder``: ``reports: {file name: {title, year, kind,
    aliases}}`` (``aliases``: other names staff give the report, optional).

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
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise CatalogError(path, f"entry '{source}': aliases must be a list of names")
        catalog[str(source)] = DocumentMeta(
            title=entry["title"].strip(), year=year, kind=str(kind) if kind else None,
            aliases=tuple(a.strip() for a in aliases),
        )
    return catalog


def infer_meta(
    source: str, sections: tuple[Section, ...], metadata_title: str | None = None
) -> DocumentMeta:
    """Title from the file's metadata when it is meaningful, else the first real heading on
    page 1, else the file name; year from the file name (else the first year in the opening
    text)."""
    title = (
        meaningful_metadata_title(metadata_title, source)
        or first_page_title(sections)
        or Path(source).stem.replace("-", " ").replace("_", " ").strip()
        or source
    )
    match = _YEAR.search(Path(source).stem)
    if not match and sections:
        opening = " ".join(p.text for s in sections[:3] for p in s.paragraphs[:3])
        match = _YEAR.search(opening)
    return DocumentMeta(title=title, year=int(match.group(1)) if match else None)


#: Headings that name a part of a report, never the report itself.
_GENERIC_HEADINGS = frozenset("""
abstract acknowledgements acknowledgments acronyms abbreviations acronyms and abbreviations
annex annexes appendix appendices background bibliography conclusion conclusions contents
disclaimer executive summary findings foreword glossary introduction key findings
lessons learned lessons learnt list of acronyms list of abbreviations methodology overview
preface recommendations references summary table of contents
""".strip().split("\n"))
_GENERIC_WORDS = frozenset(" ".join(_GENERIC_HEADINGS).split())
_NUMBERED_HEADING = re.compile(r"^\(?(?:\d{1,2}(?:\.\d{1,2})*|[IVXivx]{1,5}|[A-Ha-h])[.)]?\s")
_PLACEHOLDER_TITLES = re.compile(
    r"^(?:untitled|title|document\d*|microsoft word\b.*|powerpoint presentation|"
    r"slide \d+|none|n/?a|\W*)$", re.IGNORECASE
)
_FILE_NAME_LIKE = re.compile(r"^[\w.-]+\.(?:pdf|docx?|rtf|odt|indd|txt|md|tex)$|^[\w-]+$",
                             re.IGNORECASE)


def meaningful_metadata_title(title: str | None, source: str) -> str:
    """The PDF's own ``/Title`` when it names the report: not empty, not a placeholder
    ("Untitled", "Microsoft Word - draft.docx"), not a file name; else ""."""
    title = " ".join((title or "").split())
    if sum(ch.isalpha() for ch in title) < 4 or _PLACEHOLDER_TITLES.match(title):
        return ""
    if _FILE_NAME_LIKE.match(title) or title.lower() == Path(source).stem.lower():
        return ""
    return title[:200]


def is_title_heading(heading: str) -> bool:
    """Can this heading be a report's title? Not a numbered section ("2. Recommendations",
    "1.3 Scope", "IV. Findings") and not the name of a report part ("Introduction")."""
    text = " ".join(heading.split()).strip(" :.")
    if sum(ch.isalpha() for ch in text) < 4 or _NUMBERED_HEADING.match(text):
        return False
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    return " ".join(words) not in _GENERIC_HEADINGS and not set(words) <= _GENERIC_WORDS


def first_page_title(sections: tuple[Section, ...]) -> str:
    """The first heading on page 1 that can be a title, or "". In a document without pages
    (text, markdown, Word) only its first heading counts: a later one names a section."""
    for section in sections:
        page = section.paragraphs[0].page_at(0) if section.paragraphs else None
        if page is not None and page > 1:
            return ""
        for heading in section.path:
            if is_title_heading(heading):
                return heading[:150]
        if page is None and section.path:
            return ""
    return ""
