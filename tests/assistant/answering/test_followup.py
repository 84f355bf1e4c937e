"""Follow-up questions made standalone without a model (assistant/answering/followup.py)."""

from __future__ import annotations

from assistant.answering.followup import antecedent, condense, named_phrases, refers_inside
from assistant.records import Turn


def ask_after(question: str, previous: str, reference: str = "") -> str:
    return condense(question, [Turn("user", previous)], reference)


def test_it_is_the_thing_the_previous_question_named_last():
    previous = "When did the Sri Lankan government formally adopt its National Labour Migration " \
        "Policy?"
    assert named_phrases(previous) == ["Sri Lankan", "National Labour Migration Policy"]
    assert antecedent(previous) == "National Labour Migration Policy"
    assert ask_after("What was planned to put it into practice?", previous) == \
        "What was planned to put the National Labour Migration Policy into practice?"
    assert ask_after("And how was its drafting organised?", previous) == \
        "How was the National Labour Migration Policy's drafting organised?"


def test_the_report_the_conversation_is_about_comes_first():
    assert ask_after("Who evaluated it?", "Who funded the LMPP project and what was its budget?",
                     reference="the LMPP project") == "Who evaluated the LMPP project?"


def test_it_is_the_numbered_item_the_previous_question_asked_for():
    reference = "the 2019 evaluation of the Turin Centre's training"
    previous = f"What was the final recommendation of {reference}?"
    assert ask_after("How did the Centre respond to it?", previous, reference) == \
        f"How did the Centre respond to the final recommendation of {reference}?"
    assert ask_after("Who wrote this report?", previous, reference) == \
        f"Who wrote {reference}?"  # "this report" is still the report
    # who and when are asked of the report, not of its recommendation
    assert ask_after("Who evaluated it?", previous, reference) == f"Who evaluated {reference}?"
    assert ask_after("When was it carried out?", previous, reference) == \
        f"When was {reference} carried out?"


def test_an_it_inside_the_question_stands_for_the_name_before_it():
    question = "How did the Centre's management say it would act on that?"
    assert refers_inside(question)
    assert not refers_inside("What did the ILO say about it?")
    assert not refers_inside("How was it funded?")  # no name before it
    previous = "What was the first recommendation of the 2019 evaluation of the Turin Centre's " \
        "labour migration training?"
    standalone = ask_after(question, previous,
                           reference="the 2019 evaluation of the Turin Centre's labour migration "
                           "training")
    assert standalone.startswith(question + " (context: first recommendation 2019")


def test_question_words_and_sentence_openings_are_no_names():
    assert named_phrases("What did the ILO recommend?") == ["ILO"]
    assert named_phrases("Which donor paid for the Effective Action for Labour Migration "
                         "Policies and Practice project?") == [
        "Effective Action for Labour Migration Policies and Practice"]
    assert named_phrases("How many reports are there?") == []
    assert antecedent("How many reports are there?") == ""


def test_an_it_after_a_thing_the_question_introduces_stands_for_that_thing():
    previous = "If the ILO set up a head-office structure to coordinate its migration work, " \
        "what would that body need, according to the 2008 strategy evaluation?"
    question = "Had any region already set up a task force of its own, and who was leading it?"
    assert refers_inside(question)
    standalone = ask_after(question, previous, reference="the 2008 strategy evaluation")
    # neither "its own" nor "it" is replaced; the earlier turn's words come as context
    assert standalone.startswith(question + " (context: ")
    assert "2008" in standalone
    # "its own" alone is not the report either
    assert ask_after("Did it have a budget of its own?", "Who funded the LMPP project?",
                     reference="the LMPP project") == \
        "Did the LMPP project have a budget of its own?"
