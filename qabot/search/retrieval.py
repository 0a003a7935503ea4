"""One question → ranked, distinct passages: scope, signals, fusion, order, duplicates.

Every passage is scored (array operations over the index), so restrictions and date
preferences stay exact instead of depending on a candidate depth. The order is, by
priority: passages of the entries the question's date selects; body before front matter,
unless the question uses a word only the front matter has ("translated", "published",
"copy") or a word whose expansion is one; then the fused score — or, when the question
asks for a dated entry as a whole, the entry's own order. Only the head of that order is
ever sorted, and near-copies are skipped for at most ``DUPLICATE_SCAN`` × k candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qabot.embedder import Embedder
from qabot.search.duplicates import is_duplicate
from qabot.search.fusion import Ranking, fuse
from qabot.search.query import Query
from qabot.search.scope import Scope, asks_for_the_entry, scope
from qabot.search.signals import Signals, compute
from qabot.search.snapshot import Snapshot
from qabot.types import Hit, Passage

if TYPE_CHECKING:
    import numpy as np

MATCH_DEPTH = 10  # a hit "matched" a retriever when it ranks this high in its list
DUPLICATE_SCAN = 20  # at most k × this many candidates are looked at for k distinct hits
_CHUNK = 64  # candidates sorted at a time


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits and everything the abstention rule and the reader need to know."""

    hits: list[Hit]
    signals: Signals | None  # None: the index is empty
    scope: Scope | None
    entry_ordered: bool = False  # hits follow the entry's order, not relevance
    asks_for_entry: bool = False  # the question only asks what a dated entry says

    @property
    def best_cosine(self) -> float:
        """Best sentence cosine over the passages the question may return."""
        if self.signals is None or self.scope is None or not self.scope.allowed.any():
            return -1.0
        return float(self.signals.sentence_cosine[self.scope.allowed].max())

    @property
    def notes(self) -> tuple[str, ...]:
        return self.scope.notes if self.scope else ()


def retrieve(snapshot: Snapshot, embedder: Embedder, query: Query, ranking: Ranking) -> Retrieval:
    """The best ``query.k`` distinct passages, best first (see the module doc for the order)."""
    import numpy as np

    if not len(snapshot):
        return Retrieval(hits=[], signals=None, scope=None)
    where = scope(snapshot, query.text, query.filters)
    signals = compute(snapshot, embedder, where.ranked_text, ranking.expands)
    allowed = where.allowed
    fused = fuse(signals, allowed, ranking)
    asked = set(signals.query_terms) | set(signals.expanded_terms)
    demoted = snapshot.about & (not (asked & snapshot.about_terms))
    asks_for_entry = (where.dated or bool(query.filters.date)) and asks_for_the_entry(
        snapshot, where.ranked_text
    )
    # Tiers first (passages telling of the question's day, its entries, then the body,
    # then the front matter), then
    # relevance — or, for "what did he write on January 9?", the entry's own order.
    telling = where.telling if where.telling is not None else np.zeros(len(fused), dtype=bool)
    tier = np.where(telling, 4, 0) + np.where(where.preferred, 2, 0) + np.where(demoted, 0, 1)
    within = snapshot.entry_order if asks_for_entry else -fused
    hits: list[Hit] = []
    kept: list[Passage] = []
    positions: list[int] = []
    looked = 0
    for position in _in_order(allowed, tier, within):
        looked += 1
        if looked > query.k * DUPLICATE_SCAN and hits:
            break  # a corpus of near-copies: stop looking, however many are left
        passage = snapshot.passages[int(position)]
        if is_duplicate(passage, kept, snapshot.shingles):
            continue
        kept.append(passage)
        positions.append(position)
        hits.append(
            Hit(
                passage=passage,
                score=float(fused[position]),
                cosine=float(signals.sentence_cosine[position]),
                rank=len(hits) + 1,
                tells_of=_tells_of(passage, where) if telling[position] else None,
            )
        )
        if len(hits) == query.k:
            break
    hits = _labelled(hits, positions, signals, allowed)
    return Retrieval(
        hits=hits,
        signals=signals,
        scope=where,
        entry_ordered=asks_for_entry,
        asks_for_entry=asks_for_entry,
    )


def _in_order(allowed: np.ndarray, tier: np.ndarray, within: np.ndarray) -> Iterator[int]:
    """Allowed positions by tier (7 … 0, high first), then by ``within`` (low first), lazily.

    Each tier is partitioned, not sorted: the first ``_CHUNK`` positions are found in
    linear time and sorted; the rest only if the caller reads that far.
    """
    import numpy as np

    for level in range(7, -1, -1):
        members = np.flatnonzero(allowed & (tier == level))
        remaining = members
        while len(remaining):
            if len(remaining) > _CHUNK:
                split = np.argpartition(within[remaining], _CHUNK)
                head, remaining = remaining[split[:_CHUNK]], remaining[split[_CHUNK:]]
            else:
                head, remaining = remaining, remaining[:0]
            yield from head[np.argsort(within[head], kind="stable")].tolist()


def _tells_of(passage: Passage, where: Scope) -> str | None:
    """The first day the passage tells of inside the question's date."""
    told = where.told
    if told is None:
        return None
    inside = [d for d in passage.mentions if told.start.isoformat() <= d <= told.end.isoformat()]
    return inside[0] if inside else None


def _labelled(
    hits: list[Hit], positions: list[int], signals: Signals, allowed: np.ndarray
) -> list[Hit]:
    """Each hit's ``match``: whether the dense and the lexical rankings have it in their top
    ``MATCH_DEPTH`` (ranks counted, not sorted: one comparison per passage and hit)."""
    import numpy as np

    if not hits:
        return hits
    at = np.asarray(positions)
    dense, lexical = signals.sentence_cosine, signals.lexical
    dense_rank = 1 + (dense[allowed][None, :] > dense[at][:, None]).sum(axis=1)
    scored = lexical[allowed & (lexical > 0)]
    lexical_rank = np.where(
        lexical[at] > 0, 1 + (scored[None, :] > lexical[at][:, None]).sum(axis=1), 0
    )
    return [
        replace(h, match=_match(int(d), int(r)))
        for h, d, r in zip(hits, dense_rank, lexical_rank, strict=True)
    ]


def _match(dense_rank: int, lexical_rank: int) -> str:
    """Which retriever found a hit: 'semantic', 'lexical' or 'both'."""
    semantic = 0 < dense_rank <= MATCH_DEPTH
    lexical = 0 < lexical_rank <= MATCH_DEPTH
    if semantic and lexical:
        return "both"
    if lexical:
        return "lexical"
    if semantic:
        return "semantic"
    return "lexical" if 0 < lexical_rank < dense_rank else "semantic"
