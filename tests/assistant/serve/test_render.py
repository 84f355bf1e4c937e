"""The chat page's HTML for an answer: each answer carries its own numbered sources, ``[n]``
links to passage n of that answer, report text is escaped, and a refusal names each place
once."""

from __future__ import annotations

from assistant.answering.evidence import Evidence
from assistant.answering.pipeline import closest_passages, refusal_text
from assistant.records import Answer, Citation, Passage
from assistant.serve.render import answer_html, filter_label, status_markdown
from vectorstore.records import DocumentRecord

HOSTILE = "Funds <script>alert('x')</script> & <img src=x onerror=alert(1)> were spent."


def passage(rank: int, section: str, page: int, text: str = HOSTILE) -> Passage:
    return Passage(rank, f"c{rank}", "d1", "lmpp.md", "LMPP <b>evaluation</b>", 2009, section,
                   page, None, 0.5, 0.6, 1.0, text, 0, len(text))


def citation(n: int, p: Passage) -> Citation:
    start = p.text.index("were spent")
    return Citation(n, p.rank, p.chunk_id, p.source, p.title, p.year, p.page, None, p.section,
                    "were spent.", ("were spent.",), ((start, start + 11),), p.text, 0.9)


def answer(text: str, citations: tuple[Citation, ...], passages: tuple[Passage, ...],
           answerable: bool = True) -> Answer:
    return Answer("q", "q", text, answerable, "extractive", citations, passages, 0.8, 0.47)


def test_markers_link_to_this_answers_own_passages():
    p1, p2 = passage(1, "Budget", 3), passage(2, "Donors", 4)
    html = answer_html(answer("Funds were spent [1]. Donors paid [2]. See [7].",
                              (citation(1, p1), citation(2, p2)), (p1, p2)), turn=3)
    assert '<a class="cite" href="#a3-s1">[1]</a>' in html
    assert '<a class="cite" href="#a3-s2">[2]</a>' in html
    assert "See [7]" in html  # a number with no source stays text
    assert '<li class="src" id="a3-s2">' in html and "<summary>Sources (2) <span" in html
    assert "· LMPP &lt;b&gt;evaluation&lt;/b&gt; (2009)</span>" in html  # each report once
    assert "<mark>were spent.</mark>" in html and "p. 4" in html and "Donors" in html


def test_report_text_is_escaped_and_stays_on_one_line():
    p1 = passage(1, "Budget", 3, text=HOSTILE.replace("& ", "&\n\n"))
    html = answer_html(answer("<i>Funds</i> [1]", (citation(1, p1),), (p1,)), turn=1)
    assert "<script>" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "LMPP &lt;b&gt;evaluation&lt;/b&gt;" in html
    foot = html.split("\n\n", 1)[1]
    assert "\n" not in foot  # a blank line would end the HTML block inside the Markdown


def test_a_refusal_lists_each_section_once_under_the_text():
    same_a, same_b, other = passage(1, "Budget", 3), passage(2, "Budget", 4), passage(3, "X", 9)
    evidence = Evidence("q", {}, (), (), 0.1)
    text = refusal_text((same_a, same_b, other), evidence)
    assert text.count("Budget") == 1
    html = answer_html(answer(text, (), (same_a, same_b, other), answerable=False), turn=2)
    assert "Closest passages:" not in html  # not twice: the cards are the list
    assert "<summary>Closest passages (2)</summary>" in html
    assert [p.rank for p in closest_passages((same_a, same_b, other))] == [1, 3]


def record(source: str, year: int | None) -> DocumentRecord:
    return DocumentRecord(source, "d", source, year, None, 3, 10, "md", "m", "2026-01-01")


def test_status_line_and_filter_chip_in_a_readers_words():
    line = status_markdown([record("a.md", 2008), record("b.md", 2024), record("c.md", None)])
    assert "3 reports" in line and "2008–2024" in line and "chunk" not in line
    assert "No reports" in status_markdown([])
    assert filter_label([], None, None) == ""
    assert filter_label(["LMPP (2009)"], None, None) == "Filter: LMPP (2009)  ✕"
    assert filter_label(["a", "b"], 2010, None) == "Filter: 2 reports · 2010–…  ✕"
