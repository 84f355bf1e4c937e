"""The REST API (FastAPI): the same service the chat page uses, one process owning the index.

    POST   /api/ask                 question, history, filters -> the answer record
    POST   /api/ask/stream          the same, as server-sent events: passages, token..., answer
    POST   /api/search              query, k, filters -> passages
    GET    /api/documents           the documents in the index
    POST   /api/documents           upload reports (multipart ``files``)
    DELETE /api/documents/{source}  remove a report
    POST   /api/feedback            thumbs up/down on an answer record
    GET    /healthz                 index status
    GET    /docs, /redoc            the API's documentation (Swagger UI, ReDoc), served offline

Errors are JSON ``{"error": message}`` with a fitting status: 400 for a bad question or setting,
404 for an unknown document, 413 for an oversized upload, 415 for a wrong type, 503 when the
index or model cannot be used (or the local model has too many questions waiting), 502 when
the chat model fails. A stream that fails after it started ends with an ``error`` event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.answering.answerers import answer_modes
from assistant.errors import (
    AssistantError,
    ConfigError,
    DocumentNotFound,
    EvalSetError,
    LLMError,
    ModelBusy,
    QueryError,
)
from assistant.records import (
    Answer,
    Citation,
    Passage,
)
from assistant.serve.api_models import (
    AskBase,
    ErrorOut,
    FeedbackIn,
    HealthOut,
    SavedOut,
    SearchIn,
    SearchOut,
    UploadOut,
    ask_model,
)
from assistant.serve.service import UPLOAD_TYPES, Service
from vectorstore.errors import StoreError
from vectorstore.records import DocumentRecord as DocumentOut


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses."""
    return {status: {"model": ErrorOut, "description": _DESCRIBED[status]}
            for status in statuses}


_DESCRIBED = {
    400: "a bad question, setting or body", 404: "no such document",
    413: "every file is over the size limit", 415: "no file is of a supported type",
    422: "the body does not match the schema", 502: "the chat model failed",
    503: "the index, the Chroma server or the local model cannot be used now",
}


def _error(status: int, message: str, code: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "code": code or _CODE_OF_STATUS.get(status, "error")},
                        status_code=status, headers=headers)


#: The HTTP status and code each branch of the error tree is answered with.
ERROR_RESPONSES: dict[type[Exception], tuple[int, str]] = {
    QueryError: (400, "invalid_request"), ConfigError: (400, "invalid_setting"),
    EvalSetError: (400, "invalid_request"), DocumentNotFound: (404, "not_found"),
    LLMError: (502, "model_failed"), ModelBusy: (503, "model_busy"),
    StoreError: (503, "index_unavailable"),
}
_CODE_OF_STATUS = {
    400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
    413: "file_too_large", 415: "unsupported_type", 422: "invalid_request",
    500: "internal_error", 502: "model_failed", 503: "index_unavailable",
}


def response_of(exc: Exception) -> tuple[int, str]:
    """The status and code for an error of the tree (its nearest registered branch)."""
    for kind in type(exc).__mro__:
        if kind in ERROR_RESPONSES:
            return ERROR_RESPONSES[kind]
    return 500, "internal_error"


async def _tree_error(_: Request, exc: Exception) -> JSONResponse:
    status, code = response_of(exc)
    return _error(status, str(exc), code)


#: Where the Swagger UI and ReDoc pages load their scripts from: this server.
DOCS_ASSETS = "/docs-assets"
_EMPTY_SVG = b"data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"


def _offline_docs(api: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc with their scripts, styles and icon served from the
    ``fastapi-offline`` package's copies, so both render with no network."""
    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = Path(fastapi_offline.__file__).parent / "static"
    redoc_js: list[bytes] = []

    @api.get(f"{DOCS_ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_script() -> Response:
        # ReDoc shows Redocly's logo from their CDN: an empty local image instead.
        if not redoc_js:
            redoc_js.append((assets / "redoc.standalone.js").read_bytes().replace(
                b"https://cdn.redoc.ly/redoc/logo-mini.svg", _EMPTY_SVG))
        return Response(redoc_js[0], media_type="text/javascript")

    api.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
    title = f"{api.title}: REST API"

    @api.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=api.openapi_url or "/openapi.json", title=title,
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
        )

    @api.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=api.openapi_url or "/openapi.json", title=title,
            redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False,
        )


