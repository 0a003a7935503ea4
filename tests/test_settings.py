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


def test_unknown_key_in_settings_file_suggests_the_closest(tmp_path: Path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "qabot.toml").write_text("topk = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value) == "unknown setting 'topk' in config/qabot.toml; did you mean 'top_k'?"
    (tmp_path / "config" / "qabot.toml").write_text("colour = 'red'\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'colour' .*see the README"):
        load_settings()


def test_a_bad_value_in_the_file_is_named_as_its_key(tmp_path: Path, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "qabot.toml").write_text('top_k = "many"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith("invalid setting top_k = 'many': ")
    assert str(caught.value).endswith("; fix it in config/qabot.toml")
    monkeypatch.setenv("QABOT_TOP_K", "lots")  # the variable wins, and is named
    with pytest.raises(ConfigError, match=r"^invalid setting QABOT_TOP_K = 'lots'.*environment"):
        load_settings()


def test_a_setting_the_command_does_not_use_or_a_flag_overrides_does_not_stop_it(monkeypatch):
    monkeypatch.setenv("QABOT_TOP_K", "abc")
    assert load_settings(top_k=2).top_k == 2  # -k 2 wins over the bad variable
    warnings: list[str] = []
    settings = load_settings(uses={"corpus_dir", "model"}, warn=warnings.append)
    assert settings.top_k == 3  # the default
    assert warnings == [
        "ignoring invalid setting QABOT_TOP_K = 'abc': Input should be a valid integer, unable "
        "to parse string as an integer; fix it in the environment or .env "
        "(this command does not use it)"
    ]
    with pytest.raises(ConfigError, match="QABOT_TOP_K"):
        load_settings(uses={"top_k"})


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


def test_a_token_in_the_settings_file_is_refused_without_echoing_it(tmp_path: Path):
    (tmp_path / "config").mkdir()
    secret = "MTIzNDU2Nzg5.abcdef.SECRET-token-value"
    (tmp_path / "config" / "qabot.toml").write_text(f'discord_token = "{secret}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("config/qabot.toml sets discord_token: the token is a secret")
    assert "QABOT_DISCORD_TOKEN in the environment or .env" in message
    assert secret not in message and caught.value.exit_code == 2
