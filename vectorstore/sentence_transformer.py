"""Any sentence-transformers model, run by sentence-transformers, read from local files only.

The packaged default (and any model folder) is loaded from its folder. A hub model name is
resolved to its snapshot folder in the local Hugging Face cache first (:func:`cached_model_folder`)
and loaded from there: handing sentence-transformers the bare name, even with
``local_files_only=True``, lets huggingface_hub ask the Hub for metadata. Nothing is downloaded,
and loading changes no environment variable.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.embedder import DEFAULT_MODEL, LocalModelEmbedder
from vectorstore.errors import EmbeddingModelError


def cached_model_folder(name: str) -> Path | None:
    """The snapshot folder of hub model ``name`` in the local Hugging Face cache, or None.

    Reads the cache only. A name without an organisation is tried as
    ``sentence-transformers/<name>`` first, as sentence-transformers does; the cache is the one
    sentence-transformers would use (``SENTENCE_TRANSFORMERS_HOME`` when set, else the Hub's).
    """
    from huggingface_hub import snapshot_download

    cache_dir = os.environ.get("SENTENCE_TRANSFORMERS_HOME")  # read, as sentence-transformers does
    candidates = [name] if "/" in name else [f"sentence-transformers/{name}", name]
    for repo_id in candidates:
        try:
            return Path(snapshot_download(repo_id, cache_dir=cache_dir, local_files_only=True))
        except (OSError, ValueError):  # not cached (LocalEntryNotFoundError), or not a repo id
            continue
    return None


class SentenceTransformerEmbedder(LocalModelEmbedder):
    """Any sentence-transformers model, run by sentence-transformers (fp32)."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        verify_weights: bool = True,
    ):
        super().__init__(model, batch_size=batch_size, verify_weights=verify_weights)
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is not None:
                return self._model
            path = self.model_path() or cached_model_folder(self.model_spec)
            if path is None:
                raise EmbeddingModelError(
                    f"cannot load embedding model '{self.model_spec}' offline (it is neither a "
                    "folder nor in the local Hugging Face cache); give a local model folder in "
                    "ASSISTANT_EMBEDDING_MODEL"
                )
            self.verify()
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                model = SentenceTransformer(
                    str(path),
                    device=self.device,
                    local_files_only=True,
                )
            except (OSError, ValueError) as exc:
                raise EmbeddingModelError(
                    f"cannot load embedding model '{self.model_spec}' offline ({exc}); give a "
                    "local model folder in ASSISTANT_EMBEDDING_MODEL"
                ) from exc
            get_dimension = getattr(model, "get_embedding_dimension", None)
            if get_dimension is None:  # sentence-transformers < 5.2
                get_dimension = model.get_sentence_embedding_dimension
            self.dimension = int(get_dimension() or 0)
            self.max_tokens = int(model.max_seq_length or self.max_tokens)
            self._model = model
            self.loads += 1
            return model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors of ``texts``, in their order."""
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.embedded += len(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if not len(texts):  # encode([]) gives shape (0,): keep the promised (0, dimension)
            dimension = getattr(model, "get_embedding_dimension", None) or (
                model.get_sentence_embedding_dimension
            )
            width = dimension() or 0
            return vectors.reshape(0, width)
        return vectors

    def _hf_tokenizer(self) -> Any:
        return self._load().tokenizer
