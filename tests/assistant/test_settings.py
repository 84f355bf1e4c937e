"""Settings: defaults < config file < environment < explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import ConfigError, Settings


def test_precedence(tmp_path):
    config = tmp_path / "settings.toml"
    config.write_text('index_dir = "from-file"\ntop_k = 7\nchunk_tokens = 150\n', encoding="utf-8")
    env = {"ASSISTANT_CONFIG": str(config), "ASSISTANT_TOP_K": "9"}
    settings = Settings.load(env=env, chunk_tokens=120)
    assert settings.index_dir == Path("from-file")
    assert settings.top_k == 9
    assert settings.chunk_tokens == 120


def test_tool_table_of_a_named_pyproject_and_no_implicit_read(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.assistant]\ntop_k = 4\n", encoding="utf-8")
    assert Settings.load(config_file=tmp_path / "pyproject.toml", env={}).top_k == 4
    monkeypatch.chdir(tmp_path)  # a pyproject.toml in the working directory is not read
    assert Settings.load(env={}).top_k == Settings().top_k == 5


def test_bad_values_name_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="top_k"):
        Settings.load(env={"ASSISTANT_TOP_K": "0"})
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(config_file=tmp_path / "missing.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("top_k = = 3", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Settings.load(config_file=broken, env={})


def test_password_is_hidden():
    settings = Settings.load(env={"ASSISTANT_PDF_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(settings)
    assert settings.describe()["pdf_password"] == "***"


def test_the_settings_accept_what_the_embedder_registry_holds():
    from vectorstore import embedders, options

    registry = ("auto", *embedders.EMBEDDERS)
    assert options.EMBEDDER_BACKENDS == embedders.EMBEDDER_BACKENDS == registry
    assert options.EMBEDDING_PRECISIONS == embedders.EMBEDDING_PRECISIONS


def test_reading_the_settings_and_the_cli_parser_loads_no_model_code():
    """A command that a running server answers needs the settings and the parser only: the
    packages' names are imported on first use, so numpy, Chroma and the pipeline stay out."""
    import subprocess
    import sys

    probe = (
        "import sys, assistant.serve.cli as cli; cli.build_parser(); "
        "from assistant import Settings; Settings.load(env={}); "
        "print(sorted(m for m in ('numpy', 'chromadb', 'torch', 'assistant.core', "
        "'assistant.answering.pipeline') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
    probe = (
        "import assistant, vectorstore, ingest; "
        "print(assistant.Assistant.__module__, vectorstore.Hit.__module__, "
        "ingest.parse_sections.__module__, 'Settings' in dir(assistant))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    homes = ["assistant.core", "vectorstore.records", "ingest.structure", "True"]
    assert out.stdout.split() == homes
    import assistant

    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        assistant.Nothing  # noqa: B018
