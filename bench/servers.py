"""Processes that the benchmarks and the tests both start on 127.0.0.1: ``python app.py`` and
``chroma run``, each on a free port, with a stop that never leaves one behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """A real `chroma run` on 127.0.0.1 (a free port, a temporary path); start, stop, restart."""

    def __init__(self, path: Path, log: Path):
        self.port = free_port()
        self.path = path
        self.log = log
        self.process: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ChromaServer:
        import subprocess
        import sys
        import time

        import httpx

        chroma = Path(sys.executable).parent / "chroma"
        self.process = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("chroma run did not answer its heartbeat in time")

    def stop(self) -> None:
        import subprocess

        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def app_env(index: Path, **env: str) -> dict[str, str]:
    """The environment :func:`start_app` gives the app (a CLI run with it has the app's
    settings)."""
    import os

    from vectorstore.e5 import models_dir

    return {"PATH": os.environ.get("PATH", ""), "HOME": str(index.parent),
            "HF_HUB_OFFLINE": "1",
            # the fetched models (multilingual-e5-small scores answer sentences) are found
            # where this process finds them, although HOME is the test's own
            "ASSISTANT_MODELS_DIR": str(models_dir()),
            # no local answer mode unless the caller names a model: the page and the API
            # schema offer the extractive mode only
            "ASSISTANT_LOCAL_MODEL": str(index.parent / "no-local-model.gguf"),
            **env}


def start_app(index: Path, log: Path, *extra: str, **env: str) -> tuple[Any, str]:
    """`python app.py` on a free 127.0.0.1 port; returns (process, url) once /healthz answers
    (any status: a replica whose Chroma server is down still serves its health endpoint).
    ``env`` adds to (and overrides) a minimal environment: PATH, HOME = the index's parent,
    offline Hugging Face, the models folder of this process, no local model."""
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--index", str(index), *extra],
        cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT, env=app_env(index, **env),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited: {log.read_text()[-3000:]}")
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("app.py did not start in time")


def wait_filled(url: str, timeout: float = 900) -> float:
    """Wait until the app at ``url`` has embedded its index's sentences in advance (its
    ``/healthz`` says ``sentence_vectors: done`` or ``off``): a served index's steady state.
    Returns the seconds waited."""
    import time

    import httpx

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        state = httpx.get(f"{url}/healthz", timeout=10).json().get("sentence_vectors")
        if state in ("done", "off"):
            return time.monotonic() - started
        time.sleep(1)
    raise RuntimeError(f"the app did not finish embedding its sentences in {timeout:.0f} s")


def stop_process(process: Any) -> None:
    """Terminate a process started here; kill it if it has not exited 20 s later."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
