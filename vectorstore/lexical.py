"""The lexical index: SQLite FTS5 with the porter tokenizer and ``bm25()`` ranking.

It is a local cache derived from Chroma (the source of truth), rebuildable at any time.

A search ORs the question's terms, and bm25 then scores every chunk that holds any of them: its
cost grows with the terms' posting lists. At 100k chunks a question holding "migration" or
"labour" (each in a third to a half of the chunks) makes FTS5 score most of the index, and such
terms weigh little in bm25 (FTS5's idf, ln((N - n + 0.5) / (n + 0.5)), is about 0 at n = N/2
and floored just above 0 beyond). So when the question's terms hold more than
:data:`MAX_POSTINGS` chunk entries in all, the commonest terms are left out of the OR until the
rest fit, keeping at least the :data:`MIN_TERMS` rarest. A small index never reaches the budget
(the default corpus has 526 chunks), so its searches are unchanged. Each term's chunk count is
read from FTS5's own vocabulary (an ``fts5vocab`` table), under its Porter stem as the
tokenizer stores it.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.records import Chunk
from vectorstore.errors import IndexUnavailable
from vectorstore.records import Hit, chunk_from_record

_COLUMNS = (
    "chunk_id", "doc_id", "source", "title", "year", "section", "page_start", "page_end",
    "char_start", "char_end", "position", "kind", "text",
)
_INDEXED = {"title", "section", "text"}
# bm25() takes one weight per column, in column order: the body counts most.
_WEIGHTS = ", ".join(
    {"text": "1.0", "section": "0.5", "title": "0.2"}.get(c, "0.0") for c in _COLUMNS
)
_TERM = re.compile(r"\w+", re.UNICODE)
#: The chunk entries a search's terms may hold in all before the commonest are left out.
MAX_POSTINGS = 40_000
#: ...but a search keeps at least this many of its terms, the rarest.
MIN_TERMS = 2
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    tell say said report reports""".split()
)


def query_terms(text: str, max_terms: int = 64) -> list[str]:
    """The question's distinct words, lower-cased, stopwords out (unless nothing else is
    left), at most ``max_terms``."""
    terms: list[str] = []
    for term in _TERM.findall(text.lower()):
        if term not in terms:
            terms.append(term)
    return ([t for t in terms if t not in STOPWORDS] or terms)[:max_terms]


def fts_query(text: str, max_terms: int = 64) -> str:
    """An FTS5 query that ORs the question's terms, each quoted, so no input is read as
    FTS5 syntax (``"foo" NEAR( OR *`` is just three words)."""
    return _or(query_terms(text, max_terms))


