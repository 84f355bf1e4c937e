"""The main job: build the assistant from settings, bring the index up to date with the default
corpus, then serve the chat page (Gradio), the REST API (FastAPI) and the MCP tools from one
process on http://127.0.0.1:7860.

    python app.py [--host H] [--port N] [--index DIR] [--no-ingest]

Settings are read once here (``ASSISTANT_*`` variables, ``ASSISTANT_CONFIG``); the page and the
API call the library (:class:`assistant.serve.service.Service`), which owns the index.
"""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import base64  # noqa: E402
import secrets  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from assistant import Settings  # noqa: E402
from assistant.answering.answerers import answer_modes  # noqa: E402
from assistant.errors import AssistantError  # noqa: E402
from assistant.records import AskRequest, Filters, SearchRequest  # noqa: E402
from assistant.serve.render import (  # noqa: E402
    CSS,
    PAGE_JS,
    answer_html,
    escape_markdown_html,
    filter_label,
    status_markdown,
    year_span,
)
from assistant.serve.service import UPLOAD_TYPES, Service  # noqa: E402

EXAMPLES = [
    "What was the budget of the LMPP project and who funded it?",
    "What did the 2013 evaluation recommend on labour migration statistics?",
    "How many interviews were held for the 2021 high-level evaluation?",
    "What are the seven components of the ILO Plan of Action for migrant workers?",
]
REST_FOOTER = (
    "REST API: [Swagger UI](/docs) · [ReDoc](/redoc) · [OpenAPI schema](/openapi.json) · "
    "MCP tools: `/gradio_api/mcp/` (listed under *Use via API* below)"
)


