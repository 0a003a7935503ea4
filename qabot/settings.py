"""One typed settings object, built once by the shell and passed down.

Sources, highest priority first: explicit overrides (tests, CLI flags), environment
variables (``QABOT_*``), a ``.env`` file, the TOML settings file (``config/qabot.toml``
by default, or ``QABOT_CONFIG``), then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Collection, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from qabot.errors import ConfigError

ENV_PREFIX = "QABOT_"
DEFAULT_CONFIG_FILE = Path("config/qabot.toml")

# The TOML file for the Settings being built right now (set only inside load_settings).
_config_file: ContextVar[Path | None] = ContextVar("qabot_config_file", default=None)


class Settings(BaseSettings):
    """Everything qabot can be configured with; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        validate_default=True,
    )

    corpus_dir: Path = Field(
        Path("corpus"),
        description="Folder of texts (.txt, .md, .html, .xhtml, .epub), searched recursively.",
        json_schema_extra={"group": "storage"},
    )
    embeddings_dir: Path = Field(
        Path("embeddings"),
        description="Where the index is kept.",
        json_schema_extra={"group": "storage"},
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        min_length=1,
        description="sentence-transformers name or local path; all-MiniLM-L6-v2 is bundled.",
        json_schema_extra={"group": "storage"},
    )
    allow_download: bool = Field(
        False,
        description="Fetch a model that is neither a local folder, the bundled one nor in the "
        "local Hugging Face cache (needs network access).",
        json_schema_extra={"group": "storage"},
    )
    top_k: int = Field(
        3,
        ge=1,
        le=20,
        description="Passages returned per question.",
        json_schema_extra={"group": "answering"},
    )
    abstain_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Abstain when the confidence is below this; unset: the fitted threshold.",
        json_schema_extra={"group": "answering"},
    )
    retrieval: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid",
        description="Ranking: dense and BM25 fused, or one of them alone.",
        json_schema_extra={"group": "answering"},
    )
    fusion: Literal["rrf", "mix"] = Field(
        "mix",
        description="How hybrid ranking fuses: a fitted score mix or reciprocal rank fusion.",
        json_schema_extra={"group": "answering"},
    )
    rrf_k: int = Field(
        60,
        ge=1,
        description="Reciprocal rank fusion constant (ranks from 1).",
        json_schema_extra={"group": "answering"},
    )
    mix_weights: tuple[float, float, float, float] | None = Field(
        None,
        description="Score mix weights: passage cosine, best-sentence cosine, passage BM25, "
        "best-sentence BM25, each signal read as its distance from the corpus's level for "
        "the question; unset: the weights fitted across books (`qabot eval`).",
        json_schema_extra={"group": "answering"},
    )
    highlight: bool = Field(
        True,
        description="Find the best-answering sentence of each hit.",
        json_schema_extra={"group": "answering"},
    )
    query_runtime: Literal["onnx", "sentence-transformers"] = Field(
        "onnx",
        description="Embed questions with the ONNX export (fast start, no torch) or with "
        "sentence-transformers.",
        json_schema_extra={"group": "answering"},
    )
    max_question_chars: int = Field(
        1000,
        ge=1,
        description="Longer questions are refused.",
        json_schema_extra={"group": "answering"},
    )
    chunk_max_tokens: int | None = Field(
        None,
        ge=16,
        description="Passage size limit; default and cap: the model's max_seq_length.",
        json_schema_extra={"group": "storage"},
    )
    chunk_min_tokens: int = Field(
        32,
        ge=0,
        description="Smaller passages are merged with a neighbour.",
        json_schema_extra={"group": "storage"},
    )
    batch_size: int = Field(
        32,
        ge=1,
        le=1024,
        description="Texts embedded per batch.",
        json_schema_extra={"group": "storage"},
    )
    max_file_mb: float = Field(
        20.0,
        gt=0,
        description="Corpus files larger than this are skipped with a warning.",
        json_schema_extra={"group": "storage"},
    )
    watch_debounce_ms: int = Field(
        1000,
        ge=50,
        description="`qabot watch` waits this long for edits to settle.",
        json_schema_extra={"group": "watch"},
    )
    reload_seconds: float = Field(
        5.0,
        ge=0,
        description="How often the bot checks for a new index (0: never).",
        json_schema_extra={"group": "discord"},
    )
    discord_token: SecretStr | None = Field(
        None, description="Discord bot token (secret).", json_schema_extra={"group": "discord"}
    )
    discord_guild_id: int | None = Field(
        None,
        ge=0,
        description="Also sync /ask to this server, where it appears at once.",
        json_schema_extra={"group": "discord"},
    )
    discord_message_content: bool = Field(
        True,
        description="Ask for the privileged message content intent (fallback if denied).",
        json_schema_extra={"group": "discord"},
    )
    discord_cooldown_rate: int = Field(
        3,
        ge=1,
        description="Questions a user may ask per …",
        json_schema_extra={"group": "discord"},
    )
    discord_cooldown_seconds: float = Field(
        30.0, gt=0, description="… this many seconds.", json_schema_extra={"group": "discord"}
    )
    discord_more_timeout: float = Field(
        300.0,
        gt=0,
        description="Seconds the More button works.",
        json_schema_extra={"group": "discord"},
    )
    discord_max_concurrent: int = Field(
        4,
        ge=1,
        le=64,
        description="Questions computed at once.",
        json_schema_extra={"group": "discord"},
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        config_file = _config_file.get()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return (*sources, file_secret_settings)


Group = Literal["storage", "answering", "watch", "discord"]
# storage: where the texts and the index are, and how the index is built; answering:
# how questions are answered; watch: `qabot watch`; discord: the bot.


def settings_of(*groups: Group) -> frozenset[str]:
    """The names of the settings in these groups: what a command reads."""
    return frozenset(
        name
        for name, info in Settings.model_fields.items()
        if isinstance(info.json_schema_extra, dict)
        and info.json_schema_extra.get("group") in groups
    )


def _env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def _dotenv_keys() -> set[str]:
    """The keys a .env file in the working directory sets (upper case)."""
    path = Path(".env")
    if not path.is_file():
        return set()
    from dotenv import dotenv_values

    return {key.upper() for key in dotenv_values(path)}


def _from_file(field: str, toml: dict[str, Any]) -> bool:
    """True when the value of ``field`` came from the settings file (no variable set it)."""
    variable = _env_name(field)
    return field in toml and variable not in os.environ and variable not in _dotenv_keys()


def _describe(error: Mapping[str, Any], toml: dict[str, Any], path: Path) -> str:
    """One line naming the setting, its value (never a secret's) and where to fix it."""
    import difflib

    location = error.get("loc") or ()
    field = str(location[0]) if location else "?"
    if error.get("type") == "extra_forbidden":
        close = difflib.get_close_matches(field, list(Settings.model_fields), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else "; see the README's settings table"
        return f"unknown setting {field!r} in {path}{hint}"
    value = error.get("input")
    secret = "token" in field.lower()
    shown = f" = {value!r}" if not secret and isinstance(value, str | int | float) else ""
    if _from_file(field, toml):  # named as the user wrote it: the key of the file
        name, where = field, str(path)
    else:
        name, where = _env_name(field), "the environment or .env"
    return f"invalid setting {name}{shown}: {error.get('msg', 'invalid value')}; fix it in {where}"


def load_settings(
    config_file: Path | str | None = None,
    *,
    uses: Collection[str] | None = None,
    warn: Callable[[str], None] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings once; a bad value raises ConfigError naming the setting.

    ``config_file`` defaults to ``$QABOT_CONFIG`` or ``config/qabot.toml`` (skipped when
    absent, unless named explicitly). ``overrides`` win over every source (command-line
    flags). A bad value of a setting outside ``uses`` (the settings the command reads;
    None: all) does not stop the command: it is replaced by its default and reported
    through ``warn``.
    """
    explicit = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
    path = Path(explicit) if explicit else DEFAULT_CONFIG_FILE
    if explicit and not path.is_file():
        raise ConfigError(f"settings file {path} not found; create it or fix QABOT_CONFIG")
    toml: dict[str, Any] = {}
    if path.is_file():
        try:
            toml = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"settings file {path} is not valid TOML: {error}") from None
    if "discord_token" in toml:
        raise ConfigError(
            f"{path} sets discord_token: the token is a secret and does not belong in the "
            "settings file; delete that line and put QABOT_DISCORD_TOKEN in the environment "
            "or .env"
        )
    token = _config_file.set(path if path.is_file() else None)
    try:
        for _ in range(len(Settings.model_fields) + 1):
            try:
                return Settings(**overrides)
            except ValidationError as error:
                problems = error.errors()
                unused = [
                    e
                    for e in problems
                    if e.get("loc")
                    and str(e["loc"][0]) in Settings.model_fields
                    and uses is not None
                    and str(e["loc"][0]) not in uses
                ]
                if len(unused) < len(problems) or not unused:
                    first = next(e for e in problems if e not in unused)
                    raise ConfigError(_describe(first, toml, path)) from None
                for problem in unused:
                    field = str(problem["loc"][0])
                    overrides[field] = Settings.model_fields[field].default
                    if warn is not None:
                        described = _describe(problem, toml, path)
                        warn(f"ignoring {described} (this command does not use it)")
        raise ConfigError("the settings cannot be read")  # pragma: no cover - bounded loop
    finally:
        _config_file.reset(token)
