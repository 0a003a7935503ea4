"""Signals → one ranking score per candidate passage: pure functions over arrays.

The default is ``mix``: a weighted sum of the four signals (passage cosine, closest-
sentence cosine, passage BM25, best-sentence BM25), each read as its distance from the
corpus's own level for this question, in units of its spread (``Levels``). A cosine of
0.45 is nothing where every passage scores 0.40 and much where they score 0.10; a BM25
score grows with the book's vocabulary: distances from the level are comparable across
questions and books of any size, so one set of weights holds for all of them. The
weights are fitted across books, leaving one book out (``qabot eval``; see
``qabot.evaluation.books``). ``rrf`` is reciprocal rank fusion (ranks from 1, constant
``rrf_k``), for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from qabot.search.expansion import Expansion
from qabot.search.signals import Signals

if TYPE_CHECKING:
    import numpy as np

# Chosen by `qabot eval` on four books (the journal, a novel, a dictionary, the whole
# Pepys diary) among the weights of each signal 0, ½ or 1: the best mean hit@1 + hit@5
# over the books. With each book left out, the choice on the other three was this one
# or (0, 1, ½, ½); held-out figures: docs/quality.md.
FITTED_WEIGHTS = (1.0, 0.5, 1.0, 0.5)

Mode = Literal["hybrid", "dense", "bm25"]
Fusion = Literal["rrf", "mix"]


@dataclass(frozen=True)
class Ranking:
    """How passages are ranked: which signals, fused how."""

    mode: Mode = "hybrid"
    fusion: Fusion = "mix"
    rrf_k: int = 60
    # weights of: passage cosine, sentence cosine, passage BM25, sentence BM25
    weights: tuple[float, float, float, float] = FITTED_WEIGHTS
    expansion: Expansion = field(default_factory=Expansion)

    @property
    def expands(self) -> Expansion | None:
        """Query expansion applies to hybrid ranking only."""
        return self.expansion if self.mode == "hybrid" else None


def ranks(scores: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Rank (from 1) of each counted candidate by descending score; 0 for the others."""
    import numpy as np

    result = np.zeros(len(scores), dtype=np.int64)
    positions = np.flatnonzero(counted)
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


def mix(signals: Signals, weights: tuple[float, float, float, float]) -> np.ndarray:
    """Weighted sum of the signals' distances from their level (see the module doc)."""
    import numpy as np

    levels = signals.levels
    parts = (
        (signals.passage_cosine, levels.passage_cosine),
        (signals.sentence_cosine, levels.sentence_cosine),
        (signals.passage_bm25, levels.passage_bm25),
        (signals.sentence_bm25, levels.sentence_bm25),
    )
    mixed = np.zeros(len(signals.positions), dtype=np.float64)
    for weight, (values, level) in zip(weights, parts, strict=True):
        if weight:
            mixed += weight * (values.astype(np.float64) - level.mean) / level.spread
    return mixed


def fuse(signals: Signals, ranking: Ranking) -> np.ndarray:
    """One score per candidate (higher is better) by the configured ranking."""
    import numpy as np

    dense = signals.sentence_cosine
    if ranking.mode == "dense":
        return dense.astype(np.float64)
    if ranking.mode == "bm25":
        return signals.passage_bm25 + 1e-3 * dense  # dense only breaks ties
    if ranking.fusion == "rrf":
        everything = np.ones(len(dense), dtype=bool)
        lists = [ranks(dense, everything)]
        for scores in (signals.passage_bm25, signals.sentence_bm25):
            lists.append(ranks(scores, scores > 0))
        return rrf(lists, ranking.rrf_k)
    return mix(signals, ranking.weights)
