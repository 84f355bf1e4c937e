"""HTML and Markdown for the chat page: the answer, the sources panel and the status line.

Passages can contain HTML (a report may quote ``<script>``): every piece of report text is
escaped here, on the server, before any browser sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from assistant.answering.prompts import REFUSAL
from assistant.records import Answer, Citation, Passage, page_range


def answer_markdown(answer: Answer) -> str:
    """The answer for the chat, with report text escaped (markers and list lines kept)."""
    return escape_markdown_html(answer.answer)


def escape_markdown_html(text: str) -> str:
    """Escape ``& < >`` so the chat shows tags as text; Markdown lists and ``[n]`` stay."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _where(title: str, year: int | None, page: int | None, page_end: int | None,
           section: str, source: str) -> str:
    parts = [f"<b>{escape(title)}</b> ({escape(str(year or 'n.d.'))})"]
    if page is not None:
        parts.append(f"p. {escape(page_range(page, page_end))}")
    if section:
        parts.append(escape(section))
    parts.append(f'<span class="src-file">{escape(source)}</span>')
    return " · ".join(parts)


def _highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The passage with the supporting sentences in ``<mark>``, everything escaped."""
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor or end <= start:
            continue
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def _citation_html(c: Citation) -> str:
    where = _where(c.title, c.year, c.page, c.page_end, c.section, c.source)
    return (
        f'<div class="source" data-n="{c.n}"><div class="source-head">[{c.n}] {where}</div>'
        f'<div class="source-text">{_highlight(c.text, c.spans)}</div></div>'
    )


def _passage_html(p: Passage) -> str:
    where = _where(p.title, p.year, p.page, p.page_end, p.section, p.source)
    return (
        f'<div class="source passage"><div class="source-head">{where}</div>'
        f'<div class="source-text">{escape(p.text)}</div></div>'
    )


def sources_html(answer: Answer | None, turn: int = 0) -> str:
    """The sources panel: each cited passage with report, year, page, section and the
    supporting sentence highlighted; for a refusal, the closest passages. ``turn`` numbers
    the answer in its conversation (``data-turn``), so a page can tell panels apart."""
    if answer is None:
        return '<div class="sources empty">Sources of the answer appear here.</div>'
    if answer.answerable and answer.citations:
        body = "".join(_citation_html(c) for c in answer.citations)
        return f'<div class="sources" data-turn="{turn}"><h3>Sources</h3>{body}</div>'
    closest = "".join(_passage_html(p) for p in answer.passages[:3])
    return (
        f'<div class="sources refusal" data-turn="{turn}"><h3>Closest passages</h3>'
        f"<p>{escape(REFUSAL)} These passages came closest.</p>"
        f"{closest or '<p>No passage matched.</p>'}</div>"
    )


def status_markdown(status: dict[str, Any]) -> str:
    mode = ", ".join(status.get("answer_modes") or ["extractive"])
    return (
        f"**Index:** {status['documents']} reports · {status['chunks']} chunks · "
        f"embedding model `{status['embedding_model']}` · answers: {mode}"
    )


CSS = """
.sources .source { border-left: 3px solid #3b7dd8; padding: 4px 8px; margin: 8px 0; }
.sources.refusal .source { border-left-color: #999; }
.source-head { font-size: 0.9em; margin-bottom: 4px; }
.source-text { font-size: 0.88em; white-space: pre-wrap; }
.source-text mark { background: #fff3b0; }
.src-file { color: #666; font-size: 0.85em; }
"""
