"""Write an evaluation run: ``results.json``, a Markdown summary and a self-contained HTML
report with SVG charts (accuracy by question type, latency histogram, answerability of
answerable vs unanswerable questions with the refusal threshold drawn in).

Every text from the run (questions, answers) is HTML-escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation.runs import EvalRun

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


def write_run(run: EvalRun, out: Path, comparison_text: str | None = None) -> dict[str, Path]:
    """Write the three files into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "results.json",
        "markdown": out / "summary.md",
        "html": out / "report.html",
    }
    paths["json"].write_text(
        json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    paths["markdown"].write_text(markdown(run, comparison_text), encoding="utf-8")
    paths["html"].write_text(html_report(run, comparison_text), encoding="utf-8")
    return paths


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and value <= 1.0 and not isinstance(value, bool):
        return f"{value:.3f}"
    return str(value)


def markdown(run: EvalRun, comparison_text: str | None = None) -> str:
    m, meta = run.metrics, run.meta
    lines = [
        f"# Evaluation: {meta['set']} ({meta['mode']} mode)",
        "",
        f"{meta['date']} · {m['questions']} questions ({m['answerable']} answerable, "
        f"{m['unanswerable']} unanswerable) · k={meta['k']} · retrieval {meta['retrieval_mode']}"
        f" · refusal threshold {meta['refusal_threshold']} · {meta['seconds']} s",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {label} | {_fmt(m.get(key))} |" for key, label in _rows(m)]
    lines += ["", "| type | questions | passed | accuracy |", "|---|---|---|---|"]
    for kind, entry in m["by_type"].items():
        lines.append(
            f"| {kind} | {entry['questions']} | {entry['passed']} | {_fmt(entry['accuracy'])} |"
        )
    failed = [r for r in run.results if not r.passed]
    lines += ["", f"## Questions that did not pass ({len(failed)})", ""]
    for r in failed:
        why = (
            "refused" if r.answerable and r.refused
            else "answered an unanswerable question" if not r.answerable
            else "missing " + ", ".join(r.keywords_missing)
        )
        lines.append(f"- **{r.id}** ({r.type}): {why}. {r.question}")
    if comparison_text:
        lines += ["", "## Against the baseline", "", "```", comparison_text, "```"]
    return "\n".join(lines) + "\n"


def _bar_chart(items: list[tuple[str, float]], width: int = 520) -> str:
    row, left = 24, 140
    height = row * len(items) + 30
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             'aria-label="accuracy by question type">']
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        w = (width - left - 60) * max(0.0, min(1.0, value))
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="16" fill="#3b7dd8"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}">{value:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram(values: list[float], bins: int = 12, width: int = 520, height: int = 180) -> str:
    if not values:
        return "<p>No values.</p>"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / span * bins))] += 1
    top = max(counts)
    bar = (width - 60) / bins
    parts = [f'<svg width="{width}" height="{height + 40}" role="img" '
             'aria-label="answer latency histogram">']
    for i, c in enumerate(counts):
        h = height * c / top
        x = 40 + i * bar
        parts.append(f'<rect x="{x:.1f}" y="{height - h + 10:.1f}" width="{bar - 2:.1f}" '
                     f'height="{h:.1f}" fill="#6aa84f"><title>{c}</title></rect>')
    parts.append(f'<text x="40" y="{height + 30}">{low:.0f} ms</text>')
    parts.append(f'<text x="{width - 20}" y="{height + 30}" text-anchor="end">{high:.0f} ms</text>')
    parts.append("</svg>")
    return "".join(parts)


def _answerability(run: EvalRun, width: int = 520) -> str:
    threshold = float(run.meta["refusal_threshold"])
    rows = (("answerable", True, "#3b7dd8"), ("unanswerable", False, "#cc4125"))
    left, plot = 110, width - 140
    parts = [f'<svg width="{width}" height="120" role="img" aria-label="answerability scores">']
    for i, (label, flag, colour) in enumerate(rows):
        y = 30 + i * 40
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{label}</text>')
        for r in run.results:
            if r.answerable == flag:
                x = left + plot * max(0.0, min(1.0, r.evidence))
                parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="{colour}" '
                             f'fill-opacity="0.6"><title>{escape(r.id)}: {r.evidence:.3f}'
                             "</title></circle>")
    tx = left + plot * threshold
    parts.append(f'<line x1="{tx:.1f}" y1="10" x2="{tx:.1f}" y2="95" stroke="#000" '
                 'stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{tx + 4:.1f}" y="108">threshold {threshold:.2f}</text>')
    parts.append(f'<text x="{left}" y="108">0</text>'
                 f'<text x="{left + plot}" y="108" text-anchor="end">1</text></svg>')
    return "".join(parts)


def html_report(run: EvalRun, comparison_text: str | None = None) -> str:
    m, meta = run.metrics, run.meta
    metric_rows = "".join(
        f"<tr><td>{escape(label)}</td><td>{escape(_fmt(m.get(key)))}</td></tr>"
        for key, label in _rows(m)
    )
    question_rows = "".join(
        f"<tr class=\"{'pass' if r.passed else 'fail'}\"><td>{escape(r.id)}</td>"
        f"<td>{escape(r.type)}</td><td>{'pass' if r.passed else 'FAIL'}</td>"
        f"<td>{escape(r.question)}</td><td>{r.evidence:.3f}</td>"
        f"<td>{escape(', '.join(r.keywords_missing))}</td><td>{r.answer_ms:.0f}</td>"
        f"<td><details><summary>answer</summary><pre>{escape(r.answer)}</pre></details></td></tr>"
        for r in run.results
    )
    by_type = [(kind, entry["accuracy"] or 0.0) for kind, entry in m["by_type"].items()]
    baseline = (
        f"<h2>Against the baseline</h2><pre>{escape(comparison_text)}</pre>"
        if comparison_text else ""
    )
    title = f"Evaluation: {meta['set']} ({meta['mode']} mode)"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 1100px; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
tr.fail td {{ background: #fdecea; }}
pre {{ white-space: pre-wrap; max-width: 480px; }}
svg text {{ font-size: 12px; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>{escape(str(meta['date']))} · {m['questions']} questions · k={meta['k']} ·
retrieval {escape(str(meta['retrieval_mode']))} · refusal threshold {meta['refusal_threshold']}
· set sha256 {escape(str(meta['set_sha256'])[:12])}</p>
<table><tr><th>metric</th><th>value</th></tr>{metric_rows}</table>
<h2>Accuracy by question type</h2>{_bar_chart(by_type)}
<h2>Answer latency</h2>{_histogram([r.answer_ms for r in run.results])}
<h2>Answerability: answerable vs unanswerable questions</h2>{_answerability(run)}
{baseline}
<h2>Every question</h2>
<table><tr><th>id</th><th>type</th><th>result</th><th>question</th><th>answerability</th>
<th>missing facts</th><th>ms</th><th>answer</th></tr>{question_rows}</table>
</body></html>
"""
