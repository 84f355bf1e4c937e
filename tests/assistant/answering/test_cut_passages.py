"""A passage that a chunk boundary cut: the rest of its last sentence, or the items of its last
list, come from the next chunk of its report (pure functions, no model)."""

from __future__ import annotations

from assistant.answering.pipeline import _cut_off


def test_a_sentence_cut_at_the_chunk_boundary_is_finished_from_the_next_chunk():
    text = "• Recommendation 2: The Office needs to develop a strategy for"
    after = ("collaboration with other international organizations in accordance with the "
             "guidelines of the ILC in 2004.10This strategy should build on ...")
    tail, used = _cut_off(text, lambda: after)
    # the sentence ends at the full stop before the footnote number glued to the next one
    assert tail == (" collaboration with other international organizations in accordance with "
                    "the guidelines of the ILC in 2004.")
    assert after[:used] == tail.strip()


def test_whole_sentences_headings_and_new_sentences_are_left_alone():
    read = []

    def after() -> str:
        read.append(1)
        return "and more words follow here."

    assert _cut_off("A whole sentence ends here.", after) == ("", 0)
    assert _cut_off("Key Evaluability Findings", after) == ("", 0)  # a heading: too short
    assert read == []  # the next chunk is read only for a passage that may be cut
    # the next chunk opens a new sentence, or a list: nothing continues
    assert _cut_off("There is considerable debate in global", lambda: "The next one.") == ("", 0)
    assert _cut_off("There is considerable debate in global", lambda: "a) An item.") == ("", 0)
    # the rest runs past its line: no sentence to finish
    assert _cut_off("There is considerable debate in global",
                    lambda: "circles over it\n\nNew paragraph.") == ("", 0)


def test_a_list_whose_intro_ends_the_passage_gets_its_items():
    text = "5. Improve methods for evaluating the impact of global projects, including:"
    after = ("5. Improve methods for evaluating the impact of global projects, including:\n\n"
             "- Developing broader indicators.\n\n- Involving recipients in monitoring.\n\n"
             "Evaluations done near the end of such projects ...")
    tail, used = _cut_off(text, lambda: after)
    # the overlap the two chunks share is skipped
    assert tail == "\n\n- Developing broader indicators.\n\n- Involving recipients in monitoring."
    assert after[:used].endswith("- Involving recipients in monitoring.")
    assert _cut_off(text, lambda: "No list follows.") == ("", 0)
