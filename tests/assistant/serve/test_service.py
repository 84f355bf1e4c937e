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


def test_warm_up_loads_both_models_before_the_first_question(tmp_path):
    from assistant import Settings
    from assistant.serve.service import Service

    service = Service(Settings.load(index_dir=tmp_path / "index", env={}))
    try:
        assistant = service.assistant
        assert assistant.answer_embedder is not assistant.embedder  # e5 scores the sentences
        assert not assistant.embedder.loaded and not assistant.answer_embedder.loaded
        service.warm_up()
        assert assistant.embedder.loaded and assistant.answer_embedder.loaded
        assert assistant.documents() == []  # and the (empty) index is open
    finally:
        service.close()
