"""`qabot eval`: a labeled question set → retrieval and abstention figures, held out.

``cases`` reads the file, ``run`` asks every question, ``crossval`` chooses the
abstention rule and the fusion by k-fold cross-validation, ``report`` prints. Pure
computation over a ``Library``: no printing outside ``report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from qabot.evaluation.cases import Case, EvalFileError, load_cases
from qabot.evaluation.crossval import (
    FOLDS,
    SubsetScores,
    ablate,
    cost,
    cross_validate,
    cross_validated_fusion,
    fittable,
)
from qabot.evaluation.report import Fitted, misses, render_report, result_record
from qabot.evaluation.run import (
    CaseResult,
    abstention_figures,
    rank_figures,
    run,
    share,
)
from qabot.library import Library
from qabot.search.fusion import Ranking

__all__ = ["Case", "EvalFileError", "Evaluation", "evaluate", "load_cases"]


def compared_rankings(configured: Ranking) -> list[tuple[str, Ranking]]:
    """The retrieval columns: each retriever alone, both fusions; * marks the configured one."""
    columns = [
        ("dense", replace(configured, mode="dense")),
        ("bm25", replace(configured, mode="bm25")),
        ("hybrid rrf", replace(configured, mode="hybrid", fusion="rrf")),
        ("hybrid mix", replace(configured, mode="hybrid", fusion="mix")),
    ]
    return [(f"{name}*" if ranking == configured else name, ranking) for name, ranking in columns]


@dataclass(frozen=True)
class Evaluation:
    """Everything one `qabot eval` run measured."""

    results: list[CaseResult]  # under the configured ranking
    held_out: list[bool] | None  # None: too few questions of a kind to fit a rule
    in_sample: list[bool] | None
    shipped: list[bool]
    report: str


def evaluate(library: Library, cases: Sequence[Case], k: int = FOLDS) -> Evaluation:
    """Run the question set under every ranking, cross-validate, and write the report."""
    answerable = [c for c in cases if c.answerable]
    rankings = []
    configured: list[CaseResult] = []
    ranks_by_fusion: dict[str, list[int | None]] = {}
    citations_by_fusion: dict[str, list[bool | None]] = {}
    for name, ranking in compared_rankings(library.config.ranking):
        results = run(library, answerable if not name.endswith("*") else cases, ranking)
        if name.endswith("*"):
            configured = results
        found = [r for r in results if r.case.answerable]
        if name.startswith("hybrid"):
            ranks_by_fusion[name.rstrip("*")] = [r.rank for r in found]
            citations_by_fusion[name.rstrip("*")] = [r.citation_ok for r in found]
        per_kind: dict[str, list[bool]] = {}
        for r in found:
            per_kind.setdefault(r.case.kind, []).append(r.rank is not None)
        rankings.append(
            (
                name,
                rank_figures([r.rank for r in found], [r.citation_ok for r in found]),
                {kind: share(v) for kind, v in per_kind.items()},
            )
        )
    chosen, picks = cross_validated_fusion(ranks_by_fusion, k)
    # Each question's rank and citation under the fusion its fold chose.
    rankings.append(
        (
            "CV fusion",
            rank_figures(
                [ranks_by_fusion[name][i] for i, name in enumerate(chosen)],
                [citations_by_fusion[name][i] for i, name in enumerate(chosen)],
            ),
            {},
        )
    )
    evidence = [r.evidence for r in configured]
    labels = [r.case.answerable for r in configured]
    shipped = [library.config.abstention.decide(e).abstain for e in evidence]
    ordered = [r.case for r in configured]
    abstentions = [("shipped rule", abstention_figures(ordered, shipped))]
    fitted: Fitted | None = None
    held_out: list[bool] | None = None
    in_sample: list[bool] | None = None
    if fittable(evidence, labels, k):
        scores = SubsetScores()  # the three searches score the same subsets of the same folds
        strict = cross_validate(evidence, labels, k, scores=scores)  # every signal, nested
        ablation = ablate(evidence, labels, k, scores)
        cv = cross_validate(evidence, labels, k, ablation.pool, scores)
        held_out, in_sample = cv.held_out, cv.in_sample
        fitted = Fitted(cv.model, ablation.steps, cv.fold_models)
        abstentions = [
            ("held out, all signals", abstention_figures(ordered, strict.held_out)),
            ("held out, kept signals", abstention_figures(ordered, held_out)),
            ("in-sample", abstention_figures(ordered, in_sample)),
            *abstentions,
        ]
    passages = library.passages()
    report = render_report(
        questions=(len(answerable), len(cases) - len(answerable)),
        mean_tokens=sum(p.tokens for p in passages) / max(1, len(passages)),
        mean_chars=sum(len(p.text) for p in passages) / max(1, len(passages)),
        rankings=rankings,
        abstentions=abstentions,
        fitted=fitted,
        folds=k,
        shipped_model=library.config.abstention,
        shipped_cost=cost(shipped, labels),
        fusion_picks=picks,
        missed=misses(configured, held_out if held_out is not None else shipped),
    )
    return Evaluation(configured, held_out, in_sample, shipped, report)


def records(evaluation: Evaluation) -> list[dict[str, object]]:
    """`qabot eval --json` lines; null held-out and in-sample decisions when no rule
    could be fitted on the set."""
    none: list[bool | None] = [None] * len(evaluation.results)
    held_out = evaluation.held_out if evaluation.held_out is not None else none
    in_sample = evaluation.in_sample if evaluation.in_sample is not None else none
    return [
        result_record(r, h, i)
        for r, h, i in zip(evaluation.results, held_out, in_sample, strict=True)
    ]
