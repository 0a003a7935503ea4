"""Sentence vectors from a passage's own token vectors: one forward pass per passage.

Shared by both embedders (sentence-transformers when building without an export, the
ONNX export otherwise), so that a sentence is pooled the same way whichever ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def pool(
    hidden: np.ndarray,
    mask: np.ndarray,
    offsets: np.ndarray,
    spans: Sequence[Sequence[tuple[int, int]]],
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Mean pooling of token vectors (``hidden``: texts × tokens × dimension) over each
    whole text and over each span of characters, normalized. A span's tokens are those
    that lie inside it (special tokens have empty offsets and belong to no span)."""
    import numpy as np

    def normalized(rows: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(rows, axis=-1, keepdims=True)
        return (rows / np.clip(norms, 1e-12, None)).astype(np.float32)

    weights = mask[..., None]
    vectors = normalized((hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None))
    parts = []
    for row, ranges in enumerate(spans):
        starts, ends = offsets[row, :, 0], offsets[row, :, 1]
        real = (ends > starts) & (mask[row] > 0)
        found = np.zeros((len(ranges), hidden.shape[2]), dtype=np.float32)
        for n, (start, end) in enumerate(ranges):
            inside = real & (starts >= start) & (ends <= end)
            found[n] = hidden[row, inside].mean(axis=0) if inside.any() else vectors[row]
        parts.append(normalized(found))
    return vectors, parts
