"""The local answer mode: a GGUF model run in this process by llama.cpp (llama-cpp-python).

One model instance per process and model file, loaded on first use; generations run one at a
time (llama.cpp's context is not shared between threads) behind a bounded queue, so a busy
server answers "busy" instead of piling up work. The prompt is the answer templates of
``prompts/`` with the passages cut down to the sentences the evidence scorer ranked best: on
two CPU cores the prompt, not the writing, is most of the time. The fixed system prompt stays in
llama.cpp's cache between questions (the runtime reuses the longest common prefix).

Small models seldom write ``[n]``; the citation check attaches each sentence to the passage that
supports it (:mod:`assistant.answering.citations`), so nothing depends on the markers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answering.evidence import Evidence
from assistant.answering.llm import PromptedAnswerer
from assistant.answering.local_models import model_path
from assistant.answering.prompts import Prompts, fence_passages
from assistant.errors import LLMError, ModelBusy
from assistant.records import Passage
from assistant.settings import Settings

#: Sentences of the best evidence shown to the model, and passages they may come from.
PROMPT_SENTENCES = 10
PROMPT_PASSAGES = 5


def cpu_threads() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class RuntimeOptions:
    path: Path
    threads: int
    context: int  # 0: the model's own training context
    max_waiting: int


class LocalRuntime:
    """One llama.cpp model instance: loaded on first use, one generation at a time."""

    def __init__(self, options: RuntimeOptions):
        self.options = options
        self._llama: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._state = threading.Lock()
        self._waiting = 0

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def model(self) -> Any:
        with self._load_lock:
            if self._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise LLMError(
                        "the local mode needs llama-cpp-python: run `make local-llm`"
                    ) from exc
                path = self.options.path
                if not path.is_file():
                    raise LLMError(f"the local model file {path} does not exist")
                try:
                    self._llama = Llama(
                        model_path=str(path), n_ctx=self.options.context,
                        n_threads=self.options.threads, n_threads_batch=self.options.threads,
                        n_batch=512, seed=0, verbose=False,
                    )
                except (ValueError, RuntimeError) as exc:
                    raise LLMError(
                        f"llama.cpp could not load {path} ({exc}); is it a GGUF model file?"
                    ) from exc
            return self._llama

    def chat(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float = 0.0
    ) -> Iterator[str]:
        """Stream the model's reply to ``messages``; waits its turn, or raises ModelBusy when
        ``max_waiting`` generations are already queued."""
        with self._state:
            if self._waiting >= self.options.max_waiting:
                raise ModelBusy(
                    f"the local model is busy ({self._waiting} questions waiting); "
                    "ask again in a moment"
                )
            self._waiting += 1
        try:
            self._run_lock.acquire()
        finally:
            with self._state:
                self._waiting -= 1
        try:
            llama = self.model()
            stream = llama.create_chat_completion(
                messages=messages, stream=True, temperature=temperature, top_k=1,
                max_tokens=max_tokens, seed=0,
            )
            for chunk in stream:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        finally:
            self._run_lock.release()


_RUNTIMES: dict[tuple[Path, int, int], LocalRuntime] = {}
_RUNTIMES_LOCK = threading.Lock()


def runtime_for(settings: Settings) -> LocalRuntime:
    """The process's runtime for the model ``settings.local_model`` names."""
    path = model_path(settings.local_model, settings.models_dir).resolve()
    threads = settings.local_threads or cpu_threads()
    key = (path, threads, settings.local_context)
    with _RUNTIMES_LOCK:
        if key not in _RUNTIMES:
            _RUNTIMES[key] = LocalRuntime(RuntimeOptions(
                path, threads, settings.local_context, settings.local_queue
            ))
        return _RUNTIMES[key]


class LocalAnswerer(PromptedAnswerer):
    """Drafts answers and condenses follow-ups with the in-process model."""

    def __init__(self, runtime: LocalRuntime, prompts: Prompts, name: str, max_tokens: int):
        super().__init__(prompts, name)
        self.runtime = runtime
        self.max_tokens = max_tokens

    def exchange(self, system: str, user: str) -> Iterator[str]:
        yield from self.runtime.chat(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            self.max_tokens,
        )

    def _failed(self, exc: Exception) -> LLMError:
        return LLMError(f"the local model {self.name} failed: {type(exc).__name__}: {exc}")

    def render_passages(self, evidence: Evidence | None, passages: Sequence[Passage]) -> str:
        """The passages cut to the best-scored sentences (in reading order, each passage keeping
        its number so a ``[n]`` the model writes still points at it)."""
        if evidence is None or not evidence.sentences:
            return fence_passages(passages[:3])
        chosen: dict[int, dict[int, str]] = {}  # passage index -> sentence number -> text
        for sentence in evidence.sentences:
            if len(chosen) >= PROMPT_PASSAGES and sentence.passage not in chosen:
                continue
            chosen.setdefault(sentence.passage, {})[sentence.sentence] = sentence.text
            if sum(len(s) for s in chosen.values()) >= PROMPT_SENTENCES:
                break
        blocks = [
            (index, " ".join(text for _, text in sorted(chosen[index].items())))
            for index in sorted(chosen)
        ]
        return fence_passages(
            [replace(passages[i], text=text) for i, text in blocks],
            numbers=[i + 1 for i, _ in blocks],
        )


def build_local(settings: Settings) -> LocalAnswerer:
    return LocalAnswerer(
        runtime_for(settings), Prompts.load(settings.prompts_dir),
        settings.local_model, settings.local_max_tokens,
    )
