"""The REST API's request and response models: the bounds and shapes `/openapi.json` states.

Request models are strict (no `false` for 0, no `"5"` for 5) and carry their real bounds, so a
body the schema allows is one the API accepts; integers are JSON Schema's (``55.0`` is 55).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
)

from assistant.records import (
    K_MAX,
    MAX_QUERY_CHARS,
    RETRIEVAL_MODES,
    AskRequest,
    Filters,
    Passage,
    SearchRequest,
)


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: 55 and 55.0, not true, "55" or 55.5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer), WithJsonSchema({"type": "integer"})]


class FiltersIn(BaseModel):
    model_config = ConfigDict(strict=True)

    sources: list[str] = Field(default_factory=list, description="report file names")
    year_min: JsonInt | None = Field(None, description="earliest year; a range that ends "
                                     "before it starts matches no report")
    year_max: JsonInt | None = None

    def build(self) -> Filters:
        return Filters(tuple(self.sources), self.year_min, self.year_max)


RetrievalMode = Literal[RETRIEVAL_MODES]  # type: ignore[valid-type]
#: A question or query: some letter or digit, at most MAX_QUERY_CHARS characters.
Query = Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"\w")]
K = Annotated[int, BeforeValidator(_json_integer), Field(ge=1, le=K_MAX),
              WithJsonSchema({"type": "integer", "minimum": 1, "maximum": K_MAX})]


class TextPart(BaseModel):
    model_config = ConfigDict(strict=True)

    type: Literal["text"] = "text"
    text: str


class Message(BaseModel):
    model_config = ConfigDict(strict=True)

    role: Literal["user", "assistant", "system"]
    content: str | list[TextPart]


HistoryItem = Message | Annotated[list[str | None], Field(min_length=2, max_length=2)] | str


class AskBase(BaseModel):
    model_config = ConfigDict(strict=True)

    question: Query
    history: list[HistoryItem] | None = Field(  # type: ignore[valid-type]
        None, description="earlier turns: [{role, content}], [[question, answer]] or "
        "[earlier question]"
    )
    filters: FiltersIn | None = None
    k: K | None = Field(None, description="passages to retrieve (default: the setting)")

    def build(self) -> AskRequest:
        history = [
            item.model_dump() if isinstance(item, BaseModel) else item
            for item in self.history or ()
        ]
        return AskRequest(
            self.question, history, self.filters.build() if self.filters else Filters(),
            getattr(self, "mode", None), self.k,
        )


def ask_model(modes: Sequence[str]) -> type[AskBase]:
    """The /api/ask body, offering the answer modes this app can run."""
    mode_type: Any = Literal[tuple(modes)]  # type: ignore[valid-type]
    return create_model(
        "AskIn", __base__=AskBase,
        mode=(mode_type | None, Field(None, description="answer mode (default: the setting)")),
    )


class SearchIn(BaseModel):
    model_config = ConfigDict(strict=True)

    query: Query
    k: K | None = None
    filters: FiltersIn | None = None
    mode: RetrievalMode | None = Field(  # type: ignore[valid-type]
        None, description="retrieval mode (default: hybrid)"
    )

    def build(self) -> SearchRequest:
        return SearchRequest(
            self.query, self.k, self.filters.build() if self.filters else Filters(), self.mode
        )


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class PassageIn(_Strict):
    rank: JsonInt
    chunk_id: str
    doc_id: str
    source: str
    title: str
    year: JsonInt | None
    section: str
    page: JsonInt | None
    page_end: JsonInt | None
    score: float
    dense_score: float | None
    lexical_score: float | None
    text: str
    char_start: JsonInt
    char_end: JsonInt


class CitationIn(_Strict):
    n: JsonInt
    passage: JsonInt
    chunk_id: str
    source: str
    title: str
    year: JsonInt | None
    page: JsonInt | None
    page_end: JsonInt | None
    section: str
    quote: str
    quotes: list[str] = Field(default_factory=list)
    spans: list[Annotated[list[JsonInt], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list
    )
    text: str
    support: float


class AnswerIn(_Strict):
    """An answer record as /api/ask returns it (what feedback sends back)."""

    question: str
    standalone_question: str = ""
    answer: str
    answerable: bool
    mode: str = "extractive"
    citations: list[CitationIn] = Field(default_factory=list)
    passages: list[PassageIn] = Field(default_factory=list)
    evidence: float = 0.0
    threshold: float = 0.0


class FeedbackIn(_Strict):
    answer: AnswerIn = Field(description="the answer record as /api/ask returned it")
    rating: Literal["up", "down"]
    comment: str | None = None


class SearchOut(BaseModel):
    query: str
    passages: list[Passage]


class UploadResultOut(BaseModel):
    name: str
    stored_as: str | None
    status: Literal["added", "replaced", "unchanged", "skipped", "failed", "rejected"]
    chunks: int
    error: str | None


class UploadOut(BaseModel):
    results: list[UploadResultOut]


class SavedOut(BaseModel):
    status: Literal["saved"]


class HealthOut(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int
    embedding_model: str
    index_dir: str
    chroma: str
    answer_modes: list[str]
    llm: str | None
    sentence_vectors: Literal["pending", "filling", "done", "off"] = Field(
        "off", description="the index's sentences embedded in advance by this server "
        "(ASSISTANT_FILL_SENTENCE_VECTORS): not started yet, under way, done, or turned off",
    )


class ErrorOut(BaseModel):
    """Every error the API returns."""

    error: str = Field(description="what went wrong and what to do")
    code: str = Field(description="machine-readable: " + ", ".join(
        "invalid_request invalid_setting not_found method_not_allowed unauthorized "
        "file_too_large unsupported_type model_failed model_busy index_unavailable "
        "internal_error".split()
    ))
