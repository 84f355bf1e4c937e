"""Titles of documents that no catalog names (uploads): the PDF's own title when it means
something, else the first real heading on page 1, else the file name; never a numbered or
generic section heading from further in."""

from __future__ import annotations

import pytest
from helpers import PDF_2008, make_pdf

from ingest import load_document
from ingest.catalog import infer_meta, is_title_heading, meaningful_metadata_title
from ingest.structure import parse_sections

PROSE = ("This page holds only running prose about the programme and its partners, written "
         "as full sentences that end with a full stop, so that no line here is a heading.")


def title_of(path) -> str:
    document = load_document(path)
    return infer_meta(document.source, parse_sections(document), document.metadata_title).title


def test_the_2008_report_takes_its_pdf_title_not_a_section_heading():
    assert title_of(PDF_2008) == (
        "Evaluation of ILO's Strategy for Improving the Protection of Migrant Workers "
        "(2001-2007)"
    )


def test_a_meaningful_metadata_title_wins(tmp_path):
    pdf = make_pdf(tmp_path / "kiribati-2024.pdf", ["Overview\n\n" + PROSE, PROSE],
                   title="Kiribati seafarers programme: final review")
    assert title_of(pdf) == "Kiribati seafarers programme: final review"


@pytest.mark.parametrize("placeholder", ["Untitled", "Microsoft Word - draft_v3.docx",
                                         "kiribati_review_final.pdf", "  "])
def test_a_placeholder_metadata_title_gives_way_to_the_page_one_heading(tmp_path, placeholder):
    pdf = make_pdf(tmp_path / "review.pdf",
                   ["Kiribati seafarers review\n\n" + PROSE, PROSE], title=placeholder)
    assert title_of(pdf) == "Kiribati seafarers review"


def test_a_numbered_heading_on_page_two_is_never_the_title(tmp_path):
    # the upload that showed as "2. Recommendations (2024)"
    pdf = make_pdf(tmp_path / "tuvalu-labour-mobility-2024.pdf", [
        PROSE, "2. Recommendations\n\nThe programme should widen its training offer. " + PROSE,
    ])
    assert title_of(pdf) == "tuvalu labour mobility 2024"


def test_a_generic_first_heading_is_not_the_title(tmp_path):
    pdf = make_pdf(tmp_path / "samoa-review.pdf", ["Introduction\n\n" + PROSE, PROSE])
    assert title_of(pdf) == "samoa review"


def test_a_text_file_takes_only_its_first_heading(tmp_path):
    note = tmp_path / "2008-note.txt"
    note.write_text("Preface\n\n" + PROSE + "\n\nOperational framework for migration\n\n"
                    + PROSE + "\n", encoding="utf-8")
    assert title_of(note) == "2008 note"
    markdown = tmp_path / "review.md"
    markdown.write_text("# Fiji seasonal work review\n\n## Introduction\n\n" + PROSE + "\n",
                        encoding="utf-8")
    assert title_of(markdown) == "Fiji seasonal work review"


@pytest.mark.parametrize(("heading", "expected"), [
    ("Kiribati seafarers review", True), ("2. Recommendations", False), ("1.3 Scope", False),
    ("IV. Findings", False), ("Introduction", False), ("EXECUTIVE SUMMARY", False),
    ("Table of contents", False), ("Findings and recommendations", False),
    ("Recommendations on fair recruitment in the Gulf", True),
])
def test_which_headings_can_be_titles(heading, expected):
    assert is_title_heading(heading) is expected


def test_metadata_titles_that_name_nothing():
    assert meaningful_metadata_title("Report on Tonga", "x.pdf") == "Report on Tonga"
    assert meaningful_metadata_title("x", "x.pdf") == ""
    assert meaningful_metadata_title(None, "x.pdf") == ""
    assert meaningful_metadata_title("tonga-review", "tonga-review.pdf") == ""


def test_a_title_taken_from_the_first_heading_is_said_once_in_each_chunks_header(tmp_path):
    from ingest.pipeline import prepare_file
    from ingest.records import context_header

    review = tmp_path / "review.md"
    review.write_text("# Fiji seasonal work review\n\n" + PROSE + "\n\n## Findings\n\n" + PROSE
                      + "\n", encoding="utf-8")
    chunks = prepare_file(review, lambda text: len(text.split())).chunks
    assert {c.section for c in chunks} == {"Fiji seasonal work review",
                                          "Fiji seasonal work review > Findings"}
    headers = {c.context_header() for c in chunks}
    assert headers == {"Fiji seasonal work review", "Fiji seasonal work review > Findings"}
    assert all(c.embedding_text().startswith(c.context_header() + "\n") for c in chunks)
    # a section that only starts like the title, or a title that differs in case and spacing
    assert context_header("Review", 2024, "Review of methods") == (
        "Review (2024) > Review of methods")
    assert context_header("Fiji  review", None, "FIJI REVIEW > Aims") == "Fiji  review > Aims"
