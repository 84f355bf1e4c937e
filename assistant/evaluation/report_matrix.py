"""The side-by-side report of a matrix run (:mod:`.matrix`): ``matrix.json``, ``matrix.md`` and
``matrix.html`` with one column per configuration, each metric with its 95 % interval (and its
difference to the baseline when there is one), a grouped bar chart, the questions on which the
configurations disagree, and the configurations that could not run with the reason."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation import charts
from assistant.evaluation.matrix import MatrixEntry

ROWS = (
    "pass_rate", "hit_rate", "mrr", "evidence_recall", "keyword_accuracy", "answer_accuracy",
    "citation_precision", "evidence_cited", "citation_validity", "refusal_tpr",
    "false_refusal_rate", "retrieve_ms_p50", "answer_ms_p50",
)
CHART_METRICS = ("pass_rate", "hit_rate", "answer_accuracy", "citation_precision",
                 "refusal_tpr", "false_refusal_rate")


def _parts(entry: MatrixEntry, metric: str) -> tuple[str, str, bool]:
    """A cell: the value with its interval, the difference to the baseline, and whether the
    gate fails on it."""
    if entry.run is None:
        return "not run", "", False
    value = entry.run.metrics.get(metric)
    if value is None:
        return "n/a", "", False
    if metric.endswith("_ms_p50"):
        return f"{value:.0f}", "", False
    text = f"{value:.3f}"
    interval = entry.run.intervals.get(metric)
    if interval:
        text += f" [{interval[0]:.2f}, {interval[1]:.2f}]"
    comparison = entry.extra.get("comparison")
    delta = next((d for d in comparison.deltas if d.metric == metric), None) if comparison else None
    if delta is None:
        return text, "", False
    return text, f"Δ{delta.delta:+.3f}" + (" FAIL" if delta.failed else ""), delta.failed


def _cell(entry: MatrixEntry, metric: str) -> str:
    return " ".join(part for part in _parts(entry, metric)[:2] if part)


def _cell_html(entry: MatrixEntry, metric: str) -> str:
    text, delta, failed = _parts(entry, metric)
    return (f"<td class=\"{'fail' if failed else ''}\">{escape(text)}"
            + (f"<br><small>{escape(delta)}</small>" if delta else "") + "</td>")


def _gate(entry: MatrixEntry) -> str:
    comparison = entry.extra.get("comparison")
    if entry.run is None:
        return "not run"
    if comparison is None:
        return "no baseline"
    return "REGRESSION" if comparison.failed else "passed"


def disagreements(entries: list[MatrixEntry]) -> list[tuple[str, str, dict[str, bool]]]:
    """Questions whose verdict differs between the configurations that ran."""
    ran = [e for e in entries if e.run is not None]
    if len(ran) < 2:
        return []
    rows = []
    first = ran[0].run
    assert first is not None
    for i, result in enumerate(first.results):
        verdicts = {e.configuration.name: e.run.results[i].passed for e in ran if e.run}
        if len(set(verdicts.values())) > 1:
            rows.append((result.id, result.question, verdicts))
    return rows


def matrix_document(title: str, entries: list[MatrixEntry]) -> dict[str, Any]:
    configurations = []
    for e in entries:
        c = e.configuration
        comparison = e.extra.get("comparison")
        configurations.append({
            "name": c.name, "description": c.describe(), "mode": c.mode, "k": c.k,
            "settings": c.settings, "ran": e.run is not None, "not_run": e.not_run,
            "metrics": e.run.metrics if e.run else None,
            "intervals": e.run.intervals if e.run else None,
            "cache": e.run.meta.get("cache") if e.run else None,
            "gate": comparison.to_dict() if comparison else None,
            "results": str(e.extra["paths"]["json"]) if "paths" in e.extra else None,
        })
    return {
        "name": title, "configurations": configurations,
        "disagreements": [{"id": i, "question": q, "passed": v}
                          for i, q, v in disagreements(entries)],
    }


def matrix_markdown(title: str, entries: list[MatrixEntry]) -> str:
    names = [e.configuration.name for e in entries]
    lines = [f"# Matrix: {title}", "",
             "Each cell: value [95 % interval] and, against the baseline, Δ difference (FAIL "
             "when the gate fails on it).", "",
             "| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|",
             "| configuration | " + " | ".join(e.configuration.describe() for e in entries)
             + " |",
             "| gate | " + " | ".join(_gate(e) for e in entries) + " |"]
    lines += [f"| {metric} | " + " | ".join(_cell(e, metric) for e in entries) + " |"
              for metric in ROWS]
    for e in entries:
        if e.not_run:
            lines += ["", f"**{e.configuration.name}** was not run: {e.not_run}"]
    rows = disagreements(entries)
    ran = [e.configuration.name for e in entries if e.run is not None]
    lines += ["", f"## Questions on which the configurations disagree ({len(rows)})", ""]
    if rows:
        lines += ["| question | " + " | ".join(ran) + " |", "|---" * (len(ran) + 1) + "|"]
        lines += [f"| {i} | " + " | ".join("pass" if v[n] else "FAIL" for n in ran) + " |"
                  for i, _, v in rows]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def matrix_html(title: str, entries: list[MatrixEntry],
                trend: dict[str, list[dict[str, Any]]] | None = None) -> str:
    head = "".join(f"<th>{escape(e.configuration.name)}</th>" for e in entries)
    describe = "".join(f"<td><small>{escape(e.configuration.describe())}</small></td>"
                       for e in entries)
    gates = "".join(f"<td class=\"{'fail' if _gate(e) in ('REGRESSION', 'not run') else ''}\">"
                    f"{escape(_gate(e))}</td>" for e in entries)
    body = "".join(
        f"<tr><td>{escape(metric)}</td>"
        + "".join(_cell_html(e, metric) for e in entries) + "</tr>"
        for metric in ROWS
    )
    not_run = "".join(f"<li><b>{escape(e.configuration.name)}</b> was not run: "
                      f"{escape(e.not_run)}</li>" for e in entries if e.not_run)
    ran = [e for e in entries if e.run is not None]
    series = [(e.configuration.name, e.run.metrics) for e in ran if e.run]
    chart = charts.grouped_bars(series, CHART_METRICS,
                                [e.run.intervals for e in ran if e.run])
    rows = disagreements(entries)
    names = [e.configuration.name for e in ran]
    grid = "".join(
        f"<tr><td>{escape(i)}</td><td>{escape(q)}</td>"
        + "".join(f"<td class=\"{'pass' if v[n] else 'fail'}\">{'pass' if v[n] else 'FAIL'}</td>"
                  for n in names) + "</tr>"
        for i, q, v in rows
    ) or f'<tr><td colspan="{len(names) + 2}">None.</td></tr>'
    links = "".join(
        f'<li><a href="{escape(e.configuration.name)}/report.html">'
        f"{escape(e.configuration.name)}</a>: the full report of this configuration</li>"
        for e in ran
    )
    trends = "".join(
        f"<h3>{escape(name)}</h3>{charts.trend_chart(records, ('pass_rate', 'hit_rate'))}"
        for name, records in (trend or {}).items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Matrix: {escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 1200px; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
td.fail {{ background: #fdecea; }} td.pass {{ background: #e8f5e9; }}
td:first-child {{ white-space: nowrap; }} small {{ color: #555; }}
svg text {{ font-size: 12px; }}
</style></head><body>
<h1>Matrix: {escape(title)}</h1>
<p>Each cell: value [95 % bootstrap interval] and, against the baseline, Δ the difference (FAIL
when the gate fails on it).</p>
<table><tr><th>metric</th>{head}</tr><tr><td>configuration</td>{describe}</tr>
<tr><td>gate</td>{gates}</tr>{body}</table>
<ul>{not_run}</ul>
<h2>Side by side</h2>{chart}
<h2>Questions on which the configurations disagree ({len(rows)})</h2>
<table><tr><th>id</th><th>question</th>{''.join(f'<th>{escape(n)}</th>' for n in names)}</tr>
{grid}</table>
{'<h2>Trend across runs</h2>' + trends if trends else ''}
<h2>Reports</h2><ul>{links}</ul>
</body></html>
"""


def write_matrix(title: str, entries: list[MatrixEntry], out: Path,
                 trend: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "matrix.json", "markdown": out / "matrix.md",
             "html": out / "matrix.html"}
    paths["json"].write_text(json.dumps(matrix_document(title, entries), indent=2,
                                        ensure_ascii=False) + "\n", encoding="utf-8")
    paths["markdown"].write_text(matrix_markdown(title, entries), encoding="utf-8")
    paths["html"].write_text(matrix_html(title, entries, trend), encoding="utf-8")
    return paths
