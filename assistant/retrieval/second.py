"""A second dense ranking: the answer model's cosine between the query and every passage.

Hybrid search fuses FTS5 with the index's embedding model (all-MiniLM-L6-v2 by default: fast
to ingest, best on SciFact). On the evaluation reports the answer model (multilingual-e5-small)
finds the passage that holds the answer more often, so its ranking is fused in as a third one
(docs/answers.md, "A second dense ranking"). Its passage vectors are made at ingest, kept
beside the index in the sentence-vector store (keyed by the model, marked as passages, and the
SHA-1 of the text embedded, so an entry never goes stale), and searched by brute force: a
matrix product over the chunks of the catalogued documents, which takes about a millisecond for
the default corpus and is linear in the chunks.

A passage whose vector is not kept (an index ingested before this ranking, a store that cannot
be written) is embedded when it is first searched, once per process. Where the model cannot be
loaded (not fetched), a warning says so once and search goes on with the two other rankings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from vectorstore import EmbeddingModelError, Hit

if TYPE_CHECKING:
    from ingest.records import Chunk
    from vectorstore import DocumentRecord, Embedder
    from vectorstore.sentence_store import SentenceVectorStore

log = logging.getLogger(__name__)

#: The store's model key for passage vectors: a passage and a sentence with the same text are
#: embedded alike, but passages are kept apart so that counts and fills stay per kind.
PASSAGES = "{model}#passages"
#: Sets of searched documents whose side-by-side matrix is kept (all of them, and the reports
#: questions name most).
STACKS_KEPT = 8


class SecondRanking:
    """Ranks every chunk of the allowed documents by the answer model's cosine."""

    def __init__(
        self,
        embedder: Embedder,
        doc_chunks: Callable[[str], list[Chunk]],
        store: SentenceVectorStore | None = None,
        passage_embedder: Embedder | None = None,
    ):
        self.embedder = embedder  # embeds queries
        # embeds passages: the same model, at the precision an ingest gets (bf16 where the CPU
        # runs it fast), since passages come in an ingest's large batches
        self.passage_embedder = passage_embedder or embedder
        self.doc_chunks = doc_chunks  # a document's chunks, read from the index
        self.store = store
        self._docs: dict[str, tuple[list[Chunk], np.ndarray]] = {}
        # the allowed documents' chunks and vectors side by side, per set of documents searched
        # (every document, one report, ...): built once, not at every search
        self._stacked: dict[tuple[str, ...], tuple[list[Chunk], np.ndarray]] = {}
        self._lock = threading.Lock()
        self.unavailable: str | None = None  # why the model cannot be used, once it failed

    def keep(self, chunks: Sequence[Chunk]) -> None:
        """Embed and keep the vectors of newly written chunks (called at ingest), all of an
        ingest's group in one call: the embedder sorts them by length across documents, so a
        corpus of short documents (SciFact's abstracts, 2-3 chunks each) gets full batches.
        A vector made later for a missing entry, in other batches, may differ from the one an
        ingest would have kept in its last bits (bf16 sums in another order): cosine >= 0.999."""
        try:
            self._vectors(sorted(chunks, key=lambda c: (c.doc_id, c.position)))
        except EmbeddingModelError as exc:
            self._failed(exc)

    def ranking(
        self, query_vector: np.ndarray, depth: int, records: Sequence[DocumentRecord],
        allowed: Sequence[str],
    ) -> list[Hit]:
        """The ``depth`` best chunks of the documents ``allowed`` (doc ids), best first, each
        with its cosine to ``query_vector`` (the answer model's embedding of the query); empty
        when the model cannot be loaded."""
        if self.unavailable is not None:
            return []
        try:
            self._sync(records)
        except EmbeddingModelError as exc:
            self._failed(exc)
            return []
        chunks, matrix = self._side_by_side(tuple(allowed))
        if not chunks:
            return []
        cosine = matrix @ np.asarray(query_vector, dtype=np.float32)
        top = min(depth, len(chunks))
        best = np.argpartition(-cosine, top - 1)[:top]
        order = best[np.lexsort((best, -cosine[best]))]  # ties: document order
        return [Hit(chunks[i], float(cosine[i])) for i in order]

    def query_vector(self, query: str) -> np.ndarray | None:
        """The query by this ranking's model; None when the model cannot be loaded."""
        if self.unavailable is not None:
            return None
        try:
            return self.embedder.embed_query(query)
        except EmbeddingModelError as exc:
            self._failed(exc)
            return None

    def _failed(self, exc: EmbeddingModelError) -> None:
        if self.unavailable is None:
            log.warning("the second ranking is off in this process: %s; hybrid search uses "
                        "the dense and lexical rankings alone", exc)
        self.unavailable = str(exc)

    def _side_by_side(self, allowed: tuple[str, ...]) -> tuple[list[Chunk], np.ndarray]:
        """The chunks of the documents ``allowed`` and their vectors in one matrix, kept for
        the last :data:`STACKS_KEPT` sets of documents."""
        with self._lock:
            stacked = self._stacked.get(allowed)
            if stacked is None:
                groups = [self._docs[doc_id] for doc_id in allowed if doc_id in self._docs]
                stacked = (
                    [c for group, _ in groups for c in group],
                    np.vstack([m for _, m in groups]) if groups
                    else np.zeros((0, self.passage_embedder.dimension), dtype=np.float32),
                )
                self._stacked[allowed] = stacked
                while len(self._stacked) > STACKS_KEPT:
                    self._stacked.pop(next(iter(self._stacked)))
        return stacked

    def _sync(self, records: Sequence[DocumentRecord]) -> None:
        """Load the vectors of catalogued documents not loaded yet; forget the others."""
        wanted = {r.doc_id for r in records}
        with self._lock:
            gone = set(self._docs) - wanted
            for doc_id in gone:
                del self._docs[doc_id]
            missing = [doc_id for doc_id in wanted if doc_id not in self._docs]
            if gone or missing:
                self._stacked.clear()
        for doc_id in sorted(missing):
            chunks = sorted(self.doc_chunks(doc_id), key=lambda c: c.position)
            vectors = (
                self._vectors(chunks) if chunks
                else np.zeros((0, self.passage_embedder.dimension), dtype=np.float32)
            )
            with self._lock:
                self._docs[doc_id] = (chunks, vectors)
                self._stacked.clear()

    def _vectors(self, chunks: list[Chunk]) -> np.ndarray:
        texts = [c.embedding_text() for c in chunks]
        kept = self.store.get(texts, self.passage_embedder.dimension) if self.store else {}
        todo = [i for i in range(len(texts)) if i not in kept]
        if todo:
            if self.store is None or not self.store.available:
                log.info("embedding %d passages with %s for the second ranking",
                         len(todo), self.passage_embedder.name)
            made = self.passage_embedder.embed_documents([texts[i] for i in todo])
            kept.update(zip(todo, made, strict=True))
            if self.store is not None:
                self.store.put([(texts[i], kept[i]) for i in todo])
        return np.vstack([np.asarray(kept[i], dtype=np.float32) for i in range(len(texts))])
