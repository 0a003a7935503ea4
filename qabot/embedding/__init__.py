"""The embedding model, behind two small protocols; torch and onnxruntime load lazily.

==================  =================================================================
``models``          which model a reference means: the bundled copy, a folder, a hub
``transformer``     sentence-transformers (torch): builds the index, exports the model
``onnx``            the exported model run by onnxruntime: answers questions, no torch
==================  =================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
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
    """What building an index needs besides: batches, and the light export for answering."""

    @property
    def batch_size(self) -> int: ...

    def export_onnx(self, embeddings_dir: Path) -> Path | None:
        """Export the model for the light query path; None when it cannot be exported."""
        ...


__all__ = ["BuildEmbedder", "Embedder", "Progress"]
