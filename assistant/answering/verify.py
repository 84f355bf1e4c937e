"""The sentence check by a reading model: does a candidate sentence state what was asked?

The evidence scorer ranks sentences by a bi-encoder's cosine and the question's terms; neither
reads the sentence against the question, so a sentence on the topic that does not give the asked
fact ("the project worked with the Africa social security project" for "who paid for it?") can
win, and a near-miss question (the topic is there, the asked figure is not) looks answerable.
With ``answer_verifier = "local"`` the local GGUF model (``local_model``) reads the question with
each of the ``verifier_sentences`` best sentences and gives the log-odds of "yes" against "no"
(:meth:`~assistant.answering.local.LocalRuntime.yes_odds`; prompts ``verify_system.md`` and
``verify_user.md``). Those odds then

- move each judged sentence by ``verifier_weight`` x (its odds - the mean of the judged), in its
  score and in the bonus that the extractive selection adds (so the greedy choice sees it too);
  sentences beyond the judged ones stay as they were, at the judged ones' mean: they are mostly
  the sentences after a good one, which rarely repeat the question's words and would lose to
  it in the model's eyes too. The extractive answer's bar (a share of the best score) is set
  without the shift, so the check changes which sentences are quoted, not how many;
- refuse the question when no judged sentence reaches ``verifier_refuse_below`` (off by
  default: across questions the odds are not calibrated, and they did not separate the
  near-misses from answerable questions).

Measured on the tuning sets and the held-back halves (docs/answers.md, "The sentence check"); it
costs about 0.7 s a sentence with the 1.5B model on two cores, so it is off by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.answering.evidence import Evidence
from assistant.answering.local import LocalRuntime
from assistant.answering.prompts import Prompts
from assistant.records import Passage


@dataclass(frozen=True)
class Verified:
    """The evidence reordered by the model's odds, and the best of those odds."""

    evidence: Evidence
    best_odds: float  # the highest log-odds of "yes" among the judged sentences
    odds: tuple[float, ...]  # per judged sentence, in the evidence's original order


class SentenceVerifier:
    """Reads the best candidate sentences with the local model (see the module's notes)."""

    def __init__(
        self, runtime: LocalRuntime, prompts: Prompts, sentences: int, weight: float,
        refuse_below: float,
    ):
        self.runtime = runtime
        self.prompts = prompts
        self.sentences = sentences
        self.weight = weight
        self.refuse_below = refuse_below

    def conversation(self, question: str, report: str, sentence: str) -> list[dict[str, str]]:
        user = self.prompts.verify_user.substitute(
            question=question, report=report, sentence=" ".join(sentence.split())
        )
        return [
            {"role": "system", "content": self.prompts.verify_system.substitute().strip()},
            {"role": "user", "content": user.strip()},
        ]

    def verify(self, question: str, evidence: Evidence, passages: Sequence[Passage]) -> Verified:
        judged = evidence.sentences[: self.sentences]
        if not judged:
            return Verified(evidence, float("-inf"), ())
        odds = self.runtime.yes_odds([
            self.conversation(question, passages[s.passage].title, s.text) for s in judged
        ])
        mean = sum(odds) / len(odds)
        moved = [
            replace(s, score=s.score + shift, bonus=s.bonus + shift, verified=shift)
            for s, o in zip(judged, odds, strict=True)
            for shift in [self.weight * (o - mean)]
        ] + list(evidence.sentences[self.sentences:])
        moved.sort(key=lambda s: -s.score)
        return Verified(replace(evidence, sentences=tuple(moved)), max(odds), tuple(odds))
