"""One question → ranked, distinct passages: scope, signals, fusion, order, duplicates.

Every passage is scored (exact search), so restrictions and date preferences stay exact
instead of depending on a candidate depth. The order is, by priority: passages of the
entries the question's date selects; body before front matter, unless the question uses
a word only the front matter has ("translated", "published", "copy"), or a word whose
expansion is one; then the fused
score — or, when the question asks for a dated entry as a whole, the entry's own order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.embedder import Embedder
from qabot.search.duplicates import is_duplicate
from qabot.search.fusion import Ranking, fuse, ranks
from qabot.search.query import Query
from qabot.search.scope import Scope, asks_for_the_entry, scope
from qabot.search.signals import Signals, compute
from qabot.search.snapshot import Snapshot
from qabot.types import Hit, Passage

if TYPE_CHECKING:
    pass

MATCH_DEPTH = 10  # a hit "matched" a retriever when it ranks this high in its list


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
    dense_rank = ranks(signals.sentence_cosine, allowed)
    lexical = signals.lexical
    lexical_rank = ranks(lexical, allowed & (lexical > 0))
    asked = set(signals.query_terms) | set(signals.expanded_terms)
    about_asked = bool(asked & snapshot.about_terms)
    demoted = snapshot.about & (not about_asked)
    candidates = np.flatnonzero(allowed)
    asks_for_entry = (where.dated or bool(query.filters.date)) and asks_for_the_entry(
        snapshot, where.ranked_text
    )
    if asks_for_entry:
        # "What did he write on January 9?": the entry itself, from its beginning
        # (entries interleaved when the nearest ones are shown).
        keys = (snapshot.entry_order[candidates], demoted[candidates], ~where.preferred[candidates])
    else:
        keys = (-fused[candidates], demoted[candidates], ~where.preferred[candidates])
    order = candidates[np.lexsort(keys)]
    hits: list[Hit] = []
    kept: list[Passage] = []
    for position in order:
        passage = snapshot.passages[int(position)]
        if is_duplicate(passage, kept, snapshot.shingles):
            continue
        kept.append(passage)
        hits.append(
            Hit(
                passage=passage,
                score=float(fused[position]),
                cosine=float(signals.sentence_cosine[position]),
                rank=len(hits) + 1,
                match=_match(int(dense_rank[position]), int(lexical_rank[position])),
            )
        )
        if len(hits) == query.k:
            break
    return Retrieval(
        hits=hits,
        signals=signals,
        scope=where,
        entry_ordered=asks_for_entry,
        asks_for_entry=asks_for_entry,
    )


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
