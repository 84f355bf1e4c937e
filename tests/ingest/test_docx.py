"""Word files: a real .docx made with python-docx, ingested and answered with its section."""

from __future__ import annotations

import pytest
from helpers import make_docx

from assistant.records import AskRequest, SearchRequest
from ingest import load_document, parse_sections
from ingest.errors import UnreadableDocument


def test_headings_tables_and_lists_survive(tmp_path):
    doc = load_document(make_docx(tmp_path / "heron.docx"))
    assert doc.format == "docx" and doc.pages[0].number is None
    sections = parse_sections(doc)
    paths = [s.path for s in sections]
    assert ("Heron Labour Mobility Programme: Final Evaluation", "Findings") in paths
    budget = next(s for s in sections if s.path[-1] == "Budget")
    assert "Recruitment monitoring" in budget.paragraphs[0].text
    assert "US$ 95,500" in budget.paragraphs[0].text
    recommendations = next(s for s in sections if s.path[-1] == "Recommendations")
    assert "Cap recruitment fees" in " ".join(p.text for p in recommendations.paragraphs)


def test_a_docx_is_answered_with_its_section(fresh, tmp_path):
    report = fresh.ingest([make_docx(tmp_path / "heron.docx")])
    assert report.count("added") == 1, report.to_dict()
    (record,) = fresh.documents()
    assert record.title == "Heron Labour Mobility Programme: Final Evaluation"
    assert record.format == "docx"
    answer = fresh.ask(AskRequest("How many seasonal workers did the Heron programme place?"))
    assert answer.answerable and "1,240" in answer.answer
    assert answer.citations[0].section.endswith("Findings")
    assert answer.citations[0].page is None
    (hit,) = fresh.search(SearchRequest("recruitment monitoring amount", k=1))
    assert hit.section.endswith("Budget")


def test_a_broken_docx_is_refused_by_name(tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableDocument, match="broken.docx: not a readable Word"):
        load_document(broken)
