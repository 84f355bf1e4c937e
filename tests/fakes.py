"""Fakes at the model boundary, for tests about plumbing (not about what the model finds)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from vectorstore import Embedder


class HashEmbedder(Embedder):
    """A deterministic stand-in for the embedding model: each text's vector is drawn from a
    generator seeded with the sha256 of the text, then scaled to unit length.

    The same text always gets the same vector (across runs and processes); different texts get
    unrelated ones, so nothing about meaning can be tested with it. Tokens are counted as
    whitespace words (the base class's rule), which the chunker accepts as any other counter.
    ``embedded`` counts the texts embedded, as the real embedders' counter does.
    """

    def __init__(self, dimension: int = 384):
        self.dimension = dimension
        self.name = f"hash-embedder-{dimension}"
        self.embedded = 0

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(self.dimension)
            vectors[row] = vector / np.linalg.norm(vector)
        self.embedded += len(texts)
        return vectors
