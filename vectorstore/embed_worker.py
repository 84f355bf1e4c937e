"""An ingest's embedding in a helper process, which loads the model while the caller parses.

A cold ``assistant ingest`` spent its first seconds on one core: importing the ``chromadb``
package and parsing the first reports, then importing torch and reading the model (1.5-1.8 s on
a 2-core AMD EPYC), and only then embedding on both cores. Python runs one of those at a time in
a process: a thread importing torch beside the parsing made both slower. A second process does
not share the interpreter: it imports torch and reads the model while the caller parses, then
embeds the chunks it is sent (the same model, precision and code: the same vectors) and sends
back each batch's progress and the vectors.

The caller falls back to embedding in its own process when the helper fails, with a warning.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vectorstore.errors import EmbeddingModelError


class EmbeddingWorkerError(EmbeddingModelError):
    """The helper process failed or went away."""


class EmbeddingWorker:
    """A helper process holding the embedder ``make_embedder(model, backend, precision)``,
    started at construction (its model is read at once)."""

    def __init__(self, model: str, backend: str, precision: str, batch_size: int):
        context = multiprocessing.get_context("spawn")  # no inherited threads or locks
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, model, backend, precision, batch_size),
            name="embedding-worker", daemon=True,
        )
        self._process.start()
        child.close()
        self.used = False

    def embed_documents(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Like :meth:`Embedder.embed_documents`, in the helper process."""
        self.used = True
        try:
            self._conn.send(("embed", list(texts)))
            while True:
                kind, value = self._conn.recv()
                if kind == "progress":
                    if progress:
                        progress(value)
                elif kind == "done":
                    return np.asarray(value, dtype=np.float32)
                else:
                    raise EmbeddingWorkerError(f"the embedding helper process failed: {value}")
        except (EOFError, OSError) as exc:
            raise EmbeddingWorkerError(
                f"the embedding helper process went away (exit code {self._process.exitcode}): "
                f"{exc or type(exc).__name__}"
            ) from exc

    def close(self) -> None:
        """Stop the helper process: killed at once when it embedded nothing (an unchanged
        re-ingest does not wait for it to load the model), else asked to stop, waited for
        briefly, then killed."""
        if self.used:
            try:
                self._conn.send(("stop", None))
            except (OSError, ValueError):
                pass  # already gone: nothing to stop
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._conn.close()


def _serve(conn: Any, model: str, backend: str, precision: str, batch_size: int) -> None:
    from vectorstore.embedders import make_embedder

    error: str | None = None
    try:
        embedder = make_embedder(model, backend, precision)
        embedder.batch_size = batch_size
        embedder.load()
    except Exception as exc:  # noqa: BLE001 - sent to the caller, which falls back
        error = f"{type(exc).__name__}: {exc}"
    while True:
        try:
            kind, texts = conn.recv()
        except EOFError:  # the caller went away (killed): nothing left to do
            os._exit(0)
        if kind == "stop":
            # Skip the interpreter's teardown (torch's takes about 0.5 s), which the caller
            # would wait for; there is nothing to flush.
            os._exit(0)
        if error is not None:
            conn.send(("error", error))
            continue
        try:
            vectors = embedder.embed_documents(texts, lambda n: conn.send(("progress", n)))
        except Exception as exc:  # noqa: BLE001 - sent to the caller, which falls back
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        else:
            conn.send(("done", vectors))
