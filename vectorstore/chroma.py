"""Chroma client factory: embedded ``PersistentClient`` by default, ``HttpClient`` for a server.

Telemetry is always off. Nothing here uses Chroma's default embedding function (it downloads a
model); every collection is created with ``embedding_function=None``.

With a server, every call goes through :class:`_Guarded`, which turns a refused or dropped
connection into :class:`IndexUnavailable` naming the server and how to start it. The HTTP client
reconnects on the next call, so the product recovers by itself once the server is back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vectorstore.errors import IndexUnavailable


def server_hint(url: str) -> str:
    host_port = url.split("://", 1)[-1].rstrip("/")
    host, _, port = host_port.partition(":")
    return f"check that it runs: `chroma run --path DIR --host {host} --port {port or 8000}`"


def _connection_error(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, ValueError) and "connect" in str(exc).lower()


class _Guarded:
    """A Chroma client or collection whose calls raise IndexUnavailable when the server is
    unreachable (other errors pass through unchanged)."""

    def __init__(self, target: Any, url: str):
        self._target = target
        self._url = url

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value
        return self._wrap(value, name)

    def _wrap(self, method: Callable[..., Any], name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = method(*args, **kwargs)
            except Exception as exc:
                if _connection_error(exc):
                    raise IndexUnavailable(
                        f"the Chroma server at {self._url} did not answer ({name}: "
                        f"{type(exc).__name__}: {exc}); {server_hint(self._url)}"
                    ) from exc
                raise
            if name in ("get_or_create_collection", "get_collection", "create_collection"):
                return _Guarded(result, self._url)
            return result

        return call


def open_client(
    path: Path | None = None, *, host: str | None = None, port: int = 8000, ssl: bool = False
) -> Any:
    """Open Chroma: a server at ``host:port`` when ``host`` is given, else the folder ``path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        url = f"{'https' if ssl else 'http'}://{host}:{port}"
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
        except Exception as exc:  # chromadb raises a plain ValueError when nothing answers
            raise IndexUnavailable(
                f"cannot reach the Chroma server at {url} ({exc}); {server_hint(url)}"
            ) from exc
        return _Guarded(client, url)
    if path is None:
        raise IndexUnavailable(
            "no index directory configured; pass --index or set ASSISTANT_INDEX_DIR"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except OSError as exc:
        raise IndexUnavailable(f"cannot open the index at {path}: {exc.strerror}") from exc
    except Exception as exc:  # chromadb's own errors: a damaged database or segment
        raise IndexUnavailable(
            f"the Chroma index at {path} is damaged ({type(exc).__name__}: {exc}); run "
            "`assistant doctor --repair` to rebuild it from the report files"
        ) from exc