def create_api(service: Service, *, read_only: bool = False) -> FastAPI:
    """The REST API over ``service``. ``read_only``: ask, search, documents and health only
    (the background server that `assistant ask` starts, :mod:`assistant.serve.background`)."""
    api = FastAPI(
        title="Evaluation-report assistant",
        description="Answers with cited passages (report, page, section) from evaluation "
        "reports; search; document management. Every error is JSON `{error, code}`.",
        version="0.1.0",
        docs_url=None,  # served below from local files: the default pages load a CDN
        redoc_url=None,
    )
    _offline_docs(api)
    ask_in = ask_model(answer_modes(service.settings, service.assistant.answers.chat_model))

    for error in ERROR_RESPONSES:
        api.add_exception_handler(error, _tree_error)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return _error(422, f"invalid request: {problems}")

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own: a body that cannot be parsed, a multipart without a boundary, ...
        return _error(exc.status_code, str(exc.detail),
                      headers=dict(exc.headers) if exc.headers else None)

    @api.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error: {type(exc).__name__}: {exc}")

    @api.middleware("http")
    async def api_methods(request: Request, call_next: Any) -> Any:
        """Under /api/ and /healthz, a method a route does not take is 405 with ``Allow``, and
        a path no route has is a JSON 404 (the chat page's mount would answer otherwise)."""
        path = request.url.path
        if path.startswith("/api/") or path == "/healthz":
            allowed = _allowed_methods(api, path)
            if not allowed:
                return _error(404, f"no API endpoint at {path}; see /openapi.json")
            if request.method not in allowed:
                return _error(405, f"{request.method} is not allowed on {path}; use "
                              + ", ".join(sorted(allowed)),
                              headers={"Allow": ", ".join(sorted(allowed))})
        return await call_next(request)

    def ask(body: AskBase) -> Any:
        """Answer a question with checked citations, or refuse (``answerable: false``)."""
        return service.assistant.ask(body.build())

    def ask_stream(body: AskBase) -> StreamingResponse:
        """Answer as /api/ask does, streamed as the answer is written."""
        events = service.assistant.ask_stream(body.build())
        first = next(events)  # a bad request or an unusable index fails here, with its status

        def sse() -> Iterator[str]:
            try:
                for event in _chain(first, events):
                    yield _sse(event.kind, _event_data(event))
            except AssistantError as exc:
                status, code = response_of(exc)
                yield _sse("error", {"error": str(exc), "code": code, "status": status})

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    # The body model is built for this app's answer modes, so it is set here, not annotated.
    ask.__annotations__["body"] = ask_stream.__annotations__["body"] = ask_in
    api.post("/api/ask", response_model=Answer, responses=_errors(400, 422, 502, 503))(ask)
    api.post(
        "/api/ask/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": (
            "server-sent events: `passages` (retrieval done), `token` (a piece of the draft, "
            "answer modes that write one), then `answer` (the checked record, as /api/ask) "
            "or `error` ({error, code, status})"
        )}, **_errors(400, 422, 502, 503)},
    )(ask_stream)

    @api.post("/api/search", response_model=SearchOut, responses=_errors(400, 422, 503))
    def search(body: SearchIn) -> Any:
        """The best passages for a query, each with report, page and section."""
        passages = service.assistant.search(body.build())
        return {"query": body.query, "passages": passages}

    @api.get("/api/documents", response_model=list[DocumentOut], responses=_errors(503))
    def documents() -> Any:
        """Every document in the index."""
        return [r.to_dict() for r in service.assistant.documents()]

    if not read_only:  # uploads, deletions and feedback change what is stored
        @api.post("/api/documents", response_model=UploadOut,
                  responses=_errors(400, 413, 415, 422, 503),
                  openapi_extra={"requestBody": {"content": {"multipart/form-data": {
                      "encoding": {"files": {"contentType": ", ".join(_SUFFIX_OF_TYPE)}}}}}})
        async def upload(
            files: Annotated[list[UploadFile], File(min_length=1, description=(
                "PDF, Word (.docx), .txt or .md files; the type comes from the file name, or else "
                "from the "
                "part's content type"))],
        ) -> Any:
            """Upload reports; each is ingested and reported on."""
            limit = service.settings.max_file_bytes
            items = []
            for f in files:
                data = await f.read(limit + 1)
                items.append((_upload_name(f.filename, f.content_type), data))
            import anyio

            results = await anyio.to_thread.run_sync(service.upload, items)
            payload = {"results": [r.to_dict() for r in results]}
            if results and all(r.status == "rejected" for r in results):
                status = 413 if "limit" in (results[0].error or "") else 415
                return JSONResponse(
                    {"error": results[0].error, "code": _CODE_OF_STATUS[status], **payload},
                    status_code=status,
                )
            return payload

        @api.delete("/api/documents/{source}", response_model=DocumentOut,
                    responses=_errors(404, 503))
        def delete(source: str) -> Any:
            """Remove a document and its chunks. A file still in the reports folder comes back at
            the next default ingest; delete the file too to keep it out."""
            return dict(service.delete(source).to_dict())

        @api.post("/api/feedback", response_model=SavedOut, responses=_errors(400, 422))
        def feedback(body: FeedbackIn) -> Any:
            """Save a thumbs up/down with the question, answer and citations."""
            service.record_feedback(answer_from_dict(body.answer.model_dump()), body.rating,
                                    body.comment)
            return {"status": "saved"}

    @api.get("/healthz", response_model=HealthOut, responses=_errors(503))
    def healthz() -> Any:
        """Index status: documents, chunks, embedding model; 503 when the index (or the
        Chroma server) cannot be used."""
        try:
            return service.status()
        except StoreError as exc:
            status, code = response_of(exc)
            return _error(status, str(exc), code)

    return api


