"""The regression gate: a run against a saved baseline, question by question.

Both sides are scored on the questions they share (paired by id), so a run of part of a set is
compared with the same part of the baseline. A metric fails the gate when its drop (its rise,
for ``false_refusal_rate``) exceeds the baseline's tolerance, or when the paired bootstrap
interval of the difference (:mod:`.stats`) lies wholly on the bad side of zero; the gate says
which. A question marked ``critical: true`` that went from pass to fail fails the gate on its
own. Every question whose verdict flipped is listed with its answer and citations before and
after.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import EvalSetError
from assistant.evaluation import stats
from assistant.evaluation.runs import RESULTS_FORMAT, EvalRun

#: Metrics where higher is better, and the default drop a baseline tolerates.
TOLERANCES: dict[str, float] = {
    "hit_rate": 0.05,
    "mrr": 0.05,
    "evidence_recall": 0.05,
    "keyword_accuracy": 0.05,
    "answer_accuracy": 0.05,
    "citation_precision": 0.05,
    "evidence_cited": 0.05,
    "citation_validity": 0.0,
    "refusal_tpr": 0.10,
    "false_refusal_rate": 0.05,  # lower is better: a rise beyond this is a regression
}
LOWER_IS_BETTER = frozenset({"false_refusal_rate"})
BEYOND_TOLERANCE = "beyond the tolerance"
SIGNIFICANT = "95 % interval excludes 0"


@dataclass(frozen=True)
class MetricDelta:
    """One metric on the paired questions: before, now, the difference and its interval."""

    metric: str
    before: float | None
    now: float | None
    delta: float | None  # now - before
    interval: list[float] | None  # 95 % paired bootstrap interval of now - before
    tolerance: float
    reasons: tuple[str, ...] = ()  # why it fails the gate; empty when it does not

    @property
    def failed(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Flip:
    """A question whose verdict changed: what it answered before and now."""

    id: str
    question: str
    type: str
    critical: bool
    direction: str  # "pass -> fail" or "fail -> pass"
    before: dict[str, Any]  # passed, answer, cited, checks, why
    now: dict[str, Any]


@dataclass(frozen=True)
class Comparison:
    """A run against a baseline: metrics that fail the gate and the questions that changed."""

    regressions: list[tuple[str, float, float, float]]  # metric, baseline, now, tolerance
    newly_failing: list[str]
    newly_passing: list[str]
    missing: list[str]  # questions in the baseline that this run did not have
    deltas: list[MetricDelta] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)  # critical, pass -> fail, fail -> pass
    critical_flips: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # same verdict, another answer text
    paired: int = 0  # questions in both
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.regressions or self.critical_flips)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failed"] = self.failed
        data["regressions"] = [
            {"metric": d.metric, "before": d.before, "now": d.now, "delta": d.delta,
             "interval": d.interval, "tolerance": d.tolerance, "reasons": list(d.reasons)}
            for d in self.deltas if d.failed
        ]
        return data


def read_baseline(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalSetError(f"baseline {path} cannot be read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise EvalSetError(f"baseline {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or "metrics" not in data or "results" not in data:
        raise EvalSetError(f"baseline {path} is not an `assistant eval` results file")
    needed = {"id", "passed", "answerable", "refused", "hit", "keywords_found"}
    for row in data["results"]:
        if not isinstance(row, dict) or not needed <= row.keys():
            raise EvalSetError(
                f"baseline {path} lacks per-question results ({', '.join(sorted(needed))}); "
                "write a new one with `assistant eval SET --baseline FILE --update-baseline`"
            )
    return data


def _why(row: dict[str, Any]) -> str | None:
    if row["passed"]:
        return None
    if not row["answerable"]:
        return "answered a question the reports do not answer"
    if row["refused"]:
        return "refused a question the reports answer"
    return "missing " + ", ".join(row["keywords_missing"])


def _side(row: dict[str, Any]) -> dict[str, Any]:
    return {"passed": bool(row["passed"]), "answer": row.get("answer", ""),
            "cited": row.get("cited"), "checks": row.get("checks"), "why": _why(row)}


def compare(run: EvalRun, baseline: dict[str, Any]) -> Comparison:
    """The gate's verdict on ``run`` against ``baseline`` (a results file's contents)."""
    tolerances = {**TOLERANCES, **(baseline.get("tolerances") or {})}
    before_rows = {r["id"]: r for r in baseline["results"]}
    now_rows = {r["id"]: r for r in run.rows()}
    shared = [i for i in now_rows if i in before_rows]
    before = [before_rows[i] for i in shared]
    now = [now_rows[i] for i in shared]
    differences = stats.paired_differences(before, now)
    deltas, regressions = [], []
    for metric, tolerance in tolerances.items():
        if metric not in stats.METRICS:
            continue
        was, is_ = stats.value(before, metric), stats.value(now, metric)
        if was is None or is_ is None:
            continue
        interval = differences[metric]
        worse = 1 if metric in LOWER_IS_BETTER else -1  # the sign of a worse difference
        reasons = []
        if (is_ - was) * worse > tolerance + 1e-9:
            reasons.append(BEYOND_TOLERANCE)
        if interval is not None and interval.excludes_zero() and (
            (interval.low > 0) == (worse > 0)
        ):
            reasons.append(SIGNIFICANT)
        deltas.append(MetricDelta(metric, round(was, 4), round(is_, 4), round(is_ - was, 4),
                                  interval.to_list() if interval else None, tolerance,
                                  tuple(reasons)))
        if reasons:
            regressions.append((metric, round(was, 4), round(is_, 4), tolerance))
    flips = [
        Flip(i, now_rows[i]["question"], now_rows[i]["type"], bool(now_rows[i].get("critical")),
             "pass -> fail" if before_rows[i]["passed"] else "fail -> pass",
             _side(before_rows[i]), _side(now_rows[i]))
        for i in shared if bool(before_rows[i]["passed"]) != bool(now_rows[i]["passed"])
    ]
    # critical questions that now fail first, then the other pass -> fail, then fail -> pass
    flips.sort(key=lambda f: (f.direction != "pass -> fail", not f.critical))
    notes = []
    if int(baseline.get("format", 1)) < RESULTS_FORMAT:
        notes.append(
            "the baseline predates per-question citations and checks (results format "
            f"{baseline.get('format', 1)}): the diff shows answers only; write a newer baseline "
            "with --update-baseline for the full per-question diff"
        )
    return Comparison(
        regressions=regressions,
        newly_failing=[f.id for f in flips if f.direction == "pass -> fail"],
        newly_passing=[f.id for f in flips if f.direction == "fail -> pass"],
        missing=[i for i in before_rows if i not in now_rows],
        deltas=deltas,
        flips=flips,
        critical_flips=[f.id for f in flips if f.direction == "pass -> fail" and f.critical],
        changed=[i for i in shared if before_rows[i]["passed"] == now_rows[i]["passed"]
                 and before_rows[i].get("answer") != now_rows[i]["answer"]],
        paired=len(shared),
        notes=notes,
    )


def _interval_text(interval: list[float] | None) -> str:
    return f"[{interval[0]:+.3f}, {interval[1]:+.3f}]" if interval else "n/a"


def describe_comparison(comparison: Comparison, baseline_path: Path | str) -> str:
    """The gate's verdict as plain text: what failed and why, then which questions changed."""
    lines = []
    if comparison.failed:
        lines.append(f"REGRESSION against {baseline_path}:")
        for d in comparison.deltas:
            if d.failed:
                lines.append(
                    f"  {d.metric}: {d.before} -> {d.now} (difference {d.delta:+.4f}, 95 % "
                    f"interval {_interval_text(d.interval)}, tolerance {d.tolerance}): "
                    + " and ".join(d.reasons)
                )
        if comparison.critical_flips:
            lines.append("  critical questions that went from pass to fail: "
                         + ", ".join(comparison.critical_flips))
    else:
        lines.append(
            f"No metric dropped beyond its tolerance against {baseline_path}, and no drop's "
            "95 % interval excludes 0."
        )
    lines.append(f"Compared on {comparison.paired} questions in both runs.")
    if comparison.newly_failing:
        lines.append(
            "Questions that went from pass to fail: " + ", ".join(comparison.newly_failing)
        )
    if comparison.newly_passing:
        lines.append("Questions that now pass: " + ", ".join(comparison.newly_passing))
    if comparison.changed:
        lines.append(f"Same verdict, another answer: {len(comparison.changed)} question(s) ("
                     + ", ".join(comparison.changed) + ")")
    if comparison.missing:
        lines.append(f"In the baseline but not in this run: {len(comparison.missing)} "
                     "question(s)" + (": " + ", ".join(comparison.missing)
                                      if len(comparison.missing) <= 12 else ""))
    lines += [f"Note: {note}" for note in comparison.notes]
    return "\n".join(lines)


def baseline_document(run: EvalRun, previous: dict[str, Any] | None) -> dict[str, Any]:
    """The baseline file for ``run``: its results plus the tolerances (kept from the previous
    baseline when there was one)."""
    tolerances = dict(TOLERANCES)
    if previous and previous.get("tolerances"):
        tolerances.update(previous["tolerances"])
    data = run.to_dict()
    data["meta"] = {k: v for k, v in data["meta"].items() if k != "cache"}
    return {
        "tolerances": tolerances,
        "tolerances_note": "largest allowed drop of each metric (rise, for false_refusal_rate) "
        "before `assistant eval --baseline` exits non-zero; latency is reported, not gated. A "
        "drop whose 95 % paired bootstrap interval excludes 0 fails too, and so does a pass -> "
        "fail flip of a question marked critical in the set",
        **data,
    }
