"""One question → ranked, distinct passages: scope, signals, fusion, order, duplicates.

The candidates of ``signals`` (what either retriever finds, and the passages the
question's date selects) are scored in full and ordered, by priority: passages telling
of the question's day, then the entries it selects; the author's text before notes,
editorial matter and front matter, unless the question asks for them (``parts``) or
asks who or where a name is (an editor's note on it says so as the text does); then
the fused score — or, when the question asks for a dated entry as a whole, the entry's
own order; when it asks for the book's opening or close itself ("How does the story
end?"), the book's own order at that edge, and for a part named by its title, the
part's from its opening ("What happens in chapter 3?") or its end ("How does chapter 3
end?"). Near-copies are skipped for at most
``DUPLICATE_SCAN`` × k candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from qabot.dates import day_of
from qabot.embedding import Embedder
from qabot.search.aspect import aspect_of
from qabot.search.casing import CasingTable
from qabot.search.dense import DenseTable
from qabot.search.duplicates import Distinct
from qabot.search.expansion import ExpansionTable
from qabot.search.fusion import Ranking, fuse
from qabot.search.lexical import LexicalTable
from qabot.search.parts import PartTable
from qabot.search.query import Query
from qabot.search.scope import Scope, ScopeTable, asks_for_the_entry, scope
from qabot.search.signals import Signals, compute
from qabot.types import Match, Order, Passage

if TYPE_CHECKING:
    import numpy as np

MATCH_DEPTH = 10  # a hit "matched" a retriever when it ranks this high in its list
DUPLICATE_SCAN = 20  # at most k × this many candidates are looked at for k distinct hits


@dataclass(frozen=True)
class RetrievalTables:
    """The tables retrieval reads, each built once per library by its own module."""

    passages: tuple[Passage, ...]
    dense: DenseTable
    lexical: LexicalTable
    expansion: ExpansionTable
    scope: ScopeTable
    parts: PartTable
    casing: CasingTable


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
    order: Order = "relevance"  # or the text's own order: an entry, an edge, a part
    shown: np.ndarray | None = None  # per candidate: in the tier that is shown first
    runners_up: tuple[Ranked, ...] = ()  # ranked after the k shown, up to the depth asked

    @property
    def best_cosine(self) -> float:
        """Best sentence cosine over the candidates of the first tier: the parts of the
        book that answer (a note's cosine does not vouch for the text shown above it)."""
        if self.signals is None or not len(self.signals.positions):
            return -1.0
        values = self.signals.sentence_cosine
        if self.shown is not None and self.shown.any():
            values = values[self.shown]
        return float(values.max())

    @property
    def ranked_text(self) -> str | None:
        """The question as ranked (its date words removed), None for an empty index."""
        return self.scope.ranked_text if self.scope else None

    @property
    def notes(self) -> tuple[str, ...]:
        return self.scope.notes if self.scope else ()


@dataclass(frozen=True)
class Candidates:
    """A question's candidates, scored by every signal and sorted into tiers: all that
    ranking needs, whatever the fusion (``qabot eval`` ranks them under many)."""

    signals: Signals
    scope: Scope
    tier: np.ndarray  # per candidate: higher tiers come first (see the module doc)
    telling: np.ndarray  # per candidate: tells of the question's day
    order: Order


def gather(
    tables: RetrievalTables, embedder: Embedder, query: Query, ranking: Ranking, aspect: bool
) -> Candidates | None:
    """The candidates of ``query`` and their tiers (None: the index is empty); ``aspect``:
    also embed what it asks apart from its names (``qabot.search.aspect``)."""
    import numpy as np

    if not len(tables.passages):
        return None
    where = scope(tables.scope, query.text, query.filters, tables.parts)
    wanted = where.preferred | (where.telling if where.telling is not None else where.preferred)
    signals = compute(
        tables.dense,
        tables.lexical,
        tables.expansion,
        embedder,
        where.ranked_text,
        ranking.expands,
        where.allowed,
        wanted,
        aspect_of(where.ranked_text, tables.casing.written_as_name) if aspect else None,
    )
    at = signals.positions
    demoted = tables.parts.demoted(
        set(signals.query_terms) | set(signals.expanded_terms), query.filters.part == "all"
    )[at]
    if where.introduced is not None:  # who someone is: the editor's gloss says as the text does
        demoted &= ~where.preferred[at]
    order: Order = "relevance"
    if (where.dated or bool(query.filters.date)) and asks_for_the_entry(
        tables.scope, where.ranked_text
    ):
        order = "entry"
    elif where.asks_for_the_edge:
        order = "text"
    elif where.asks_for_the_part:
        order = "part_end" if where.edge == "closing" else "part"
    # Tiers: passages telling of the question's day, its entries, then the text, then
    # the other parts.
    telling = where.telling[at] if where.telling is not None else np.zeros(len(at), dtype=bool)
    tier = np.where(telling, 4, 0) + np.where(where.preferred[at], 2, 0) + np.where(demoted, 0, 1)
    return Candidates(signals, where, tier, telling, order)


def retrieve(
    tables: RetrievalTables,
    embedder: Embedder,
    query: Query,
    ranking: Ranking,
    depth: int = 0,
    *,
    aspect: bool = False,
) -> Retrieval:
    """The best ``query.k`` distinct passages, best first (see the module doc for the order);
    ranked by relevance, the next ones up to ``depth`` as ``runners_up`` (the abstention
    rule reads the same passages however many are shown); ``aspect``: the abstention rule
    reads the aspect (``Signals.aspect_vector``)."""
    candidates = gather(tables, embedder, query, ranking, aspect)
    if candidates is None:
        return Retrieval(ranked=(), signals=None, scope=None)
    if candidates.order != "relevance" or depth <= query.k:
        return rank(tables, candidates, ranking, query.k)
    deeper = rank(tables, candidates, ranking, depth)
    return replace(deeper, ranked=deeper.ranked[: query.k], runners_up=deeper.ranked[query.k :])


def rank(tables: RetrievalTables, candidates: Candidates, ranking: Ranking, k: int) -> Retrieval:
    """The best ``k`` distinct candidates under ``ranking``: tiers first, then the fused
    score — or, for "what did he write on January 9?", the entry's own order, for "how
    does the story end?", the book's (the last passages, read in order), and for "what
    happens in A Council of War?", the part's from its opening."""
    import numpy as np

    signals, where, tier, telling = (
        candidates.signals,
        candidates.scope,
        candidates.tier,
        candidates.telling,
    )
    at = signals.positions
    fused = fuse(signals, ranking)
    order_by = candidates.order
    within, other = -fused, np.zeros(len(at), dtype=bool)
    if order_by == "entry":
        within = tables.scope.entry_order[at]
    elif (order_by == "text" and where.edge is not None) or order_by in ("part", "part_end"):
        first = np.where(tier == tier.max(), fused, -np.inf)
        edge = where.edge or "opening"  # a part from its opening, unless its end is asked
        other, within = tables.scope.edges.from_the_edge(at, first, edge)
    order = np.lexsort((within, other, -tier))
    distinct = Distinct()
    chosen: list[int] = []  # indexes into the candidates
    for looked, candidate in enumerate(order.tolist(), start=1):
        if looked > k * DUPLICATE_SCAN and chosen:
            break  # a corpus of near-copies: stop looking, however many are left
        if not distinct.add(tables.passages[int(at[candidate])]):
            continue
        chosen.append(candidate)
        if len(chosen) == k:
            break
    if order_by in ("text", "part_end") and where.edge == "closing":
        chosen.reverse()  # the book's last passages, as they are read
    matches = _matches(chosen, signals)
    ranked = tuple(
        Ranked(
            passage=tables.passages[int(at[candidate])],
            position=int(at[candidate]),
            relevance=float(fused[candidate]),
            cosine=float(signals.sentence_cosine[candidate]),
            match=match,
            tells_of=_tells_of(tables.passages[int(at[candidate])], where)
            if telling[candidate]
            else None,
        )
        for candidate, match in zip(chosen, matches, strict=True)
    )
    first_tier = tier == tier.max() if len(tier) else tier.astype(bool)
    return Retrieval(
        ranked=ranked,
        signals=signals,
        scope=where,
        order=order_by,
        shown=first_tier,
    )


def _tells_of(passage: Passage, where: Scope) -> str | None:
    """The first day the passage tells of inside the question's date."""
    told = where.told
    if told is None:
        return None
    inside = [d for d in passage.mentions if told.start <= day_of(d) <= told.end]
    return inside[0] if inside else None


def _matches(chosen: list[int], signals: Signals) -> list[Match]:
    """Each passage's ``match``: whether the dense and the lexical rankings have it in
    their top ``MATCH_DEPTH`` among the candidates (ranks counted, not sorted)."""
    import numpy as np

    if not chosen:
        return []
    at = np.asarray(chosen)
    dense, lexical = signals.sentence_cosine, signals.lexical
    dense_rank = 1 + (dense[None, :] > dense[at][:, None]).sum(axis=1)
    scored = lexical[lexical > 0]
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
