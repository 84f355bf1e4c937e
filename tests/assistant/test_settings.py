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
