"""The kind of fact a question asks for, and whether a sentence gives it."""

from __future__ import annotations

import pytest

from assistant.answering.slots import Slot, expected_slots, fills


@pytest.mark.parametrize(("question", "kinds", "focus"), [
    ("How many members sat on the tripartite steering committee?", ["count"], {"member"}),
    ("What response rate did the online survey achieve?", ["percent"], {"respons", "rate"}),
    ("What percentage of survey respondents were women?", ["percent"], {"survey", "respond"}),
    ("When did Sri Lanka adopt its labour migration policy?", ["date"], set()),
    ("Over what dates was the 2013 evaluation carried out?", ["month"], set()),
    ("In which months of 2019 did the evaluation take place?", ["month"], set()),
    ("In what year did the evaluation take place?", ["date"], set()),
    ("Who was the team leader of the evaluation?", ["name"], {"team", "leader"}),
    ("Who funded the LMPP project and what was its budget?", ["amount", "name"], set()),
    ("What did the 2013 evaluation recommend?", [], set()),
    ("Which UN agency helped Nepal draft its Foreign Employment Act?", ["name"], set()),
    ("Had any region set up a task force, and who was leading it?", ["name"], set()),
    ("Where did Nepal post the attaches, whom the ILO trained?", ["place"], set()),
    ("To whom did the evaluator send the questionnaire?", ["name"], set()),
    ("Who was paying for the project?", ["name"], {"fund", "funder", "donor", "financ",
                                                   "sponsor", "grant"}),
    ("What international organization ran the survey?", ["name"], set()),
    ("Which agency led it?", ["name"], set()),
    ("Which areas of work did the agency cover?", [], set()),
    ("Which two cities did the team pick for interviews?", ["place"], set()),
    ("Where did the evaluator carry out the interviews?", ["place"], set()),
    ("In which countries were the case studies based?", ["country"], set()),
    ("Circular migration schemes were agreed with which country?", ["country"], set()),
    ("Which member nations ratified it?", ["country"], set()),
    ("Whereas the report praises it, what does it criticise?", [], set()),
    ("What was the Turin Centre's total budget for its training?", ["amount"], set()),
    ("What is the project's cost?", ["amount"], set()),
    ("Of the eight studies, how many were country studies?", ["count"], {"countri", "studi"}),
    ("How many were looked at?", ["count"], set()),  # a participle counts nothing
    ("In how many was labour migration mentioned?", ["count"], set()),  # counted: elided
    ("What did one person say the ILO has to be?", [], set()),  # what was said, no name
    ("What did the agency recommend?", [], set()),
    ("What did the project help WHO and the Alliance develop?", [], set()),  # the acronym
    ("WHO FUNDED IT?", ["name"], {"fund", "funder", "donor", "financ", "sponsor", "grant"}),
    ("How much of the outflow goes to Latin America?", ["percent"], set()),  # a share
    ("How much of a priority were migrants?", ["much"], {"prioriti"}),  # a degree
    ("How long had the project been running?", ["duration"], set()),
    ("When was it evaluated, and how long did it take?", ["date", "duration"], set()),
])
def test_expected_slots(question, kinds, focus):
    slots = expected_slots(question)
    assert sorted(s.kind for s in slots) == sorted(kinds)
    if focus:
        assert slots[0].focus == focus


def test_a_count_needs_a_new_number_about_what_is_counted():
    slot = Slot("count", frozenset({"member"}))
    question = "How many members sat on the steering committee set up in 2008?"
    assert fills(slot, "The committee had 12 members.", question)
    assert not fills(slot, "A steering committee and three working groups were set up.", question)
    assert not fills(slot, "Its members met in 2008.", question)  # the question's own number
    assert not fills(Slot("count"), "Methods: (1) desk review (2) interviews.", "How many?")


def test_a_count_in_words_that_the_question_already_gives_is_no_answer():
    question = "Of the eight case studies, how many were thematic?"
    assert not fills(Slot("count"), "It was supplemented with eight case studies.", question)
    assert fills(Slot("count"), "Five were country studies and three thematic.", question)
    studies = Slot("count", frozenset({"studi"}))
    assert not fills(studies, "It was supplemented with eight case studies.", question)
    assert fills(studies, "Three studies were thematic.", question)


