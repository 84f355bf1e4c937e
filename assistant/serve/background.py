"""A server that keeps the models loaded between `assistant ask` commands.

Every `assistant ask` process pays for its start: Python and the library's imports, Chroma's
import (about 0.7 s on 2 cores), two tokenizers (the answer model's alone takes about 0.9 s)
and the index's opening; the answer itself is a tenth of that. Lazy imports cannot remove
these costs from a process that answers, only move them. So, as build tools do with a
daemon, the first `assistant ask` or `assistant search` typed at a terminal answers in its own
process and starts, beside it, ``assistant serve``: the read-only REST API on 127.0.0.1 over the
same index and settings. Later commands find it through :mod:`assistant.serve.discovery`,
exactly as they find a running chat app, and print the record it sends back, which is the one
they would have computed (the announcement carries the settings' fingerprint).

- It serves ask, search, documents and health only: nothing that writes.
- It exits after ``cli_server_idle_s`` seconds without a request (15 minutes by default), and
  `assistant serve --stop` stops it at once. It writes its log to ``INDEX/.serving/server.log``.
- ``cli_server``: ``auto`` (the default) starts one only when the command's standard output is
  a terminal, so scripts, pipes, CI jobs and tests never leave a process behind; ``on`` always,
  ``off`` never. ``--local`` bypasses any server.
- Nothing is started when an answer would need a login (``auth`` set) or when a server for
  this index is already starting (``.serving/starting.json``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.serve.discovery import (
    FOLDER,
    alive,
    announce,
    announcements,
    exit_on_sigterm,
    remove_if_mine,
    write_record,
)
from assistant.settings import Settings

STARTING = "starting.json"
LOG = "server.log"


def wanted(settings: Settings, interactive: bool) -> bool:
    """Whether an `ask`/`search` with these settings should start a server."""
    if settings.auth is not None or settings.cli_server == "off":
        return False
    return settings.cli_server == "on" or interactive


def starting(settings: Settings) -> bool:
    """Whether a server for this index was started and has not announced itself yet."""
    path = Path(settings.index_dir) / FOLDER / STARTING
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return alive(int(record["pid"])) and time.time() - float(record["since"]) < 120
    except (OSError, ValueError, KeyError, TypeError):
        return False


def start(settings: Settings, global_args: Sequence[str]) -> int | None:
    """Start ``assistant serve`` in the background for this index, detached from this process
    (its own session, no terminal); returns its pid, or None when one is already starting.
    ``global_args`` are the options that placed the command (``--index``, ``--config``,
    ``--chroma-url``); the environment passes on the rest of the settings."""
    if starting(settings):
        return None
    folder = Path(settings.index_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "assistant.serve.cli", *global_args, "serve",
               "--port", str(port), "--idle-exit", str(settings.cli_server_idle_s)]
    with (folder / LOG).open("ab") as log:
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )
    write_record(folder / STARTING, {"pid": child.pid, "since": time.time(), "port": port})
    return child.pid


def stop(settings: Settings) -> list[int]:
    """Stop the background servers of this index (not a chat app); their pids."""
    stopped = []
    for record in announcements(settings):
        if record.get("background"):
            try:
                os.kill(int(record["pid"]), signal.SIGTERM)
            except ProcessLookupError:
                continue
            stopped.append(int(record["pid"]))
    return stopped


def serve(settings: Settings, port: int, idle_exit_s: float | None) -> int:
    """Serve the read-only API on 127.0.0.1:``port`` until stopped, or until ``idle_exit_s``
    seconds pass without a request; announce it for the CLI while serving."""
    import uvicorn

    from assistant.serve.api import create_api
    from assistant.serve.service import Service

    service = Service(settings)
    api = create_api(service, read_only=True)
    last, busy = [time.monotonic()], [0]  # the last request's end; requests in flight

    @api.middleware("http")
    async def stamp(request: Any, call_next: Any) -> Any:
        busy[0] += 1
        try:
            return await call_next(request)
        finally:
            busy[0] -= 1
            last[0] = time.monotonic()

    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    warming = service.warm_up_in_background()
    if idle_exit_s:
        threading.Thread(target=_watch_idle, args=(server, last, busy, idle_exit_s), daemon=True,
                         name="idle-exit").start()
    withdraw: list[Any] = []

    def announce_when_listening() -> None:  # a CLI that finds the file can connect at once
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            last[0] = time.monotonic()  # idle from now: starting up is no idleness
            withdraw.append(announce(settings, f"http://127.0.0.1:{port}", port=port,
                                     background=True))
            _clear_starting(settings)
            print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} serving {settings.index_dir} on "
                  f"http://127.0.0.1:{port} (pid {os.getpid()}; exits after "
                  f"{idle_exit_s or 0:.0f} s idle, 0: never)", flush=True)

    threading.Thread(target=announce_when_listening, name="announce", daemon=True).start()
    exit_on_sigterm()
    try:
        server.run()
    finally:
        for remove in withdraw:
            remove()
        _clear_starting(settings)
        # a model still loading in native code when the interpreter exits aborts the process
        warming.join(timeout=120)
        service.close()
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} stopped (pid {os.getpid()})", flush=True)
    return 0


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _watch_idle(server: Any, last: list[float], busy: list[int], idle_exit_s: float) -> None:
    while not server.should_exit:
        time.sleep(min(1.0, idle_exit_s / 4))
        if not busy[0] and time.monotonic() - last[0] > idle_exit_s:
            print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} no request for {idle_exit_s:.0f} s: "
                  "exiting", flush=True)
            server.should_exit = True


def _clear_starting(settings: Settings) -> None:
    remove_if_mine(Path(settings.index_dir) / FOLDER / STARTING)
