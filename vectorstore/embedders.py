"""The embedder registry and factory: backend name -> how to build it.

A new embedder is one module (a subclass of :class:`~vectorstore.embedder.LocalModelEmbedder`
implementing ``embed_batch``) plus one line in :data:`EMBEDDERS`. :data:`EMBEDDER_BACKENDS` (the
registry's names and ``"auto"``) is what settings, the CLI and the page offer.

``"auto"`` takes the first backend, in registry order, that serves the model's local folder:
our own BERT forward pass for a mean-pooled BERT folder (the packaged default among them), else
sentence-transformers, which serves any model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vectorstore.bert import (
    PRECISIONS,
    BertEmbedder,
    is_mean_pooled_bert,
    precision_reason,
    resolve_precision,
)
from vectorstore.e5 import E5_NAMES
from vectorstore.embedder import DEFAULT_MODEL, LocalModelEmbedder, local_model_path
from vectorstore.errors import EmbeddingModelError
from vectorstore.sentence_transformer import SentenceTransformerEmbedder

AUTO = "auto"


@dataclass(frozen=True)
class EmbedderBackend:
    """One registry entry: ``build(model, precision)`` makes the embedder (loading nothing);
    ``serves(folder)`` says whether ``"auto"`` may pick it for a model in that local folder
    (``None`` when the model is a name, not a folder)."""

    build: Callable[[str, str], LocalModelEmbedder]
    serves: Callable[[Path | None], bool]


def _native(model: str, precision: str) -> LocalModelEmbedder:
    return BertEmbedder(model, precision=precision)


def _sentence_transformers(model: str, precision: str) -> LocalModelEmbedder:
    return SentenceTransformerEmbedder(model)  # runs in fp32: precision is the native one's


def _any_model(path: Path | None) -> bool:
    return True


#: Embedder backends by name, in the order ``"auto"`` tries them.
EMBEDDERS: dict[str, EmbedderBackend] = {
    "native": EmbedderBackend(_native, is_mean_pooled_bert),
    "sentence-transformers": EmbedderBackend(_sentence_transformers, _any_model),
}
#: The values the embedding-backend setting accepts.
EMBEDDER_BACKENDS: tuple[str, ...] = (AUTO, *EMBEDDERS)
#: The values the embedding-precision setting accepts (the native backend's).
EMBEDDING_PRECISIONS: tuple[str, ...] = PRECISIONS


def make_embedder(
    model: str = DEFAULT_MODEL, backend: str = AUTO, precision: str = "auto"
) -> LocalModelEmbedder:
    """The embedder for ``model`` from backend ``backend`` (see :data:`EMBEDDERS`); nothing is
    loaded until the first text is embedded. ``precision`` applies to the native backend only
    (sentence-transformers runs in fp32) but a bad value fails here whatever the backend."""
    if backend not in EMBEDDER_BACKENDS:
        raise EmbeddingModelError(
            f"embedding backend must be one of {', '.join(EMBEDDER_BACKENDS)}; got {backend!r}"
        )
    resolve_precision(precision)
    if backend != AUTO:
        return EMBEDDERS[backend].build(model, precision)
    if model in E5_NAMES:  # our own BERT pass serves it; unfetched, it says how to fetch
        return EMBEDDERS["native"].build(model, precision)
    try:
        path = local_model_path(model)
    except EmbeddingModelError:  # the package is missing: the embedder says so when used
        path = None
    for entry in EMBEDDERS.values():
        if entry.serves(path):
            return entry.build(model, precision)
    raise EmbeddingModelError(  # unreachable while a registered backend serves any model
        f"no embedding backend serves '{model}'; set ASSISTANT_EMBEDDING_BACKEND"
    )


def describe_embedder(
    model: str = DEFAULT_MODEL, backend: str = AUTO, precision: str = "auto",
    reason: str | None = None,
) -> str:
    """One line for ``assistant --version`` and ``assistant doctor``: the model, the backend
    that serves it, and the precision this CPU gets with the reason (nothing is loaded);
    ``reason``, when given, says why in place of the CPU's and the settings' reason."""
    try:
        path = local_model_path(model)
    except EmbeddingModelError:
        path = None
    if backend == AUTO:
        backend = "native" if model in E5_NAMES else next(
            (name for name, entry in EMBEDDERS.items() if entry.serves(path)),
            "sentence-transformers",
        )
    if backend != "native":
        return f"{model} · {backend} · fp32"
    line = f"{model} · native · {reason or precision_reason(precision)}"
    return line + ("; questions and answer sentences in fp32: numpy in a process of its own, "
                   "torch once a server has warmed up")


def answer_precision(precision: str) -> str:
    """The answer model's precision: fp32 unless one is set. It embeds only a question's few
    sentences, which run in fp32 in every process (:mod:`vectorstore.bert`): bf16 weights,
    which pay only for an ingest's large batches, would never be used."""
    return "fp32" if precision == "auto" else precision