def build_ui(service: Service) -> Any:
    """The chat page: streamed answers, each with its own sources; filters by report and year
    next to the input; upload; feedback with a comment on a thumbs-down."""
    import gradio as gr

    from assistant.serve.api import answer_from_dict

    settings = service.settings
    modes = answer_modes(settings, service.assistant.answers.chat_model)

    def read_state(chosen: list[str], y0: Any, y1: Any, bounds: list[int] | None) -> dict:
        """Status line, report choices and year range read from the index now; a choice of
        reports keeps what still exists, and a range that covered every year still does."""
        records = service.assistant.documents()
        span = year_span(records)
        years = list(range(span[0], span[1] + 1)) if span else []
        sources = {r.source for r in records}
        full = not bounds or (y0 in (None, bounds[0]) and y1 in (None, bounds[-1]))
        return {
            "status": status_markdown(records),
            "choices": [(f"{r.title} ({r.year or 'n.d.'})", r.source) for r in records],
            "chosen": [s for s in (chosen or []) if s in sources],
            "years": years,
            "low": (years[0] if full or y0 not in years else y0) if years else None,
            "high": (years[-1] if full or y1 not in years else y1) if years else None,
        }

    def page_state(chosen: list[str], y0: Any, y1: Any, bounds: list[int] | None) -> tuple:
        """The page's live parts (on load and after every upload), as Gradio updates."""
        now = read_state(chosen, y0, y1, bounds)
        return (
            now["status"],
            gr.update(choices=now["choices"], value=now["chosen"]),
            gr.update(choices=now["years"], value=now["low"]),
            gr.update(choices=now["years"], value=now["high"]),
            now["years"],
        )

    def active_filter(chosen: list[str], y0: Any, y1: Any, bounds: list[int]) -> Filters:
        """The filters the controls describe; the whole year range means "any year", so
        reports without a year are not silently left out."""
        low = int(y0) if y0 is not None and bounds and int(y0) > bounds[0] else None
        high = int(y1) if y1 is not None and bounds and int(y1) < bounds[-1] else None
        if low is not None and high is not None and low > high:
            low, high = high, low
        return Filters(tuple(chosen or ()), low, high)

    def chip(chosen: list[str], y0: Any, y1: Any, bounds: list[int]) -> Any:
        filters = active_filter(chosen, y0, y1, bounds)
        titles = {r.source: f"{r.title} ({r.year or 'n.d.'})"
                  for r in service.assistant.documents()}
        label = filter_label([titles.get(s, s) for s in filters.sources],
                             filters.year_min, filters.year_max)
        return gr.update(value=label, visible=bool(label))

    with gr.Blocks(title="Evaluation-report assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Evaluation-report assistant", elem_id="page-title")
        # What the index holds when the app starts (API clients validate against it); every
        # page load reads it again.
        start = read_state([], None, None, None)
        # The status line is written by the page's load event, never from this start-up copy,
        # so a page opened after an upload cannot show the old count, even for a moment.
        status = gr.Markdown("Reading the index…", elem_id="status-line")
        answers = gr.State({})  # chatbot message index -> answer record (for feedback)
        bounds = gr.State(start["years"])  # the years the reports cover, low to high
        disliked = gr.State(None)  # the message a thumbs-down is waiting for a comment on
        chat = gr.Chatbot(
            show_label=False, height="58vh", min_height=340, elem_id="chat",
            feedback_options=("Like", "Dislike"), sanitize_html=True, autoscroll=False,
            buttons=["copy"], layout="panel",
            placeholder="**Ask about the evaluation reports.** Every sentence of an answer "
            "cites the report, page and section it came from: click a **[n]** to read it.",
            examples=[{"text": q} for q in EXAMPLES],
        )
        with gr.Column(visible=False, elem_id="feedback-box", variant="panel") as feedback_box:
            comment = gr.Textbox(
                label="What was wrong with this answer? (optional)", lines=2, max_lines=6,
                elem_id="feedback-comment",
                placeholder="e.g. wrong figure, wrong report, missed the point",
            )
            with gr.Row():
                send_comment = gr.Button("Send feedback", size="sm", variant="primary",
                                         elem_id="feedback-send")
                cancel_comment = gr.Button("Cancel", size="sm", elem_id="feedback-cancel")
        with gr.Row(elem_id="above-input"):
            filter_chip = gr.Button("", visible=False, size="sm", elem_id="filter-chip")
            clear = gr.Button("New conversation", size="sm", elem_id="new-conversation")
        question = gr.Textbox(
            placeholder="Ask a question about the reports and press Enter",
            show_label=False, elem_id="question", max_lines=4, submit_btn=True,
        )
        with gr.Row(elem_id="filter-row", equal_height=True):
            reports = gr.Dropdown(
                start["choices"], value=[], multiselect=True, scale=4, min_width=240,
                label="Reports (all when none chosen)", elem_id="report-filter",
            )
            year_min = gr.Dropdown(start["years"], value=start["low"], label="From year",
                                   elem_id="year-min", scale=1, min_width=110)
            year_max = gr.Dropdown(start["years"], value=start["high"], label="To year",
                                   elem_id="year-max", scale=1, min_width=110)
        with gr.Accordion("Advanced", open=False, elem_id="advanced"):
            top_k = gr.Slider(1, 20, value=settings.answer_passages, step=1,
                              label="Passages to read per answer", elem_id="top-k")
            mode = gr.Radio(
                modes, value=settings.answer_mode if settings.answer_mode in modes
                else modes[0], label="Answer mode", elem_id="answer-mode",
                visible=len(modes) > 1,
            )
        with gr.Accordion("Add reports", open=False, elem_id="upload-panel"):
            files = gr.File(
                file_count="multiple", file_types=list(UPLOAD_TYPES), type="filepath",
                label=f"PDF, Word (.docx), .txt or .md, up to {settings.max_file_mb:g} MB each",
                elem_id="upload",
            )
            upload_button = gr.Button("Add to the index", elem_id="upload-button")
            upload_result = gr.Markdown(elem_id="upload-result")
        gr.Markdown(REST_FOOTER, elem_id="rest-footer")

        state_io = [reports, year_min, year_max, bounds]
        demo.load(page_state, state_io, [status, *state_io], api_visibility="private")

        def respond(
            message: str, history: list[dict[str, Any]], chosen: list[str], y0: Any,
            y1: Any, years: list[int], k: float, answer_mode: str, store: dict[int, Any],
        ) -> Iterator[tuple[Any, ...]]:
            prior = list(history or [])
            if not (message or "").strip():
                gr.Warning("Type a question first.")
                yield prior, store, message
                return
            turn = prior + [
                {"role": "user", "content": escape_markdown_html(message)},
                {"role": "assistant", "content": "Searching the reports…"},
            ]
            yield turn, store, ""
            pieces: list[str] = []
            final = None
            try:
                request = AskRequest(message, prior, active_filter(chosen, y0, y1, years),
                                     answer_mode, int(k))
                for event in service.assistant.ask_stream(request):
                    if event.kind == "passages":
                        turn[-1]["content"] = (
                            f"Reading {len(event.passages)} passages…" if event.passages
                            else "No passage matched."
                        )
                        yield turn, store, ""
                    elif event.kind == "token":
                        pieces.append(event.text)
                        turn[-1]["content"] = escape_markdown_html("".join(pieces))
                        yield turn, store, ""
                    elif event.kind == "answer":
                        final = event.answer
            except AssistantError as exc:
                turn[-1]["content"] = f"⚠️ {escape_markdown_html(str(exc))}"
                yield turn, store, ""
                return
            assert final is not None
            number = sum(1 for m in turn if m.get("role") == "assistant")
            turn[-1]["content"] = answer_html(final, number)
            yield turn, {**store, len(turn) - 1: final.to_dict()}, ""

        inputs = [question, chat, reports, year_min, year_max, bounds, top_k, mode, answers]
        question.submit(
            respond, inputs, [chat, answers, question],
            api_name="chat", api_visibility="undocumented",
        )
        def example(data: gr.SelectData) -> str:
            return str(data.value["text"])

        chat.example_select(example, None, question, api_visibility="private").then(
            respond, inputs, [chat, answers, question], api_visibility="private"
        )

        # One range: moving one end past the other takes the other along.
        year_min.input(lambda y0, y1: gr.update(value=y0) if y0 and y1 and y0 > y1
                       else gr.skip(), [year_min, year_max], year_max, api_visibility="private")
        year_max.input(lambda y0, y1: gr.update(value=y1) if y0 and y1 and y1 < y0
                       else gr.skip(), [year_min, year_max], year_min, api_visibility="private")

        filter_io = [reports, year_min, year_max, bounds]
        for control in (reports, year_min, year_max):
            control.change(chip, filter_io, filter_chip, api_visibility="private")
        filter_chip.click(
            lambda years: ([], years[0] if years else None, years[-1] if years else None,
                           gr.update(value="", visible=False)),
            [bounds], [reports, year_min, year_max, filter_chip], api_visibility="private",
        )

        def on_like(store: dict[int, Any], data: gr.LikeData) -> Any:
            index = data.index if isinstance(data.index, int) else data.index[0]
            record = store.get(index)
            if record is None:
                gr.Warning("That message has no answer record to rate.")
                return None, gr.skip()
            if data.liked is True:
                service.record_feedback(answer_from_dict(record), "up")
                gr.Info("Thank you: feedback saved.")
                return None, gr.update(visible=False)
            if data.liked is False:
                return index, gr.update(visible=True)
            return None, gr.update(visible=False)  # the thumb was taken back

        chat.like(on_like, [answers], [disliked, feedback_box], api_visibility="private")

        def on_comment(store: dict[int, Any], index: int | None, text: str) -> tuple:
            record = store.get(index) if index is not None else None
            if record is None:
                gr.Warning("That answer is no longer in the conversation.")
            else:
                service.record_feedback(answer_from_dict(record), "down", text)
                gr.Info("Thank you: feedback saved.")
            return None, "", gr.update(visible=False)

        send_comment.click(on_comment, [answers, disliked, comment],
                           [disliked, comment, feedback_box], api_visibility="private")
        cancel_comment.click(lambda: (None, "", gr.update(visible=False)), None,
                             [disliked, comment, feedback_box], api_visibility="private")

        def new_conversation() -> tuple:
            return [], {}, None, "", gr.update(visible=False)

        conversation = [chat, answers, disliked, comment, feedback_box]
        clear.click(new_conversation, None, conversation, api_visibility="private")
        chat.clear(new_conversation, None, conversation, api_visibility="private")

        def on_upload(
            paths: list[str] | None, chosen: list[str], y0: Any, y1: Any, years: list[int],
            progress: Any = gr.Progress(),  # noqa: B008 - Gradio idiom
        ) -> tuple[Any, ...]:
            if not paths:
                return ("Choose one or more files first.", gr.skip(), gr.skip(), gr.skip(),
                        gr.skip(), gr.skip())
            items = [(Path(p).name, Path(p).read_bytes()) for p in paths]

            def step(name: str, number: int, total: int) -> None:
                progress((number - 1, total), desc=f"Ingesting {name}")

            results = service.upload(items, step)
            lines = ["| file | result | passages |", "|---|---|---|"]
            for r in results:
                outcome = r.status if not r.error else f"{r.status}: {r.error}"
                lines.append(f"| {escape_markdown_html(r.name)} | "
                             f"{escape_markdown_html(outcome)} | {r.chunks} |")
            return ("\n".join(lines), *page_state(chosen, y0, y1, years))

        upload_button.click(
            on_upload, [files, *state_io], [upload_result, status, *state_io],
            api_visibility="private", concurrency_limit=1, concurrency_id="writer",
        )

        def search_reports(query: str, k: int = 5) -> list[dict[str, Any]]:
            """Search the evaluation reports in this assistant's index (by default five ILO
            labour-migration evaluations, 2008-2021) and return the best passages.

            Args:
                query: words or a question, e.g. "fair recruitment in the Gulf"
                k: how many passages to return (1-20)

            Returns:
                Passages, best first, each with the report title, year, file name, page, section
                heading, score and text.
            """
            request = SearchRequest(query, k=max(1, min(int(k), 20)))
            return [p.to_dict() for p in service.assistant.search(request)]

        def ask_reports(question: str) -> dict[str, Any]:
            """Answer a question from the evaluation reports in this assistant's index (by
            default five ILO labour-migration evaluations, 2008-2021), offline and extractive.

            Args:
                question: a natural-language question about the reports

            Returns:
                The answer record: the answer with [n] citation markers, `answerable` (false when
                the reports do not cover the question), and `citations`, each with report title,
                year, file name, page, section and the supporting sentence (`quote`).
            """
            return service.assistant.ask(AskRequest(question)).to_dict()

        gr.api(search_reports, api_name="search_reports")
        gr.api(ask_reports, api_name="ask_reports")
    demo.queue(default_concurrency_limit=settings.max_concurrent, max_size=64)
    return demo


