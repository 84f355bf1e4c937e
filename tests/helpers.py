"""Helpers for tests: paths of the real data and makers of real PDF files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
TEST_DATA = Path(__file__).resolve().parent / "data"
PDF_2008 = TEST_DATA / "2008-migrant-worker-protection-strategy-evaluation.pdf"
#: The pinned model the local-mode tests run (`make test` fetches it).
LOCAL_TEST_MODEL = "qwen2.5-coder-0.5b"


def local_env() -> dict[str, str]:
    """Settings that let a subprocess (its HOME elsewhere) find the test's local model."""
    from assistant.answering.local_models import models_dir

    return {"ASSISTANT_LOCAL_MODEL": LOCAL_TEST_MODEL, "ASSISTANT_MODELS_DIR": str(models_dir())}


def make_pdf(
    path: Path, pages: list[str], *, header: str | None = None, title: str | None = None
) -> Path:
    """Write a real PDF with fpdf2: one text page per entry, optional running header and
    ``/Title`` in the document information."""
    from fpdf import FPDF

    pdf = FPDF()
    if title is not None:
        pdf.set_title(title)
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


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def make_scanned_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF whose pages are pictures of text (no text layer), like a scanned report: each
    page's text is drawn at 200 dpi with DejaVu Sans and placed as an image."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(DEJAVU), 30)
    pdf = FPDF()
    for text in pages:
        picture = Image.new("L", (1650, 2300), 255)
        draw = ImageDraw.Draw(picture)
        for row, line in enumerate(text.split("\n")):
            draw.text((120, 150 + row * 48), line, fill=0, font=font)
        pdf.add_page()
        pdf.image(picture, x=0, y=0, w=210)
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


def make_docx(path: Path) -> Path:
    """A real Word file: a title, headings, a paragraph with a figure, a table and a list."""
    import docx

    document = docx.Document()
    document.add_heading("Heron Labour Mobility Programme: Final Evaluation", level=0)
    document.add_heading("Findings", level=1)
    document.add_paragraph("The programme placed 1,240 seasonal workers with employers in its "
                           "first two years.")
    document.add_heading("Budget", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (item, amount) in zip(table.rows, [("Item", "Amount"), ("Training", "US$ 310,000"),
                                                ("Recruitment monitoring", "US$ 95,500")],
                                   strict=True):
        row.cells[0].text, row.cells[1].text = item, amount
    document.add_heading("Recommendations", level=1)
    for text in ("Cap recruitment fees at one week of wages.",
                 "Publish placement data every quarter."):
        document.add_paragraph(text, style="List Bullet")
    document.save(str(path))
    return path
