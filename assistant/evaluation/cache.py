"""The answer cache of ``assistant eval``: an unchanged configuration is not re-answered.

An entry is keyed by everything that decides an answer:
- the question and its history;
- the settings that shape an answer (:func:`settings_fingerprint`: answer mode, k, retrieval,
  fusion, refusal threshold, model names, ...; not paths, ports or secrets), with the content of
  a prompts folder given in the settings and the size and time of a local model given by path;
- the index's content (:func:`index_fingerprint`: every chunk id, which hashes the document,
  the chunk's position and its text, and the embedding model);
- the code (:func:`code_version`: a hash of every source file of the ``assistant``, ``ingest``
  and ``vectorstore`` packages and of the prompt templates, plus the versions of the libraries
  that compute embeddings and answers). An edit anywhere in that code, committed or not,
  changes the key: no git needed and no way to be fooled by a dirty tree.

What is stored is the answer record with its latencies, not the score: the score is recomputed
from the set's current expectations, so editing a question's keywords never reads a stale
verdict. One JSON file per entry, written atomically (temporary file + rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.records import Answer, Citation, Passage, Removal
from assistant.settings import Settings

#: The default cache folder (relative to the working directory; ``make clean`` removes it).
DEFAULT_DIR = Path("build") / "eval" / "cache"
#: Settings that do not change an answer: where things live, how the app serves, secrets.
_NOT_ANSWER_SETTINGS = frozenset({
    "index_dir", "reports_dir", "pdf_password", "max_file_mb", "chroma_url",
    "catalog_refresh_s", "chroma_host", "chroma_port", "llm_api_key", "models_dir",
    "local_threads", "local_queue", "host", "port", "auth", "max_concurrent",
    "refusal_threshold_set", "top_k", "cli_server", "cli_server_idle_s",
    "keep_sentence_vectors", "fill_sentence_vectors", "ingest_helper_process",
})
_LIBRARIES = ("numpy", "torch", "transformers", "sentence-transformers", "onnxruntime",
              "chromadb", "llama_cpp_python", "langchain-core")
_PACKAGES = ("assistant", "ingest", "vectorstore")


def digest(value: Any) -> str:
    """The sha256 of ``value`` as canonical JSON (sorted keys): cache keys and fingerprints."""
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


def answer_settings(settings: Settings, mode: str | None, k: int | None) -> dict[str, Any]:
    """The settings that decide an answer, with the run's mode and k in force."""
    values = settings.model_dump(mode="json", exclude=set(_NOT_ANSWER_SETTINGS))
    values["answer_mode"] = mode or settings.answer_mode
    values["answer_passages"] = k or settings.answer_passages
    if settings.prompts_dir is not None:  # templates outside the code: their content counts
        values["prompts_sha256"] = _files_digest(sorted(
            p for p in Path(settings.prompts_dir).rglob("*") if p.is_file()))
    model = Path(settings.local_model).expanduser()
    if model.suffix == ".gguf" and model.is_file():  # a model given by path, not pinned
        stat = model.stat()
        values["local_model_file"] = [stat.st_size, stat.st_mtime_ns]
    return values


def _files_digest(files: list[Path], root: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(root) if root and path.is_relative_to(root) else path
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def settings_fingerprint(settings: Settings, mode: str | None, k: int | None) -> str:
    return digest(answer_settings(settings, mode, k))[:16]


def index_fingerprint(assistant: Any) -> str:
    """A hash of every chunk id in the index (each a hash of document, position and text) and
    of the embedding model: equal for two indexes built from the same files the same way."""
    ids = sorted(assistant.index.dense.chunk_ids())
    settings = assistant.settings
    return digest([ids, settings.embedding_model, settings.embedding_backend,
                    settings.embedding_precision])[:16]


@cache
def code_version() -> str:
    """A hash of the source that answers questions and of the libraries it runs on."""
    from assistant.answering.prompts import default_prompts_dir

    root = Path(__file__).resolve().parents[2]
    files = [p for package in _PACKAGES for p in sorted((root / package).rglob("*.py"))]
    files += sorted(p for p in default_prompts_dir().rglob("*") if p.is_file())
    versions: dict[str, str | None] = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return digest([_files_digest(files, root), list(sys.version_info[:3]), versions])[:16]


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """The :class:`Answer` that :meth:`Answer.to_dict` wrote."""
    citations = tuple(
        Citation(**{**c, "quotes": tuple(c["quotes"]),
                    "spans": tuple(tuple(s) for s in c["spans"])})
        for c in data["citations"]
    )
    return Answer(
        question=data["question"], standalone_question=data["standalone_question"],
        answer=data["answer"], answerable=data["answerable"], mode=data["mode"],
        citations=citations, passages=tuple(Passage(**p) for p in data["passages"]),
        evidence=data["evidence"], threshold=data["threshold"],
        removed=tuple(Removal(**r) for r in data["removed"]), timings_ms=data["timings_ms"],
    )


class AnswerCache:
    """Answers on disk under ``folder``, keyed as the module says; counts hits and misses."""

    def __init__(self, folder: Path, settings_key: str, index_key: str):
        self.folder = Path(folder)
        self.scope = {"settings": settings_key, "index": index_key, "code": code_version()}
        self.hits = 0
        self.misses = 0

    def key(self, question: str, history: tuple[str, ...]) -> str:
        return digest({**self.scope, "question": question, "history": list(history)})

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, question: str, history: tuple[str, ...]) -> dict[str, Any] | None:
        """The stored entry (``answer``, ``answer_ms``, ``first_token_ms``) or None."""
        path = self._path(self.key(question, history))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            entry = None
        except (OSError, ValueError) as exc:  # a damaged entry is re-answered, and said so
            print(f"warning: answer cache entry {path} unreadable ({exc}); answering again",
                  file=sys.stderr)
            entry = None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, question: str, history: tuple[str, ...], answer: Answer, answer_ms: float,
            first_token_ms: float | None) -> None:
        path = self._path(self.key(question, history))
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({
            "answer": answer.to_dict(), "answer_ms": answer_ms, "first_token_ms": first_token_ms,
        }, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)

    def counters(self) -> dict[str, Any]:
        return {"dir": str(self.folder), "hits": self.hits, "misses": self.misses,
                **{f"{k}_key": v for k, v in self.scope.items()}}
