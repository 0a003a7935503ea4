"""Signals → one ranking score per passage: pure functions over arrays.

The default is ``mix``, a weighted mean of the passage cosine, the sentence cosine and
the two BM25 scores divided by the question's best (so every part is at most 1, and so
is the mix). ``rrf`` is reciprocal rank fusion (ranks from 1, constant ``rrf_k``).
``qabot eval`` compares them, with the fusion chosen in cross-validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from qabot.search.expansion import Expansion
from qabot.search.signals import Signals

if TYPE_CHECKING:
    import numpy as np

Mode = Literal["hybrid", "dense", "bm25"]
Fusion = Literal["rrf", "mix"]


@dataclass(frozen=True)
class Ranking:
    """How passages are ranked: which signals, fused how."""

    mode: Mode = "hybrid"
    fusion: Fusion = "mix"
    rrf_k: int = 60
    # weights of: passage cosine, sentence cosine, passage BM25, sentence BM25
    weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    expansion: Expansion = field(default_factory=Expansion)

    @property
    def expands(self) -> Expansion | None:
        """Query expansion applies to hybrid ranking only."""
        return self.expansion if self.mode == "hybrid" else None


def ranks(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Rank (from 1) of each allowed passage by descending score; 0 for the others."""
    import numpy as np

    result = np.zeros(len(scores), dtype=np.int64)
    positions = np.flatnonzero(allowed)
    order = positions[np.argsort(-scores[positions], kind="stable")]
    result[order] = np.arange(1, len(order) + 1)
    return result


def rrf(rank_lists: list[np.ndarray], k: int) -> np.ndarray:
    """Reciprocal rank fusion: the sum of 1 / (k + rank) over the lists that rank a passage."""
    import numpy as np

    total = np.zeros(len(rank_lists[0]), dtype=np.float64)
    for r in rank_lists:
        total += np.where(r > 0, 1.0 / (k + r), 0.0)
    return total


def mix(
    signals: Signals, allowed: np.ndarray, weights: tuple[float, float, float, float]
) -> np.ndarray:
    """Weighted mean of the cosines and the BM25 scores divided by their best (at most 1)."""
    import numpy as np

    a, b, c, d = weights
    lexical = [signals.passage_bm25, signals.sentence_bm25]
    top = [float(s[allowed].max()) if allowed.any() else 0.0 for s in lexical]
    mixed = (
        a * signals.passage_cosine.astype(np.float64)
        + b * signals.sentence_cosine
        + c * lexical[0] / (top[0] or 1.0)
        + d * lexical[1] / (top[1] or 1.0)
    )
    return mixed / (a + b + c + d or 1.0)


def fuse(signals: Signals, allowed: np.ndarray, ranking: Ranking) -> np.ndarray:
    """One score per passage (higher is better) by the configured ranking."""
    import numpy as np

    dense = signals.sentence_cosine
    if ranking.mode == "dense":
        return dense.astype(np.float64)
    if ranking.mode == "bm25":
        return signals.passage_bm25 + 1e-3 * dense  # dense only breaks ties
    if ranking.fusion == "rrf":
        lists = [ranks(dense, allowed)]
        for scores in (signals.passage_bm25, signals.sentence_bm25):
            lists.append(ranks(scores, allowed & (scores > 0)))
        return rrf(lists, ranking.rrf_k) * allowed
    return mix(signals, allowed, ranking.weights)