def _allowed_methods(api: FastAPI, path: str) -> set[str]:
    methods: set[str] = set()
    for route in api.routes:
        if isinstance(route, APIRoute) and route.path_regex.match(path):
            methods |= route.methods or set()
    if "GET" in methods:
        methods.add("HEAD")
    return methods


def _upload_name(name: str | None, content_type: str | None) -> str:
    """The name to store an upload under: its own when it has a supported suffix, else one
    with the suffix its declared content type names."""
    name = name or "upload"
    if Path(name).suffix.lower() in UPLOAD_TYPES:
        return name
    suffix = _SUFFIX_OF_TYPE.get((content_type or "").split(";")[0].strip().lower())
    return f"{name}{suffix}" if suffix else name


_SUFFIX_OF_TYPE = {
    "application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _event_data(event: Any) -> dict[str, Any]:
    if event.kind == "answer":
        return dict(event.answer.to_dict())
    if event.kind == "passages":
        return {"standalone_question": event.standalone_question,
                "passages": [p.to_dict() for p in event.passages]}
    return {"text": event.text}


def _sse(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """Rebuild an answer record sent back by a client (for feedback)."""
    try:
        citations = tuple(
            Citation(**{**c, "quotes": tuple(c.get("quotes") or ()),
                        "spans": tuple(tuple(s) for s in c.get("spans") or ())})
            for c in data.get("citations") or []
        )
        passages = tuple(Passage(**p) for p in data.get("passages") or [])
        return Answer(
            question=data["question"], standalone_question=data.get("standalone_question", ""),
            answer=data["answer"], answerable=bool(data["answerable"]),
            mode=data.get("mode", "extractive"), citations=citations, passages=passages,
            evidence=float(data.get("evidence", 0.0)),
            threshold=float(data.get("threshold", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise QueryError(f"answer is not an answer record from /api/ask: {exc}") from exc

