"""Prompt templates from the ``prompts/`` folder, checked for their placeholders at load."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from assistant.errors import ConfigError
from assistant.records import Passage, page_range

#: The one sentence an answer says when the reports do not cover the question.
REFUSAL = "The reports do not answer this question."
#: A follow-up asked with no conversation before it ("and who evaluated it?").
NO_CONTEXT = (
    "This reads as a follow-up, but there is no earlier question to say what it refers to. "
    "Ask it again with the report or the topic named, for example \"Who evaluated the LMPP "
    "project?\""
)


def filtered_out_text(scope: Any) -> str:
    """The refusal when the filters leave out every report the question names."""
    names = "; ".join(scope.titles)
    return (
        f"The question is about {names}, which the current filters leave out. "
        "Clear the report or year filters, or add that report, and ask again."
    )

_REQUIRED = {
    "answer_system.md": {"refusal"},
    "answer_user.md": {"passages", "question"},
    "condense_system.md": set(),
    "condense_user.md": {"history", "question"},
}
#: The sentence check's templates (:mod:`.verify`): a folder made for the answer modes before
#: they existed need not have them; the default folder's are used then.
_OPTIONAL = {
    "verify_system.md": set(),
    "verify_user.md": {"question", "report", "sentence"},
}


def default_prompts_dir() -> Path:
    """The ``prompts/`` folder beside the packages."""
    return Path(__file__).resolve().parents[2] / "prompts"


@dataclass(frozen=True)
class Prompts:
    answer_system: Template
    answer_user: Template
    condense_system: Template
    condense_user: Template
    verify_system: Template
    verify_user: Template

    @classmethod
    def load(cls, folder: Path | None = None) -> Prompts:
        folder = Path(folder) if folder else default_prompts_dir()
        templates = {
            name.removesuffix(".md"): _template(folder / name, needed)
            for name, needed in _REQUIRED.items()
        }
        for name, needed in _OPTIONAL.items():
            path = folder / name
            if not path.exists():
                path = default_prompts_dir() / name
            templates[name.removesuffix(".md")] = _template(path, needed)
        return cls(**templates)


def _template(path: Path, needed: set[str]) -> Template:
    """The template in ``path``; ConfigError naming the file when it cannot be read or lacks
    one of the ``needed`` placeholders."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"prompt template {path} cannot be read ({exc.strerror or exc}); "
            "set ASSISTANT_PROMPTS_DIR to a folder holding " + ", ".join(_REQUIRED)
        ) from exc
    template = Template(text)
    if not template.is_valid():
        raise ConfigError(f"prompt template {path} has a bad placeholder; write $$ for $")
    found = set(template.get_identifiers())
    if needed - found:
        raise ConfigError(
            f"prompt template {path} lacks " + ", ".join(f"${n}" for n in sorted(needed - found))
        )
    return template


def fence_passages(passages: Sequence[Passage], numbers: Sequence[int] = ()) -> str:
    """Passages as numbered, quoted data: ``<passage n="1" ...>text</passage>`` (``numbers``:
    each passage's number when they are not 1, 2, ...).

    The text is HTML-escaped, so a passage cannot close its own fence or open a new one, and
    attribute values are quoted the same way.
    """
    blocks = []
    for number, p in zip(numbers or range(1, len(passages) + 1), passages, strict=True):
        attrs = {
            "n": str(number),
            "report": p.title,
            "year": str(p.year or ""),
            "page": page_range(p.page, p.page_end),
            "section": p.section,
        }
        head = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items() if v)
        body = html.escape(p.text, quote=False)
        blocks.append(f"<passage {head}>\n{body}\n</passage>")
    return "\n\n".join(blocks)


def format_history(turns: Sequence[tuple[str, str]], limit: int = 6) -> str:
    lines = []
    for role, content in list(turns)[-limit:]:
        content = re.sub(r"\s+", " ", content).strip()
        lines.append(f"{'User' if role == 'user' else 'Assistant'}: {content[:1500]}")
    return "\n".join(lines)
