"""Ingest defects seen on real-world PDFs, each as a regression test on a PDF made here."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_pdf

from assistant.records import SearchRequest

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def chunk_texts(assistant) -> list[str]:
    dense = assistant.index.dense
    return [c.text for r in assistant.documents() for c in dense.doc_chunks(r.doc_id)]


def test_a_line_on_every_page_of_a_file_with_no_other_text_is_kept(fresh_fake, tmp_path):
    pdf = make_pdf(tmp_path / "notice.pdf", ["Confidential draft for the steering committee."] * 4)
    report = fresh_fake.ingest([pdf])
    assert report.count("added") == 1, report.to_dict()
    assert any("steering committee" in text for text in chunk_texts(fresh_fake))


def test_a_body_sentence_repeated_on_each_page_is_not_a_running_header(fresh_fake, tmp_path):
    sentence = "The programme trained labour inspectors in three provinces."
    pdf = make_pdf(tmp_path / "repeat.pdf", [sentence] * 3)  # a page of one line has no margin
    assert fresh_fake.ingest([pdf]).count("added") == 1
    assert sentence in " ".join(chunk_texts(fresh_fake))


def test_a_running_header_is_still_removed(fresh_fake, tmp_path):
    pages = [f"Body text of page {n} about recruitment fees and wage protection in detail."
             for n in range(1, 6)]
    pdf = make_pdf(tmp_path / "headed.pdf", pages, header="Kestrel Programme - Draft")
    assert fresh_fake.ingest([pdf]).count("added") == 1
    assert not any("Kestrel Programme - Draft" in t for t in chunk_texts(fresh_fake))


def test_a_title_over_an_author_line_stays_the_title(fresh_fake, tmp_path):
    pdf = make_pdf(tmp_path / "kestrel.pdf", [
        "Kestrel Programme Final Evaluation\nJane Doe\n\nThe programme reached 4,200 migrant "
        "workers in its first year and trained 85 labour inspectors."
    ])
    assert fresh_fake.ingest([pdf]).count("added") == 1
    (record,) = fresh_fake.documents()
    assert record.title == "Kestrel Programme Final Evaluation"
    (passage,) = fresh_fake.search(SearchRequest("migrant workers inspectors", k=1))
    assert passage.section.startswith("Kestrel Programme Final Evaluation")


def test_ligatures_are_searchable_as_letters(fresh_fake, tmp_path):
    if not DEJAVU.exists():
        pytest.fail(f"this test draws ligatures with {DEJAVU} (Debian: fonts-dejavu-core)")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Skills mis\ufb01ts were the main e\ufb00ect found in the o\ufb03ce.")
    path = tmp_path / "ligatures.pdf"
    pdf.output(str(path))
    assert fresh_fake.ingest([path]).count("added") == 1
    found = fresh_fake.search(SearchRequest("misfits effect office", k=1, retrieval_mode="lexical"))
    assert found and "misfits" in found[0].text and "\ufb01" not in found[0].text


def test_control_and_private_use_characters_are_not_stored(fresh_fake, tmp_path):
    path = tmp_path / "controls.txt"
    path.write_text("Wages fell by 5 per cent\x01 in \x7fthe \ue001sector\u00a0surveyed.\n",
                    encoding="utf-8")
    assert fresh_fake.ingest([path]).count("added") == 1
    (text,) = chunk_texts(fresh_fake)
    assert not any(ord(ch) < 32 and ch not in "\n\t" or 0x7f <= ord(ch) <= 0x9f
                   or 0xE000 <= ord(ch) <= 0xF8FF or ch == "\u00a0" for ch in text)
    assert "sector surveyed" in text


def test_what_pypdf_logs_names_the_file(fresh_fake, tmp_path, capfd):
    good = make_pdf(tmp_path / "source.pdf", ["Recruitment fees were charged to 40 workers."])
    data = good.read_bytes()
    broken = tmp_path / "bad-xref.pdf"
    head, _, tail = data.rpartition(b"startxref")
    broken.write_bytes(head + b"startxref\n999999\n%%EOF\n")  # a wrong xref offset
    report = fresh_fake.ingest([broken])
    (result,) = report.results
    assert result.status == "added", result
    assert any(w.startswith("bad-xref.pdf: ") for w in result.warnings), result.warnings
    assert "startxref" not in capfd.readouterr().err  # nothing anonymous on stderr


def test_characters_from_pdf_text_extraction_are_normalised():
    from ingest.clean import normalize_characters

    raw = ("mis\ufb01ts \ufb00ort\u00a0a \x00x\x01 \x7f\ue001icon \uff21 x\u00b2 "
           "soft\u00adhyphen\fnext")
    assert normalize_characters(raw) == "misfits ffort a x icon A x\u00b2 softhyphen\nnext"
