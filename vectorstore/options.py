"""The values the embedding settings accept, apart from the embedders themselves: reading the
settings then loads no model code (numpy included). :mod:`vectorstore.embedders` holds the
registry these names come from; a test keeps the two equal."""

from __future__ import annotations

#: ``auto``, then the embedder backends in the order ``auto`` tries them.
EMBEDDER_BACKENDS: tuple[str, ...] = ("auto", "native", "sentence-transformers")
#: The native backend's precisions.
EMBEDDING_PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16")
