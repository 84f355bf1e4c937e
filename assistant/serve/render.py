"""HTML and Markdown for the chat page: an answer with its own sources, the status line, the
active-filter chip and the page's CSS and script.

Every answer message carries its sources: the ``[n]`` markers link to ``#a{turn}-s{n}``, the
passage ``n`` of that answer (turn = the answer's number in the conversation), inside a
"Sources (n)" fold right under the answer. Passages can contain HTML (a report may quote
``<script>``): every piece of report text is escaped here, on the server, before any browser
sees it; the chat's sanitizer then keeps only the tags written below (``details``, ``mark``,
``a href="#..."``) and drops ``data-*`` attributes, which is why ids carry the numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from assistant.answering.pipeline import CLOSEST_HEADING, closest_passages
from assistant.records import Answer, Citation, Passage, page_range
from vectorstore.records import DocumentRecord

_MARKER = re.compile(r"\[(\d+)\]")


def escape_markdown_html(text: str) -> str:
    """Escape ``& < >`` so the chat shows tags as text; Markdown lists and ``[n]`` stay."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def source_id(turn: int, n: int) -> str:
    """The element id of passage ``n`` of answer ``turn`` (what ``[n]`` links to)."""
    return f"a{turn}-s{n}"


def answer_html(answer: Answer, turn: int) -> str:
    """The chat message of a finished answer: the text with each ``[n]`` a link to its
    passage, then "Sources (n)" (or, for a refusal, "Closest passages (n)") with report,
    year, page, section and the supporting sentences highlighted."""
    if answer.answerable and answer.citations:
        known = {c.n for c in answer.citations}

        def link(match: re.Match[str]) -> str:
            n = int(match.group(1))
            if n not in known:
                return match.group(0)
            return f'<a class="cite" href="#{source_id(turn, n)}">[{n}]</a>'

        text = _MARKER.sub(link, escape_markdown_html(answer.answer))
        items = "".join(_citation_item(c, turn) for c in answer.citations)
        reports = dict.fromkeys(f"{c.title} ({c.year or 'n.d.'})" for c in answer.citations)
        fold = _fold(turn, f"Sources ({len(answer.citations)})", items, "sources",
                     "; ".join(reports))
        return f"{text}\n\n{_foot(fold)}"
    lead = answer.answer.split(f"\n\n{CLOSEST_HEADING}")[0]
    closest = closest_passages(answer.passages)
    items = "".join(_passage_item(p, turn, i) for i, p in enumerate(closest, 1))
    fold = _fold(turn, f"Closest passages ({len(closest)})", items, "closest") if closest else ""
    return f"{escape_markdown_html(lead)}\n\n{_foot(fold)}"


def _foot(body: str) -> str:
    # One line: a blank line would end the HTML block and let Markdown loose on report text.
    return f'<div class="answer-foot">{body}</div>'


def _fold(turn: int, summary: str, items: str, kind: str, reports: str = "") -> str:
    named = f' <span class="src-reports">· {escape(reports)}</span>' if reports else ""
    return (
        f'<details class="answer-sources {kind}" id="a{turn}-sources">'
        f"<summary>{escape(summary)}{named}</summary>"
        f'<ol class="src-list">{items}</ol></details>'
    )


def _where(title: str, year: int | None, page: int | None, page_end: int | None,
           section: str, source: str) -> str:
    parts = [f"<b>{escape(title)}</b> ({escape(str(year or 'n.d.'))})"]
    if page is not None:
        parts.append(f"p. {escape(page_range(page, page_end))}")
    if section:
        parts.append(escape(section))
    parts.append(f'<span class="src-file">{escape(source)}</span>')
    return " · ".join(parts)


def _text(text: str) -> str:
    """Escaped passage text on one line (line breaks as ``<br>``)."""
    return re.sub(r"\n+", "<br>", text)


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
    return _text("".join(out))


def _citation_item(c: Citation, turn: int) -> str:
    where = _where(c.title, c.year, c.page, c.page_end, c.section, c.source)
    return (
        f'<li class="src" id="{source_id(turn, c.n)}"><div class="src-head">'
        f'<span class="src-n">[{c.n}]</span> {where}</div>'
        f'<div class="src-text">{_highlight(c.text, c.spans)}</div></li>'
    )


def _passage_item(p: Passage, turn: int, n: int) -> str:
    where = _where(p.title, p.year, p.page, p.page_end, p.section, p.source)
    return (
        f'<li class="src passage" id="{source_id(turn, n)}"><div class="src-head">{where}</div>'
        f'<div class="src-text">{_text(escape(p.text))}</div></li>'
    )


def year_span(records: Sequence[DocumentRecord]) -> tuple[int, int] | None:
    """The first and last year of the reports that have one."""
    years = [r.year for r in records if r.year]
    return (min(years), max(years)) if years else None


def status_markdown(records: Sequence[DocumentRecord]) -> str:
    """The status line in a reader's words: how many reports, from which years."""
    if not records:
        return "**No reports in the index yet.** Add some under *Add reports*."
    span = year_span(records)
    years = "" if span is None else (
        f", {span[0]}" if span[0] == span[1] else f", {span[0]}–{span[1]}"
    )
    count = "1 report" if len(records) == 1 else f"{len(records)} reports"
    return f"Answers come from **{count}**{years}; every sentence cites its source."


