"""Helpers for tests: paths of the real data and makers of real PDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
TEST_DATA = Path(__file__).resolve().parent / "data"
PDF_2008 = TEST_DATA / "2008-migrant-worker-protection-strategy-evaluation.pdf"


def make_pdf(path: Path, pages: list[str], *, header: str | None = None) -> Path:
    """Write a real PDF with fpdf2: one text page per entry, optional running header."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number, text in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.cell(0, 8, header, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, text)
        pdf.set_auto_page_break(False)
        pdf.set_y(-15)
        pdf.cell(0, 8, str(number), align="C")
        pdf.set_auto_page_break(True, margin=20)
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A PDF with drawings and no text, like a scanned report."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.ellipse(40, 100, 80, 40, style="D")
    pdf.output(str(path))
    return path


def encrypt_pdf(source: Path, target: Path, password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def passage(rank: int, text: str, section: str = "Findings") -> Any:
    """A hand-made passage for tests of answering and checking."""
    from assistant.records import Passage

    return Passage(
        rank=rank, chunk_id=f"c{rank}", doc_id="d", source="r.md", title="A report", year=2009,
        section=section, page=rank + 10, page_end=None, score=0.1, dense_score=0.5,
        lexical_score=None, text=text, char_start=0, char_end=len(text),
    )


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


def start_app(index: Path, log: Path, *extra: str, **env: str) -> tuple[Any, str]:
    """`python app.py` on a free 127.0.0.1 port; returns (process, url) once /healthz answers
    (any status: a replica whose Chroma server is down still serves its health endpoint)."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--index", str(index), *extra],
        cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(index.parent),
             "HF_HUB_OFFLINE": "1", **env},
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


def stop_process(process: Any) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
