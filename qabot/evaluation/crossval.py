"""Choosing the abstention rule and the fusion by k-fold cross-validation.

The abstention rule (``qabot.search.abstention``) is a logistic model over a subset of
its signals, with a threshold on its output. Everything about it is chosen on training
folds only, by *nested* cross-validation:

- outer loop (k folds, stratified by answerable/unanswerable): each fold is held out
  once; on the other folds,
- inner loop (k folds again): for every non-empty subset of the signals, out-of-fold
  confidences give the threshold of least cost and that cost; the subset of least cost
  is kept (fewer signals on a tie), refitted on all training folds with its threshold,
  and applied to the held-out fold.

The held-out (out-of-fold) decisions are the honest figures; the model shipped in the
code is the same procedure run on the whole set (its in-sample figures are printed too,
for contrast). Cost: the share of unanswerable questions answered, plus ``REFUSAL_COST``
× the share of answerable questions refused beyond ``REFUSAL_BUDGET``. The product's
targets are at most 5 % of answerable questions refused and at least 80 % of the
unanswerable ones abstained: refusals within a budget a little under 5 % are free, past
it each costs more than any gain, and within it the rule abstains on as many
unanswerable questions as it can.

Questions exempt from abstaining (narrowed, or asking for a dated entry) are left out
of the fitting and never abstain.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.search.abstention import DIRECTION, SIGNALS, AbstentionModel, Evidence, fit_logistic

FOLDS = 5
REFUSAL_BUDGET = 0.04  # share of answerable questions the rule may refuse at no cost
REFUSAL_COST = 10.0  # cost of each share refused beyond the budget
_THRESHOLDS = [round(0.02 * i, 2) for i in range(1, 50)]


def stratified_folds(labels: Sequence[bool], k: int, seed: int = 0) -> list[int]:
    """A fold number per item, each class spread evenly over the folds (deterministic)."""
    fold = [0] * len(labels)
    rng = random.Random(seed)
    for wanted in (True, False):
        members = [i for i, label in enumerate(labels) if label == wanted]
        rng.shuffle(members)
        for position, item in enumerate(members):
            fold[item] = position % k
    return fold


def cost(
    abstained: Sequence[bool], labels: Sequence[bool], sample: Sequence[float] | None = None
) -> float:
    """Share of unanswerable answered + REFUSAL_COST × answerable refused over the budget
    (shares weighted by ``sample``, a weight per question, when given)."""
    weights = [1.0] * len(labels) if sample is None else list(sample)
    rows = list(zip(abstained, labels, weights, strict=True))
    unanswerable = sum(w for _, label, w in rows if not label)
    answerable = sum(w for _, label, w in rows if label)
    answered = sum(w for a, label, w in rows if not label and not a)
    refused = sum(w for a, label, w in rows if label and a)
    over = max(0.0, refused / (answerable or 1.0) - REFUSAL_BUDGET)
    return answered / (unanswerable or 1.0) + REFUSAL_COST * over


def _fit(
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    signals: Sequence[str],
    sample: Sequence[float] | None = None,
):
    rows = [[values[s] for s in signals] for values in (e.values() for e in evidence)]
    weights, bias = fit_logistic(rows, labels, sample=sample)
    return AbstentionModel(dict(zip(signals, weights, strict=True)), bias, threshold=0.5)


def _best_threshold(
    confidences: Sequence[float], labels: Sequence[bool], sample: Sequence[float] | None = None
) -> tuple[float, float]:
    """(threshold, cost) of least cost; the middle one of a run of equal costs."""
    costs = [cost([c < t for c in confidences], labels, sample) for t in _THRESHOLDS]
    least = min(costs)
    best = [t for t, c in zip(_THRESHOLDS, costs, strict=True) if c == least]
    return best[len(best) // 2], least


@dataclass(frozen=True)
class _Scored:
    """One subset of signals scored on one training set by inner cross-validation."""

    least: float  # its cost at its best threshold, out of fold
    threshold: float
    overall: AbstentionModel  # fitted on the whole training set


class SubsetScores:
    """Each subset of signals scored once per training set, for one evaluation.

    Choosing over a pool scores every subset of it; the outer folds, the ablation's
    pools and the final pool score the same subsets of the same training sets again
    (an eval of 24 of the journal's questions fitted 35,019 models, 3,620 of them
    distinct). A score depends only on the questions' evidence, labels and weights, so
    it is looked up by them; the memo lives as long as one `qabot eval` and is shared
    by nothing else.
    """

    def __init__(self) -> None:
        self._tables: dict[tuple[object, ...], dict[tuple[str, ...], _Scored | None]] = {}

    def table(self, *key: object) -> dict[tuple[str, ...], _Scored | None]:
        """The scores of one training set (``key``: everything they depend on)."""
        return self._tables.setdefault(key, {})


def _score(
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    signals: tuple[str, ...],
    weights: Sequence[float],
    folds: Sequence[int],
    k: int,
) -> _Scored | None:
    """Inner cross-validation of one subset; None when a weight has the wrong sign."""
    overall = _fit(evidence, labels, signals, weights)
    if any(w * DIRECTION[name] < 0 for name, w in overall.weights.items()):
        return None
    confidences = [0.0] * len(evidence)
    for fold in range(k):
        train = [i for i in range(len(evidence)) if folds[i] != fold]
        model = _fit(
            [evidence[i] for i in train],
            [labels[i] for i in train],
            signals,
            [weights[i] for i in train],
        )
        for i in range(len(evidence)):
            if folds[i] == fold:
                confidences[i] = model.confidence(evidence[i])
    threshold, least = _best_threshold(confidences, labels, weights)
    return _Scored(least, threshold, overall)


def choose(
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    k: int = FOLDS,
    seed: int = 0,
    pool: Sequence[str] = SIGNALS,
    sample: Sequence[float] | None = None,
    scores: SubsetScores | None = None,
) -> tuple[AbstentionModel, float]:
    """The subset of ``pool``, weights and threshold of least cross-validated cost
    (``sample``: a weight per question, in the fits and in the cost; ``scores``: subsets
    already scored on this training set)."""
    folds = stratified_folds(labels, k, seed)
    weights = [1.0] * len(labels) if sample is None else list(sample)
    table = (SubsetScores() if scores is None else scores).table(
        tuple(evidence), tuple(labels), tuple(weights), k, seed
    )
    best: tuple[float, int, AbstentionModel] | None = None
    for size in range(1, len(pool) + 1):
        for signals in itertools.combinations(pool, size):
            if signals not in table:
                table[signals] = _score(evidence, labels, signals, weights, folds, k)
            scored = table[signals]
            if scored is None:
                continue
            if best is None or (scored.least, size) < (best[0], best[1]):
                model = AbstentionModel(
                    scored.overall.weights,
                    scored.overall.bias,
                    scored.threshold,
                    folds=k,
                    note=f"inner {k}-fold cost {scored.least:.3f}",
                )
                best = (scored.least, size, model)
    assert best is not None
    return best[2], best[0]


def fittable(evidence: Sequence[Evidence], labels: Sequence[bool], k: int = FOLDS) -> bool:
    """Whether a rule can be chosen and validated here: the questions that may abstain
    (neither exempt nor empty) hold at least ``k`` answerable and ``k`` unanswerable
    ones, one of each per fold. A set of "Who was …?" questions only has none."""
    usable = [
        label for e, label in zip(evidence, labels, strict=True) if not e.exempt and not e.empty
    ]
    answerable = sum(usable)
    return min(answerable, len(usable) - answerable) >= k


@dataclass(frozen=True)
class CrossValidated:
    """Held-out decisions for every question, and the model fitted on all of them."""

    held_out: list[bool]  # abstained, per question, decided by a model that never saw it
    in_sample: list[bool]  # abstained, per question, by the model fitted on all
    model: AbstentionModel
    fold_models: list[AbstentionModel]
    pool: tuple[str, ...] = SIGNALS


def cross_validate(
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    k: int = FOLDS,
    pool: Sequence[str] = SIGNALS,
    scores: SubsetScores | None = None,
) -> CrossValidated:
    """Nested k-fold cross-validation of the abstention rule (see the module doc)."""
    scores = SubsetScores() if scores is None else scores
    usable = [i for i, e in enumerate(evidence) if not e.exempt and not e.empty]
    folds = stratified_folds([labels[i] for i in usable], k, seed=1)
    held_out = [bool(e.empty) for e in evidence]  # exempt: never; empty: always
    fold_models = []
    for fold in range(k):
        train = [usable[j] for j in range(len(usable)) if folds[j] != fold]
        model, _ = choose(
            [evidence[i] for i in train], [labels[i] for i in train], k, pool=pool, scores=scores
        )
        fold_models.append(model)
        for j, i in enumerate(usable):
            if folds[j] == fold:
                held_out[i] = model.decide(evidence[i]).abstain
    model, _ = choose(
        [evidence[i] for i in usable], [labels[i] for i in usable], k, pool=pool, scores=scores
    )
    in_sample = [model.decide(e).abstain for e in evidence]
    return CrossValidated(held_out, in_sample, model, fold_models, tuple(pool))


@dataclass(frozen=True)
class Ablation:
    """Held-out cost of the nested cross-validation with each candidate pool tried."""

    steps: list[tuple[tuple[str, ...], float]]  # (pool, held-out cost), in the order tried
    pool: tuple[str, ...]  # the pool kept


def ablate(
    evidence: Sequence[Evidence],
    labels: Sequence[bool],
    k: int = FOLDS,
    scores: SubsetScores | None = None,
) -> Ablation:
    """Backward elimination: drop a signal while that lowers the held-out cost.

    A signal is kept only if it helps held out. This compares held-out figures of a few
    pools, a mild selection on the same questions, which the report says.
    """
    scores = SubsetScores() if scores is None else scores
    pool = tuple(SIGNALS)
    current = cost(cross_validate(evidence, labels, k, pool, scores).held_out, labels)
    steps = [(pool, current)]
    while len(pool) > 1:
        trials = []
        for signal in pool:
            smaller = tuple(s for s in pool if s != signal)
            trial = cost(cross_validate(evidence, labels, k, smaller, scores).held_out, labels)
            steps.append((smaller, trial))
            trials.append((trial, smaller))
        best_cost, best_pool = min(trials)
        if best_cost >= current:
            break
        pool, current = best_pool, best_cost
    return Ablation(steps, pool)


def cross_validated_fusion(
    ranks: dict[str, list[int | None]], k: int = FOLDS
) -> tuple[list[str], list[str]]:
    """Per question, the fusion that did best on the other folds than its own; and the
    fusion chosen per fold.

    ``ranks`` maps a fusion's name to each answerable question's rank of its answer.
    Best: hit@5, then hit@1, then MRR on the training folds.
    """
    names = sorted(ranks)
    count = len(ranks[names[0]])
    folds = stratified_folds([True] * count, k, seed=2)

    def score(name: str, items: list[int]) -> tuple[float, float, float]:
        values = [ranks[name][i] for i in items]
        return (
            sum(r is not None for r in values),
            sum(r == 1 for r in values),
            sum(1 / r for r in values if r),
        )

    chosen = [names[0]] * count
    picks = []
    for fold in range(k):
        train = [i for i in range(count) if folds[i] != fold]
        best = max(names, key=lambda n: score(n, train))
        picks.append(best)
        for i in range(count):
            if folds[i] == fold:
                chosen[i] = best
    return chosen, picks