def build_app(service: Service) -> Any:
    """One FastAPI app: the REST API, the chat page at ``/`` and MCP at ``/gradio_api/mcp/``."""
    import gradio as gr

    from assistant.serve.api import create_api

    api = create_api(service)
    pairs = service.settings.auth_pairs()
    if pairs:
        _protect_api(api, pairs)
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "monospace"],
    )  # system fonts: nothing fetched from the internet
    return gr.mount_gradio_app(
        api, build_ui(service), path="/", auth=pairs or None, mcp_server=True,
        max_file_size=service.settings.max_file_bytes, footer_links=["api"],
        run_history=False, theme=theme, css=CSS, js=PAGE_JS, ssr_mode=False,
    )


def _protect_api(api: Any, pairs: list[tuple[str, str]]) -> None:
    """HTTP basic auth on /api/* with the page's credentials."""
    from fastapi.responses import JSONResponse

    @api.middleware("http")
    async def basic_auth(request: Any, call_next: Any) -> Any:
        if request.url.path.startswith("/api/"):
            header = request.headers.get("authorization", "")
            ok = False
            if header.lower().startswith("basic "):
                try:
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                except ValueError:
                    user = password = ""
                ok = any(
                    secrets.compare_digest(user, u) and secrets.compare_digest(password, p)
                    for u, p in pairs
                )
            if not ok:
                return JSONResponse({"error": "authentication required"}, status_code=401,
                                    headers={"WWW-Authenticate": "Basic"})
        return await call_next(request)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="address to bind (default 127.0.0.1, ASSISTANT_HOST)")
    parser.add_argument("--port", type=int, help="port (default 7860, ASSISTANT_PORT)")
    parser.add_argument("--index", type=Path, help="index directory (ASSISTANT_INDEX_DIR)")
    parser.add_argument("--chroma-url", help="a Chroma server (ASSISTANT_CHROMA_URL)")
    parser.add_argument("--no-ingest", action="store_true", help="serve the index as it is")
    args = parser.parse_args(argv)
    try:
        settings = Settings.load(
            host=args.host, port=args.port, index_dir=args.index, chroma_url=args.chroma_url
        )
        settings.auth_pairs()  # a malformed ASSISTANT_AUTH fails here, not on first login
        service = Service(settings)
        if not args.no_ingest and settings.reports_dir.is_dir():
            from assistant.serve.progress import ingest_progress

            print(f"Bringing the index in {settings.index_dir} up to date with the reports in "
                  f"{settings.reports_dir} (a first run embeds them all)", flush=True)
            progress, close = ingest_progress(sys.stderr, bar=sys.stderr.isatty())
            try:
                report = service.ingest_default(progress)
            finally:
                close()
            if report is not None:
                for failure in report.failed:
                    print(f"FAILED {failure.error}", file=sys.stderr)
                print(f"Index: {report.documents_in_index} reports, {report.chunks_in_index} "
                      f"chunks in {settings.index_dir}", flush=True)
        print("Starting the chat page, the REST API and the MCP tools", flush=True)
        app = build_app(service)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    import uvicorn

    from assistant.serve.discovery import announce, exit_on_sigterm

    print(f"Serving on http://{settings.host}:{settings.port} (REST under /api, "
          "MCP at /gradio_api/mcp/)", flush=True)
    service.warm_up_in_background()  # load the models while the page is being opened
    # `assistant ask` and `search` on this index ask this app instead of loading the models
    local = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    withdraw = announce(settings, f"http://{local}:{settings.port}")
    exit_on_sigterm()
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                    timeout_graceful_shutdown=5)
    finally:
        withdraw()
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
