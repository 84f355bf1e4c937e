"""Cleaning and section detection on small texts and on the real reports."""

from __future__ import annotations

from pathlib import Path

from helpers import PDF_2008, REPORTS, make_pdf

from ingest import load_document, parse_sections
from ingest.clean import Dehyphenator, is_page_number, remove_running_margins, strip_markup
from ingest.records import LoadedDocument, Page


def _doc(text: str, fmt: str = "txt", pages: list[str] | None = None) -> LoadedDocument:
    page_list = tuple(Page(i + 1, t) for i, t in enumerate(pages)) if pages else (Page(None, text),)
    return LoadedDocument(Path(f"x.{fmt}"), "id", 1, fmt, page_list)


def _paragraphs(sections) -> list[str]:
    return [p.text for s in sections for p in s.paragraphs]


def test_strip_markup_removes_tags_footnote_markers_and_markdown():
    assert strip_markup("<b>Findings</b> were clear.<sup>12</sup>") == "Findings were clear."
    assert strip_markup("**Budget:** US\\$ 2,580,649 and *italic* [link](http://x.org)", True) == (
        "Budget: US$ 2,580,649 and italic link"
    )
    assert strip_markup("R&amp;D") == "R&D"


def test_page_numbers_are_recognised():
    assert all(is_page_number(s) for s in ["12", " - 7 - ", "Page 3 of 9", "iv"])
    assert not any(is_page_number(s) for s in ["12 migrants", "2009.", "Figure 3"])


def test_dehyphenation_keeps_real_compounds():
    d = Dehyphenator("self-employed workers and self-employed women; migration")
    assert d.join("the migra-", "tion of") == "the migration of"
    assert d.join("many self-", "employed workers") == "many self-employed workers"


def test_running_headers_and_footers_are_dropped():
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    pages = [
        [f"ILO Evaluation 2008 - page {n}", *(f"{w} finding on {words[n]}." for w in words),
         "Confidential"]
        for n in range(6)
    ]
    cleaned = remove_running_margins(pages)
    assert cleaned == [page[1:-1] for page in pages]


def test_hard_wrapped_text_is_unwrapped_and_headings_found():
    text = (
        "EXECUTIVE SUMMARY\n\nIntroduction\n\nThe purpose of the evaluation is to provide\n"
        "insight into the relevance of the strat-\negy. It covers 2001-2007.\n\n"
        "2. THE ILO'S STRATEGY BACKGROUND\n\n2.1 Context and Challenges\n\n"
        "18. There were 191 million migrants in 2005, accounting for some 3% of the\n"
        "global population.\n• first point\n• second point\n<b>21</b>\n"
    )
    sections = parse_sections(_doc(text))
    names = [s.name for s in sections]
    assert names == [
        "EXECUTIVE SUMMARY > Introduction",
        "2. THE ILO'S STRATEGY BACKGROUND > 2.1 Context and Challenges",
    ]
    assert _paragraphs(sections) == [
        "The purpose of the evaluation is to provide insight into the relevance of the "
        "strategy. It covers 2001-2007.",
        "18. There were 191 million migrants in 2005, accounting for some 3% of the global "
        "population.",
        "• first point",
        "• second point",
    ]


def test_markdown_headings_nest_and_tables_keep_rows():
    text = (
        "# Report\n\nIntro text.\n\n## Findings\n\n### Budget\n\n| Item | US$ |\n|---|---|\n"
        "| Staff | 100 |\n| Travel | 20 |\n\n## Recommendations\n\n1. Do this.\n2. Do that.\n"
    )
    sections = parse_sections(_doc(text, "md"))
    assert [s.name for s in sections] == [
        "Report", "Report > Findings > Budget", "Report > Recommendations"
    ]
    table = sections[1].paragraphs[0]
    assert table.kind == "table" and table.text.count("\n") == 2  # separator row dropped
    assert "| Staff | 100 |" in table.text
    assert [p.text for p in sections[2].paragraphs] == ["1. Do this.", "2. Do that."]