def test_a_place_is_a_capitalised_word_the_question_does_not_hold():
    place = Slot("place")
    question = "Which two cities did the team pick for interviews?"
    assert fills(place, "[NB: Bangkok and Budapest were selected for interviews.]", question)
    assert fills(place, "One visit was made to Bangkok.", question)
    # the sentence's first word, an acronym, a month or the question's own words are no place
    assert not fills(place, "Interviews were held in August with ILO staff.", question)
    assert not fills(place, "Cities were picked for interviews.", question)
    assert not fills(place, "The team went to Geneva.", "Where in Geneva did the team go?")


def test_a_person_may_be_named_by_a_post():
    who = Slot("name")
    question = "Had any region set up a task force, and who was leading it?"
    assert fills(who, "It is a virtual taskforce, led by the country director for Indonesia.",
                 question)
    assert fills(who, "The unit reports to the Chief of MIGRANT.", question)
    assert not fills(who, "It is a virtual taskforce, led by the regional office.", question)


def test_which_months_asks_for_a_month_not_a_year():
    month = Slot("month")
    question = "In which months of 2019 did the evaluation take place?"
    assert fills(month, "The evaluation was carried out during May - July 2019.", question)
    assert not fills(month, "The Centre will report on it during the 2020-21 biennium.", question)
    assert not fills(month, "It ended in May.", "It began in May; in which month did it end?")
    assert fills(Slot("date"), "The Centre will report on it during the 2020-21 biennium.",
                 "In what year will the Centre report on it?")


def test_a_country_is_named_not_counted_or_merely_capitalised():
    country = Slot("country")
    question = "Apart from Sri Lanka, which countries did MIGRANT help draft a migration policy?"
    assert fills(country, "MIGRANT also helped Pakistan and Viet Nam draft policies.", question)
    assert fills(country, "Drafts followed in Côte d'Ivoire.", question)
    # a count of countries, the question's own country, a capitalised word or a nationality
    # says no more than the question does
    assert not fills(country, "Policies were drafted in four countries.", question)
    assert not fills(country, "Sri Lanka adopted its policy in 2009.", question)
    assert not fills(country, "The Labour Migration Branch helped draft policies.", question)
    assert not fills(country, "Nepalese officials asked for help.", question)
    assert not fills(country, "Nigerian officials asked for help.", question)


def test_amounts_names_dates_and_percentages():
    assert fills(Slot("amount"), "Budget: US$ 2,580,649", "What was its budget?")
    assert not fills(Slot("amount"), "The budget grew in 2008.", "What was its budget?")
    who = Slot("name")
    assert fills(who, "Evaluator: Philip Martin", "Who evaluated the LMPP project?")
    assert not fills(who, "The LMPP Project was evaluated.", "Who evaluated the LMPP project?")
    assert not fills(who, "Project code: GLO/06/57/UKM", "Who funded the LMPP project?")
    # a label's own words are no name ("Period Covered"); its value may be one
    assert not fills(who, "Period Covered: November 2006 - July 2009", "Who funded it?")
    assert fills(who, "Donor: DFID", "Who funded it?")
    assert fills(who, "Evaluation Manager: Jane Doe", "Who managed it?")
    assert fills(Slot("date"), "It was adopted in April 2009.", "When was it adopted?")
    assert not fills(Slot("date"), "Adopted since 2008.", "When, after 2008, was it adopted?")
    share = Slot("percent", frozenset({"respond"}))
    assert fills(share, "Of the respondents, 32% replied.", "What share of respondents?")
    assert not fills(share, "Many respondents replied.", "What share of respondents?")


def test_a_count_must_sit_next_to_what_is_counted():
    slot = Slot("count", frozenset({"interview"}))
    question = "How many interviews did the evaluators hold?"
    assert fills(slot, "The team held 79 interviews with 82 people.", question)
    assert not fills(slot, "In 2013 the team, after a long desk review of documents and "
                           "reports, held interviews.", question)


def _passage(text: str, title: str = "Final evaluation", section: str = "Findings"):
    from assistant.retrieval.hybrid import to_passage
    from ingest.records import Chunk

    return to_passage(
        Chunk("c", "d", "r.md", title, 2009, section, None, None, 0, len(text), 0, text),
        1, 1.0, None, None,
    )


