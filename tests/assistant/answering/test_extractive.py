"""Lists and broken sentences in the extractive answerer (pure functions, no model)."""

from __future__ import annotations

from assistant.answering.evidence import refers_back
from assistant.answering.extractive import continuation, list_items


def test_a_sentence_broken_across_paragraphs_runs_on():
    text = ("This strategy should focus on three key areas\n\nof labour migration: rights; "
            "labour market needs; governance.\n\n- Next point.")
    end = text.index("areas") + len("areas")
    assert text[:continuation(text, end)].endswith("needs; governance.")
    assert continuation("A full sentence.\n\nand more", 16) == 16  # it had ended
    assert continuation("No end here\n\nNext Para", 11) == 11  # next line is a new sentence


def test_lists_after_a_colon_and_inline_enumerations():
    text = "The evaluation recommends the following:\n- train inspectors\n- publish data\nEnd."
    intro = text.index(":") + 1
    assert list_items(text, 0, intro) == (
        "The evaluation recommends the following:", ["train inspectors", "publish data"]
    )
    inline = ("A Plan with seven components, namely: (i.) a framework; (ii.) standards; "
              "(iii.) social dialogue; and (iv.) a knowledge base.")
    assert list_items(inline, 0, len(inline)) == (
        "A Plan with seven components, namely:",
        ["a framework", "standards", "social dialogue", "a knowledge base"],
    )
    counted = "Aims: 1) one thing; 2) another; 3) a third."
    assert list_items(counted, 0, len(counted))[1] == ["one thing", "another", "a third"]
    assert list_items("In 2007 it spent 3. It grew.", 0, 20) is None  # not a list


def test_a_note_given_twice_under_two_numbers_is_quoted_once():
    import numpy as np

    from assistant.answering.evidence import ScoredSentence
    from assistant.answering.extractive import ExtractiveAnswerer

    def scored(text: str, vector: np.ndarray) -> ScoredSentence:
        return ScoredSentence(0, 0, 0, len(text), text, 0.8, 0.5, 0.7, 0.0, frozenset(), vector)

    same = np.ones(4, dtype=np.float32) / 2
    note = "In the case of the Asia-Pacific region, an early effort was made in 2006."
    answerer = ExtractiveAnswerer()
    seen: set[str] = set()
    chosen = [scored(f"38 {note}", same)]
    assert not answerer._repeats(chosen[0], [], seen)
    assert answerer._repeats(scored(f"39 {note}", same), chosen, seen)  # the number: no figure
    # a near-copy that states another figure is still shown (two budgets in two places)
    assert not answerer._repeats(
        scored("38 In the case of the Asia-Pacific region, an effort was made in 2007.", same),
        chosen, seen)
    # a sentence that opens with a count keeps it as a figure
    assert not answerer._repeats(scored("64 semi-structured interviews were held.", same),
                                 [scored("65 semi-structured interviews were held.", same)],
                                 set())


def test_a_labelled_item_brings_its_parts_and_a_loose_list_runs_over_blank_lines():
    text = ("16. Recommendation 4: Enhance coordination across the Centre.\n\n"
            "- a. Convene a regular forum.\n\n- b. Strengthen ties with the ILO.\n\n"
            "17. Recommendation 5: Develop a communications strategy.\n\n- a. Publish more.")
    start = text.index("Recommendation 4")
    end = text.index("\n")
    assert list_items(text, start, end) == (
        "Recommendation 4: Enhance coordination across the Centre.",
        ["a. Convene a regular forum.", "b. Strengthen ties with the ILO."],
    )
    # the next numbered paragraph is the outer list's next item, not a part of this one
    numbered = "Aims:\n\n1. One.\n\n2. Two.\n\n- a bullet of another list"
    assert list_items(numbered, 0, 5) == ("Aims:", ["One.", "Two."])
    # a sentence inside a paragraph labels nothing, whatever follows
    prose = "Recommendation 4: it was heard. More follows here.\n\n- a. An item."
    assert list_items(prose, 0, prose.index(" More")) is None


def test_sentences_that_rest_on_the_one_before():
    assert refers_back("The evaluability assessment was therefore unable to determine it.")
    assert refers_back("This lack of strategic direction gives rise to risks.")
    assert refers_back("As a result, the project changed its priorities.")
    assert not refers_back("None of the PoAs reviewed contained targets or benchmarks.")
    assert not refers_back("The project, funded by DFID, ran for three years and therefore ended.")
