"""The sentence check by a reading model (:mod:`assistant.answering.verify`): the real 0.5B local
model's odds, their determinism, and the check inside the pipeline on the real corpus."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import AskRequest, Settings
from assistant.answering.evidence import Evidence, ScoredSentence
from assistant.answering.local import runtime_for
from assistant.answering.pipeline import AnswerPipeline
from assistant.answering.prompts import REFUSAL, Prompts
from assistant.answering.verify import SentenceVerifier
from assistant.records import Passage

DONOR = "Donor: Department for International Development of the United Kingdom (DFID)"
OFF_POINT = "The evaluation team held interviews with staff in Geneva."


@pytest.fixture(scope="module")
def verifier(local_model):
    settings = Settings.load(env={}, local_model=local_model)
    return SentenceVerifier(runtime_for(settings), Prompts.load(), 5, 0.1, -100.0)


def conversations(verifier, *sentences):
    return [verifier.conversation("Who funded the LMPP project?", "LMPP final evaluation", s)
            for s in sentences]


def test_the_sentence_that_states_the_fact_gets_higher_odds(verifier):
    odds = verifier.runtime.yes_odds(conversations(verifier, DONOR, OFF_POINT))
    assert all(np.isfinite(odds))
    assert odds[0] > odds[1], odds


def test_the_same_conversations_get_the_same_odds_whatever_came_before(verifier):
    asked = conversations(verifier, OFF_POINT, DONOR)
    first = verifier.runtime.yes_odds(asked)
    verifier.runtime.yes_odds(conversations(verifier, "Budget: US$ 2,580,649"))
    list(verifier.runtime.chat([{"role": "user", "content": "Say hello."}], 4))
    assert verifier.runtime.yes_odds(asked) == first
    assert verifier.runtime.yes_odds([]) == []


class OddsByText:
    """The model boundary only: fixed odds for the sentence each conversation holds, to test
    the reordering arithmetic."""

    def __init__(self, odds):
        self.odds = odds

    def yes_odds(self, conversations):
        return [next(o for text, o in self.odds.items() if text in c[1]["content"])
                for c in conversations]


def sentence(i, text, score):
    return ScoredSentence(passage=0, sentence=i, start=0, end=len(text), text=text,
                          similarity=score, coverage=0.0, score=score, bonus=0.0,
                          terms=frozenset(), vector=np.zeros(2))


def test_the_odds_reorder_the_judged_sentences_and_hold_back_the_rest():
    texts = ["a b c", "d e f", "g h i"]
    scores = (0.70, 0.68, 0.675)
    evidence = Evidence("q", {}, tuple(
        sentence(i, t, s) for i, (t, s) in enumerate(zip(texts, scores, strict=True))
    ), (), 0.7)
    passage = Passage(
        rank=1, chunk_id="c", doc_id="d", source="r.txt", title="R", year=None, section="",
        page=None, page_end=None, score=1.0, dense_score=None, lexical_score=None,
        text=" ".join(texts), char_start=0, char_end=15,
    )
    model = OddsByText({"a b c": -2.0, "d e f": 2.0})
    verifier = SentenceVerifier(model, Prompts.load(), 2, 0.1, 0.0)  # type: ignore[arg-type]
    verified = verifier.verify("q", evidence, [passage])
    # the model's "yes" lifts the second above the first, its "no" drops the first below the
    # unjudged third, which stays where it was (at the judged ones' mean)
    assert [s.text for s in verified.evidence.sentences] == ["d e f", "g h i", "a b c"]
    assert verified.best_odds == 2.0 and verified.odds == (-2.0, 2.0)
    moved = {s.text: s for s in verified.evidence.sentences}
    assert moved["d e f"].score == pytest.approx(0.68 + 0.2)
    assert moved["d e f"].bonus == moved["d e f"].verified == pytest.approx(0.2)
    assert moved["a b c"].score == pytest.approx(0.70 - 0.2)
    assert moved["g h i"].score == 0.675 and moved["g h i"].verified == 0.0


@pytest.fixture(scope="module")
def checked(corpus, local_model):
    def build(**options):
        settings = Settings.load(index_dir=corpus.settings.index_dir, env={},
                                 local_model=local_model, answer_verifier="local", **options)
        return AnswerPipeline(settings, corpus.retriever, corpus.embedder,
                              lambda: corpus.index.lexical, scoper=corpus.answers.scoper)
    return build


def test_the_pipeline_reads_the_best_sentences_with_the_model(checked):
    answer = checked().ask(AskRequest("What was the budget of the LMPP project?"))
    assert answer.answerable, answer.answer
    assert "2,580,649" in answer.answer or "2,652,078" in answer.answer
    assert answer.timings_ms["verify"] > 0


def test_no_sentence_the_model_accepts_refuses_the_question(checked):
    answer = checked(verifier_refuse_below=50.0).ask(
        AskRequest("What was the budget of the LMPP project?")
    )
    assert not answer.answerable and answer.answer.startswith(REFUSAL)
    assert answer.citations == ()


def test_without_the_setting_there_is_no_check(corpus):
    assert corpus.answers.verifier() is None
    answer = corpus.ask("What was the budget of the LMPP project?")
    assert "verify" not in answer.timings_ms


def test_the_check_changes_which_sentences_are_quoted_not_how_many():
    from dataclasses import replace

    from assistant.answering.extractive import ExtractiveAnswerer

    texts = ["one two three", "four five six", "seven eight nine"]
    plain = [sentence(i, t, s) for i, (t, s) in enumerate(zip(texts, (0.70, 0.60, 0.58),
                                                              strict=True))]
    plain = [replace(s, vector=np.eye(3)[i]) for i, s in enumerate(plain)]
    # all three clear 0.8 x the best (0.56); the check lifts the second by 0.2
    lifted = [plain[0], replace(plain[1], score=0.80, bonus=0.2, verified=0.2), plain[2]]
    answerer = ExtractiveAnswerer()
    chosen = answerer.select("q", Evidence("q", {}, tuple(lifted), (), 0.7))
    assert [s.text for s in chosen] == ["four five six", "one two three", "seven eight nine"]
    unchecked = answerer.select("q", Evidence("q", {}, tuple(plain), (), 0.7))
    assert len(unchecked) == len(chosen) == 3


def test_a_prompts_folder_without_the_check_s_templates_uses_the_default_ones(tmp_path):
    for name in ("answer_system.md", "answer_user.md", "condense_system.md", "condense_user.md"):
        (tmp_path / name).write_text("$question $passages $refusal $history")
    prompts = Prompts.load(tmp_path)
    assert prompts.verify_user.template == Prompts.load().verify_user.template
    (tmp_path / "verify_user.md").write_text("Is $sentence the answer to $question?")
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match=r"verify_user.md lacks \$report"):
        Prompts.load(tmp_path)
