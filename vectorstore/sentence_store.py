"""Sentence vectors kept beside the index, so that a sentence is embedded once per model.

Answer sentences are embedded at question time (:mod:`assistant.answering.evidence`), and
in a process of its own that is most of an ``assistant ask``: about 0.35-0.5 s of numpy on two
cores for the 16-24 sentences of one question. A long-running app keeps them in memory; this
store keeps them on disk too, so that the next process, or the app after a restart, reads the
vectors of sentences that any earlier question has scored instead of embedding them again.

A vector depends only on the text embedded and the model, so an entry is keyed by the model's
name and the SHA-1 of that text and never goes stale: a report that changes has new sentences,
and its old ones are merely no longer asked for. It is a cache: when the file cannot be opened,
read or written (a read-only index folder, a full disk), a warning names the file once and the
process goes on embedding without it.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)



class SentenceVectorStore:
    """Unit vectors of sentences by (model, text), in one SQLite file (WAL: several
    processes may read and write it at once)."""

    def __init__(self, path: Path, model: str):
        self.path = Path(path)
        self.model = model
        self._conn: sqlite3.Connection | None = None
        self._failed = False
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False once the file failed this process (it is not tried again)."""
        return not self._failed

    def get(self, texts: Sequence[str], dimension: int = 0) -> dict[int, np.ndarray]:
        """Stored vectors of ``texts``, by position in ``texts`` (absent ones left out);
        ``dimension``: the model's, where known (a vector of another length is not used)."""
        if not texts or self._failed:
            return {}
        import numpy as np

        keys = [_key(text) for text in texts]
        with self._lock:
            rows = self._run(
                lambda conn: conn.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN "
                    f"({','.join('?' * len(keys))})",
                    (self.model, *keys),
                ).fetchall()
            )
        if not rows:
            return {}
        found = {bytes(key): bytes(blob) for key, blob in rows}
        out = {}
        for i, key in enumerate(keys):
            blob = found.get(key)
            if blob is not None and len(blob) % 4 == 0 and (
                not dimension or len(blob) == 4 * dimension
            ):
                out[i] = np.frombuffer(blob, dtype=np.float32).copy()
        return out

    def put(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        """Keep the vectors of these texts (a text already kept is left as it is)."""
        if not items or self._failed:
            return
        import numpy as np

        rows = [
            (self.model, _key(text), np.asarray(vector, dtype=np.float32).tobytes())
            for text, vector in items
        ]

        def write(conn: sqlite3.Connection) -> None:
            with conn:
                conn.executemany(
                    "INSERT OR IGNORE INTO vectors(model, key, vector) VALUES (?, ?, ?)", rows
                )

        with self._lock:
            self._run(write)

    def count(self) -> int:
        """Vectors kept for this model."""
        with self._lock:
            rows = self._run(
                lambda conn: conn.execute(
                    "SELECT count(*) FROM vectors WHERE model = ?", (self.model,)
                ).fetchall()
            )
        return int(rows[0][0]) if rows else 0

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self, work):  # type: ignore[no-untyped-def]
        try:
            return work(self._connection())
        except (sqlite3.Error, OSError) as exc:
            self._failed = True
            log.warning(
                "sentence vectors are not kept in %s (%s); they are embedded each time",
                self.path, exc,
            )
            return None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            # The folder is the index's: a store never creates an index folder of its own.
            conn = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key BLOB NOT NULL, "
                    "vector BLOB NOT NULL, PRIMARY KEY (model, key)) WITHOUT ROWID"
                )
            except sqlite3.Error:
                conn.close()
                raise
            self._conn = conn
        return self._conn


def _key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()
