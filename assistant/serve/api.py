"""The REST API (FastAPI): the same service the chat page uses, one process owning the index.

    POST   /api/ask                 question, history, filters -> the answer record
    POST   /api/ask/stream          the same, as server-sent events: passages, token..., answer
    POST   /api/search              query, k, filters -> passages
    GET    /api/documents           the documents in the index
    POST   /api/documents           upload reports (multipart ``files``)
    DELETE /api/documents/{source}  remove a report
    POST   /api/feedback            thumbs up/down on an answer record
    GET    /healthz                 index status

Errors are JSON ``{"error": message}`` with a fitting status: 400 for a bad question or setting,
404 for an unknown document, 413 for an oversized upload, 415 for a wrong type, 503 when the
index or model cannot be used (or the local model has too many questions waiting), 502 when
the chat model fails. A stream that fails after it started ends with an ``error`` event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.answering.answerers import ANSWERERS
from assistant.errors import (
    AssistantError,
    ConfigError,
    DocumentNotFound,
    EvalSetError,
    LLMError,
    ModelBusy,
    QueryError,
)
from assistant.records import Answer, AskRequest, Citation, Filters, Passage, SearchRequest
from assistant.retrieval.hybrid import MODES as RETRIEVAL_MODES
from assistant.serve.service import Service
from vectorstore.errors import StoreError


class FiltersIn(BaseModel):
    sources: list[str] = Field(default_factory=list, description="report file names")
    year_min: int | None = None
    year_max: int | None = None

    def build(self) -> Filters:
        return Filters(tuple(self.sources), self.year_min, self.year_max)


AnswerMode = Literal[tuple(ANSWERERS)]  # type: ignore[valid-type]
RetrievalMode = Literal[RETRIEVAL_MODES]  # type: ignore[valid-type]


class AskIn(BaseModel):
    question: str
    history: list[Any] | None = Field(
        None, description="earlier turns: [{role, content}] or [[question, answer]]"
    )
    filters: FiltersIn | None = None
    mode: AnswerMode | None = Field(  # type: ignore[valid-type]
        None, description="answer mode (default: the setting)"
    )
    k: int | None = Field(None, description="passages to retrieve (default: the setting)")

    def build(self) -> AskRequest:
        return AskRequest(
            self.question, self.history or (),
            self.filters.build() if self.filters else Filters(), self.mode, self.k,
        )


class SearchIn(BaseModel):
    query: str
    k: int | None = None
    filters: FiltersIn | None = None
    mode: RetrievalMode | None = Field(  # type: ignore[valid-type]
        None, description="retrieval mode (default: hybrid)"
    )

    def build(self) -> SearchRequest:
        return SearchRequest(
            self.query, self.k, self.filters.build() if self.filters else Filters(), self.mode
        )


class FeedbackIn(BaseModel):
    answer: dict[str, Any] = Field(description="the answer record as /api/ask returned it")
    rating: Literal["up", "down"]
    comment: str | None = None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


#: The HTTP status each branch of the error tree is answered with.
STATUS_OF_ERROR: dict[type[Exception], int] = {
    QueryError: 400, ConfigError: 400, EvalSetError: 400, DocumentNotFound: 404,
    LLMError: 502, ModelBusy: 503, StoreError: 503,
}


def status_of(exc: Exception) -> int:
    """The status for an error of the tree (its nearest registered branch)."""
    for kind in type(exc).__mro__:
        if kind in STATUS_OF_ERROR:
            return STATUS_OF_ERROR[kind]
    return 500


def _handler(status: int) -> Any:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return _error(status, str(exc))

    return handle


def create_api(service: Service) -> FastAPI:
    api = FastAPI(
        title="Evaluation-report assistant",
        description="Answers with cited passages (report, page, section) from evaluation "
        "reports; search; document management.",
        version="0.1.0",
    )

    for error, status in STATUS_OF_ERROR.items():
        api.add_exception_handler(error, _handler(status))

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return _error(422, f"invalid request: {problems}")

    @api.post("/api/ask")
    def ask(body: AskIn) -> dict[str, Any]:
        """Answer a question with checked citations, or refuse (``answerable: false``)."""
        return service.assistant.ask(body.build()).to_dict()

    @api.post(
        "/api/ask/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": (
            "server-sent events: `passages` (retrieval done), `token` (a piece of the draft, "
            "answer modes that write one), then `answer` (the checked record, as /api/ask) "
            "or `error` ({error, status})"
        )}},
    )
    def ask_stream(body: AskIn) -> StreamingResponse:
        """Answer as /api/ask does, streamed as the answer is written."""
        request = body.build()
        events = service.assistant.ask_stream(request)
        first = next(events)  # a bad request or an unusable index fails here, with its status

        def sse() -> Iterator[str]:
            try:
                for event in _chain(first, events):
                    yield _sse(event.kind, _event_data(event))
            except AssistantError as exc:
                yield _sse("error", {"error": str(exc), "status": status_of(exc)})

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @api.post("/api/search")
    def search(body: SearchIn) -> dict[str, Any]:
        """The best passages for a query, each with report, page and section."""
        passages = service.assistant.search(body.build())
        return {"query": body.query, "passages": [p.to_dict() for p in passages]}

    @api.get("/api/documents")
    def documents() -> list[dict[str, Any]]:
        """Every document in the index."""
        return [r.to_dict() for r in service.assistant.documents()]

    @api.post("/api/documents")
    async def upload(files: list[UploadFile] = File(...)) -> Any:  # noqa: B008 - FastAPI idiom
        """Upload reports (PDF, .txt, .md); each is ingested and reported on."""
        limit = service.settings.max_file_bytes
        items = []
        for f in files:
            data = await f.read(limit + 1)
            items.append((f.filename or "upload", data))
        import anyio

        results = await anyio.to_thread.run_sync(service.upload, items)
        payload = {"results": [r.to_dict() for r in results]}
        if results and all(r.status == "rejected" for r in results):
            status = 413 if "limit" in (results[0].error or "") else 415
            return JSONResponse({"error": results[0].error, **payload}, status_code=status)
        return payload

    @api.delete("/api/documents/{source}")
    def delete(source: str) -> dict[str, Any]:
        """Remove a document and its chunks."""
        return dict(service.delete(source).to_dict())

    @api.post("/api/feedback")
    def feedback(body: FeedbackIn) -> dict[str, str]:
        """Save a thumbs up/down with the question, answer and citations."""
        service.record_feedback(answer_from_dict(body.answer), body.rating, body.comment)
        return {"status": "saved"}

    @api.get("/healthz")
    def healthz() -> Any:
        """Index status: documents, chunks, embedding model; 503 when the index (or the
        Chroma server) cannot be used."""
        try:
            return service.status()
        except StoreError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)

    return api


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

