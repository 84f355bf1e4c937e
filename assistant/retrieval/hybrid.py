"""Hybrid retrieval: dense (Chroma) and lexical (FTS5) rankings, searched side by side, fused
(:mod:`assistant.retrieval.fusion`) and optionally reranked (:mod:`assistant.retrieval.rerank`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

import numpy as np

from assistant.errors import QueryError
from assistant.indexing import Index
from assistant.records import RETRIEVAL_MODES, Filters, Passage, SearchRequest
from assistant.retrieval.fusion import fuse
from assistant.retrieval.rerank import Reranker
from assistant.retrieval.second import SecondRanking
from assistant.settings import Settings
from assistant.text import KEY_VALUE
from ingest.records import Chunk
from vectorstore import Hit

MODES = RETRIEVAL_MODES
#: Label lines ("Donor: DFID") that make a passage a report's fact sheet.
FACT_LINES = 3
#: Reports whose fact sheets, and whose chunks, are kept in memory (the last asked for).
REPORTS_KEPT = 16
#: From this many chunks in the index, a hybrid search starts FTS5 before embedding the query
#: and embeds it on one core beside FTS5 (:meth:`HybridRetriever.rankings`). Hybrid p50 / p95,
#: query embedded first -> FTS5 first, on a 2-core AMD EPYC (interleaved, 378 searches each):
#: 526 chunks 17.2 / 22.9 -> 23.6 / 29.7 ms (FTS5 takes about a millisecond there, and the
#: one-core path is slower than torch's two), 21,188 chunks 34.4 / 50.3 -> 26.0 / 35.7 ms,
#: 106,055 chunks 46.5 / 66.1 -> 32.3 / 45.4 ms. The two cross near 9,000 chunks.
LEXICAL_FIRST_FROM = 10_000

T = TypeVar("T")


class HybridRetriever:
    """Searches the index; every passage comes from a document with a catalog record."""

    def __init__(
        self, index: Index, reranker: Reranker | None = None, settings: Settings | None = None,
        second: SecondRanking | None = None,
    ):
        self.index = index
        self.settings = settings or index.settings
        self.reranker = reranker
        self.second = second  # the answer model's ranking, fused as a third (hybrid only)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._fact_sheets: dict[str, tuple[list[Chunk], np.ndarray]] = {}
        self._chunks: dict[str, list[Chunk]] = {}
        self._reports_lock = threading.Lock()

    def search(
        self, request: SearchRequest, query_vector: np.ndarray | None = None,
        second_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """The best passages for ``request`` (``query_vector``: the query's embedding, when
        the caller has it already; ``second_vector``: the same by the second ranking's model)."""
        mode = request.retrieval_mode or self.settings.retrieval_mode
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        k = request.k or self.settings.top_k
        query = request.query
        depth = max(k, self.settings.candidates)
        dense, lexical, vector = self._rankings(query, depth, request.filters, mode,
                                                query_vector)
        third = (
            self.second_ranking(query, depth, request.filters, second_vector)
            if mode == "hybrid" else []
        )
        if mode == "hybrid":
            fused = fuse(
                dense, lexical, self.settings.fusion, self.settings.rrf_k,
                self.settings.fusion_dense_weight(bool(third)), third,
                self.settings.second_weight,
            )
        else:
            fused = [(h.chunk.chunk_id, h.score) for h in (dense or lexical)]
        by_id = {h.chunk.chunk_id: h for h in third}
        by_id.update({h.chunk.chunk_id: h for h in lexical})
        by_id.update({h.chunk.chunk_id: h for h in dense})
        dense_scores = {h.chunk.chunk_id: h.score for h in dense}
        lexical_scores = {h.chunk.chunk_id: h.score for h in lexical}
        keep = fused if self.reranker is not None else fused[:k]
        if third and vector is not None:
            # passages carry the index model's cosine (sentence scoring starts from it):
            # Chroma's, with the same vector, for those only the third ranking found
            missing = [i for i, _ in keep if i not in dense_scores]
            dense_scores.update(self.index.dense.similarities(vector, missing))
        passages = [
            to_passage(
                by_id[chunk_id].chunk, rank, score, dense_scores.get(chunk_id),
                lexical_scores.get(chunk_id),
            )
            for rank, (chunk_id, score) in enumerate(keep, 1)
        ]
        if self.reranker is not None:
            reordered = self.reranker.rerank(query, query_vector, passages)[:k]
            passages = [replace(p, rank=rank) for rank, p in enumerate(reordered, 1)]
        return passages

    def second_ranking(
        self, query: str, depth: int, filters: Filters | None = None,
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The second ranking (:mod:`assistant.retrieval.second`) of ``depth`` chunks, within
        ``filters``; empty when there is none or its weight is 0."""
        if self.second is None or self.settings.second_weight <= 0:
            return []
        filters = filters or Filters()
        records = self.index.documents()
        allowed = [r.doc_id for r in records if filters.accepts(r.source, r.year)]
        if not allowed:
            return []
        if vector is None:
            vector = self.second.query_vector(query)
            if vector is None:
                return []
        return self.second.ranking(vector, depth, records, allowed)

    def fact_sheets(self, source: str, query_vector: np.ndarray) -> list[Passage]:
        """The passages of report ``source`` that hold its fact sheet: title-page and summary
        boxes, where at least :data:`FACT_LINES` lines are labels ("Donor: DFID",
        "Evaluator: ..."). Questions for a name, a date or an amount are often answered there,
        and such lines are hard to find by similarity. Best first by cosine similarity with
        ``query_vector`` (the ``dense_score`` of each). The sheets are found once per document."""

        def sheets(doc_id: str) -> tuple[list[Chunk], np.ndarray]:
            chunks = [
                chunk for chunk in self.index.dense.doc_chunks(doc_id)
                if sum(bool(KEY_VALUE.match(line.strip())) for line in chunk.text.splitlines())
                >= FACT_LINES
            ]
            return chunks, self.index.dense.vectors([c.chunk_id for c in chunks])

        cached = self._per_report(source, self._fact_sheets, sheets)
        if cached is None:
            return []
        chunks, vectors = cached
        if not chunks:
            return []
        similarity = vectors @ query_vector
        order = np.argsort(-similarity)
        return [
            to_passage(chunks[i], rank, float(similarity[i]), float(similarity[i]), None)
            for rank, i in enumerate(order, 1)
        ]

    def report_chunks(self, source: str) -> list[Chunk]:
        """Every chunk of report ``source``, in document order (read once per document)."""
        return self._per_report(source, self._chunks, lambda doc_id: sorted(
            self.index.dense.doc_chunks(doc_id), key=lambda c: c.position
        )) or []

    def _per_report(self, source: str, store: dict[str, T], build: Callable[[str], T]) -> T | None:
        """What ``build`` makes of report ``source``'s document, kept in ``store`` (the last
        :data:`REPORTS_KEPT` documents); None for a report the catalog does not hold."""
        record = next((r for r in self.index.documents() if r.source == source), None)
        if record is None:
            return None
        with self._reports_lock:
            cached = store.get(record.doc_id)
        if cached is None:
            cached = build(record.doc_id)
            with self._reports_lock:
                store[record.doc_id] = cached
                while len(store) > REPORTS_KEPT:
                    store.pop(next(iter(store)))
        return cached

    def close(self) -> None:
        """Stop the lexical worker thread, if one was started."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _lexical_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fts5")
            return self._pool

    def rankings(
        self,
        query: str,
        depth: int,
        filters: Filters | None = None,
        mode: str = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> tuple[list[Hit], list[Hit]]:
        """The dense and the lexical ranking of ``depth`` chunks each (empty when ``mode``
        leaves one out), restricted to catalogued documents within ``filters``."""
        dense, lexical, _ = self._rankings(query, depth, filters, mode, query_vector)
        return dense, lexical

    def _rankings(
        self, query: str, depth: int, filters: Filters | None, mode: str,
        query_vector: np.ndarray | None,
    ) -> tuple[list[Hit], list[Hit], np.ndarray | None]:
        """:meth:`rankings`, with the query's vector (None when ``mode`` needs none)."""
        filters = filters or Filters()
        records = self.index.documents()
        allowed = [r.doc_id for r in records if filters.accepts(r.source, r.year)]
        if not allowed:
            return [], [], query_vector
        # With no filter, Chroma searches unrestricted (a where clause over every document
        # costs a metadata scan per query, ~O(chunks)) and chunks of uncatalogued documents
        # (an interrupted ingest) are dropped afterwards.
        everything = len(allowed) == len(records)
        live = set(allowed)

        def start_lexical() -> Future[list[Hit]] | None:
            # FTS5 runs in a worker thread (sqlite3 releases the GIL) while this thread
            # embeds the query and searches Chroma.
            if mode not in ("hybrid", "lexical"):
                return None
            return self._lexical_pool().submit(
                self.index.lexical.search, query, depth,
                doc_ids=None if everything else allowed,
            )

        # A small index: the query is embedded on the model's fastest path first (torch's
        # threads use every core, and an FTS5 thread beside them stalls them: at 32k chunks,
        # hybrid p50 91 ms with the two overlapped, 60 ms with the embedding first), then FTS5
        # starts. A large one (LEXICAL_FIRST_FROM chunks): FTS5 starts first, since it then
        # takes the longest, and the query is embedded on one core beside it.
        lexical_first = mode == "hybrid" and query_vector is None and \
            sum(r.chunks for r in records) >= LEXICAL_FIRST_FROM
        lexical_job = start_lexical() if lexical_first else None
        vector = None
        if mode in ("hybrid", "dense"):
            if query_vector is not None:
                vector = query_vector
            elif lexical_first:
                vector = self.index.embedder.embed_query_beside(query)
            else:
                vector = self.index.embedder.embed_query(query)
        if not lexical_first:
            lexical_job = start_lexical()
        dense: list[Hit] = []
        try:
            if vector is not None:
                if everything:
                    dense = [h for h in self.index.dense.query(vector, depth)
                             if h.chunk.doc_id in live]
                else:
                    dense = self.index.dense.query(
                        vector, depth, where={"doc_id": {"$in": allowed}}
                    )
        finally:
            lexical = lexical_job.result() if lexical_job is not None else []
        if everything:
            lexical = [h for h in lexical if h.chunk.doc_id in live]
        return dense, lexical, vector


def to_passage(
    chunk: Chunk, rank: int, score: float, dense: float | None, lexical: float | None
) -> Passage:
    """A stored chunk as a ranked passage."""
    return Passage(
        rank=rank, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, source=chunk.source,
        title=chunk.title, year=chunk.year, section=chunk.section, page=chunk.page_start,
        page_end=chunk.page_end, score=round(score, 6), dense_score=_round(dense),
        lexical_score=_round(lexical), text=chunk.text, char_start=chunk.char_start,
        char_end=chunk.char_end,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
