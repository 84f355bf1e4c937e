"""The SVG charts of the evaluation reports, drawn by hand (no JavaScript, no library): bars,
a histogram, the answerability strip, intervals of differences, the trend across runs and the
side-by-side bars of a matrix. Every label is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from assistant.evaluation.runs import EvalRun

#: Colours of the series (colour-blind safe, after Okabe and Ito's palette).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")


def bar_chart(items: list[tuple[str, float]], width: int = 520) -> str:
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


def histogram(values: list[float], bins: int = 12, width: int = 520, height: int = 180) -> str:
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


def answerability(run: EvalRun, width: int = 520) -> str:
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




def interval_chart(deltas: list[Any], width: int = 620) -> str:
    """Each metric's difference to the baseline with its 95 % interval; red when it fails."""
    rows = [d for d in deltas if d.delta is not None]
    if not rows:
        return "<p>No metric to compare.</p>"
    span = max([0.1] + [abs(v) for d in rows for v in (d.interval or [d.delta])])
    left, right, row = 170, 70, 22
    plot = width - left - right

    def x(v: float) -> float:
        return left + plot * (v + span) / (2 * span)

    height = row * len(rows) + 40
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             'aria-label="differences to the baseline with 95 % intervals">',
             f'<line x1="{x(0):.1f}" y1="4" x2="{x(0):.1f}" y2="{height - 26}" stroke="#555"/>']
    for i, d in enumerate(rows):
        y = 14 + i * row
        colour = "#c0392b" if d.failed else "#0072b2"
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{escape(d.metric)}'
                     "</text>")
        if d.interval:
            parts.append(f'<line x1="{x(d.interval[0]):.1f}" y1="{y}" x2="{x(d.interval[1]):.1f}"'
                         f' y2="{y}" stroke="{colour}" stroke-width="3"/>')
        parts.append(f'<circle cx="{x(d.delta):.1f}" cy="{y}" r="4" fill="{colour}"><title>'
                     f'{escape(d.metric)}: {d.delta:+.3f}</title></circle>')
        parts.append(f'<text x="{width - right + 6}" y="{y + 4}">{d.delta:+.3f}</text>')
    base = height - 12
    parts.append(f'<text x="{x(-span):.1f}" y="{base}">{-span:+.2f}</text>'
                 f'<text x="{x(0):.1f}" y="{base}" text-anchor="middle">0</text>'
                 f'<text x="{x(span):.1f}" y="{base}" text-anchor="end">{span:+.2f}</text></svg>')
    return "".join(parts)


def _legend(names: list[str], y: int, x0: int = 50) -> str:
    parts, x = [], x0
    for i, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 16}" y="{y}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def trend_chart(records: list[dict[str, Any]], metrics: tuple[str, ...], width: int = 620,
                height: int = 200) -> str:
    """The metrics of the last runs (oldest left); each point names its date and commit."""
    if len(records) < 2:
        return "<p>The trend needs two runs in the history; this is the first.</p>"
    left, top, plot_w, plot_h = 50, 10, width - 70, height
    step = plot_w / (len(records) - 1)
    parts = [f'<svg width="{width}" height="{height + 60}" role="img" '
             'aria-label="metrics across runs">']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{tick:.2f}</text>')
    for i, metric in enumerate(metrics):
        colour = PALETTE[i % len(PALETTE)]
        points = [(left + j * step, r["metrics"].get(metric), r) for j, r in enumerate(records)]
        drawn = [(x, top + plot_h * (1 - v), v, r) for x, v, r in points if v is not None]
        if len(drawn) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in drawn)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         'stroke-width="2"/>')
        for x, y, v, r in drawn:
            commit = ((r.get("git") or {}).get("commit") or "no git")[:8]
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                         f'{escape(metric)} {v:.3f} · {escape(str(r.get("time")))} · '
                         f'{escape(commit)}</title></circle>')
    parts.append(f'<text x="{left}" y="{top + plot_h + 18}">'
                 f'{escape(str(records[0].get("time", ""))[:16])}</text>'
                 f'<text x="{left + plot_w}" y="{top + plot_h + 18}" text-anchor="end">'
                 f'{escape(str(records[-1].get("time", ""))[:16])}</text>')
    parts.append(_legend(list(metrics), top + plot_h + 44))
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(series: list[tuple[str, dict[str, Any]]], metrics: tuple[str, ...],
                 intervals: list[dict[str, Any]] | None = None, width: int = 620) -> str:
    """One group per metric, one bar per configuration (with its 95 % interval as a whisker)."""
    if not series:
        return "<p>No configuration ran.</p>"
    left, bar, gap = 150, 12, 10
    plot = width - left - 60
    group = bar * len(series) + gap
    height = group * len(metrics) + 40
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             'aria-label="metrics of each configuration">']
    for m_i, metric in enumerate(metrics):
        y0 = 6 + m_i * group
        parts.append(f'<text x="{left - 8}" y="{y0 + group / 2:.1f}" text-anchor="end">'
                     f'{escape(metric)}</text>')
        for s_i, (name, values) in enumerate(series):
            v = values.get(metric)
            if v is None:
                continue
            y = y0 + s_i * bar
            colour = PALETTE[s_i % len(PALETTE)]
            parts.append(f'<rect x="{left}" y="{y}" width="{plot * v:.1f}" height="{bar - 2}" '
                         f'fill="{colour}"><title>{escape(name)} · {escape(metric)} {v:.3f}'
                         '</title></rect>')
            ci = (intervals[s_i] if intervals else {}).get(metric)
            if ci:
                mid = y + (bar - 2) / 2
                parts.append(f'<line x1="{left + plot * ci[0]:.1f}" y1="{mid:.1f}" '
                             f'x2="{left + plot * ci[1]:.1f}" y2="{mid:.1f}" stroke="#222"/>')
            end = max(v, ci[1]) if ci else v  # the label goes after the whisker
            parts.append(f'<text x="{left + plot * end + 4:.1f}" y="{y + bar - 3}" '
                         f'font-size="10">{v:.2f}</text>')
    parts.append(_legend([name for name, _ in series], height - 8, left))
    parts.append("</svg>")
    return "".join(parts)
