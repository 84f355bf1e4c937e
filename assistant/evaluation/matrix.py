"""Several named configurations over one question set in one process: ``assistant eval SET
--matrix FILE``. The index and the embedding model are opened and loaded once; each
configuration runs on an :meth:`Assistant.variant` of the same assistant.

The matrix file::

    name: modes                      # optional
    configurations:
      - name: extractive-k8          # letters, digits, `.`, `_`, `-`; a folder of the output
        mode: extractive             # an answer mode (default: the setting answer_mode)
        k: 8                         # passages per question (default: answer_passages)
      - name: dense-only
        settings: {retrieval_mode: dense, refusal_threshold: 0.4}
      - name: llm
        mode: llm                    # reported as not run, with the reason, when it cannot run

``settings`` takes the retrieval and answer settings of :data:`MATRIX_SETTINGS`; settings that
decide what the index holds (embedding model, chunking) cannot vary within one index.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import AssistantError, EvalSetError
from assistant.evaluation.questions import read_yaml
from assistant.evaluation.runs import EvalRun, QuestionResult, QuestionSet, run_set
from assistant.records import K_MAX
from assistant.settings import Settings

#: Settings a configuration may set: retrieval and answering, not the index.
MATRIX_SETTINGS = frozenset({
    "retrieval_mode", "fusion", "rrf_k", "dense_weight", "second_weight", "candidates", "reranker",
    "refusal_threshold", "answer_sentences", "answer_embedding_model", "llm", "llm_base_url",
    "llm_temperature", "llm_timeout_s", "prompts_dir", "local_model", "local_context",
    "local_max_tokens", "answer_verifier", "verifier_sentences", "verifier_weight",
    "verifier_refuse_below",
})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Configuration:
    name: str
    mode: str | None = None
    k: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"mode {self.mode}" if self.mode else "", f"k {self.k}" if self.k else ""]
        parts += [f"{key} {value}" for key, value in sorted(self.settings.items())]
        return ", ".join(p for p in parts if p) or "the settings as given"


@dataclass
class MatrixEntry:
    """One configuration's outcome: its run, or why it was not run."""

    configuration: Configuration
    run: EvalRun | None = None
    not_run: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # the CLI's comparison, paths


def load_matrix(path: Path | str) -> tuple[str, list[Configuration]]:
    """Read and check a matrix file; every problem names the file and the configuration."""
    from assistant.answering.answerers import ANSWERERS

    path = Path(path)
    _, data = read_yaml(path, "matrix")
    items = data.get("configurations") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise EvalSetError(f"matrix {path} has no `configurations` list")
    configurations: list[Configuration] = []
    for number, item in enumerate(items, 1):
        where = f"matrix {path}, configuration {number}"
        if not isinstance(item, dict):
            raise EvalSetError(f"{where}: expected a mapping, got {item!r:.60}")
        name = str(item.get("name") or "")
        if not _NAME.match(name):
            raise EvalSetError(f"{where}: `name` must be 1-64 letters, digits, `.`, `_` or `-` "
                               f"(it names the configuration's output folder); got {name!r}")
        where = f"matrix {path}, configuration {name}"
        if any(c.name == name for c in configurations):
            raise EvalSetError(f"{where}: the name is used twice")
        unknown = set(item) - {"name", "mode", "k", "settings"}
        if unknown:
            raise EvalSetError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; a "
                               "configuration has name, mode, k and settings")
        mode = item.get("mode")
        if mode is not None and mode not in ANSWERERS:
            raise EvalSetError(f"{where}: `mode` must be one of {', '.join(ANSWERERS)}; "
                               f"got {mode!r}")
        k = item.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool)
                              or not 1 <= k <= K_MAX):
            raise EvalSetError(f"{where}: `k` must be a whole number from 1 to {K_MAX}; "
                               f"got {k!r}")
        overrides = item.get("settings") or {}
        if not isinstance(overrides, dict):
            raise EvalSetError(f"{where}: `settings` must be a mapping of setting: value")
        outside = set(overrides) - MATRIX_SETTINGS
        if outside:
            raise EvalSetError(
                f"{where}: setting(s) {', '.join(sorted(outside))} cannot vary in a matrix "
                f"(they are not answer or retrieval settings, or they decide what the index "
                f"holds); allowed: {', '.join(sorted(MATRIX_SETTINGS))}"
            )
        try:
            Settings(**overrides)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors())
            raise EvalSetError(f"{where}: {problems}") from exc
        configurations.append(Configuration(name, mode, k, dict(overrides)))
    title = data.get("name") if isinstance(data, dict) else None
    return str(title or path.stem), configurations


def run_matrix(
    assistant: Any,
    qset: QuestionSet,
    configurations: list[Configuration],
    *,
    cache_dir: Path | None = None,
    progress: Callable[[Configuration], Callable[[QuestionResult], None] | None] | None = None,
) -> list[MatrixEntry]:
    """Run every configuration on variants of ``assistant``. One that cannot run here (no
    remote model configured, the local runtime missing, a server that does not answer) is
    reported as not run with the reason; the others go on."""
    entries = []
    for configuration in configurations:
        entry = MatrixEntry(configuration)
        entries.append(entry)
        try:
            base = assistant.settings
            if ("answer_embedding_model" in configuration.settings
                    and "refusal_threshold" not in configuration.settings):
                # the other answer model brings its calibrated threshold
                base = base.with_answer_model(configuration.settings["answer_embedding_model"])
            settings = Settings.model_validate({**base.model_dump(), **configuration.settings})
            variant = assistant.variant(settings)
        except (AssistantError, ValidationError) as exc:
            entry.not_run = str(exc)
            continue
        try:
            variant.answers.answerer(configuration.mode)  # ConfigError when it cannot run here
            entry.run = run_set(variant, qset, mode=configuration.mode, k=configuration.k,
                                cache_dir=cache_dir,
                                progress=progress(configuration) if progress else None)
            entry.run.meta["configuration"] = configuration.name
        except AssistantError as exc:
            entry.not_run = str(exc)
        finally:
            variant.close_variant()
    return entries
