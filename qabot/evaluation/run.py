"""Ask every labeled question and record what the answerer did with it."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from qabot.evaluation.cases import Case, normalize
from qabot.library import Library
from qabot.search.abstention import Evidence
from qabot.search.fusion import Ranking

DEPTH = 5  # hit@1/3/5 and MRR@5


@dataclass(frozen=True)
class CaseResult:
    """One question's outcome under one ranking."""

    case: Case
    rank: int | None  # rank of the first hit containing a gold snippet (≤ DEPTH)
    citation_ok: bool | None  # None: unanswerable or not found
    evidence: Evidence  # the abstention rule's inputs
    top_citation: str | None
    top_match: str | None
    top_role: str | None = None  # the part of the book the first hit is from
    book: str = ""  # the question set it is from


def run(
    library: Library, cases: Sequence[Case], ranking: Ranking | None = None, book: str = ""
) -> list[CaseResult]:
    """Answer every case (top ``DEPTH``) and find the first passage holding its answer."""
    results = []
    config = library.config if ranking is None else replace(library.config, ranking=ranking)
    for case in cases:
        query = library.query(case.question, DEPTH)
        explained = library.explain(query, config=config, measure_all=True)
        golds = [normalize(g) for g in case.gold]
        rank, citation_ok = None, None
        for hit in explained.answer.hits:
            if any(g in normalize(hit.passage.text) for g in golds):
                rank = hit.rank
                citation_ok = (
                    case.section is None
                    or normalize(hit.passage.section or "") == normalize(case.section)
                ) and (case.date is None or hit.passage.date == case.date)
                break
        top = explained.answer.hits[0] if explained.answer.hits else None
        results.append(
            CaseResult(
                case=case,
                rank=rank,
                citation_ok=citation_ok,
                evidence=explained.evidence,
                top_citation=str(top.passage.citation) if top else None,
                top_match=top.match if top else None,
                top_role=top.passage.role if top else None,
                book=book,
            )
        )
    return results


def share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


@dataclass(frozen=True)
class Ranks:
    """Retrieval figures over the answerable questions."""

    hit_at: dict[int, float]
    mrr: float
    citation_accuracy: float
    count: int


def rank_figures(ranks: Sequence[int | None], citations: Sequence[bool | None]) -> Ranks:
    """hit@1/3/5, MRR@5 and citation accuracy from each answerable question's rank."""
    found = [c for r, c in zip(ranks, citations, strict=True) if r is not None]
    return Ranks(
        hit_at={n: share([r is not None and r <= n for r in ranks]) for n in (1, 3, 5)},
        mrr=statistics.fmean(1 / r if r else 0.0 for r in ranks) if ranks else 0.0,
        citation_accuracy=share([bool(c) for c in found]),
        count=len(ranks),
    )


@dataclass(frozen=True)
class Abstentions:
    """Abstention figures: shares of each class that abstained, overall and per kind."""

    unanswerable_abstained: float
    answerable_abstained: float
    accuracy: float
    by_kind: dict[str, float] = field(default_factory=dict)  # share answered right, per kind


def abstention_figures(cases: Sequence[Case], abstained: Sequence[bool]) -> Abstentions:
    """How often each class abstained; per kind, the share handled right."""
    pairs = list(zip(cases, abstained, strict=True))
    kinds: dict[str, list[bool]] = {}
    for case, flag in pairs:
        kinds.setdefault(case.kind, []).append(flag != case.answerable)
    return Abstentions(
        unanswerable_abstained=share([f for c, f in pairs if not c.answerable]),
        answerable_abstained=share([f for c, f in pairs if c.answerable]),
        accuracy=share([f != c.answerable for c, f in pairs]),
        by_kind={k: share(v) for k, v in sorted(kinds.items())},
    )
