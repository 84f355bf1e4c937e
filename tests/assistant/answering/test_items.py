"""Numbered items a question points at ("the final recommendation", "recommendation 3"), and
where a report's chunks label or mention them."""

from __future__ import annotations

import pytest

from assistant.answering.items import ItemReference, item_reference
from ingest.records import Chunk


@pytest.mark.parametrize(("question", "expected"), [
    ("What was the first recommendation of the 2019 evaluation?",
     ItemReference("recommendation", 1)),
    ("What did the final recommendation ask for?", ItemReference("recommendation", None)),
    ("And the last key recommendation?", ItemReference("recommendation", None)),
    ("What did Recommendation No. 3 say?", ItemReference("recommendation", 3)),
    ("Summarise recommendation 12 of the HLE", ItemReference("recommendation", 12)),
    ("What was the 2nd conclusion?", ItemReference("conclusion", 2)),
    ("What was the third lesson learned?", ItemReference("lesson learned", 3)),
    ("What were the main recommendations of the 2013 evaluation?", None),
    ("Which ILO Recommendations apply to migrant workers?", None),
])
def test_a_question_names_an_item_by_position_or_number(question, expected):
    assert item_reference(question) == expected


def _chunks(*texts_and_sections: tuple[str, str]) -> list[Chunk]:
    return [
        Chunk(f"c{i}", "d", "r.md", "T", 2019, section, None, None, 0, len(text), i, text)
        for i, (text, section) in enumerate(texts_and_sections)
    ]


def test_labels_give_the_number_and_the_label_comes_before_the_mentions():
    chunks = _chunks(
        ("In response to recommendation 2, the Centre will act (see also recommendation 1).",
         "Management response"),
        ("Recommendation 1: Define a strategy.\n\nRecommendation 2: Strengthen the basics.",
         "Recommendations"),
        ("In response to recommendation 1, the Centre reaffirms its curriculum.",
         "Management response"),
    )
    located = ItemReference("recommendation", None).locate(chunks)  # "the last": 2
    assert located is not None and located.number == 2 and not located.listed
    assert [c.chunk_id for c in located.chunks] == ["c1", "c0"]
    assert located.weight("Recommendation 2: Strengthen the basics.") == 2.0
    assert located.weight("- 14. **Recommendation 2:** Strengthen the basics.") == 2.0
    assert located.weight("In response to recommendation 2, the Centre will act.") == 1.0
    # a paragraph that is about recommendation 1 and mentions 2 in passing is not about 2
    assert located.weight("In response to recommendation 1, see also recommendation 2.") == 0.0
    assert ItemReference("recommendation", 7).locate(chunks) is None


def test_numbered_paragraphs_under_a_recommendations_heading_are_items():
    chunks = _chunks(
        ("1. Place a high priority on the strategy paper.\n\n2. Promote the Framework.",
         "Findings > Recommendations"),
        ("3. Encourage countries to set priorities.", "Findings > Recommendations"),
        ("In 2. Background the project is described.", "Background"),
    )
    located = ItemReference("recommendation", None).locate(chunks)
    assert located is not None and (located.number, located.listed) == (3, True)
    second = ItemReference("recommendation", 2).locate(chunks)
    assert second is not None and [c.chunk_id for c in second.chunks] == ["c0"]
    assert second.weight("2. Promote the Framework.", "Findings > Recommendations") == 2.0
    assert second.weight("1. Place a high priority.", "Findings > Recommendations") == 0.0
