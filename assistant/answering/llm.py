"""The optional LLM answer mode: any LangChain chat model through ``init_chat_model``.

``ASSISTANT_LLM`` names the model as ``provider:model`` (``openai:qwen2.5-7b-instruct`` with
``ASSISTANT_LLM_BASE_URL=http://127.0.0.1:8080/v1`` for vLLM, llama.cpp server or LM Studio;
``ollama:llama3.1``; a hosted API). The model writes a draft citing passages as ``[n]``; the
citation check then verifies it like an extractive draft.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answering.evidence import Evidence
from assistant.answering.followup import condense as rule_condense
from assistant.answering.prompts import REFUSAL, Prompts, fence_passages, format_history
from assistant.errors import AssistantError, ConfigError, LLMError
from assistant.records import Passage, Turn
from assistant.settings import Settings
from assistant.text import content_terms, markers


def build_chat_model(settings: Settings) -> Any:
    """The chat model ``settings.llm`` names, built with ``init_chat_model``."""
    if not settings.llm:
        raise ConfigError(
            "LLM mode needs a chat model: set ASSISTANT_LLM (e.g. openai:MODEL with "
            "ASSISTANT_LLM_BASE_URL for an OpenAI-compatible server, or ollama:MODEL)"
        )
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:  # pragma: no cover - langchain is a dependency
        raise ConfigError("LLM mode needs the `langchain` package: pip install langchain") from exc
    provider = settings.llm.split(":", 1)[0] if ":" in settings.llm else ""
    kwargs: dict[str, Any] = {"temperature": settings.llm_temperature}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    if settings.llm_api_key is not None:
        kwargs["api_key"] = settings.llm_api_key.get_secret_value()
    elif provider == "openai" and settings.llm_base_url:
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore the key
    if provider in ("openai", "anthropic", ""):
        kwargs["timeout"] = settings.llm_timeout_s
        kwargs["max_retries"] = 1
    try:
        return init_chat_model(settings.llm, **kwargs)
    except ImportError as exc:
        package = f"langchain-{provider}" if provider else "the provider's langchain package"
        raise ConfigError(
            f"ASSISTANT_LLM={settings.llm} needs {package}: pip install {package}"
        ) from exc
    except Exception as exc:  # the provider's own errors, e.g. openai's "Missing credentials"
        raise ConfigError(
            f"cannot build the chat model ASSISTANT_LLM={settings.llm}: {exc} (a hosted model "
            "needs its API key: ASSISTANT_LLM_API_KEY or the provider's variable)"
        ) from exc


class PromptedAnswerer:
    """An :class:`~assistant.answering.answerers.Answerer` that drafts with a language model
    and the prompt templates; subclasses say how one (system, user) exchange is run."""

    streams = True

    def __init__(self, prompts: Prompts, name: str):
        self.prompts = prompts
        self.name = name

    def exchange(self, system: str, user: str) -> Iterator[str]:
        """The model's reply to one system + user message, in pieces."""
        raise NotImplementedError

    def render_passages(self, evidence: Evidence | None, passages: Sequence[Passage]) -> str:
        """The passages as the prompt shows them (all of them, fenced, by default)."""
        return fence_passages(passages)

    def draft(
        self, question: str, evidence: Evidence | None, passages: Sequence[Passage]
    ) -> Iterator[str]:
        """The draft as the model writes it (one piece when the model does not stream)."""
        system = self.prompts.answer_system.substitute(refusal=REFUSAL)
        user = self.prompts.answer_user.substitute(
            passages=self.render_passages(evidence, passages), question=question
        )
        try:
            yield from self.exchange(system, user)
        except AssistantError:
            raise
        except Exception as exc:  # the runtime's own errors: name them and the model
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> LLMError:
        return LLMError(f"the chat model {self.name} failed: {type(exc).__name__}: {exc}")

    def declined(self, draft: str) -> bool:
        """The model said the passages do not answer, and cited nothing."""
        return is_refusal(draft) and not markers(draft)

    def condense(self, question: str, history: Sequence[Turn], reference: str = "") -> str:
        if not history:
            return question
        user = self.prompts.condense_user.substitute(
            history=format_history([(t.role, t.content) for t in history]), question=question,
        )
        try:
            reply = "".join(self.exchange(self.prompts.condense_system.substitute(), user))
        except AssistantError:
            raise
        except Exception as exc:
            raise self._failed(exc) from exc
        reply = reply.strip().strip('"').strip()
        reply = re.sub(r"^(standalone question|question)\s*:\s*", "", reply, flags=re.I)
        reply = reply.splitlines()[0].strip() if reply else ""
        if not keeps_question(reply, question, history):
            return rule_condense(question, history, reference)
        return reply


def keeps_question(rewrite: str, question: str, history: Sequence[Turn]) -> bool:
    """Is ``rewrite`` a rewrite of ``question``? It must keep most of the question's own content
    terms and not be an earlier question repeated (small models often return the previous
    question, which would answer the wrong thing)."""
    if not rewrite:
        return False
    squashed = " ".join(rewrite.lower().split())
    if any(" ".join(t.content.lower().split()) == squashed for t in history if t.role == "user"):
        return False
    own = set(content_terms(question))
    return not own or len(own & set(content_terms(rewrite))) / len(own) >= 0.5


class LLMAnswerer(PromptedAnswerer):
    """Drafts answers and condenses follow-ups with a LangChain chat model."""

    def __init__(self, model: Any, prompts: Prompts, name: str = "chat model"):
        super().__init__(prompts, name)
        self.model = model

    def exchange(self, system: str, user: str) -> Iterator[str]:
        from langchain_core.messages import HumanMessage, SystemMessage

        for chunk in self.model.stream([SystemMessage(system), HumanMessage(user)]):
            text = _text(chunk)
            if text:
                yield text


def is_refusal(text: str) -> bool:
    """Did the model say the passages do not answer the question?"""
    plain = " ".join(text.lower().split())
    return REFUSAL.lower().rstrip(".") in plain or bool(
        re.match(r"^(the (reports|passages) do(es)? not|i (cannot|can't|don't)|there is no)", plain)
    )


def _text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return str(content or "")
