"""A folder of varied PDFs made here (layouts, scripts, structures, damage) is ingested with no
traceback: every file is added, or fails with one line naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers import DEJAVU, encrypt_pdf, make_image_only_pdf, make_pdf, make_scanned_pdf

BODY = ("The evaluation found that recruitment fees fell in the corridor after the reform, "
        "while complaints handled by the labour inspectorate doubled. ")


def _fpdf(font: str = "Helvetica", size: int = 11, unicode: bool = False) -> object:
    from fpdf import FPDF

    pdf = FPDF()
    if unicode:
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.set_font("DejaVu", size=size)
    else:
        pdf.set_font(font, size=size)
    return pdf


def two_columns(path: Path) -> None:
    pdf = _fpdf()
    pdf.add_page()
    for column in (10, 110):
        pdf.set_xy(column, 20)
        pdf.multi_cell(90, 5, BODY * 6)
    pdf.output(str(path))


def rotated(path: Path) -> None:
    pdf = _fpdf()
    pdf.add_page()
    with pdf.rotation(90, x=100, y=150):
        pdf.text(40, 150, "Rotated caption: wage protection results by province")
    pdf.set_xy(10, 20)
    pdf.multi_cell(0, 5, BODY * 3)
    pdf.output(str(path))


def landscape(path: Path) -> None:
    pdf = _fpdf()
    pdf.add_page(orientation="L")
    pdf.multi_cell(0, 5, BODY * 5)
    pdf.output(str(path))


def scripts(path: Path) -> None:
    pdf = _fpdf(unicode=True)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Оценка программы трудовой миграции показала рост зарплат.\n"
                         "Η αξιολόγηση του προγράμματος έδειξε αύξηση των μισθών.\n" + BODY)
    pdf.output(str(path))


def ligatures(path: Path) -> None:
    pdf = _fpdf(unicode=True)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Skills mis\ufb01ts and the \ufb01nal o\ufb03ce e\ufb00ects. " + BODY)
    pdf.output(str(path))


def outline(path: Path) -> None:
    pdf = _fpdf()
    for title in ("1. Introduction", "2. Findings", "3. Recommendations"):
        pdf.add_page()
        pdf.start_section(title)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 5, BODY * 2)
    pdf.output(str(path))


def form(path: Path) -> None:
    pdf = _fpdf()
    pdf.add_page()
    for label, value in (("Project", "Kestrel"), ("Donor", "Regional fund"),
                         ("Budget", "US$ 1,200,000"), ("Duration", "36 months")):
        pdf.cell(50, 8, f"{label}:", border=1)
        pdf.cell(100, 8, value, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, BODY)
    pdf.output(str(path))


def table(path: Path) -> None:
    pdf = _fpdf(size=9)
    pdf.add_page()
    with pdf.table() as grid:
        for row in [("Country", "Workers", "Fees (US$)")] + [
            (f"Country {n}", str(100 * n), str(50 * n)) for n in range(1, 30)
        ]:
            cells = grid.row()
            for value in row:
                cells.cell(value)
    pdf.output(str(path))


def very_long(path: Path) -> None:
    make_pdf(path, [f"Chapter {n}. " + BODY * 4 for n in range(1, 151)])


def repeated_lines(path: Path) -> None:
    make_pdf(path, ["Internal draft - not for circulation"] * 5)


def running_header(path: Path) -> None:
    make_pdf(path, [BODY * 3 for _ in range(6)], header="ILO Evaluation Office - 2024")


def tiny_text(path: Path) -> None:
    pdf = _fpdf(size=4)
    pdf.add_page()
    pdf.multi_cell(0, 2, BODY * 10)
    pdf.output(str(path))


def huge_text(path: Path) -> None:
    pdf = _fpdf(size=48)
    pdf.add_page()
    pdf.multi_cell(0, 20, "Key finding: fees fell")
    pdf.output(str(path))


def links(path: Path) -> None:
    pdf = _fpdf()
    pdf.add_page()
    pdf.cell(0, 10, "See the annex online", link="https://example.org/annex",
             new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, BODY)
    pdf.output(str(path))


def blank_pages_between(path: Path) -> None:
    make_pdf(path, [BODY, "", "", BODY])


def one_word(path: Path) -> None:
    make_pdf(path, ["Annex"])


def scanned(path: Path) -> None:
    make_scanned_pdf(path, ["Scanned annex\nThe survey reached 310 households."])


def image_only(path: Path) -> None:
    make_image_only_pdf(path)


def encrypted(path: Path) -> None:
    plain = make_pdf(path.with_suffix(".plain"), [BODY])
    encrypt_pdf(plain, path, "secret")
    plain.unlink()


def truncated(path: Path) -> None:
    data = make_pdf(path.with_suffix(".tmp"), [BODY * 3]).read_bytes()
    path.with_suffix(".tmp").unlink()
    path.write_bytes(data[: len(data) // 3])


def not_a_pdf(path: Path) -> None:
    path.write_bytes(b"<html><body>Not a PDF at all</body></html>")


def empty_file(path: Path) -> None:
    path.write_bytes(b"")


def bad_xref(path: Path) -> None:
    data = make_pdf(path.with_suffix(".tmp"), [BODY]).read_bytes()
    path.with_suffix(".tmp").unlink()
    head, _, _ = data.rpartition(b"startxref")
    path.write_bytes(head + b"startxref\n123456\n%%EOF\n")


MAKERS: list[Callable[[Path], None]] = [
    two_columns, rotated, landscape, scripts, ligatures, outline, form, table, very_long,
    repeated_lines, running_header, tiny_text, huge_text, links, blank_pages_between, one_word,
    scanned, image_only, encrypted, truncated, not_a_pdf, empty_file, bad_xref,
]
#: The files that cannot be ingested, and the words their one-line error must hold.
EXPECTED_FAILURES = {
    "image_only.pdf": "no extractable text",
    "encrypted.pdf": "encrypted",
    "truncated.pdf": "PDF",
    "not_a_pdf.pdf": "not a PDF",
    "empty_file.pdf": "empty",
}


def test_a_zoo_of_pdfs_is_ingested_without_a_traceback(fresh_fake, tmp_path, capfd):
    folder = tmp_path / "zoo"
    folder.mkdir()
    for make in MAKERS:
        make(folder / f"{make.__name__}.pdf")
    assert len(list(folder.iterdir())) >= 20
    report = fresh_fake.ingest([folder])
    failed = {Path(r.path).name: r.error for r in report.results if r.status == "failed"}
    added = {Path(r.path).name for r in report.results if r.status == "added"}
    assert set(failed) == set(EXPECTED_FAILURES), failed
    for name, words in EXPECTED_FAILURES.items():
        error = failed[name] or ""
        assert error.startswith(f"{name}: ") and words in error and "\n" not in error, error
    assert len(added) == len(MAKERS) - len(EXPECTED_FAILURES)
    assert "Traceback" not in capfd.readouterr().err
    titles = {r.source: r.title for r in fresh_fake.documents()}
    # its page-1 heading is a numbered section ("1. Introduction"), not a title: the file name
    assert titles["outline.pdf"] == "outline"
