"""Loaders on real files: text encodings, PDFs made with fpdf2, and every kind of bad input."""

from __future__ import annotations

import pytest
from helpers import PDF_2008, encrypt_pdf, make_image_only_pdf, make_pdf

from ingest import FileTooLarge, UnreadableDocument, UnsupportedFormat, load_document, sha256_of
from ingest.loaders import iter_input_files


def test_markdown_and_text_are_one_page_stream(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Title\n\nSome text.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.format == "md"
    assert [p.number for p in doc.pages] == [None]
    assert doc.doc_id == sha256_of(path.read_bytes())
    assert doc.source == "note.md"


def test_pdf_pages_keep_their_numbers():
    doc = load_document(PDF_2008)
    assert doc.format == "pdf"
    assert len(doc.pages) == 72
    assert [p.number for p in doc.pages[:3]] == [1, 2, 3]
    assert "4.4 Coordination with other International actors" in doc.pages[41].text


def test_latin1_text_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Évaluation des travailleurs migrants à Genève.".encode("latin-1"))
    doc = load_document(path)
    assert "Évaluation" in doc.pages[0].text and "Genève" in doc.pages[0].text
    assert any("Windows-1252" in w for w in doc.warnings)


def test_utf16_text_with_bom(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes("Migrant workers’ rights.".encode("utf-16"))
    assert "Migrant workers’ rights." in load_document(path).pages[0].text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t\n", "empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("fake.pdf", b"this is not a pdf at all", "not a PDF"),
        ("truncated.pdf", None, "corrupt or truncated"),
    ],
)
def test_bad_files_raise_clear_errors_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    if content is None:  # the first 3 KB of a real PDF
        content = PDF_2008.read_bytes()[:3000]
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument) as info:
        load_document(path)
    assert name in str(info.value)
    assert expected in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableDocument, match="missing.pdf: no such file"):
        load_document(tmp_path / "missing.pdf")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "report.odt"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnsupportedFormat, match=r"report.odt: unsupported file type '.odt'"):
        load_document(path)


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(FileTooLarge, match="big.txt: file is"):
        load_document(path, max_bytes=1000)


def test_scanned_pdf_without_text(tmp_path):
    path = make_image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(UnreadableDocument, match="scan.pdf: no extractable text"):
        load_document(path)


def test_encrypted_pdf_needs_the_password(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Confidential evaluation findings."])
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf", "s3cret")
    with pytest.raises(UnreadableDocument, match="locked.pdf: the PDF is encrypted"):
        load_document(locked)
    with pytest.raises(UnreadableDocument, match="password is wrong"):
        load_document(locked, pdf_password="nope")
    doc = load_document(locked, pdf_password="s3cret")
    assert "Confidential evaluation findings." in doc.pages[0].text


def test_directory_expansion_reports_missing_paths_and_keeps_unsupported_files(tmp_path):
    (tmp_path / "a.md").write_text("# A\n\ntext", encoding="utf-8")
    (tmp_path / "b.docx").write_bytes(b"x")
    (tmp_path / "catalog.yaml").write_text("reports: {}", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("x", encoding="utf-8")
    files, errors = iter_input_files([tmp_path, tmp_path / "nope"])
    assert sorted(f.name for f in files) == ["a.md", "b.docx"]
    assert len(errors) == 1 and "nope: no such file or directory" in str(errors[0])
