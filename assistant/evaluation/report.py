"""Write an evaluation run: ``results.json``, a Markdown summary and a self-contained HTML
report with SVG charts (:mod:`.charts`: accuracy by question type, latency histogram,
answerability of answerable vs unanswerable questions with the refusal threshold drawn in, the
differences to the baseline with their intervals, the trend across the run history), each
metric's 95 % interval, and the questions whose verdict flipped against the baseline with the
answers and citations before and after. Also the short Markdown for a CI job page.

Every text from the run (questions, answers, citations) is HTML-escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation import charts
from assistant.evaluation.gate import Comparison, Flip
from assistant.evaluation.runs import EvalRun

#: Metrics drawn in the trend chart.
TREND_METRICS = ("pass_rate", "answer_accuracy", "hit_rate", "citation_precision")

_ROWS = (
    ("hit_rate", "retrieval: hit@k (an expected quote in the top k)"),
    ("mrr", "retrieval: MRR"),
    ("evidence_recall", "retrieval: evidence recall (expected quotes found in the top k)"),
    ("keyword_accuracy", "answers: keyword accuracy (share of expected facts stated)"),
    ("answer_accuracy", "answers: answerable questions stating every expected fact"),
    ("citation_precision", "answers: citation precision (cited passages holding expected text)"),
    ("evidence_cited", "answers: a cited passage holds the expected quote (answered questions)"),
    ("citation_validity", "answers: citations whose quote is in the stored chunk"),
    ("refusal_tpr", "refusal: unanswerable questions refused"),
    ("false_refusal_rate", "refusal: answerable questions refused"),
    ("retrieve_ms_p50", "latency: retrieval p50 (ms)"),
    ("retrieve_ms_p95", "latency: retrieval p95 (ms)"),
    ("answer_ms_p50", "latency: whole answer p50 (ms)"),
    ("answer_ms_p95", "latency: whole answer p95 (ms)"),
    ("first_token_ms_p50", "latency: first token of a written draft p50 (ms)"),
    ("first_token_ms_p95", "latency: first token of a written draft p95 (ms)"),
)


def _rows(metrics: dict) -> list[tuple[str, str]]:
    """The metric rows to show: first-token latency only for modes that write a draft."""
    return [(key, label) for key, label in _ROWS
            if not key.startswith("first_token") or metrics.get(key) is not None]


def write_run(
    run: EvalRun, out: Path, comparison_text: str | None = None,
    comparison: Comparison | None = None, trend: list[dict[str, Any]] | None = None,
) -> dict[str, Path]:
    """Write ``results.json``, ``summary.md`` and ``report.html`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "results.json",
        "markdown": out / "summary.md",
        "html": out / "report.html",
    }
    data = run.to_dict()
    if comparison is not None:
        data["comparison"] = comparison.to_dict()
    paths["json"].write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    paths["markdown"].write_text(markdown(run, comparison_text, comparison), encoding="utf-8")
    paths["html"].write_text(html_report(run, comparison_text, comparison, trend),
                             encoding="utf-8")
    return paths


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and value <= 1.0 and not isinstance(value, bool):
        return f"{value:.3f}"
    return str(value)


def _ci(interval: list[float] | None, signed: bool = False) -> str:
    if not interval:
        return "n/a"
    return (f"[{interval[0]:+.3f}, {interval[1]:+.3f}]" if signed
            else f"[{interval[0]:.3f}, {interval[1]:.3f}]")


def _cited(cited: list[dict[str, Any]] | None) -> list[str]:
    """One line per citation: [n] source p. page, section: "quote"."""
    if cited is None:
        return ["(citations not recorded in this baseline)"]
    return [
        f"[{c['n']}] {c['source']}" + (f" p. {c['page']}" if c.get("page") else "")
        + (f", {c['section']}" if c.get("section") else "") + f': "{c["quote"]}"'
        for c in cited
    ] or ["(no citation)"]


def _changed_checks(flip: Flip) -> str:
    before, now = flip.before.get("checks") or {}, flip.now.get("checks") or {}
    mark = {True: "pass", False: "fail", None: "n/a"}
    return ", ".join(f"{name} {mark[before.get(name)]} -> {mark[now.get(name)]}"
                     for name in now if before and before.get(name) != now.get(name))


def _verdict(side: dict[str, Any]) -> str:
    return "passed" if side["passed"] else f"failed: {side['why']}"


def markdown(
    run: EvalRun, comparison_text: str | None = None, comparison: Comparison | None = None
) -> str:
    m, meta = run.metrics, run.meta
    cache = meta.get("cache")
    lines = [
        f"# Evaluation: {meta['set']} ({meta['mode']} mode)",
        "",
        f"{meta['date']} · {m['questions']} questions ({m['answerable']} answerable, "
        f"{m['unanswerable']} unanswerable) · k={meta['k']} · retrieval {meta['retrieval_mode']}"
        f" · refusal threshold {meta['refusal_threshold']} · {meta['seconds']} s",
    ]
    if cache:
        lines.append(f"Answer cache: {cache['hits']} answers reused, {cache['misses']} answered "
                     "(reused answers keep the latency of the run that made them)")
    lines += ["", "| metric | value | 95 % interval |", "|---|---|---|"]
    lines += [f"| {label} | {_fmt(m.get(key))} | {_ci(run.intervals.get(key))} |"
              if key in run.intervals else f"| {label} | {_fmt(m.get(key))} | |"
              for key, label in _rows(m)]
    lines += ["", "| type | questions | passed | accuracy |", "|---|---|---|---|"]
    for kind, entry in m["by_type"].items():
        lines.append(
            f"| {kind} | {entry['questions']} | {entry['passed']} | {_fmt(entry['accuracy'])} |"
        )
    if comparison_text:
        lines += ["", "## Against the baseline", "", "```", comparison_text, "```"]
    if comparison is not None:
        lines += ["", *delta_table(comparison), "", *flip_sections(comparison)]
    failed = [r for r in run.results if not r.passed]
    lines += ["", f"## Questions that did not pass ({len(failed)})", ""]
    for r in failed:
        why = (
            "refused" if r.answerable and r.refused
            else "answered an unanswerable question" if not r.answerable
            else "missing " + ", ".join(r.keywords_missing)
        )
        lines.append(f"- **{r.id}** ({r.type}): {why}. {r.question}")
    return "\n".join(lines) + "\n"


def delta_table(comparison: Comparison) -> list[str]:
    """The metric differences to the baseline, with intervals and the gate's verdict."""
    lines = [f"### Metrics against the baseline ({comparison.paired} paired questions)", "",
             "| metric | baseline | now | difference | 95 % interval | tolerance | gate |",
             "|---|---|---|---|---|---|---|"]
    for d in comparison.deltas:
        verdict = "**FAIL**: " + " and ".join(d.reasons) if d.failed else "ok"
        lines.append(f"| {d.metric} | {_fmt(d.before)} | {_fmt(d.now)} | {d.delta:+.3f} | "
                     f"{_ci(d.interval, signed=True)} | {d.tolerance} | {verdict} |")
    return lines


def flip_sections(comparison: Comparison, details: bool = False) -> list[str]:
    """Every question whose verdict flipped, in the comparison's order, with both answers and their
    citations (``details``: inside a collapsible block, for a CI page)."""
    lines = [f"### Questions whose verdict flipped ({len(comparison.flips)})", ""]
    if not comparison.flips:
        return lines + ["None."]
    for flip in comparison.flips:
        critical = ", critical" if flip.critical else ""
        lines += [f"#### {flip.id} ({flip.type}{critical}): {flip.direction}", "",
                  f"{flip.question}", ""]
        checks = _changed_checks(flip)
        if checks:
            lines += [f"Checks that changed: {checks}", ""]
        body = []
        for label, side in (("Before", flip.before), ("Now", flip.now)):
            body += [f"**{label}** ({_verdict(side)}):", ""]
            body += ["> " + line if line else ">" for line in side["answer"].splitlines()]
            body += [""] + [f"- {c}" for c in _cited(side.get("cited"))] + [""]
        if details:
            lines += ["<details><summary>answers before and after</summary>", "", *body,
                      "</details>", ""]
        else:
            lines += body
    return lines


def ci_summary(run: EvalRun, comparison: Comparison | None, baseline: str | None,
               report: Path | None = None) -> str:
    """A short Markdown summary for a CI job page (GitHub's $GITHUB_STEP_SUMMARY): verdict,
    metric differences with intervals, flipped questions with their answers folded away."""
    m, meta = run.metrics, run.meta
    if comparison is None:
        status = "ran (no baseline to compare with)"
    elif comparison.failed:
        reasons = [f"{d.metric} ({' and '.join(d.reasons)})" for d in comparison.deltas
                   if d.failed]
        if comparison.critical_flips:
            reasons.append("critical question(s) failing: " + ", ".join(comparison.critical_flips))
        status = "❌ regression: " + "; ".join(reasons)
    else:
        status = "✅ passed"
    lines = [f"## assistant eval: {meta['set']} ({meta['mode']} mode, k={meta['k']})", "",
             f"**{status}**", "",
             f"{m['questions']} questions, {sum(r.passed for r in run.results)} passed"
             + (f", baseline {baseline}" if baseline else "")
             + (f", report {report}" if report else "") + "."]
    cache = meta.get("cache")
    if cache:
        lines[-1] += f" Answer cache: {cache['hits']} reused, {cache['misses']} answered."
    lines.append("")
    if comparison is not None:
        lines += delta_table(comparison) + [""] + flip_sections(comparison, details=True)
    else:
        lines += ["| metric | value | 95 % interval |", "|---|---|---|"]
        lines += [f"| {key} | {_fmt(m.get(key))} | {_ci(run.intervals.get(key))} |"
                  for key in run.intervals]
    return "\n".join(lines) + "\n"


def _short(text: str, most: int = 220) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _side_html(side: dict[str, Any]) -> str:
    cited = side.get("cited")
    if cited is None:
        items = "<li>citations not recorded in this baseline</li>"
    else:
        items = "".join(
            f"<li title=\"{escape(c['quote'])}\"><b>[{c['n']}]</b> {escape(c['source'])}"
            + (f" p. {c['page']}" if c.get("page") else "")
            + f": “{escape(_short(c['quote'], 160))}”</li>"
            for c in cited
        ) or "<li>no citation</li>"
    cls = "pass" if side["passed"] else "fail"
    return (f'<div class="side {cls}"><b>{escape(_verdict(side))}</b>'
            f"<pre>{escape(side['answer'])}</pre><ul>{items}</ul></div>")


def _verdict_html(comparison: Comparison) -> str:
    """What failed the gate and why, and how many questions changed."""
    items = [f"<li><b>{escape(d.metric)}</b> {_fmt(d.before)} → {_fmt(d.now)} "
             f"({d.delta:+.3f}, 95 % interval {_ci(d.interval, signed=True)}): "
             f"{escape(' and '.join(d.reasons))}</li>" for d in comparison.deltas if d.failed]
    if comparison.critical_flips:
        items.append("<li><b>critical question(s) now failing</b>: "
                     f"{escape(', '.join(comparison.critical_flips))}</li>")
    counts = (f"{comparison.paired} paired questions: {len(comparison.newly_failing)} pass → "
              f"fail, {len(comparison.newly_passing)} fail → pass, {len(comparison.changed)} "
              "with the same verdict and another answer")
    if comparison.missing:
        counts += f"; {len(comparison.missing)} in the baseline only"
    notes = "".join(f"<p class=note>{escape(n)}</p>" for n in comparison.notes)
    verdict = "REGRESSION" if comparison.failed else "passed"
    cls = "fail" if comparison.failed else "pass"
    failing = f"<ul>{''.join(items)}</ul>" if items else (
        "<p>No metric dropped beyond its tolerance, and no drop's 95 % interval excludes 0.</p>")
    return (f'<div class="verdict {cls}"><h2>Against the baseline: {verdict}</h2>{failing}'
            f"<p>{escape(counts)}</p>{notes}</div>")


def _comparison_html(comparison: Comparison, trend_html: str) -> str:
    rows = "".join(
        f"<tr class=\"{'fail' if d.failed else ''}\"><td>{escape(d.metric)}</td>"
        f"<td>{_fmt(d.before)}</td><td>{_fmt(d.now)}</td><td>{d.delta:+.3f}</td>"
        f"<td>{_ci(d.interval, signed=True)}</td><td>{d.tolerance}</td>"
        f"<td>{'FAIL: ' + escape(' and '.join(d.reasons)) if d.failed else 'ok'}</td></tr>"
        for d in comparison.deltas
    )
    flips = "".join(
        f"<tr><td><b>{escape(f.id)}</b><br>{escape(f.type)}"
        f"{'<br><span class=crit>critical</span>' if f.critical else ''}</td>"
        f"<td class=\"flip {'fail' if f.direction == 'pass -> fail' else 'pass'}\">"
        f"{escape(f.direction.replace(' -> ', ' → '))}</td><td>{escape(f.question)}"
        f"<br><small>{escape(_changed_checks(f))}</small></td>"
        f"<td>{_side_html(f.before)}</td><td>{_side_html(f.now)}</td></tr>"
        for f in comparison.flips
    ) or '<tr><td colspan="5">No question changed its verdict.</td></tr>'
    return (
        f"{_verdict_html(comparison)}<div class=row>"
        "<div><h3>Differences to the baseline (95 % paired bootstrap intervals)</h3>"
        f"{charts.interval_chart(comparison.deltas, width=540)}</div>"
        f"<div>{trend_html}</div></div>"
        "<table class=deltas><tr><th>metric</th><th>baseline</th><th>now</th><th>difference</th>"
        f"<th>95 % interval</th><th>tolerance</th><th>gate</th></tr>{rows}</table>"
        f"<h3>Questions whose verdict flipped ({len(comparison.flips)}): critical ones first, "
        "then pass → fail, then fail → pass</h3>"
        "<table class=flips><tr><th>question</th><th>flip</th><th>asked</th><th>before</th>"
        f"<th>now</th></tr>{flips}</table>"
    )


def html_report(
    run: EvalRun, comparison_text: str | None = None, comparison: Comparison | None = None,
    trend: list[dict[str, Any]] | None = None,
) -> str:
    m, meta = run.metrics, run.meta
    metric_rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(_fmt(m.get(key)))}</td>"
        f"<td>{_ci(run.intervals.get(key)) if key in run.intervals else ''}</td></tr>"
        for key, label in _rows(m)
    )
    question_rows = "".join(
        f"<tr class=\"{'pass' if r.passed else 'fail'}\"><td>{escape(r.id)}"
        f"{' <span class=crit>critical</span>' if r.critical else ''}</td>"
        f"<td>{escape(r.type)}</td><td>{'pass' if r.passed else 'FAIL'}</td>"
        f"<td>{escape(r.question)}</td><td>{r.evidence:.3f}</td>"
        f"<td>{escape(', '.join(r.keywords_missing))}</td><td>{r.answer_ms:.0f}</td>"
        f"<td><details><summary>answer</summary><pre>{escape(r.answer)}</pre></details></td></tr>"
        for r in run.results
    )
    by_type = [(kind, entry["accuracy"] or 0.0) for kind, entry in m["by_type"].items()]
    history = (
        f"<h3>Trend across the last {len(trend)} runs (run history)</h3>"
        f"{charts.trend_chart(trend, TREND_METRICS, width=540)}" if trend is not None else ""
    )
    if comparison is not None:
        baseline = _comparison_html(comparison, history)
        history = ""
    elif comparison_text:
        baseline = f"<h2>Against the baseline</h2><pre>{escape(comparison_text)}</pre>"
    else:
        baseline = ""
    cache = meta.get("cache")
    cached = (f" · answer cache: {cache['hits']} reused, {cache['misses']} answered"
              if cache else "")
    title = f"Evaluation: {meta['set']} ({meta['mode']} mode)"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 1200px; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
tr.fail td, td.fail {{ background: #fdecea; }}
td.pass {{ background: #e8f5e9; }}
td.flip {{ white-space: nowrap; font-weight: bold; }}
span.crit {{ background: #c0392b; color: #fff; border-radius: 3px; padding: 0 4px;
  font-size: 0.8em; }}
pre {{ white-space: pre-wrap; max-width: 480px; margin: 4px 0; }}
div.verdict {{ border-left: 6px solid; padding: 0.2rem 1rem; margin: 1rem 0; }}
div.verdict.fail {{ border-color: #c0392b; background: #fdf3f2; }}
div.verdict.pass {{ border-color: #1e7e34; background: #f1f8f2; }}
div.verdict h2 {{ margin: 0.5rem 0; }} div.verdict.fail h2 {{ color: #c0392b; }}
div.verdict.pass h2 {{ color: #1e7e34; }} p.note {{ color: #8a5a00; }}
div.row {{ display: flex; gap: 1.5rem; flex-wrap: wrap; }}
div.row > div {{ flex: 1 1 540px; min-width: 0; }} div.row h3 {{ font-size: 1rem; }}
table.deltas td, table.deltas th {{ padding: 2px 8px; font-size: 0.9em; }}
table.flips pre {{ max-width: 360px; font-size: 0.8em; max-height: 14em; overflow: auto; }}
table.flips ul {{ margin: 0; padding-left: 1.1em; font-size: 0.78em; color: #444; }}
table.flips td {{ font-size: 0.92em; }}
div.side.fail > b {{ color: #c0392b; }} div.side.pass > b {{ color: #1e7e34; }}
svg text {{ font-size: 12px; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>{escape(str(meta['date']))} · {m['questions']} questions · k={meta['k']} ·
retrieval {escape(str(meta['retrieval_mode']))} · refusal threshold {meta['refusal_threshold']}
· set sha256 {escape(str(meta['set_sha256'])[:12])}{escape(cached)}</p>
{baseline}
<h2>Metrics (95 % bootstrap intervals over the questions)</h2>
<table><tr><th>metric</th><th>value</th><th>95 % interval</th></tr>{metric_rows}</table>
{history}
<h2>Accuracy by question type</h2>{charts.bar_chart(by_type)}
<h2>Answer latency</h2>{charts.histogram([r.answer_ms for r in run.results])}
<h2>Answerability: answerable vs unanswerable questions</h2>{charts.answerability(run)}
<h2>Every question</h2>
<table><tr><th>id</th><th>type</th><th>result</th><th>question</th><th>answerability</th>
<th>missing facts</th><th>ms</th><th>answer</th></tr>{question_rows}</table>
</body></html>
"""