def test_pdf_paragraphs_remember_their_pages(tmp_path):
    first = "Labour migration governance matters. " * 12
    path = make_pdf(tmp_path / "two.pdf", [first, "Final remarks on the project."])
    doc = load_document(path)
    assert len(doc.pages) == 2
    sections = parse_sections(doc)
    by_text = {p.text: p for s in sections for p in s.paragraphs}
    assert by_text["Final remarks on the project."].page_marks == ((0, 2),)
    assert by_text[first.strip()].page_marks == ((0, 1),)


def test_real_pdf_sections_and_pages():
    sections = parse_sections(load_document(PDF_2008))
    names = [s.name for s in sections]
    assert any(n.endswith("4.4 Coordination with other International actors in the field of "
                          "migration") for n in names)
    assert any("4. THE ROLE AND THE NEED FOR AN EXPLICIT ILO STRATEGY ON MIGRANT WORKERS" in n
               for n in names)
    pages = {page for s in sections for p in s.paragraphs for _, page in p.page_marks}
    assert 42 in pages and max(pages) <= 72


def test_real_markdown_report_sections():
    sections = parse_sections(load_document(REPORTS / "2009-lmpp-project-final-evaluation.md"))
    names = [s.name for s in sections]
    assert "EXECUTIVE SUMMARY > Background" in names
    assert any(n.endswith("6.1.1 Sri Lanka") for n in names)
    text = " ".join(_paragraphs(sections))
    assert "<b>" not in text and "**" not in text and "\\$" not in text


def test_a_sentence_cut_by_a_blank_line_runs_on():
    text = ("The topic was considered highly relevant to all constituents, including donors "
            "and migrant\n\nworkers themselves and remained so during the pandemic.\n\n"
            "A new paragraph starts here.\n")
    texts = _paragraphs(parse_sections(_doc(text)))
    assert any("migrant workers themselves and remained so" in t for t in texts), texts
    assert any(t.startswith("A new paragraph") for t in texts), texts


def _words(texts: list[str]) -> list[str]:
    return sorted(w for t in texts for w in t.split())


def test_footnotes_that_cut_a_sentence_move_after_it():
    # A page's footnotes sit where the page ends, so a sentence running over the break is
    # cut by them; blank lines as in a text dump, none as in pypdf's page text.
    for gap in ("\n\n", "\n"):
        text = (
            "Remittance flows reached $251 billion in 2007, an 11 percent growth, and an"
            f"{gap}2 Tripartite Meeting of Experts: October 31- November 2, 2005."
            f"{gap}3 ILO, 2006, ILO's Multilateral Framework on labour Migration: non-binding"
            "\nprinciples and guidelines.\n\nincrease of over 200 percent since 2002. Labour"
            "\nmigration also contributes to growth.\n\nA new paragraph starts here.\n"
        )
        pages = text.split("\n\nincrease")
        pages[1] = "increase" + pages[1]
        texts = _paragraphs(parse_sections(_doc(text, "pdf", pages)))
        assert any(
            "and an increase of over 200 percent since 2002." in t for t in texts
        ), texts
        assert "2 Tripartite Meeting of Experts: October 31- November 2, 2005." in texts
        assert any(t.startswith("3 ILO, 2006") and t.endswith("guidelines.") for t in texts)
        assert _words(texts) == _words([text])  # moved, nothing dropped or added


def test_numbered_lines_that_cut_no_sentence_stay_where_they_are():
    kept = [
        # the text after the numbers does not carry on in lower case
        "The evaluation drew on\n\n2 Tripartite meetings held in 2005.\n\nThe team met staff.\n",
        # a wrapped article number, not a note
        "Convention No. 143 protects, in its Article\n10 (equality of treatment) and more.\n",
    ]
    for text in kept:
        texts = _paragraphs(parse_sections(_doc(text, "pdf", [text])))
        order = [w for t in texts for w in t.split()]
        assert order == text.split(), texts


def test_real_pdf_sentence_over_a_page_break_is_whole_again():
    sections = parse_sections(load_document(PDF_2008))
    texts = _paragraphs(sections)
    assert any(
        "compared to 2006, and an increase of over 200 percent" in t for t in texts
    ), "the remittance sentence is still cut by the page's footnotes"
    assert "2 Tripartite Meeting of Experts: October 31- November 2, 2005." in texts
    before = [w for p in load_document(PDF_2008).pages for w in p.text.split()]
    assert len(_words(texts)) <= len(before)  # no text invented by the move
