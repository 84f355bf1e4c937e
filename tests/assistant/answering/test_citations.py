"""The citation check on hand-made passages, with the real embedding model."""

from __future__ import annotations

import pytest
from helpers import passage

from assistant.answering.citations import CitationChecker, parse_units
from assistant.answering.evidence import SentenceCache

PASSAGES = [
    passage(1, "The project was funded by the Department for International Development. "
               "Its budget was US$ 2,580,649 over 38 months."),
    passage(2, "Nineteen offices replied to the questionnaire. Most replies came from Asia."),
    passage(3, "The evaluation recommends the following:\n- train labour inspectors\n"
               "- publish migration statistics every year"),
]


@pytest.fixture(scope="module")
def checker(embedder):
    return CitationChecker(SentenceCache(embedder))


def test_units_take_markers_written_after_the_full_stop():
    units = parse_units("It was funded by DFID. [1] The budget was US$ 2,580,649. [1][2]")
    assert [(u.text, u.cited) for u in units] == [
        ("It was funded by DFID.", [1]), ("The budget was US$ 2,580,649.", [1, 2])
    ]


def test_list_items_inherit_the_citation_of_their_intro():
    units = parse_units("It recommends:\n- train inspectors [3]\n- publish statistics")
    assert [u.kind for u in units] == ["intro", "item", "item"]
    assert units[2].cited == []  # the intro cites nothing here, so neither does the item
    units = parse_units("It recommends: [3]\n- train inspectors\n- publish statistics")
    assert [u.cited for u in units] == [[3], [3], [3]]


def test_a_paraphrase_is_supported_and_cited_with_its_quote(checker):
    checked = checker.check(
        "The Department for International Development paid for the project. [1]", PASSAGES
    )
    assert checked.removed == ()
    assert checked.text == "The Department for International Development paid for the project. [1]"
    (citation,) = checked.citations
    assert citation.n == 1 and citation.page == 11
    assert citation.quote == (
        "The project was funded by the Department for International Development."
    )
    assert citation.text[slice(*citation.spans[0])] == citation.quote


def test_a_wrong_figure_is_not_supported(checker):
    checked = checker.check("The budget was US$ 3,580,649. [1]", PASSAGES)
    assert checked.kept_units == 0
    reasons = " ".join(r.reason for r in checked.removed)
    assert "3580649" in reasons and "does not contain" in reasons


def test_a_figure_taken_from_a_sentence_about_something_else_is_not_supported(checker):
    checked = checker.check("Nineteen staff members were interviewed in Geneva, over 38 "
                            "months. [2]", PASSAGES)
    assert checked.kept_units == 0  # passage 1 has "38 months", but about the budget period
    checked = checker.check("Its budget was US$ 2,580,649 over 38 months. [1]", PASSAGES)
    assert checked.kept_units == 1


def test_an_unrelated_sentence_is_dropped_and_the_rest_kept(checker):
    checked = checker.check(
        "Nineteen offices replied to the questionnaire. [2] "
        "The football team won the championship in Brazil. [2]",
        PASSAGES,
    )
    assert checked.text == "Nineteen offices replied to the questionnaire. [1]"
    assert [r.kind for r in checked.removed] == ["citation", "sentence"]
    assert "football" in checked.removed[-1].text


def test_citations_to_passages_not_given_are_removed(checker):
    checked = checker.check("Nineteen offices replied to the questionnaire. [2][7]", PASSAGES)
    assert checked.text == "Nineteen offices replied to the questionnaire. [1]"
    (removal,) = checked.removed
    assert removal.kind == "citation" and removal.citation == 7
    assert "only passages 1-3 were given" in removal.reason


def test_a_sentence_without_citation_is_cited_by_the_passage_that_supports_it(checker):
    checked = checker.check("The Department for International Development paid for the "
                            "project. Nineteen offices answered the questionnaire.", PASSAGES)
    assert checked.kept_units == 2 and checked.removed == ()
    assert checked.text == ("The Department for International Development paid for the "
                            "project. [1] Nineteen offices answered the questionnaire. [2]")
    assert [c.passage for c in checked.citations] == [1, 2]


def test_a_sentence_citing_the_wrong_passage_moves_to_the_right_one(checker):
    checked = checker.check("Nineteen offices replied to the questionnaire. [1]", PASSAGES)
    assert checked.text == "Nineteen offices replied to the questionnaire. [1]"
    assert [c.passage for c in checked.citations] == [2]
    (removal,) = checked.removed
    assert removal.kind == "citation" and removal.citation == 1


def test_a_repeated_sentence_is_said_once(checker):
    checked = checker.check("Nineteen offices replied to the questionnaire. [2] Nineteen offices "
                            "replied to the questionnaire. [2]", PASSAGES)
    assert checked.text == "Nineteen offices replied to the questionnaire. [1]"
    assert [r.reason for r in checked.removed] == ["repeats an earlier sentence"]


def test_a_sentence_no_passage_supports_is_dropped(checker):
    checked = checker.check("The project was funded by the Asian Development Bank in 1999. "
                            "Budgets matter.", PASSAGES)
    assert checked.kept_units == 0
    assert [r.kind for r in checked.removed] == ["sentence", "sentence"]
    assert checked.removed[0].reason.startswith("cites no passage, and no passage given")


def test_citations_are_numbered_by_first_appearance(checker):
    checked = checker.check(
        "Nineteen offices replied to the questionnaire. [2] Its budget was US$ 2,580,649 over "
        "38 months. [1]", PASSAGES,
    )
    assert checked.text.endswith("[1] Its budget was US$ 2,580,649 over 38 months. [2]")
    assert [c.passage for c in checked.citations] == [2, 1]


def test_a_list_keeps_its_shape(checker):
    checked = checker.check(
        "The evaluation recommends the following: [3]\n- train labour inspectors\n"
        "- publish migration statistics every year", PASSAGES,
    )
    assert checked.text.splitlines() == [
        "The evaluation recommends the following: [1]",
        "- train labour inspectors [1]",
        "- publish migration statistics every year [1]",
    ]


def test_copies_of_a_sentence_get_one_vector(embedder):
    # overlapping chunks repeat sentences; each distinct text is embedded once, so copies tie
    # exactly wherever they are compared, whatever else shares their batch
    shared = "Its budget was US$ 2,580,649 over 38 months."
    first = passage(1, f"The project was funded by DFID. {shared}")
    second = passage(2, f"{shared} It ended in 2009.")
    calls: list[list[str]] = []
    original = embedder.embed_sentences

    class Counting:
        name = embedder.name
        dimension = embedder.dimension

        def embed_sentences(self, texts):
            calls.append(list(texts))
            return original(texts)

    cache = SentenceCache(Counting())  # type: ignore[arg-type]
    vectors = cache.vectors([(first, 1), (second, 0), (first, 0)])
    assert (vectors[0] == vectors[1]).all()
    assert sum(len(c) for c in calls) == 2  # the shared sentence and the other one