def test_a_value_counts_only_from_a_passage_that_names_what_was_asked_about():
    from assistant.answering.slots import asked_names, names_in

    question = "How many Nepalese women were working as domestic helpers in Kuwait?"
    names = asked_names(question, frozenset())
    assert names == (("nepales",), ("kuwait",))
    saudi = _passage("There may be 10,000 domestic helpers among the 200,000 Nepalese in Saudi "
                     "Arabia.")
    assert not names_in(saudi, names)
    assert names_in(_passage("Some 3,000 Nepalese helpers work in Kuwaiti homes."), names)
    # what is counted is the slot's focus, not a name to look for: "Turin training activities"
    turin = asked_names("How many Turin training activities were sampled?", frozenset())
    assert names_in(_passage("A sample of 15 training activities."), turin, frozenset({"turin"}))
    # a demonym is named by its country, a long name by its acronym, and the words that named
    # the report are not asked about
    assert names_in(_passage("Unions in Sri Lanka and the Gulf signed it."),
                    asked_names("Where did Sri Lankan and Gulf unions sign it?", frozenset()))
    assert names_in(_passage("Of 49 DWCPs reviewed, 31 mentioned migration."),
                    asked_names("How many Decent Work Country Programmes?", frozenset()))
    assert asked_names("When did the evaluation of the Turin Centre's training take place?",
                       frozenset(), naming="the evaluation of the Turin Centre's training") == ()


@pytest.mark.parametrize(("question", "dated"), [
    ("When was the National Labour Migration Policy adopted?", True),
    ("Who evaluated the project, and when was it evaluated?", True),
    ("In what year was the Multilateral Framework published?", True),
    ("Did the evaluation find that IOM drew on the Multilateral Framework when advising "
     "governments?", False),
    ("What kinds of staff were focal points when the 2013 evaluation was done?", False),
    # a clause of time before the question proper: it asks which changes, not when
    ("When the Committee re-examined the instruments in 1998, which changes did it cite?",
     False),
    ("When the project ended, which countries had adopted a policy?", False),
    ("When was the policy adopted, and by whom?", True),
])
def test_a_when_that_joins_clauses_asks_for_no_date(question, dated):
    from assistant.answering.evidence import answer_type_match

    # the coarse answer-type bonus and the date slot read "when" the same way
    assert answer_type_match(question, "In 2001, IOM served as a Secretariat.") is dated
    assert ("date" in {s.kind for s in expected_slots(question, frozenset())}) is dated


def test_hyphenated_names_are_split_as_the_passages_words_are():
    from assistant.answering.slots import asked_names, names_in

    assert asked_names("When did the ILO's Asia-Pacific office draft a plan?", frozenset()) == (
        ("ilo", "asia", "pacif"),)
    # "LMPP-backed" names the report (LMPP); "backed" is no name
    assert asked_names("In which Nigerian ministry did an LMPP-backed ILO mission work?",
                       frozenset({"lmpp"})) == (("nigerian",), ("ilo",))
    passage = _passage("In the case of the Asia-Pacific region, an early effort of the Regional "
                       "Office to come up with a plan was made in 2006.")
    assert names_in(passage, (("asia", "pacif"),))


def test_a_share_in_words_fills_a_percentage():
    question = "How large is South-South migration, and what share of all international " \
               "migration does it represent?"
    (slot,) = [s for s in expected_slots(question, frozenset()) if s.kind == "percent"]
    assert fills(slot, "South-South migration is estimated at 74 million, or nearly half of "
                       "international migration.", question)
    assert not fills(slot, "International migration is discussed at length.", question)


def test_who_funded_asks_for_a_name_given_as_the_funder():
    question = "Who funds the Free Movement of Persons (FMM) project?"
    (slot,) = expected_slots(question, frozenset())
    assert slot.kind == "name"
    assert fills(slot, "Donor: Department for International Development (DFID)", question)
    assert fills(slot, "The project is funded by the European Union.", question)
    # names, but none given as a funder
    assert not fills(slot, "Case studies were conducted on Ethiopia, Thailand and the ILO's "
                           "support to the Regional Conference on Migration.", question)
    assert expected_slots("Who evaluated it?", frozenset())[0].focus == frozenset()


