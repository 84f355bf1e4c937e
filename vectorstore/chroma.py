"""Chroma client factory: embedded ``PersistentClient`` by default, ``HttpClient`` for a server.

An embedded index that exists already is first opened for reading only, through the Rust engine
that ``PersistentClient`` itself drives (``chromadb_rust_bindings``: the same storage, the same
search). Importing the ``chromadb`` package costs 0.7-0.9 s per process on this project's
machines, the engine 0.03 s, and a command that only searches or answers (``assistant search
--local``, a script's ``assistant ask``) never needs more. The first call that is not a read
(an upsert, a delete, a new collection, anything :class:`_ReadFirstClient` does not serve) opens
the ``PersistentClient`` and sends every later call, reads too, to it.

Telemetry is always off. Nothing here uses Chroma's default embedding function (it downloads a
model); every collection is created with ``embedding_function=None``.

With a server, every call goes through :class:`_Guarded`, which turns a refused or dropped
connection into :class:`IndexUnavailable` naming the server and how to start it. The HTTP client
reconnects on the next call, so the product recovers by itself once the server is back.
"""

from __future__ import annotations

import json
import os
import resource
import threading
from collections.abc import Callable, Sequence
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
    """Open Chroma: a server at ``host:port`` when ``host`` is given, else the folder ``path``
    (read first through Chroma's engine when it holds an index: see the module's doc)."""
    if not host and path is not None:
        reader = _ReadFirstClient.open(path)
        if reader is not None:
            return reader
    return _open_full(path, host=host, port=port, ssl=ssl)


def _open_full(
    path: Path | None = None, *, host: str | None = None, port: int = 8000, ssl: bool = False
) -> Any:
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


#: Chroma's default tenant and database, which every collection of ours lives in.
_TENANT, _DATABASE = "default_tenant", "default_database"
#: Set to ``off`` to open every embedded index with ``PersistentClient`` from the start.
READ_FIRST_ENV = "ASSISTANT_CHROMA_READ_FIRST"


class _ReadFirstClient:
    """An embedded Chroma index read through ``chromadb_rust_bindings`` until a call needs
    more; then (once) a ``PersistentClient`` on the same folder serves everything."""

    def __init__(self, path: Path, bindings: Any):
        self._path = path
        self._bindings: Any = bindings
        self._full: Any = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> _ReadFirstClient | None:
        """The reader for ``path``, or None where the folder holds no index yet, the engine
        cannot be loaded, or the index needs a migration (``PersistentClient`` applies it)."""
        database = path / "chroma.sqlite3"
        if os.environ.get(READ_FIRST_ENV, "").lower() in ("0", "off", "false", "no") \
                or not database.is_file():
            return None
        try:
            import chromadb_rust_bindings as engine

            config = engine.SqliteDBConfig(
                hash_type=engine.MigrationHash.MD5,  # chromadb's default setting
                migration_mode=engine.MigrationMode.Validate,  # never write a migration
                url=str(database),
            )
            bindings = engine.Bindings(
                allow_reset=False, sqlite_db_config=config, persist_path=str(path),
                # as PersistentClient sizes it: each HNSW index has five files
                hnsw_cache_size=resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 5,
            )
        except Exception:  # noqa: BLE001 - no reader: PersistentClient opens it and says why
            return None
        return cls(path, bindings)

    @property
    def reading(self) -> bool:
        """Still reading through the engine (no ``PersistentClient`` opened yet)?"""
        return self._bindings is not None

    def full(self) -> Any:
        """The ``PersistentClient``, opened on first need; the engine's reader is let go."""
        with self._lock:
            if self._full is None:
                self._full = _open_full(self._path)
                self._bindings = None
            return self._full

    def _reader(self) -> Any:
        """The engine, or None once ``PersistentClient`` serves (:meth:`full` lets it go)."""
        return self._bindings

    def get_or_create_collection(self, name: str, **kwargs: Any) -> Any:
        found = self._engine_collection(name, kwargs)
        return found if found is not None else self.full().get_or_create_collection(
            name, **kwargs)

    def get_collection(self, name: str, **kwargs: Any) -> Any:
        found = self._engine_collection(name, kwargs)
        return found if found is not None else self.full().get_collection(name, **kwargs)

    def _engine_collection(
        self, name: str, kwargs: dict[str, Any]
    ) -> _ReadFirstCollection | None:
        """Collection ``name`` read through the engine, if it reads and the collection is
        there (else ``PersistentClient`` creates it or says it is missing)."""
        reader = self._reader()
        found = self._find(reader, name) if reader is not None else None
        return _ReadFirstCollection(self, found, kwargs) if found is not None else None

    def heartbeat(self) -> int:
        reader = self._reader()
        return int(reader.heartbeat() if reader is not None else self.full().heartbeat())

    def get_max_batch_size(self) -> int:
        reader = self._reader()
        return int(reader.get_max_batch_size() if reader is not None
                   else self.full().get_max_batch_size())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.full(), name)

    @staticmethod
    def _find(reader: Any, name: str) -> Any:
        for collection in reader.list_collections(None, 0, _TENANT, _DATABASE):
            if collection.name == name:
                return collection
        return None


