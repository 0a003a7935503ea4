"""One question → ranked, distinct passages: scope, signals, fusion, order, duplicates.

Every passage is scored (array operations over the index), so restrictions and date
preferences stay exact instead of depending on a candidate depth. The order is, by
priority: passages of the entries the question's date selects; the author's text before
notes, editorial and front matter, unless the question asks for them (``parts``); then
the fused score — or, when the question asks for a
dated entry as a whole, the entry's own order. Only the head of that order is ever
sorted, and near-copies are skipped for at most ``DUPLICATE_SCAN`` × k candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.dates import day_of
from qabot.embedding import Embedder
from qabot.search.dense import DenseTable
from qabot.search.duplicates import Distinct
from qabot.search.expansion import ExpansionTable
from qabot.search.fusion import Ranking, fuse
from qabot.search.lexical import LexicalTable
from qabot.search.parts import PartTable
from qabot.search.query import Query
from qabot.search.scope import Scope, ScopeTable, asks_for_the_entry, scope
from qabot.search.signals import Signals, compute
from qabot.types import Match, Passage

if TYPE_CHECKING:
    import numpy as np

MATCH_DEPTH = 10  # a hit "matched" a retriever when it ranks this high in its list
DUPLICATE_SCAN = 20  # at most k × this many candidates are looked at for k distinct hits
_CHUNK = 64  # candidates sorted at a time


@dataclass(frozen=True)
class RetrievalTables:
    """The tables retrieval reads, each built once per library by its own module."""

    passages: tuple[Passage, ...]
    dense: DenseTable
    lexical: LexicalTable
    expansion: ExpansionTable
    scope: ScopeTable
    parts: PartTable


@dataclass(frozen=True)
class Ranked:
    """A passage as retrieval ranked it: its place, fused relevance and match."""

    passage: Passage
    position: int  # in the index's passage order
    relevance: float  # the fused score (``fusion``)
    cosine: float  # the question's cosine with the passage's closest sentence
    match: Match
    tells_of: str | None = None  # the day of the question's date it tells of


@dataclass(frozen=True)
class Retrieval:
    """Ranked passages and everything the abstention rule and the reader need to know."""

    ranked: tuple[Ranked, ...]
    signals: Signals | None  # None: the index is empty
    scope: Scope | None
    entry_ordered: bool = False  # the passages follow the entry's order, not relevance

    @property
    def best_cosine(self) -> float:
        """Best sentence cosine over the passages the question may return."""
        if self.signals is None or self.scope is None or not self.scope.allowed.any():
            return -1.0
        return float(self.signals.sentence_cosine[self.scope.allowed].max())

    @property
    def ranked_text(self) -> str | None:
        """The question as ranked (its date words removed), None for an empty index."""
        return self.scope.ranked_text if self.scope else None

    @property
    def notes(self) -> tuple[str, ...]:
        return self.scope.notes if self.scope else ()


def retrieve(
    tables: RetrievalTables, embedder: Embedder, query: Query, ranking: Ranking
) -> Retrieval:
    """The best ``query.k`` distinct passages, best first (see the module doc for the order)."""
    import numpy as np

    if not len(tables.passages):
        return Retrieval(ranked=(), signals=None, scope=None)
    where = scope(tables.scope, query.text, query.filters, tables.parts)
    signals = compute(
        tables.dense, tables.lexical, tables.expansion, embedder, where.ranked_text, ranking.expands
    )
    allowed = where.allowed
    fused = fuse(signals, allowed, ranking)
    demoted = tables.parts.demoted(
        set(signals.query_terms) | set(signals.expanded_terms), query.filters.part == "all"
    )
    entry_ordered = (where.dated or bool(query.filters.date)) and asks_for_the_entry(
        tables.scope, where.ranked_text
    )
    # Tiers first (passages telling of the question's day, its entries, then the text,
    # then the other parts), then relevance — or, for "what did he write on January 9?",
    # the entry's own order.
    telling = where.telling if where.telling is not None else np.zeros(len(fused), dtype=bool)
    tier = np.where(telling, 4, 0) + np.where(where.preferred, 2, 0) + np.where(demoted, 0, 1)
    within = tables.scope.entry_order if entry_ordered else -fused
    distinct = Distinct()
    chosen: list[int] = []
    looked = 0
    for position in _in_order(allowed, tier, within):
        looked += 1
        if looked > query.k * DUPLICATE_SCAN and chosen:
            break  # a corpus of near-copies: stop looking, however many are left
        if not distinct.add(tables.passages[position]):
            continue
        chosen.append(position)
        if len(chosen) == query.k:
            break
    matches = _matches(chosen, signals, allowed)
    ranked = tuple(
        Ranked(
            passage=tables.passages[position],
            position=position,
            relevance=float(fused[position]),
            cosine=float(signals.sentence_cosine[position]),
            match=match,
            tells_of=_tells_of(tables.passages[position], where) if telling[position] else None,
        )
        for position, match in zip(chosen, matches, strict=True)
    )
    return Retrieval(ranked=ranked, signals=signals, scope=where, entry_ordered=entry_ordered)


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
    inside = [d for d in passage.mentions if told.start <= day_of(d) <= told.end]
    return inside[0] if inside else None


def _matches(positions: list[int], signals: Signals, allowed: np.ndarray) -> list[Match]:
    """Each passage's ``match``: whether the dense and the lexical rankings have it in
    their top ``MATCH_DEPTH`` (ranks counted, not sorted: one comparison per passage)."""
    import numpy as np

    if not positions:
        return []
    at = np.asarray(positions)
    dense, lexical = signals.sentence_cosine, signals.lexical
    dense_rank = 1 + (dense[allowed][None, :] > dense[at][:, None]).sum(axis=1)
    scored = lexical[allowed & (lexical > 0)]
    lexical_rank = np.where(
        lexical[at] > 0, 1 + (scored[None, :] > lexical[at][:, None]).sum(axis=1), 0
    )
    return [_match(int(d), int(r)) for d, r in zip(dense_rank, lexical_rank, strict=True)]


def _match(dense_rank: int, lexical_rank: int) -> Match:
    """Which retriever found a passage: 'semantic', 'lexical' or 'both'."""
    semantic = 0 < dense_rank <= MATCH_DEPTH
    lexical = 0 < lexical_rank <= MATCH_DEPTH
    if semantic and lexical:
        return "both"
    if lexical:
        return "lexical"
    if semantic:
        return "semantic"
    return "lexical" if 0 < lexical_rank < dense_rank else "semantic"
