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
    answer_markdown,
    escape_markdown_html,
    sources_html,
    status_markdown,
)
from assistant.serve.service import UPLOAD_TYPES, Service  # noqa: E402

EXAMPLES = [
    "What was the budget of the LMPP project and who funded it?",
    "What did the 2013 evaluation recommend on labour migration statistics?",
    "How many interviews were held for the 2021 high-level evaluation?",
    "What are the seven components of the ILO Plan of Action for migrant workers?",
]


def build_ui(service: Service) -> Any:
    """The chat page: chat with streamed answers, sources panel, filters, upload, feedback."""
    import gradio as gr

    from assistant.serve.api import answer_from_dict

    settings = service.settings

    def report_choices() -> list[tuple[str, str]]:
        records = service.assistant.documents()
        return [(f"{r.title} ({r.year or 'n.d.'})", r.source) for r in records]

    def years() -> tuple[int, int]:
        found = [r.year for r in service.assistant.documents() if r.year]
        if not found:
            return 2000, 2030
        # a slider needs two different ends, even when every report has the same year
        return min(found), max(max(found), min(found) + 1)

    low, high = years()
    modes = answer_modes(settings, service.assistant.answers.chat_model)

    with gr.Blocks(title="Evaluation-report assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Evaluation-report assistant\nAsk about the evaluation reports. Every "
                    "sentence of an answer cites the report, page and section it came from.")
        status = gr.Markdown(status_markdown(service.status()), elem_id="status-line")
        answers = gr.State({})  # chatbot message index -> answer record (for feedback)
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="Chat", height=520, elem_id="chat",
                    feedback_options=("Like", "Dislike"), sanitize_html=True,
                )
                question = gr.Textbox(
                    placeholder="Ask a question about the reports and press Enter",
                    show_label=False, elem_id="question", max_lines=4, submit_btn=True,
                )
                gr.Examples(EXAMPLES, inputs=[question], label="Examples")
                clear = gr.Button("New conversation", size="sm")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html(None), elem_id="sources")
        with gr.Accordion("Filters and answer settings", open=False, elem_id="filters"):
            reports = gr.CheckboxGroup(
                report_choices(), label="Only these reports (none ticked: all)",
                elem_id="report-filter",
            )
            with gr.Row():
                year_min = gr.Slider(low, high, value=low, step=1, label="From year",
                                     elem_id="year-min")
                year_max = gr.Slider(low, high, value=high, step=1, label="To year",
                                     elem_id="year-max")
            with gr.Row():
                top_k = gr.Slider(1, 20, value=settings.answer_passages, step=1,
                                  label="Passages to retrieve (k)")
                mode = gr.Radio(modes, value=settings.answer_mode if settings.answer_mode in modes
                                else "extractive", label="Answer mode", elem_id="answer-mode")
        with gr.Accordion("Add reports", open=False, elem_id="upload-panel"):
            files = gr.File(
                file_count="multiple", file_types=list(UPLOAD_TYPES), type="filepath",
                label=f"PDF, Word (.docx), .txt or .md, up to {settings.max_file_mb:g} MB each",
                elem_id="upload",
            )
            upload_button = gr.Button("Add to the index", elem_id="upload-button")
            upload_result = gr.Markdown(elem_id="upload-result")

        def respond(
            message: str, history: list[dict[str, Any]], chosen: list[str], y0: float,
            y1: float, k: float, answer_mode: str, store: dict[int, Any],
        ) -> Iterator[tuple[Any, ...]]:
            prior = list(history or [])
            if not (message or "").strip():
                gr.Warning("Type a question first.")
                yield prior, gr.skip(), store, message
                return
            turn = prior + [
                {"role": "user", "content": escape_markdown_html(message)},
                {"role": "assistant", "content": "Searching the reports…"},
            ]
            yield turn, gr.skip(), store, ""
            # The full slider range means "any year", so reports without a year (or from a
            # year outside the range, uploaded later) are not silently left out.
            filters = Filters(
                tuple(chosen or ()), int(y0) if y0 > low else None, int(y1) if y1 < high else None
            )
            pieces: list[str] = []
            final = None
            try:
                request = AskRequest(message, prior, filters, answer_mode, int(k))
                for event in service.assistant.ask_stream(request):
                    if event.kind == "passages":
                        turn[-1]["content"] = (
                            f"Reading {len(event.passages)} passages…" if event.passages
                            else "No passage matched."
                        )
                        yield turn, gr.skip(), store, ""
                    elif event.kind == "token":
                        pieces.append(event.text)
                        turn[-1]["content"] = escape_markdown_html("".join(pieces))
                        yield turn, gr.skip(), store, ""
                    elif event.kind == "answer":
                        final = event.answer
            except AssistantError as exc:
                turn[-1]["content"] = f"⚠️ {escape_markdown_html(str(exc))}"
                yield turn, gr.skip(), store, ""
                return
            assert final is not None
            turn[-1]["content"] = answer_markdown(final)
            store = {**store, len(turn) - 1: final.to_dict()}
            bots = sum(1 for m in turn if m.get("role") == "assistant")
            yield turn, sources_html(final, bots), store, ""

        inputs = [question, chat, reports, year_min, year_max, top_k, mode, answers]
        question.submit(
            respond, inputs, [chat, sources, answers, question],
            api_name="chat", api_visibility="undocumented",
        )

        def on_like(store: dict[int, Any], data: gr.LikeData) -> None:
            record = store.get(data.index if isinstance(data.index, int) else data.index[0])
            if record is None:
                gr.Warning("That message has no answer record to rate.")
                return
            service.record_feedback(answer_from_dict(record), "up" if data.liked else "down")
            gr.Info("Thank you: feedback saved.")

        chat.like(on_like, [answers], None, api_visibility="private")
        clear.click(
            lambda: ([], sources_html(None), {}), None, [chat, sources, answers],
            api_visibility="private",
        )

        def on_upload(
            paths: list[str] | None, progress: Any = gr.Progress()  # noqa: B008 - Gradio idiom
        ) -> tuple[Any, ...]:
            if not paths:
                return "Choose one or more files first.", gr.skip(), gr.skip()
            items = [(Path(p).name, Path(p).read_bytes()) for p in paths]

            def step(name: str, number: int, total: int) -> None:
                progress((number - 1, total), desc=f"Ingesting {name}")

            results = service.upload(items, step)
            lines = ["| file | result | chunks |", "|---|---|---|"]
            for r in results:
                outcome = r.status if not r.error else f"{r.status}: {r.error}"
                lines.append(f"| {escape_markdown_html(r.name)} | "
                             f"{escape_markdown_html(outcome)} | {r.chunks} |")
            return (
                "\n".join(lines),
                status_markdown(service.status()),
                gr.update(choices=report_choices()),
            )

        upload_button.click(
            on_upload, [files], [upload_result, status, reports], api_visibility="private",
            concurrency_limit=1, concurrency_id="writer",
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
        run_history=False, theme=theme, css=CSS, ssr_mode=False,
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

    print(f"Serving on http://{settings.host}:{settings.port} (REST under /api, "
          "MCP at /gradio_api/mcp/)", flush=True)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                    timeout_graceful_shutdown=5)
    finally:
        service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