def filter_label(titles: Sequence[str], low: int | None, high: int | None) -> str:
    """What the active-filter chip says, e.g. "Filter: High-level evaluation… (2021) ·
    2015–2021 ✕"; empty when no filter is active."""
    parts = []
    if len(titles) == 1:
        parts.append(titles[0] if len(titles[0]) <= 48 else titles[0][:47] + "…")
    elif titles:
        parts.append(f"{len(titles)} reports")
    if low is not None or high is not None:
        parts.append(f"{low or '…'}–{high or '…'}")
    return f"Filter: {' · '.join(parts)}  ✕" if parts else ""


#: Runs once when the page loads: ``[n]`` opens its passage (in the same answer) and marks it;
#: a new question scrolls the chat to its start instead of the end of the answer.
PAGE_JS = """
() => {
  const mark = (target) => {
    pinned = -1;  // the reader chose where to look: a pinned question must not pull the view back
    const fold = target.closest('details');
    if (fold) fold.open = true;
    fold && fold.querySelectorAll('.cited').forEach((el) => el.classList.remove('cited'));
    target.classList.add('cited');
    const log = target.closest('[role="log"]');
    if (!log) return target.scrollIntoView({block: 'start'});
    const top = target.getBoundingClientRect().top - log.getBoundingClientRect().top;
    if (top < 0 || top + 40 > log.clientHeight) log.scrollTop += top - 12;
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.cite');
    if (!link) return;
    const target = document.getElementById((link.getAttribute('href') || '').slice(1));
    if (!target) return;
    event.preventDefault();
    mark(target);
  }, true);
  // A new question is pinned to the top of the chat's view while its answer grows, until
  // it gets there or the reader scrolls, types or clicks in the chat. (A short last answer
  // cannot scroll its question to the top, so without the click rule the pin stayed on and
  // pulled the view back from a passage opened by [n] in an earlier answer.)
  let users = 0;
  let pinned = -1;
  const follow = () => {
    const chat = document.querySelector('#chat');
    const log = chat && chat.querySelector('[role="log"]');
    if (!log) return;
    const asked = chat.querySelectorAll('[data-testid="user"]');
    if (asked.length > users) pinned = asked.length - 1;
    users = asked.length;
    const question = pinned >= 0 ? asked[pinned] : null;
    if (!question) return;
    const want = log.scrollTop + question.getBoundingClientRect().top
      - log.getBoundingClientRect().top - 8;
    if (want > log.scrollTop + 1) log.scrollTop = want;
    if (log.scrollTop >= want - 1) pinned = -1;
  };
  const letGo = (event) => {
    if (event.target.closest && event.target.closest('#chat')) pinned = -1;
  };
  ['wheel', 'touchstart', 'keydown', 'pointerdown'].forEach((kind) =>
    document.addEventListener(kind, letGo, {passive: true, capture: true}));
  new MutationObserver(follow).observe(
    document.body, {subtree: true, childList: true, characterData: true});
}
"""

CSS = """
#chat .message-content { overflow-wrap: anywhere; }
#chat button[aria-label="Clear"] { display: none; }  /* "New conversation" is the one clear */
#chat .scroll-down-button-container { display: none; }  /* it covered the answer's text */
#chat .placeholder-content { padding: 12px; }
.answer-foot { margin-top: 6px; }
details.answer-sources { border-top: 1px solid #ddd; padding-top: 4px; }
details.answer-sources > summary { cursor: pointer; font-weight: 600; font-size: 0.92em; }
.src-list { list-style: none; padding-left: 0 !important; margin: 4px 0 0 0; }
.src-list .src { border-left: 3px solid #3b7dd8; padding: 4px 8px; margin: 6px 0;
  scroll-margin: 12px; }
.src-list .src.passage { border-left-color: #999; }
.src-list .src.cited, .src-list .src:target { background: #eef4ff; outline: 2px solid #3b7dd8; }
.src-head { font-size: 0.88em; margin-bottom: 2px; }
.src-text { font-size: 0.86em; }
.src-text mark { background: #fff3b0; padding: 0 1px; }
.src-file { color: #666; font-size: 0.9em; }
#chat a.cite { text-decoration: none; font-weight: 600; padding: 0 2px; border-radius: 3px;
  color: #1d4f9a; background: #eef4ff; }
#chat a.cite:hover { background: #cfe0fa; }
details.answer-sources > summary { white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.src-reports { font-weight: 400; color: #666; }
#above-input { justify-content: space-between; align-items: center; flex-wrap: nowrap;
  gap: 8px; }
#filter-chip { flex: 0 1 auto; min-width: 0; max-width: 75%; border-radius: 999px;
  background: #e3ecfb; color: #1d4f9a; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; display: block; }
#new-conversation { flex: 0 0 auto; margin-left: auto; width: auto; min-width: 0; }
#feedback-box { border: 1px solid #e0a800; }
#status-line p { margin: 0; color: #444; }
#chat .message-row.panel { padding: 14px 16px 10px; }
@media (max-width: 640px) {
  #chat .message-row.panel { padding: 8px 8px 6px; }
  #page-title h2 { font-size: 1.2em; margin: 0; }
}
"""