def test_the_funder_is_the_name_the_sentence_says_funds():
    question = "What was the budget of the LMPP project and who funded it?"
    (slot,) = [s for s in expected_slots(question, frozenset()) if s.kind == "name"]
    assert fills(slot, "DFID funded the project's second phase.", question)
    assert fills(slot, "It was a DFID-funded project.", question)
    assert fills(slot, "The study was financed largely by the Government of Spain.", question)
    assert fills(slot, "Funding source: European Commission", question)
    # "funded" describes other projects; ILO is no funder here
    assert not fills(slot, "The impact and sustainability of LMPP project activities were "
                           "increased by linking them to regular budget and specially funded "
                           "projects in other ILO units.", question)
    # a label that is no funding one ("Evaluation Manager: ...") names no funder
    assert not fills(slot, "Evaluation Manager: Tharcisse Nkanagu (funds)", question)


def test_a_count_is_of_the_thing_it_opens():
    question = "Roughly how many migrant workers do small enterprises in Korea employ?"
    (slot,) = expected_slots(question)
    # "two" counts conventions; "on" ends the noun phrase it opens
    assert not fills(slot, "The two ILO conventions on migrant workers are widely recognized.",
                     question)
    assert fills(slot, "Some 19 detailed migrant workers replied.", question)
    assert fills(slot, "Small enterprises employed five of the migrant workers.", question)
    assert fills(slot, "The migrant workers there numbered 1,200 in 2008.", question)
    # a share may be "of" what was asked about
    share = "What share of Nepal's outgoing migrant workers in 2008/09 were men?"
    (percent,) = expected_slots(share)
    assert fills(percent, "About 96 percent of the migrants going abroad in 2008/09 were men.",
                 share)


def test_a_counted_thing_may_be_written_as_its_acronym():
    question = "How many memoranda of understanding had Sri Lanka signed?"
    (slot,) = expected_slots(question)
    assert {"mou", "mous"} <= slot.focus
    assert fills(slot, "SL has signed five MOUs with migrant-receiving countries.", question)
    # a possessive opens no acronym: "Nepal's outgoing migrant" is no "NOM"
    (share,) = expected_slots("What share of Nepal's outgoing migrant workers were men?")
    assert "nom" not in share.focus


def test_a_word_capitalised_for_opening_the_question_names_nothing():
    from assistant.text import key_phrases

    # "Besides" and "Leaving" open the question; they are no part of a name that the passages
    # must mention ("The passages found do not mention Besides the ILO")
    assert key_phrases("Besides the ILO, which bodies work on trafficking?") == []
    assert key_phrases("Leaving IOM's profile aside, what worried the unions?") == []
    assert key_phrases("Beyond ILO Constituents, who took the course?") == ["ILO Constituents"]
    # a name that opens the question is still one
    assert key_phrases("Sri Lanka's policy was adopted when?") == ["Sri Lanka"]
    # a possessive parts two names, each looked for in the passages on its own
    assert key_phrases("Which workers had the ILO's Indonesia country programme chosen?") == []
    assert key_phrases("When was Sri Lanka's National Labour Migration Policy adopted?") == [
        "Sri Lanka", "National Labour Migration Policy"
    ]
    assert key_phrases("Decent Work Country Programmes mention migration?") == [
        "Decent Work Country Programmes"
    ]


def test_a_name_in_another_word_form_is_mentioned():
    from assistant.answering.evidence import _near
    from assistant.text import content_terms, stem, words

    tokens = [stem(w) for w in words("migration to countries in Latin America represents")]
    # "Latin American" is named by "Latin America", as "Sri Lankan" by "Sri Lanka"
    assert _near(content_terms("Latin American"), tokens)
    assert not _near(content_terms("Latin Caribbean"), tokens)


def test_how_long_asks_for_a_length_of_time():
    question = "How long had the project been running?"
    slot = Slot("duration")
    assert fills(slot, "The evaluation covers about 2.7 years of work.", question)
    assert fills(slot, "It was designed to be a four-year project.", question)
    assert fills(slot, "Project duration: November 2006- December 2009", question)  # a span
    assert not fills(slot, "The project began in November 2006.", question)  # a date only


def test_how_much_of_the_whole_is_filled_by_a_share_in_words():
    question = "For people leaving Peru, how much of the outflow goes to Latin America?"
    (slot,) = expected_slots(question)
    assert fills(slot, "Migration to Latin America represents at least one third of the flows.",
                 question)
    assert not fills(slot, "Migrants from Peru go to Spain and Italy.", question)
