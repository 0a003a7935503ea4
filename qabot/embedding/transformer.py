"""The model as sentence-transformers runs it (torch): builds the index, exports the model.

torch and sentence-transformers load on the first embedding, not on construction, so
commands that only count tokens or check the index never import them.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.embedding import Progress
from qabot.embedding.models import resolve_model
from qabot.errors import ModelError

if TYPE_CHECKING:
    import numpy as np


class _FastTokenizer:
    """Counts tokens exactly as the model will, without loading torch."""

    def __init__(self, model_dir: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json truncates (at 128) and pads: both would hide the length.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text).ids)


def _configured_max_tokens(model_dir: Path) -> int | None:
    """The model's own ``max_seq_length`` (sentence_bert_config.json), read without
    loading its tokenizer: every command checks the index against it, and a cold
    `qabot ask` would load the tokenizer twice (once here, once in the ONNX session)."""
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@functools.lru_cache(maxsize=4)
def load_sentence_transformer(location: str, local: bool) -> Any:
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
    def model(self) -> Any:
        """The loaded SentenceTransformer (torch is imported here, once per process)."""
        return load_sentence_transformer(self.source.location, self.source.local)

    def _fast_tokenizer(self) -> _FastTokenizer | None:
        if self._tokenizer is None and not self._tokenizer_failed and self.source.local:
            try:
                self._tokenizer = _FastTokenizer(Path(self.source.location))
            except Exception:
                self._tokenizer_failed = True
        return self._tokenizer

    @functools.cached_property
    def max_tokens(self) -> int:
        configured = (
            _configured_max_tokens(Path(self.source.location)) if self.source.local else None
        )
        return configured if configured is not None else int(self.model.max_seq_length)

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

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """See ``BuildEmbedder.embed_passages``: the transformer run once per text, its
        token vectors mean-pooled over the whole text (exactly as the model's own mean
        pooling and normalization) and over each span."""
        import numpy as np
        import torch

        model = self.model
        modules = list(model)
        transformer = modules[0]
        if not _pools_mean(modules) or not hasattr(transformer, "auto_model"):
            vectors = self.embed(texts)  # another layout: sentences embedded on their own
            parts = [
                self.embed([text[a:b] for a, b in ranges]) if ranges else vectors[:0]
                for text, ranges in zip(texts, spans, strict=True)
            ]
            return vectors, parts
        encoded = transformer.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").numpy()
        with torch.inference_mode():
            hidden = transformer.auto_model(**encoded).last_hidden_state.numpy()
        mask = encoded["attention_mask"].numpy().astype(np.float32)
        from qabot.embedding.pooling import pool

        return pool(hidden, mask, offsets, spans)

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


def _pools_mean(modules: list[Any]) -> bool:
    """True for a transformer with mean pooling (and normalization): the default model."""
    if len(modules) < 2:
        return False
    mode = (
        getattr(modules[1], "pooling_mode", None)
        or getattr(modules[1], "get_pooling_mode_str", lambda: None)()
    )
    return mode == "mean"
