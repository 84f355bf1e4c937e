"""Scanned PDFs: pages that are pictures of text are read by Tesseract, page numbers kept."""

from __future__ import annotations

import pytest
from helpers import DEJAVU, make_pdf, make_scanned_pdf

from assistant.records import AskRequest
from ingest import load_document
from ingest.ocr import tesseract

PAGE_2 = ("Findings\n\nThe pilot scheme placed 2,350 migrant\nworkers in farm jobs and "
          "recovered\nUS$ 48,000 in unpaid wages for them.")


@pytest.fixture(autouse=True)
def _needs_tesseract():
    if tesseract() is None:
        pytest.fail("the OCR tests need Tesseract: apt-get install tesseract-ocr "
                    "(make test installs it when it can)")
    if not DEJAVU.exists():
        pytest.fail(f"the OCR tests draw text with {DEJAVU} (Debian: fonts-dejavu-core)")


def test_a_scanned_page_is_read_with_its_page_number(tmp_path):
    path = make_scanned_pdf(tmp_path / "scan.pdf",
                            ["Osprey Migration Project\nFinal evaluation report", PAGE_2])
    calls: list[tuple[int, int]] = []
    doc = load_document(path, on_ocr=lambda page, pages: calls.append((page, pages)))
    assert calls == [(1, 2), (2, 2)]  # what the CLI's progress bar shows
    assert [p.number for p in doc.pages] == [1, 2]
    assert "2,350 migrant" in doc.pages[1].text and "48,000" in doc.pages[1].text
    notes = [w for w in doc.warnings if "text from OCR" in w]
    assert len(notes) == 2 and notes[1].startswith("scan.pdf, page 2: text from OCR (mean "
                                                   "confidence")


def test_pages_with_text_are_not_ocrd(tmp_path):
    calls: list[tuple[int, int]] = []
    doc = load_document(make_pdf(tmp_path / "text.pdf", ["Plain text layer here."]),
                        on_ocr=lambda page, pages: calls.append((page, pages)))
    assert not any("OCR" in w for w in doc.warnings) and calls == []


def test_a_fact_on_a_scanned_page_is_answered_with_its_page(fresh, tmp_path):
    path = make_scanned_pdf(tmp_path / "osprey.pdf",
                            ["Osprey Migration Project\nFinal evaluation report", PAGE_2])
    report = fresh.ingest([path])
    assert report.count("added") == 1, report.to_dict()
    answer = fresh.ask(AskRequest("How many migrant workers did the Osprey pilot scheme place?"))
    assert answer.answerable and "2,350" in answer.answer, answer.answer
    assert answer.citations[0].page == 2


def test_without_tesseract_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    import ingest.ocr
    from ingest.errors import UnreadableDocument

    monkeypatch.setattr(ingest.ocr.shutil, "which", lambda name: None)  # as on a bare machine
    path = make_scanned_pdf(tmp_path / "scan.pdf", ["Osprey Migration Project"])
    with pytest.raises(UnreadableDocument,
                       match=r"scan.pdf: no extractable text .*apt-get install tesseract-ocr"):
        load_document(path)
