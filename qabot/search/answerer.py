"""The question path, in order: retrieve → highlight → abstain → ``Answer``.

Pure over the library's tables: nothing here is stored between questions. Scores shown
to the reader are one quantity (``Hit.score``): the top passage's score is the
confidence that the text answers (the abstention model's output, so an abstained answer
always shows less than a confident one), and each further passage's score is that
confidence times its relevance relative to the top passage. When the hits follow an
entry's own order (a question asking what a day's entry says), there is no score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qabot.embedding import Embedder
from qabot.search.abstention import FITTED, SIGNALS, AbstentionModel, Decision, Evidence, NameTable
from qabot.search.abstention import evidence as measure
from qabot.search.aspect import ASPECT_DEPTH, closeness
from qabot.search.author import answering_line, is_card
from qabot.search.fusion import Ranking
from qabot.search.highlight import highlights
from qabot.search.query import Query
from qabot.search.retrieval import Ranked, Retrieval, RetrievalTables, retrieve
from qabot.text.language import NOT_ENGLISH_NOTE, looks_english
from qabot.types import Answer, Hit

Neighbours = Callable[[int], tuple[int | None, int | None]]  # passage id → (before, after)


@dataclass(frozen=True)
class AnswerConfig:
    """How questions are answered: the ranking, the abstention rule, highlights."""

    ranking: Ranking = field(default_factory=Ranking)
    abstention: AbstentionModel = FITTED
    highlight: bool = True  # show the answering sentence (it always feeds abstention)


@dataclass(frozen=True)
class Explained:
    """An answer with what led to it (for `qabot eval` and debugging)."""

    answer: Answer
    retrieval: Retrieval
    evidence: Evidence
    decision: Decision


def answer(
    tables: RetrievalTables,
    names: NameTable,
    neighbours: Neighbours,
    embedder: Embedder,
    query: Query,
    config: AnswerConfig,
    *,
    measure_all: bool = False,
) -> Explained:
    """Answer ``query``, keeping the retrieval, the evidence and the decision.

    ``measure_all`` measures every abstention signal, not only the model's (for eval).
    """
    model = config.abstention
    measured = SIGNALS if measure_all else model.weights.keys()
    reads_aspect = "aspect" in measured
    retrieval = retrieve(
        tables,
        embedder,
        query,
        config.ranking,
        depth=ASPECT_DEPTH if reads_aspect else 0,
        aspect=reads_aspect,
    )
    ranked = retrieval.ranked
    found: list[str | None] = [None] * len(ranked)
    if ranked and retrieval.signals is not None:
        found = list(
            highlights(
                tables.dense,
                retrieval.ranked_text or query.text,
                [r.position for r in ranked],
                retrieval.signals.query_vector,
            )
        )
    if retrieval.scope is not None and retrieval.scope.about_the_book:
        for number, item in enumerate(ranked):  # the card's line that answers
            if is_card(item.passage):
                found[number] = answering_line(query.text, item.passage.text) or found[number]
    aspect = -1.0
    if reads_aspect and retrieval.signals is not None:
        first = [r.position for r in (*ranked, *retrieval.runners_up)]
        aspect = closeness(tables.dense, retrieval.signals.aspect_vector, first)
    evidence = measure(
        names,
        query.text,
        retrieval,
        found[0] if found else None,
        narrowed=query.filters.narrowed,
        signals=measured,
        aspect=aspect,
    )
    decision = model.decide(evidence)
    scores = _shown_scores(ranked, decision.confidence, ordered=retrieval.order != "relevance")
    hits = []
    for rank, (item, highlight, score) in enumerate(zip(ranked, found, scores, strict=True), 1):
        before, after = neighbours(item.passage.id)
        hits.append(
            Hit(
                passage=item.passage,
                rank=rank,
                score=score,
                relevance=item.relevance,
                cosine=item.cosine,
                match=item.match,
                highlight=highlight if config.highlight else None,
                tells_of=item.tells_of,
                prev_id=before,
                next_id=after,
            )
        )
    notes = retrieval.notes
    if not looks_english(query.text):
        notes = (*notes, NOT_ENGLISH_NOTE)
    result = Answer(
        question=query.text,
        hits=tuple(hits),
        abstained=decision.abstain,
        notes=notes,
        abstain_reason=decision.reason if decision.abstain else None,
        order=retrieval.order,
    )
    return Explained(result, retrieval, evidence, decision)


def _shown_scores(
    ranked: Sequence[Ranked], confidence: float, *, ordered: bool
) -> list[float | None]:
    """Each hit's shown score: the confidence times its relevance relative to the top
    (none when the hits follow the text's order: relevance did not place them)."""
    if ordered:
        return [None] * len(ranked)
    if not ranked:
        return []
    top = ranked[0].relevance
    return [
        confidence * max(0.0, min(1.0, item.relevance / top if top > 0 else 0.0)) for item in ranked
    ]
