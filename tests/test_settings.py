"""Settings: sources and their priority, clear one-line errors, the secret stays secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot.errors import ConfigError
from qabot.settings import load_settings


def test_defaults_use_the_bundled_model():
    settings = load_settings()
    assert settings.model == "all-MiniLM-L6-v2"
    assert settings.corpus_dir == Path("corpus")
    assert settings.embeddings_dir == Path("embeddings")
    assert settings.top_k == 3
    assert settings.discord_token is None


def test_priority_override_env_dotenv_file(tmp_path: Path, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "qabot.toml").write_text(
        'top_k = 4\nmodel = "from-file"\nbatch_size = 8\n'
    )
    (tmp_path / ".env").write_text("QABOT_TOP_K=5\nQABOT_MODEL=from-dotenv\n")
    monkeypatch.setenv("QABOT_TOP_K", "6")
    settings = load_settings()
    assert settings.batch_size == 8  # only the file sets it
    assert settings.model == "from-dotenv"  # .env beats the file
    assert settings.top_k == 6  # the environment beats .env
    assert load_settings(top_k=7).top_k == 7  # explicit overrides beat everything


def test_config_file_from_environment(tmp_path: Path, monkeypatch):
    other = tmp_path / "elsewhere.toml"
    other.write_text('corpus_dir = "texts"\n')
    monkeypatch.setenv("QABOT_CONFIG", str(other))
    assert load_settings().corpus_dir == Path("texts")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "QABOT_TOP_K",
            "abc",
            r"^invalid setting QABOT_TOP_K = 'abc': .*valid integer.*; fix it in",
        ),
        ("QABOT_TOP_K", "0", r"^invalid setting QABOT_TOP_K = '0': .*greater than or equal to 1"),
        ("QABOT_ABSTAIN_THRESHOLD", "high", r"^invalid setting QABOT_ABSTAIN_THRESHOLD = 'high'"),
        ("QABOT_MODEL", "", r"^invalid setting QABOT_MODEL"),
    ],
)
def test_bad_value_names_the_setting_on_one_line(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings()
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_unknown_key_in_settings_file(tmp_path: Path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "qabot.toml").write_text("top_kk = 3\n")
    with pytest.raises(ConfigError, match=r"'top_kk' \(unknown setting\).*config/qabot.toml"):
        load_settings()


def test_broken_toml_names_the_file(tmp_path: Path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "qabot.toml").write_text("top_k = = 3\n")
    with pytest.raises(ConfigError, match=r"settings file config/qabot.toml is not valid TOML"):
        load_settings()


def test_named_settings_file_must_exist(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"settings file .*missing.toml not found"):
        load_settings(tmp_path / "missing.toml")


def test_token_never_shown(monkeypatch):
    secret = "MTIzNDU2Nzg5.abcdef.SECRET-token-value"
    monkeypatch.setenv("QABOT_DISCORD_TOKEN", secret)
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == secret
    assert secret not in repr(settings) and secret not in str(settings)
    assert secret not in str(settings.model_dump())


def test_token_error_does_not_echo_the_value(tmp_path: Path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "qabot.toml").write_text("discord_token = 12345\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "QABOT_DISCORD_TOKEN" in str(caught.value) and "12345" not in str(caught.value)