class _ReadFirstCollection:
    """A collection that answers ``count``, ``query`` and ``get`` through the engine while its
    client reads; anything else, or anything after the client opened ``PersistentClient``,
    goes to that client's collection of the same name."""

    def __init__(self, client: _ReadFirstClient, found: Any, kwargs: dict[str, Any]):
        self._client = client
        self._id = str(found.id)
        self.name: str = found.name
        self.metadata: dict[str, Any] | None = found.metadata
        self.configuration_json: dict[str, Any] = found.configuration or {}
        self._kwargs = kwargs
        self._full: Any = None

    def _reader(self) -> Any:
        return self._client._reader()

    def _full_collection(self) -> Any:
        if self._full is None:
            self._full = self._client.full().get_or_create_collection(self.name, **self._kwargs)
        return self._full

    def count(self) -> int:
        reader = self._reader()
        if reader is None:
            return int(self._full_collection().count())
        return int(reader.count(self._id, _TENANT, _DATABASE))

    def query(
        self, query_embeddings: Sequence[Any], n_results: int = 10,
        where: dict[str, Any] | None = None, include: Sequence[str] = (),
        ids: Sequence[str] | None = None, **kwargs: Any,
    ) -> dict[str, Any]:
        reader = self._reader()
        if reader is None or kwargs:
            extra = {"ids": list(ids)} if ids is not None else {}
            return dict(self._full_collection().query(
                query_embeddings=query_embeddings, n_results=n_results, where=where,
                include=list(include), **extra, **kwargs,
            ))
        found = reader.query(
            self._id, list(ids) if ids is not None else None,
            [[float(x) for x in v] for v in query_embeddings], n_results,
            json.dumps(where) if where else None, None, list(include), _TENANT, _DATABASE,
        )
        return _result(found, ("ids", "documents", "metadatas", "distances", "embeddings"))

    def get(
        self, ids: Sequence[str] | None = None, where: dict[str, Any] | None = None,
        limit: int | None = None, offset: int | None = None, include: Sequence[str] = (),
        **kwargs: Any,
    ) -> dict[str, Any]:
        reader = self._reader()
        if reader is None or kwargs:
            return dict(self._full_collection().get(
                ids=ids, where=where, limit=limit, offset=offset, include=list(include),
                **kwargs,
            ))
        found = reader.get(
            self._id, list(ids) if ids is not None else None,
            json.dumps(where) if where else None, limit, offset or 0, None, list(include),
            _TENANT, _DATABASE,
        )
        return _result(found, ("ids", "documents", "metadatas", "embeddings"))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._full_collection(), name)


def _result(found: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {field: getattr(found, field) for field in fields}
