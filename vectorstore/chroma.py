"""Chroma client factory: embedded ``PersistentClient`` by default, ``HttpClient`` for a server.

Telemetry is always off. Nothing here uses Chroma's default embedding function (it downloads a
model); every collection is created with ``embedding_function=None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vectorstore.errors import IndexUnavailable


def open_client(path: Path | None = None, *, host: str | None = None, port: int = 8000) -> Any:
    """Open Chroma: a server at ``host:port`` when ``host`` is given, else the folder ``path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, settings=settings)
        except Exception as exc:  # chromadb raises plain Exception/ValueError for refusals
            raise IndexUnavailable(
                f"cannot reach the Chroma server at {host}:{port} ({exc}); start it with "
                f"`chroma run --path DIR --host {host} --port {port}`"
            ) from exc
    if path is None:
        raise IndexUnavailable(
            "no index directory configured; pass --index or set ASSISTANT_INDEX_DIR"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except OSError as exc:
        raise IndexUnavailable(f"cannot open the index at {path}: {exc.strerror}") from exc
