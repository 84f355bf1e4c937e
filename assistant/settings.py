"""One typed Settings object, built once at the edge from defaults, a TOML config file,
environment variables and command-line options (later ones win), then passed down."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from assistant.errors import ConfigError
from assistant.records import K_MAX
from vectorstore.options import EMBEDDER_BACKENDS, EMBEDDING_PRECISIONS

ENV_PREFIX = "ASSISTANT_"
#: Default refusal threshold on the answerability score (0..1): the value `assistant eval
#: --calibrate` fitted on eval_questions/reports.yaml.
REFUSAL_THRESHOLD = 0.47
REFUSAL_THRESHOLD_SET = "reports.yaml sha256:17acf03ed96781ec"
#: The refusal threshold calibrated for each embedding model (answerability mixes cosine
#: similarities, whose scale is the model's), and the set it was fitted on
#: (`assistant eval reports.yaml --calibrate` with that model).
#: The dense ranking's weight when none is set: beside the second ranking (FTS5 0.6, the
#: second ranking second_weight), and in two-way fusion; each the best on SciFact's train split
#: (docs/benchmarks.md).
DENSE_WEIGHT_WITH_SECOND = 0.4
DENSE_WEIGHT_TWO_WAY = 0.5
CALIBRATED_THRESHOLDS = {
    "all-MiniLM-L6-v2": (REFUSAL_THRESHOLD, REFUSAL_THRESHOLD_SET),
    "multilingual-e5-small": (0.5559, "pool.yaml sha256:10efa0a88f559f3e"),
}
#: The default model for scoring answer sentences: on questions the team did not tune on it
#: stated every expected fact more often than the index's MiniLM (docs/answers.md), while
#: retrieval keeps MiniLM (SciFact, ingest speed).
ANSWER_EMBEDDING_MODEL = "multilingual-e5-small"


def calibrated_threshold(model: str) -> tuple[float, str] | None:
    """The refusal threshold calibrated for answer model ``model`` and the set it was fitted
    on, or None (a hub prefix such as "intfloat/" does not matter)."""
    return CALIBRATED_THRESHOLDS.get(
        model.removeprefix("intfloat/").removeprefix("sentence-transformers/")
    )


def _answer_model(answer_embedding_model: str | None, embedding_model: str) -> str:
    """The answer model a setting names: None, "" and "index" mean the index's model."""
    if answer_embedding_model in (None, "", "index"):
        return embedding_model
    return str(answer_embedding_model)


_ENV_FIELDS = {
    "INDEX_DIR": "index_dir",
    "REPORTS_DIR": "reports_dir",
    "EMBEDDING_MODEL": "embedding_model",
    "EMBEDDING_BACKEND": "embedding_backend",
    "EMBEDDING_PRECISION": "embedding_precision",
    "ANSWER_EMBEDDING_MODEL": "answer_embedding_model",
    "CHUNK_TOKENS": "chunk_tokens",
    "CHUNK_OVERLAP": "chunk_overlap",
    "PDF_PASSWORD": "pdf_password",
    "MAX_FILE_MB": "max_file_mb",
    "CHROMA_URL": "chroma_url",
    "CATALOG_REFRESH_S": "catalog_refresh_s",
    "CHROMA_HOST": "chroma_host",
    "CHROMA_PORT": "chroma_port",
    "TOP_K": "top_k",
    "CANDIDATES": "candidates",
    "RRF_K": "rrf_k",
    "FUSION": "fusion",
    "DENSE_WEIGHT": "dense_weight",
    "SECOND_WEIGHT": "second_weight",
    "RETRIEVAL_MODE": "retrieval_mode",
    "ANSWER_MODE": "answer_mode",
    "ANSWER_SENTENCES": "answer_sentences",
    "ANSWER_PASSAGES": "answer_passages",
    "KEEP_SENTENCE_VECTORS": "keep_sentence_vectors",
    "FILL_SENTENCE_VECTORS": "fill_sentence_vectors",
    "INGEST_HELPER_PROCESS": "ingest_helper_process",
    "REFUSAL_THRESHOLD": "refusal_threshold",
    "ANSWER_VERIFIER": "answer_verifier",
    "VERIFIER_SENTENCES": "verifier_sentences",
    "VERIFIER_WEIGHT": "verifier_weight",
    "VERIFIER_REFUSE_BELOW": "verifier_refuse_below",
    "LLM": "llm",
    "LLM_BASE_URL": "llm_base_url",
    "LLM_API_KEY": "llm_api_key",
    "LLM_TEMPERATURE": "llm_temperature",
    "LLM_TIMEOUT_S": "llm_timeout_s",
    "PROMPTS_DIR": "prompts_dir",
    "LOCAL_MODEL": "local_model",
    "MODELS_DIR": "models_dir",
    "LOCAL_THREADS": "local_threads",
    "LOCAL_CONTEXT": "local_context",
    "LOCAL_MAX_TOKENS": "local_max_tokens",
    "LOCAL_QUEUE": "local_queue",
    "HOST": "host",
    "PORT": "port",
    "AUTH": "auth",
    "MAX_CONCURRENT": "max_concurrent",
    "CLI_SERVER": "cli_server",
    "CLI_SERVER_IDLE_S": "cli_server_idle_s",
    "RERANKER": "reranker",
}


