"""Linking questions to the reports they name, on the real default corpus."""

from __future__ import annotations

import pytest

from assistant.retrieval.scope import (
    MAX_READ_REPORTS,
    ReportScoper,
    antecedent_phrase,
    reference_phrase,
)
from vectorstore import DocumentRecord

LMPP = "2009-lmpp-project-final-evaluation.md"
Y2008 = "2008-migrant-worker-protection-strategy-evaluation.txt"
Y2013 = "2013-ilo-labour-migration-evaluation-summary.md"
Y2019 = "2019-itcilo-labour-migration-training-evaluation.md"
HLE = "2021-fair-labour-migration-hle-summary.txt"


@pytest.fixture(scope="module")
def scoper(corpus):
    return ReportScoper(corpus.index.documents, corpus.index.lexical.docs_mentioning)


@pytest.mark.parametrize(("question", "sources"), [
    ("What did the 2013 evaluation recommend on statistics?", {Y2013}),
    ("Who funded the LMPP project?", {LMPP}),
    ("What limited the HLE's data collection?", {HLE}),  # an acronym the report defines
    ("Which donor paid for the Effective Action for Labour Migration Policies and Practice "
     "project?", {LMPP}),  # the title quoted
    ("Compare what the 2009 and 2019 evaluations say about sustainability", {LMPP, Y2019}),
    ("What did the ITCILO training survey find?", {Y2019}),
])
def test_questions_that_name_a_report_are_scoped_to_it(scoper, question, sources):
    assert set(scoper.resolve(question).sources) == sources


@pytest.mark.parametrize("question", [
    "How much did Sri Lanka receive in migrant remittances in 2008?",  # a date, not a report
    "What share of Nepal's outgoing migrant workers in 2008/09 were men?",
    "What do the reports say about migrant workers' protection?",  # words every report uses
    "What is the capital of France?",
    # title words in order, but no quote of the title: another name, and words between
    "What was planned to put the National Labour Migration Policy into practice?",
])
def test_dates_and_common_words_name_no_report(scoper, question):
    assert not scoper.resolve(question)


def test_the_terms_that_named_the_report_and_its_reference(scoper):
    scope = scoper.resolve("Who funded the LMPP project and what was its total budget?")
    assert "lmpp" in scope.terms and "budget" not in scope.terms
    assert scope.reference == "the LMPP project"
    assert reference_phrase("What did the 2021 HLE find?", frozenset({"2021", "hle"})) == (
        "the 2021 HLE"
    )


def test_one_report_needs_no_scope(tmp_path, embedder):
    from helpers import REPORTS

    from assistant import Assistant, Settings

    settings = Settings.load(index_dir=tmp_path / "index", env={})
    with Assistant(settings, embedder=embedder) as one:
        one.ingest([REPORTS / "2013-ilo-labour-migration-evaluation-summary.md"])
        scoper = ReportScoper(one.index.documents, one.index.lexical.docs_mentioning)
        assert not scoper.resolve("What did the 2013 evaluation recommend?")


def _record(n: int, title: str, year: int) -> DocumentRecord:
    return DocumentRecord(f"r{n}.md", f"d{n}", title, year, None, 1, 1, "md", "m", "t")


def test_texts_are_read_once_per_term_and_not_at_all_for_a_large_catalog():
    asked: list[str] = []

    def mentions(term: str) -> dict[str, int]:
        asked.append(term)
        return {}

    few = [_record(i, "Evaluation of the Regional Migration Programme", 2000 + i)
           for i in range(3)]
    ReportScoper(lambda: few, mentions).aliases()
    assert asked and len(asked) == len(set(asked))  # shared title words: one lookup each

    asked.clear()
    many = [_record(i, f"Evaluation of project {i}", 1900 + i)
            for i in range(MAX_READ_REPORTS + 1)]
    scoper = ReportScoper(lambda: many, mentions)
    assert scoper.aliases() and asked == []
    assert scoper.resolve("What did the 1995 evaluation find?").sources == ("r95.md",)


def test_a_catalog_alias_names_its_report_when_a_report_noun_follows():
    records = [
        DocumentRecord("itc.md", "d1", "Independent evaluation of ITCILO training", 2019, None, 1,
                       1, "md", "m", "t", aliases=("Turin", "Turin Centre")),
        DocumentRecord("lmpp.md", "d2", "LMPP project: final evaluation", 2009, None, 1, 1, "md",
                       "m", "t"),
        DocumentRecord("hle.md", "d3", "High-level evaluation of fair migration", 2021, None, 1,
                       1, "md", "m", "t"),
    ]
    scoper = ReportScoper(lambda: records, lambda term: {})
    scope = scoper.resolve("In the Turin Centre's labour migration survey, what share gained?")
    assert scope.sources == ("itc.md",) and {"turin", "centr"} <= scope.terms
    # the Centre as a thing another report speaks of names no report by itself
    assert scoper.resolve("How many took the Turin Centre labour migration course, according "
                          "to the LMPP evaluation?").sources == ("lmpp.md",)
    assert scoper.resolve("What did the Turin evaluation recommend?").sources == ("itc.md",)


def test_catalog_aliases_are_read_and_checked(tmp_path):
    from ingest import read_catalog
    from ingest.errors import CatalogError

    (tmp_path / "catalog.yaml").write_text(
        "reports:\n  a.md:\n    title: A\n    aliases: [Turin Centre, ITC-ILO]\n  b.md:\n"
        "    title: B\n", encoding="utf-8")
    catalog = read_catalog(tmp_path)
    assert catalog["a.md"].aliases == ("Turin Centre", "ITC-ILO") and catalog["b.md"].aliases == ()
    (tmp_path / "catalog.yaml").write_text(
        "reports:\n  a.md:\n    title: A\n    aliases: Turin\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="aliases must be a list"):
        read_catalog(tmp_path)


def test_new_aliases_in_the_catalog_mean_the_report_is_read_again():
    from assistant.preparing import meta_changed
    from ingest.records import DocumentMeta

    record = DocumentRecord("a.md", "d", "A", 2019, None, 1, 1, "md", "m", "t")
    assert not meta_changed(record, DocumentMeta("A", 2019))
    assert meta_changed(record, DocumentMeta("A", 2019, aliases=("Turin Centre",)))


def test_what_a_follow_up_it_stands_for_is_the_run_that_names_the_report():
    question = ("If the ILO set up a head-office structure to coordinate its migration work, "
                "what would that body need, according to the 2008 strategy evaluation?")
    terms = frozenset({"ilo", "2008"})
    # the words that named the report run from "ILO" to the end; "it" is the report
    assert reference_phrase(question, terms).startswith("the ILO set up")
    assert antecedent_phrase(question, terms) == "the 2008 strategy evaluation"
    assert antecedent_phrase("Who funded the LMPP project?", frozenset({"lmpp"})) == \
        "the LMPP project"
    assert antecedent_phrase("What did the 2021 HLE find?", frozenset({"2021", "hle"})) == \
        "the 2021 HLE"
