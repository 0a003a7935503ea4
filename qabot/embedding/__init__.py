"""The embedding model, behind two small protocols; torch and onnxruntime load lazily.

==================  =================================================================
``models``          which model a reference means: the bundled copy, a folder, a hub
``transformer``     sentence-transformers (torch): builds the index, exports the model
``onnx``            the exported model run by onnxruntime: answers questions, no torch
==================  =================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

Progress = Callable[[int], None]  # called with the number of texts just embedded


class Embedder(Protocol):
    """What answering needs from a model: embed questions, say which model it is."""

    @property
    def identity(self) -> str:
        """Recorded in the manifest; a different identity means a rebuild."""
        ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """L2-normalized float32 vectors, one row per text."""
        ...


class BuildEmbedder(Embedder, Protocol):
    """What building an index needs besides: passages embedded with their sentences,
    and batches."""

    @property
    def batch_size(self) -> int: ...

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector, and a vector for each of its spans (character ranges): the
        mean of the text's own token vectors over the span, normalized. One forward
        pass per text: the sentences of a passage cost nothing more than the passage."""
        ...


__all__ = ["BuildEmbedder", "Embedder", "Progress"]