class Settings(BaseModel):
    """Everything configurable, with defaults that work offline on a laptop."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index_dir: Path = Field(Path("data/index"), description="where Chroma and FTS5 live")
    reports_dir: Path = Field(Path("data/reports"), description="default folder to ingest")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="sentence-transformers model: the packaged default, a folder, or a name "
        "already in the local Hugging Face cache",
    )
    embedding_backend: Literal[EMBEDDER_BACKENDS] = Field(  # type: ignore[valid-type]
        "auto", description="native: our own BERT forward pass (no sentence-transformers import; "
        "mean-pooled BERT models only); auto picks it when the model allows",
    )
    embedding_precision: Literal[EMBEDDING_PRECISIONS] = Field(  # type: ignore[valid-type]
        "auto", description=("native backend only: auto is bf16 on CPUs with AMX bf16 and on AMD "
                             "CPUs with avx512_bf16, else fp32"),
    )
    answer_embedding_model: str | None = Field(
        ANSWER_EMBEDDING_MODEL, description="the model that scores answer sentences against the "
        "question and checks citations (the refusal score is built on its cosines); only the "
        "sentences of retrieved passages are embedded with it, at question time. None or "
        "\"index\": the index's embedding_model. Default multilingual-e5-small (`make install` "
        "fetches it; docs/answers.md has the measurements)",
    )
    chunk_tokens: int = Field(200, ge=32, le=510, description="target chunk size, word-pieces")
    chunk_overlap: int = Field(40, ge=0, le=200, description="sentence overlap cap, word-pieces")
    pdf_password: SecretStr | None = None
    max_file_mb: float = Field(50.0, gt=0)
    chroma_url: str | None = Field(
        None, description="a Chroma server, e.g. http://127.0.0.1:8000, instead of the folder"
    )
    catalog_refresh_s: float = Field(
        5.0, ge=0.0, description="how often the catalog is re-read, so documents another "
        "process ingested or deleted are seen (and the local FTS5 cache synced)",
    )
    chroma_host: str | None = Field(None, description="use a Chroma server instead of a folder")
    chroma_port: int = Field(8000, ge=1, le=65535)
    top_k: int = Field(5, ge=1, le=K_MAX, description="passages a search returns")
    candidates: int = Field(50, ge=1, le=1000, description="per-index candidates before fusion")
    rrf_k: int = Field(
        10, ge=1, description="reciprocal rank fusion constant (10 measured better than 60 "
        "on top-5 retrieval checks; see docs/benchmarks.md)"
    )
    fusion: str = Field(
        "rrf", description="how hybrid search merges the two rankings: reciprocal rank fusion "
        "(constant rrf_k) or convex, a weighted sum of min-max scaled scores (best on SciFact's "
        "train split, but it loses a report question rrf answers: docs/benchmarks.md)",
    )
    dense_weight: float | None = Field(
        None, ge=0.0, le=1.0, description="the dense ranking's share in hybrid fusion (the "
        "lexical one has the rest). Unset: 0.4 beside the second ranking (with second_weight "
        "0.6, the best on SciFact's train split), 0.5 without it (two-way fusion's best)",
    )
    second_weight: float = Field(
        0.6, ge=0.0, le=1.0, description="hybrid search fuses a third ranking, the answer "
        "model's cosine over every passage (its vectors are made at ingest), with this weight "
        "beside the dense and lexical ones; 0 turns it off. Off when the answer model is the "
        "index's own (docs/answers.md, \"A second dense ranking\")",
    )
    retrieval_mode: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="how passages are found: fused (hybrid) or one index alone"
    )
    reranker: str = Field(
        "none", description="reorders the fused candidates before the top k are kept "
        "(assistant.retrieval.rerank.RERANKERS)",
    )
    answer_mode: str = Field(
        "extractive", description="the answerer: extractive (offline, no model), local (a GGUF "
        "model in process, `local_model`) or llm (needs `llm`); "
        "assistant.answering.answerers.ANSWERERS lists them",
    )
    answer_passages: int = Field(
        8, ge=1, le=K_MAX, description="passages retrieved for an answer (the answer cites some)"
    )
    answer_sentences: int = Field(5, ge=1, le=10, description="most sentences in an answer")
    keep_sentence_vectors: bool = Field(
        True, description="keep the vectors of scored answer sentences in the index folder "
        "(sentence_vectors.sqlite3), so that later processes read them instead of embedding "
        "the same sentences again",
    )
    ingest_helper_process: bool = Field(
        True, description="a process that has not loaded the embedding model yet (a cold "
        "`assistant ingest`) embeds in a helper process, which loads the model while this one "
        "parses the files",
    )
    fill_sentence_vectors: bool = Field(
        True, description="a server (the app, the CLI's background server) embeds the index's "
        "sentences that are not kept yet, once it has warmed up, in a thread at the lowest CPU "
        "priority on one core; with keep_sentence_vectors only",
    )
    refusal_threshold: float = Field(
        REFUSAL_THRESHOLD, ge=0.0, le=1.0,
        description="answerability below this means the reports do not answer the question "
        "(calibrated with `assistant eval --calibrate`; see docs/answers.md)",
    )
    answer_verifier: Literal["none", "local"] = Field(
        "none", description="a reading model that checks the best candidate sentences before the "
        "answer: local (the `local_model` GGUF model, about 0.7 s a sentence with the 1.5B model "
        "on two cores) or none (docs/answers.md, the sentence check)",
    )
    verifier_sentences: int = Field(
        5, ge=1, le=20, description="candidate sentences the verifier reads, best first"
    )
    verifier_weight: float = Field(
        0.1, ge=0.0, le=1.0,
        description="how far the verifier's log-odds of yes move a sentence's score",
    )
    verifier_refuse_below: float = Field(
        -100.0, description="refuse when no sentence the verifier read gets log-odds of yes "
        "this high",
    )
    llm: str | None = Field(None, description="chat model as provider:model, e.g. openai:MODEL")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible server URL")
    llm_api_key: SecretStr | None = None
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_timeout_s: float = Field(120.0, gt=0)
    prompts_dir: Path | None = Field(None, description="prompt templates (default: prompts/)")
    local_model: str = Field(
        "qwen2.5-coder-1.5b", description="the local mode's GGUF model: a pinned model that "
        "`assistant models fetch` downloads and verifies, or the path of any .gguf file",
    )
    models_dir: Path | None = Field(
        None, description="where pinned models are kept (default: "
        "$XDG_CACHE_HOME/eval-report-assistant/models, shared by every clone)",
    )
    local_threads: int | None = Field(
        None, ge=1, le=256, description="CPU threads for the local model (default: every core "
        "this process may use)",
    )
    local_context: int = Field(
        0, ge=0, le=131072, description="the local model's context in tokens (0: the model's own)"
    )
    local_max_tokens: int = Field(256, ge=16, le=4096, description="longest local answer, tokens")
    local_queue: int = Field(
        8, ge=1, le=256, description="questions that may wait for the local model before more "
        "are turned away as busy (one is answered at a time)",
    )
    host: str = Field("127.0.0.1", description="address the app binds (loopback by default)")
    port: int = Field(7860, ge=1, le=65535)
    auth: SecretStr | None = Field(
        None, description="basic auth for the chat page as user:password (several: comma-separated)"
    )
    max_concurrent: int = Field(4, ge=1, le=64, description="questions answered at once by the app")
    cli_server: Literal["auto", "on", "off"] = Field(
        "auto", description="whether `assistant ask`/`search` start a background server that "
        "keeps the models loaded for the next command (assistant/serve/background.py); auto: "
        "only from a terminal, never from a script or a pipe",
    )
    cli_server_idle_s: float = Field(
        900.0, gt=0, description="seconds without a request after which that server exits",
    )
    refusal_threshold_set: str | None = Field(
        REFUSAL_THRESHOLD_SET, description="the question set the refusal threshold was "
        "calibrated on (its file name and sha256), written by `assistant eval --calibrate`"
    )

    @property
    def answer_model(self) -> str:
        """The model that scores answer sentences: answer_embedding_model, else (None or
        "index") embedding_model."""
        return _answer_model(self.answer_embedding_model, self.embedding_model)

    def with_answer_model(self, model: str | None) -> Settings:
        """These settings with another answer embedding model. A refusal threshold that was
        the one calibrated for the current answer model becomes the new model's (or the
        default, where none was calibrated); a threshold set by hand is kept."""
        data = self.model_dump()
        data["answer_embedding_model"] = model
        calibrated = calibrated_threshold(self.answer_model)
        if calibrated and self.refusal_threshold == calibrated[0]:
            del data["refusal_threshold"], data["refusal_threshold_set"]
        return Settings.model_validate(data)

    @model_validator(mode="before")
    @classmethod
    def _threshold_of_model(cls, data: Any) -> Any:
        """Without a configured refusal threshold, the one calibrated for the model that
        scores answer sentences (the answer embedding model, else the embedding model)."""
        if not isinstance(data, dict) or data.get("refusal_threshold") is not None:
            return data
        calibrated = calibrated_threshold(_answer_model(
            data.get("answer_embedding_model", ANSWER_EMBEDDING_MODEL),
            str(data.get("embedding_model") or cls.model_fields["embedding_model"].default),
        ))
        if calibrated is None:
            return data
        return {**data, "refusal_threshold": calibrated[0],
                "refusal_threshold_set": data.get("refusal_threshold_set") or calibrated[1]}

    @classmethod
    def load(
        cls,
        *,
        config_file: Path | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Build settings: defaults < config file < ``ASSISTANT_*`` variables < ``overrides``.

        The config file is ``config_file``, else ``$ASSISTANT_CONFIG``, else none: nothing is
        read from the working directory unless named. A file's ``[tool.assistant]`` table is
        used when it has one, else its top level.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        path = config_file
        if path is None and env.get("ASSISTANT_CONFIG"):
            path = Path(env["ASSISTANT_CONFIG"])
        if path is not None:
            values.update(_read_toml(path, required=True))
        for suffix, field in _ENV_FIELDS.items():
            value = env.get(ENV_PREFIX + suffix)
            if value not in (None, ""):
                values[field] = value
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
                for err in exc.errors()
            )
            raise ConfigError(f"invalid settings: {problems}") from exc

    def auth_pairs(self) -> list[tuple[str, str]]:
        """``auth`` as (user, password) pairs; a clear error when one is malformed."""
        if self.auth is None:
            return []
        pairs = []
        for item in self.auth.get_secret_value().split(","):
            user, sep, password = item.strip().partition(":")
            if not sep or not user or not password:
                raise ConfigError("ASSISTANT_AUTH must be user:password (comma-separated for "
                                  "several users)")
            pairs.append((user, password))
        return pairs

    def chroma_server(self) -> tuple[str, int, bool] | None:
        """(host, port, https) of the configured Chroma server, or None for the folder."""
        if self.chroma_url:
            from urllib.parse import urlparse

            parsed = urlparse(self.chroma_url if "://" in self.chroma_url
                              else f"http://{self.chroma_url}")
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise ConfigError(
                    f"ASSISTANT_CHROMA_URL must look like http://HOST:PORT; got "
                    f"{self.chroma_url!r}"
                )
            https = parsed.scheme == "https"
            return parsed.hostname, parsed.port or (443 if https else 8000), https
        if self.chroma_host:
            return self.chroma_host, self.chroma_port, False
        return None

    @property
    def feedback_path(self) -> Path:
        return self.index_dir / "feedback.jsonl"

    @property
    def uploads_dir(self) -> Path:
        return self.index_dir / "uploads"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def lexical_path(self) -> Path:
        return self.index_dir / "lexical.sqlite3"

    def fusion_dense_weight(self, second: bool) -> float:
        """The dense ranking's weight in hybrid fusion, with (``second``) or without the second
        ranking: ``dense_weight`` when set, else the best on SciFact's train split for each."""
        if self.dense_weight is not None:
            return self.dense_weight
        return DENSE_WEIGHT_WITH_SECOND if second else DENSE_WEIGHT_TWO_WAY

    @property
    def sentence_vectors_path(self) -> Path:
        return self.index_dir / "sentence_vectors.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.index_dir / "chroma"

    def describe(self) -> dict[str, Any]:
        """Settings as plain values, secrets hidden."""
        data = self.model_dump(mode="json")
        for secret in ("pdf_password", "llm_api_key", "auth"):
            if data.get(secret):
                data[secret] = "***"
        return data


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("assistant")
    if table is None:
        return {} if not required else {k: v for k, v in data.items() if k != "tool"}
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.assistant] in {path} must be a table")
    return dict(table)
