"""Fit the refusal threshold from a question set, with cross-validation, and write it to the
project's configuration (``[tool.assistant]`` in ``pyproject.toml``).

The threshold separates the answerability scores of answerable questions (which should be
answered) from those of unanswerable ones (which should be refused). It is chosen to maximise
balanced accuracy, the mean of the refusal rate on unanswerable questions and the answer rate on
answerable ones; among equally good thresholds, the one farthest from any score wins (a wider
margin generalises better). Stratified k-fold cross-validation fits on k-1 folds and scores the
held-out fold, so the reported refusal rates are not measured on the questions that set them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError


@dataclass(frozen=True)
class Calibration:
    threshold: float
    folds: int
    cv_refusal_tpr: float  # unanswerable questions refused, held-out folds
    cv_false_refusal_rate: float  # answerable questions refused, held-out folds
    fold_thresholds: tuple[float, ...]
    fit_refusal_tpr: float  # on the whole set with the final threshold (optimistic)
    fit_false_refusal_rate: float


def fit_threshold(answerable: Sequence[float], unanswerable: Sequence[float]) -> float:
    """The threshold maximising balanced accuracy (refuse when score < threshold)."""
    if not answerable or not unanswerable:
        raise ConfigError("calibration needs answerable and unanswerable questions in the set")
    scores = sorted(set(answerable) | set(unanswerable))
    candidates = [scores[0] - 1e-3] + [
        (a + b) / 2 for a, b in zip(scores, scores[1:], strict=False)
    ] + [scores[-1] + 1e-3]

    def quality(t: float) -> tuple[float, float]:
        refused = sum(s < t for s in unanswerable) / len(unanswerable)
        answered = sum(s >= t for s in answerable) / len(answerable)
        margin = min(abs(s - t) for s in scores)
        return (refused + answered) / 2, margin

    best = max(candidates, key=quality)
    return round(float(best), 4)


def rates(threshold: float, answerable: Sequence[float], unanswerable: Sequence[float]
          ) -> tuple[float, float]:
    """(refusal rate on unanswerable, refusal rate on answerable) at ``threshold``."""
    tpr = sum(s < threshold for s in unanswerable) / len(unanswerable) if unanswerable else 0.0
    frr = sum(s < threshold for s in answerable) / len(answerable) if answerable else 0.0
    return tpr, frr


def calibrate(
    answerable: Sequence[float], unanswerable: Sequence[float], folds: int = 5, seed: int = 0
) -> Calibration:
    """Fit on everything; estimate the refusal rates by stratified ``folds``-fold CV."""
    folds = max(2, min(folds, len(unanswerable), len(answerable)))
    rng = random.Random(seed)
    pos, neg = list(answerable), list(unanswerable)
    rng.shuffle(pos)
    rng.shuffle(neg)
    pos_folds = [pos[i::folds] for i in range(folds)]
    neg_folds = [neg[i::folds] for i in range(folds)]
    refused_neg = refused_pos = 0
    thresholds = []
    for i in range(folds):
        train_pos = [s for j, f in enumerate(pos_folds) if j != i for s in f]
        train_neg = [s for j, f in enumerate(neg_folds) if j != i for s in f]
        t = fit_threshold(train_pos, train_neg)
        thresholds.append(t)
        refused_neg += sum(s < t for s in neg_folds[i])
        refused_pos += sum(s < t for s in pos_folds[i])
    final = fit_threshold(pos, neg)
    fit_tpr, fit_frr = rates(final, pos, neg)
    return Calibration(
        threshold=final, folds=folds,
        cv_refusal_tpr=round(refused_neg / len(neg), 4),
        cv_false_refusal_rate=round(refused_pos / len(pos), 4),
        fold_thresholds=tuple(thresholds),
        fit_refusal_tpr=round(fit_tpr, 4), fit_false_refusal_rate=round(fit_frr, 4),
    )


def write_threshold(config: Path, threshold: float, set_label: str) -> None:
    """Set ``refusal_threshold`` and ``refusal_threshold_set`` in ``[tool.assistant]`` of a
    pyproject-style TOML file (created if missing), keeping every other line as it was."""
    lines = config.read_text(encoding="utf-8").splitlines() if config.exists() else []
    values = {
        "refusal_threshold": repr(float(threshold)),
        "refusal_threshold_set": '"' + set_label.replace("\\", "/").replace('"', "'") + '"',
    }
    start = next((i for i, line in enumerate(lines) if line.strip() == "[tool.assistant]"), None)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append("[tool.assistant]")
        lines += [f"{key} = {value}" for key, value in values.items()]
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
            len(lines),
        )
        for key, value in values.items():
            pattern = re.compile(rf"^\s*{key}\s*=")
            found = next((i for i in range(start + 1, end) if pattern.match(lines[i])), None)
            if found is None:
                lines.insert(end, f"{key} = {value}")
                end += 1
            else:
                lines[found] = f"{key} = {value}"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import tomllib

    try:
        tomllib.loads(config.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - defensive
        raise ConfigError(f"writing the threshold made {config} invalid TOML: {exc}") from exc