def _or(terms: Sequence[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


_STEMMER: Any = None


def porter_stem(word: str) -> str:
    """``word`` as FTS5's porter tokenizer stores it (Snowball's implementation of the same
    Porter algorithm; a word it leaves empty is kept as it is)."""
    global _STEMMER
    if _STEMMER is None:
        import snowballstemmer

        _STEMMER = snowballstemmer.stemmer("porter")
    return str(_STEMMER.stemWord(word)) or word


class Fts5LexicalIndex:
    """Chunks in an FTS5 table; one connection per thread, opened on first use (construction
    does no I/O; a file that cannot be opened raises :class:`IndexUnavailable` then)."""

    def __init__(self, path: Path, max_postings: int | None = MAX_POSTINGS):
        self.path = Path(path)
        self.max_postings = max_postings  # None: every term stays in the OR
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                columns = ", ".join(c if c in _INDEXED else f"{c} UNINDEXED" for c in _COLUMNS)
                conn.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5({columns}, "
                    "tokenize='porter unicode61 remove_diacritics 2')"
                )
                # the terms' chunk counts, for leaving the common ones out of a search
                conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_terms "
                             "USING fts5vocab(main, chunks, 'row')")
            except (sqlite3.Error, OSError) as exc:  # OSError: the folder cannot be made
                raise IndexUnavailable(f"cannot open the lexical index {self.path}: {exc}") from exc
            self._local.conn = conn
        return conn

    def add(self, chunks: Iterable[Chunk]) -> None:
        conn = self._conn()
        with conn:
            _insert(conn, chunks)

    def delete_doc(self, doc_id: str) -> None:
        conn = self._conn()
        with conn:
            conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))

    def replace_doc(self, doc_id: str, chunks: Sequence[Chunk]) -> None:
        """Delete a document's rows and add ``chunks`` in one transaction."""
        conn = self._conn()
        with conn:
            conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            _insert(conn, chunks)

    def doc_counts(self) -> dict[str, int]:
        """Chunks per document id."""
        rows = self._conn().execute("SELECT doc_id, count(*) FROM chunks GROUP BY doc_id")
        return {str(doc_id): int(n) for doc_id, n in rows}

    def docs_mentioning(self, term: str) -> dict[str, int]:
        """Chunks per document id that contain ``term`` (matched as the index matches)."""
        word = "".join(_TERM.findall(term.lower()))
        if not word:
            return {}
        rows = self._conn().execute(
            "SELECT doc_id, count(*) FROM chunks WHERE chunks MATCH ? GROUP BY doc_id",
            (f'text : "{word}"',),
        )
        return {str(doc_id): int(n) for doc_id, n in rows}

    def integrity(self) -> str | None:
        """None when FTS5's integrity check passes, else what it reported."""
        try:
            self._conn().execute("INSERT INTO chunks(chunks) VALUES('integrity-check')")
        except sqlite3.DatabaseError as exc:
            return f"FTS5 integrity check failed: {exc}"
        return None

    def clear(self) -> None:
        """Remove every row (the cache is rebuilt from Chroma afterwards)."""
        conn = self._conn()
        with conn:
            conn.execute("DELETE FROM chunks")

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM chunks").fetchone()[0])

    def iter_chunks(self, batch: int = 256) -> Iterator[Chunk]:
        """Every chunk, in rowid order, read ``batch`` rows at a time (rows written meanwhile
        may or may not be seen)."""
        last = 0
        while True:
            rows = self._conn().execute(
                f"SELECT rowid, {', '.join(_COLUMNS)} FROM chunks WHERE rowid > ? "
                "ORDER BY rowid LIMIT ?", (last, batch),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _chunk(row[1:])
            last = rows[-1][0]

    def chunk_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many chunks contain each term, matched as the index matches (porter stems)."""
        conn = self._conn()
        counts = {}
        for term in dict.fromkeys(terms):
            word = "".join(_TERM.findall(term))
            if not word:
                continue
            row = conn.execute(
                "SELECT count(*) FROM chunks WHERE chunks MATCH ?", (f'text : "{word}"',)
            ).fetchone()
            counts[term] = int(row[0])
        return counts

    def search(
        self,
        query: str,
        k: int,
        *,
        doc_ids: Sequence[str] | None = None,
        sources: Sequence[str] = (),
        year_min: int | None = None,
        year_max: int | None = None,
    ) -> list[Hit]:
        """The ``k`` best chunks by BM25; the score is ``-bm25()`` (higher is better). Past
        ``max_postings``, the commonest terms are left out (see the module's doc)."""
        terms = query_terms(query)
        if not terms or k <= 0:
            return []
        match = _or(self.selective_terms(terms))
        # Two steps: rank by rowid and score alone, then read the columns of the k best. Read
        # in one query, every matching row's columns (the chunk text among them) went to the
        # sorter: at 42k chunks, p50 25.5 -> 22.5 ms with the same ranking.
        sql = [
            f"SELECT rowid, -bm25(chunks, {_WEIGHTS}) AS score FROM chunks WHERE chunks MATCH ?"
        ]
        params: list[object] = [match]
        if doc_ids is not None:
            sql.append(f"AND doc_id IN ({', '.join('?' for _ in doc_ids) or 'NULL'})")
            params.extend(doc_ids)
        if sources:
            sql.append(f"AND source IN ({', '.join('?' for _ in sources)})")
            params.extend(sources)
        if year_min is not None:
            sql.append("AND CAST(year AS INTEGER) >= ?")
            params.append(year_min)
        if year_max is not None:
            sql.append("AND CAST(year AS INTEGER) <= ?")
            params.append(year_max)
        sql.append("ORDER BY bm25(chunks, " + _WEIGHTS + ") LIMIT ?")
        params.append(k)
        conn = self._conn()
        ranked = conn.execute(" ".join(sql), params).fetchall()
        if not ranked:
            return []
        rows = conn.execute(
            f"SELECT rowid, {', '.join(_COLUMNS)} FROM chunks "
            f"WHERE rowid IN ({', '.join('?' for _ in ranked)})",
            [rowid for rowid, _ in ranked],
        ).fetchall()
        by_rowid = {row[0]: row[1:] for row in rows}
        return [Hit(_chunk(by_rowid[rowid]), float(score)) for rowid, score in ranked
                if rowid in by_rowid]

    def selective_terms(self, terms: Sequence[str]) -> list[str]:
        """``terms`` less the commonest while they hold more than ``max_postings`` chunk
        entries in all, keeping at least :data:`MIN_TERMS` (in their order in the question)."""
        if self.max_postings is None or len(terms) <= MIN_TERMS:
            return list(terms)
        conn = self._conn()
        counts = {}
        for term in terms:
            found = conn.execute("SELECT doc FROM temp.chunk_terms WHERE term = ?",
                                 (porter_stem(term),)).fetchone()
            counts[term] = int(found[0]) if found else 0  # not stored as guessed: keep it
        total, keep = sum(counts.values()), set(terms)
        for term in sorted(terms, key=lambda t: -counts[t]):  # commonest first
            if total <= self.max_postings or len(keep) <= MIN_TERMS:
                break
            keep.discard(term)
            total -= counts[term]
        return [t for t in terms if t in keep]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


_INSERT = (
    f"INSERT INTO chunks ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


def _insert(conn: sqlite3.Connection, chunks: Iterable[Chunk]) -> None:
    conn.executemany(_INSERT, [tuple(getattr(c, col) for col in _COLUMNS) for c in chunks])


def _chunk(row: Sequence[object]) -> Chunk:
    values = dict(zip(_COLUMNS, row, strict=False))
    return chunk_from_record(str(values["chunk_id"]), str(values["text"]), values)
