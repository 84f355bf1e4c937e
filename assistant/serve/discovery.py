"""How `assistant ask` and `assistant search` find a running app on the same index.

A CLI process pays for its start every time: importing Chroma (about 1 s), loading two
embedding models, opening the index; the answer itself takes a tenth of that. While the chat
app serves an index it is already warm, so the CLI asks it over 127.0.0.1 instead, and prints
the same record it would have computed itself.

The app announces itself with a small JSON file in the index folder
(``.serving/<port>.json``: URL, process id, fingerprint), written when it starts serving and
removed when it stops. The CLI uses an announcement only when
- the process that wrote it is alive,
- its fingerprint equals the CLI's own: the settings that decide an answer (those of the
  answer cache, :func:`assistant.evaluation.cache.answer_settings`), where the Chroma data
  lives, and the code version, so the app's answer is the one this process would give;
- the app needs no login (``auth`` unset), and it answers.
Anything else (no app, a stale file, an error status, a refused connection) and the CLI
answers in its own process, as before; ``--local`` asks for that outright.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.settings import Settings

FOLDER = ".serving"


def fingerprint(settings: Settings) -> str:
    """Equal for an app and a CLI whose answers to the same request are the same."""
    from assistant.evaluation.cache import answer_settings, code_version, digest

    return digest([
        answer_settings(settings, None, None), code_version(),
        str(Path(settings.index_dir).resolve()), settings.chroma_url, settings.chroma_host,
        settings.chroma_port,
    ])[:16]


def announce(settings: Settings, url: str, port: int | None = None,
             background: bool = False) -> Callable[[], None]:
    """Write this app's announcement (``port``: the one it serves on, default the settings');
    ``background`` marks a server that `assistant ask` started, which `assistant serve --stop`
    stops. Returns the function that removes the announcement."""
    folder = Path(settings.index_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{port or settings.port}.json"
    write_record(path, {"url": url, "pid": os.getpid(), "fingerprint": fingerprint(settings),
                        "auth": settings.auth is not None, "background": background})
    return lambda: remove_if_mine(path)


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON to ``path`` whole (a reader never sees half a file)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    temporary.replace(path)


def remove_if_mine(path: Path) -> None:
    """Remove the record at ``path`` if this process wrote it."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass  # already gone, or another process has written its own there: that one stays


def exit_on_sigterm() -> None:
    """Make SIGTERM end this process through its ``finally`` blocks. uvicorn re-raises a
    SIGTERM after its graceful shutdown, and by default that ends the process at once, before
    the server's announcement is withdrawn and its index closed."""
    import signal

    def leave(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)


def find(settings: Settings) -> str | None:
    """The URL of a live app serving this index with these settings, or None."""
    mine: str | None = None
    for record in announcements(settings):
        if record.get("auth"):
            continue
        if mine is None:
            mine = fingerprint(settings)
        if record.get("fingerprint") == mine:
            return str(record["url"])
    return None


def announcements(settings: Settings) -> list[dict[str, Any]]:
    """The announcements in this index's folder whose process is alive (settings unchecked);
    one whose process is gone (killed before it could withdraw it) is removed."""
    folder = Path(settings.index_dir) / FOLDER
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            pid, url = int(record["pid"]), str(record["url"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not alive(pid):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # an index this user may read but not write: the file stays
                pass
        elif url:
            out.append(record)
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def post(url: str, path: str, body: dict[str, Any], timeout: float) -> Any | None:
    """POST ``body`` as JSON to the app; its JSON reply, or None when the app cannot give one
    (not reachable, or an error status: the CLI then answers itself, with its own message)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{url}{path}", data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    # straight to 127.0.0.1: a proxy named in the environment has no business here
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError):
        return None
