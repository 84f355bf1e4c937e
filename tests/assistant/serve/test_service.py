"""Upload names are sanitised; bad ones are refused with a reason."""

from __future__ import annotations

import pytest

from assistant.serve.service import safe_filename
from ingest.errors import UnsupportedFormat


@pytest.mark.parametrize("given, stored", [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("/abs/path/Report 2021.MD", "Report 2021.md"),
    ("C:\\Users\\x\\eval.txt", "eval.txt"),
    ("a\x00b\x07c.txt", "abc.txt"),
    ("évaluation finale.pdf", "évaluation finale.pdf"),
    ("<script>x</script>.md", "script_.md"),  # "/" ends the folder part
    ("..hidden.txt", "hidden.txt"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
])
def test_names_are_made_safe(given, stored):
    assert safe_filename(given) == stored


@pytest.mark.parametrize("given", ["tool.exe", "noext", "../", ".txt", "archive.tar.gz"])
def test_other_types_are_refused(given):
    with pytest.raises(UnsupportedFormat, match=r"upload a PDF, a \.txt, .* or a \.docx file"):
        safe_filename(given)
