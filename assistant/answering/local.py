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

import atexit
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
        self._chat_format: Any = None

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def close(self, wait: bool = True) -> None:
        """Free the model, if loaded (the next use loads it again). ``wait=False``: leave it
        loaded, rather than wait, while a generation runs (at exit, in a daemon thread)."""
        if not self._run_lock.acquire(blocking=wait):
            return
        try:
            with self._load_lock:
                llama, self._llama = self._llama, None
        finally:
            self._run_lock.release()
        if llama is not None:
            llama.close()

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

    def _turn(self) -> None:
        """Wait for the model (holding ``_run_lock`` on return), or raise ModelBusy when
        ``max_waiting`` calls are already queued."""
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

    def yes_odds(self, conversations: Sequence[list[dict[str, str]]]) -> list[float]:
        """For each conversation, the log-odds that the model's reply starts with "yes"
        rather than "no" (both capitalisations): a forward pass over the prompt, no
        generation. The opening that the conversations share (the system prompt and the
        question) is evaluated once; each one's own end is evaluated after it. Nothing is
        reused from earlier calls, so the same conversations always get the same odds."""
        import numpy as np

        if not conversations:
            return []
        self._turn()
        try:
            llama = self.model()
            formatter = self._formatter(llama)
            yes = [self._first_token(llama, w) for w in ("yes", "Yes")]
            no = [self._first_token(llama, w) for w in ("no", "No")]
            prompts = [
                llama.tokenize(formatter(messages=m).prompt.encode(), add_bos=False,
                               special=True)
                for m in conversations
            ]
            shared = min(len(t) for t in prompts) - 1  # each keeps a token of its own
            for tokens in prompts[1:]:
                shared = next(
                    (i for i in range(shared) if tokens[i] != prompts[0][i]), shared
                )
            llama.reset()
            llama.eval(prompts[0][:shared])
            odds = []
            for tokens in prompts:
                llama.n_tokens = shared  # eval() drops what the cache holds after this
                llama.eval(tokens[shared:])
                logits = np.ctypeslib.as_array(
                    llama._ctx.get_logits(), shape=(llama.n_vocab(),)
                )
                odds.append(float(np.logaddexp.reduce(logits[yes])
                                  - np.logaddexp.reduce(logits[no])))
            return odds
        finally:
            self._run_lock.release()

    def _formatter(self, llama: Any) -> Any:
        """The model's own chat template (from the GGUF file), to write prompts with."""
        if self._chat_format is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            template = llama.metadata.get("tokenizer.chat_template")
            if not template:
                raise LLMError(f"the local model {self.options.path.name} has no chat template")
            eos = llama.detokenize([llama.token_eos()]).decode(errors="replace")
            bos = llama.detokenize([llama.token_bos()]).decode(errors="replace")
            self._chat_format = Jinja2ChatFormatter(template, eos, bos)
        return self._chat_format

    @staticmethod
    def _first_token(llama: Any, word: str) -> int:
        return int(llama.tokenize(word.encode(), add_bos=False, special=False)[0])

    def chat(
        self, messages: list[dict[str, str]], max_tokens: int, temperature: float = 0.0
    ) -> Iterator[str]:
        """Stream the model's reply to ``messages``; waits its turn, or raises ModelBusy when
        ``max_waiting`` generations are already queued."""
        self._turn()
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


@atexit.register
def close_runtimes() -> None:
    """Free every loaded model while the interpreter still runs: left to ``Llama.__del__`` at
    shutdown, llama.cpp's own helpers are already gone ("TypeError: 'NoneType' object is not
    callable" after every run that loaded one)."""
    with _RUNTIMES_LOCK:
        runtimes = list(_RUNTIMES.values())
    for runtime in runtimes:
        runtime.close(wait=False)


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
