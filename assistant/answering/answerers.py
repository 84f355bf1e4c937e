"""Answerers: what writes the draft answer from the evidence, and the registry of them.

The pipeline (:mod:`assistant.answering.pipeline`) does the same steps for every answerer:
make the question standalone, retrieve, score the evidence, refuse or draft, check the
citations. Only two steps belong to the answerer: rewriting a follow-up and writing the draft.
A new answer mode is one module with a class that fills :class:`Answerer`, plus one
:class:`AnswererSpec` line in :data:`ANSWERERS`; the settings, the CLI's ``--mode`` choices,
the REST schema and the chat page's choices are read from that registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from assistant.errors import ConfigError, registered

if TYPE_CHECKING:  # the registry is read by the CLI's parser: answering is imported on use
    from assistant.answering.evidence import Evidence
    from assistant.records import Passage, Turn
    from assistant.settings import Settings


class Answerer(Protocol):
    """Writes draft answers whose sentences cite passages as ``[n]``."""

    #: Whether the draft's pieces are worth showing as they come (a model writing tokens).
    streams: bool

    def condense(self, question: str, history: Sequence[Turn], reference: str = "") -> str:
        """``question`` made standalone with the earlier turns; ``reference``: the words that
        named the report the conversation is about, when the pipeline found one."""
        ...

    def draft(
        self, question: str, evidence: Evidence, passages: Sequence[Passage]
    ) -> Iterator[str]:
        """The draft answer, in pieces (one piece when it is not written token by token)."""
        ...

    def declined(self, draft: str) -> bool:
        """Did the draft itself say that the passages do not answer the question?"""
        ...


class Extractive:
    """The default answerer: quotes the best passage sentences; no language model."""

    streams = False

    def __init__(self, settings: Settings):
        from assistant.answering.extractive import ExtractiveAnswerer, ExtractiveOptions

        self.selector = ExtractiveAnswerer(
            ExtractiveOptions(max_sentences=settings.answer_sentences)
        )

    def condense(self, question: str, history: Sequence[Turn], reference: str = "") -> str:
        from assistant.answering.followup import condense

        return condense(question, history, reference)

    def draft(
        self, question: str, evidence: Evidence, passages: Sequence[Passage]
    ) -> Iterator[str]:
        yield self.selector.draft(question, evidence, passages)

    def declined(self, draft: str) -> bool:
        return False


def _llm(settings: Settings, chat_model: Any) -> Answerer:
    from assistant.answering.llm import LLMAnswerer, build_chat_model
    from assistant.answering.prompts import Prompts

    model = chat_model if chat_model is not None else build_chat_model(settings)
    return LLMAnswerer(
        model, Prompts.load(settings.prompts_dir), settings.llm or type(model).__name__
    )


def _llm_missing(settings: Settings, chat_model: Any) -> str | None:
    if settings.llm or chat_model is not None:
        return None
    return (
        "LLM mode needs a chat model: set ASSISTANT_LLM (e.g. openai:MODEL with "
        "ASSISTANT_LLM_BASE_URL, or ollama:MODEL), or use --mode extractive"
    )


def _local(settings: Settings, _: Any) -> Answerer:
    from assistant.answering.local import build_local

    return build_local(settings)


def _local_missing(settings: Settings, _: Any) -> str | None:
    from assistant.answering.local_models import missing_reason

    return missing_reason(settings.local_model, settings.models_dir)


@dataclass(frozen=True)
class AnswererSpec:
    """One answer mode: how to build it and, when it cannot run, why not."""

    name: str
    description: str
    build: Callable[[Settings, Any], Answerer]  # (settings, injected chat model or None)
    missing: Callable[[Settings, Any], str | None] = lambda settings, chat_model: None


#: The answer modes by name.
ANSWERERS: dict[str, AnswererSpec] = {
    spec.name: spec
    for spec in (
        AnswererSpec("extractive", "quotes passage sentences; offline, no model",
                     lambda settings, _: Extractive(settings)),
        AnswererSpec("local", "a GGUF model run in process by llama.cpp writes the answer "
                     "(ASSISTANT_LOCAL_MODEL; `make local-llm` sets it up)",
                     _local, _local_missing),
        AnswererSpec("llm", "a LangChain chat model writes the answer (ASSISTANT_LLM)",
                     _llm, _llm_missing),
    )
}


def answer_modes(settings: Settings | None = None, chat_model: Any = None) -> list[str]:
    """The registered answer modes; with ``settings``, only those that can run with them."""
    if settings is None:
        return list(ANSWERERS)
    return [name for name, spec in ANSWERERS.items() if spec.missing(settings, chat_model) is None]


def answerer_spec(name: str) -> AnswererSpec:
    """The answer mode called ``name``, or a QueryError listing the known ones."""
    return registered(ANSWERERS, name, "mode")


def check_available(spec: AnswererSpec, settings: Settings, chat_model: Any) -> None:
    """Raise ConfigError when ``spec`` cannot run with these settings."""
    why = spec.missing(settings, chat_model)
    if why:
        raise ConfigError(why)
