"""The `qabot eval` report: retrieval side by side, abstention held out, the misses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qabot.evaluation.run import DEPTH, Abstentions, CaseResult, Ranks
from qabot.search.abstention import AbstentionModel


@dataclass(frozen=True)
class Fitted:
    """The abstention rule chosen on the set: on all of it, per outer fold, and the
    signals backward elimination kept (pool, held-out cost)."""

    model: AbstentionModel
    ablation: Sequence[tuple[tuple[str, ...], float]]
    fold_models: Sequence[AbstentionModel]


def _row(label: str, values: Sequence[float], percent: bool = False, width: int = 14) -> str:
    cells = "".join(
        f"{v * 100:>{width - 1}.1f}%" if percent else f"{v:>{width}.3f}" for v in values
    )
    return f"{label:28}{cells}"


def model_line(model: AbstentionModel) -> str:
    weights = ", ".join(f"{name} {w:+.3f}" for name, w in model.weights.items())
    return f"weights {{{weights}}}, bias {model.bias:+.3f}, threshold {model.threshold:.2f}"


def render_report(
    *,
    questions: tuple[int, int],
    mean_tokens: float,
    mean_chars: float,
    rankings: Sequence[tuple[str, Ranks, dict[str, float]]],
    abstentions: Sequence[tuple[str, Abstentions]],
    fitted: Fitted | None,
    folds: int,
    shipped_model: AbstentionModel,
    shipped_cost: float,
    fusion_picks: Sequence[str],
    missed: Sequence[str],
) -> str:
    """Every figure of one `qabot eval` run as plain text. ``fitted`` None: the set has
    too few questions of a kind to fit a rule, and only the shipped one is shown."""
    answerable, unanswerable = questions
    lines = [
        f"{answerable} answerable + {unanswerable} unanswerable questions; mean passage "
        f"length {mean_tokens:.0f} tokens ({mean_chars:.0f} characters)",
        "",
        "Retrieval, answerable questions (nothing in the ranking is fitted on them, but the "
        "fusion; its last column chooses it per fold, held out)",
        f"{'':28}" + "".join(f"{name:>14}" for name, _, _ in rankings),
    ]
    figures = [r for _, r, _ in rankings]
    lines += [_row(f"hit@{n}", [r.hit_at[n] for r in figures]) for n in (1, 3, 5)]
    lines += [
        _row("MRR@5", [r.mrr for r in figures]),
        _row("citation accuracy", [r.citation_accuracy for r in figures]),
    ]
    kinds = sorted({k for _, _, per_kind in rankings for k in per_kind})
    for kind in kinds:
        cells = "".join(f"{p[kind]:>14.3f}" if kind in p else f"{'':>14}" for _, _, p in rankings)
        lines.append(f"{'  hit@5 ' + kind:28}{cells}")
    lines += [f"  fusion chosen per fold: {', '.join(fusion_picks)}", ""]
    lines += [
        "Abstention",
        f"{'':28}" + "".join(f"{name:>24}" for name, _ in abstentions),
        _row(
            "unanswerable abstained", [a.unanswerable_abstained for _, a in abstentions], True, 24
        ),
        _row("answerable abstained", [a.answerable_abstained for _, a in abstentions], True, 24),
        _row("abstention accuracy", [a.accuracy for _, a in abstentions], False, 24),
        "  handled right, per kind:",
    ]
    all_kinds = sorted({k for _, a in abstentions for k in a.by_kind})
    lines += [
        _row(f"    {kind}", [a.by_kind.get(kind, 0.0) for _, a in abstentions], True, 24)
        for kind in all_kinds
    ]
    shipped_line = (
        f"Shipped in qabot/search/abstention.py (cost {shipped_cost:.3f} on these questions, "
        f"in-sample): {model_line(shipped_model)}"
    )
    if fitted is None:
        lines += [
            "",
            f"No rule fitted: of the questions that may abstain (the others are exempt), "
            f"fewer than {folds} are answerable or fewer than {folds} unanswerable, one of "
            "each per fold; the shipped rule is shown.",
            shipped_line,
            "",
            f"Misses (not in the top {DEPTH}, or the shipped rule wrong): {len(missed)}",
        ]
    else:
        model = fitted.model
        lines += [
            "",
            "Signals kept (backward elimination on held-out cost; lower is better):",
            *[f"  {value:.3f}  {' + '.join(pool)}" for pool, value in fitted.ablation],
            "",
            f"Fitted on all questions ({model.note}): {model_line(model)}",
            shipped_line,
            "Chosen in each outer fold:",
            *[f"  {i + 1}. {model_line(m)}" for i, m in enumerate(fitted.fold_models)],
            "",
            f"Misses, held out (not in the top {DEPTH}, or abstention wrong): {len(missed)}",
        ]
    lines += [f"  {line}" for line in missed] or ["  none"]
    return "\n".join(lines)


def misses(results: Sequence[CaseResult], abstained: Sequence[bool]) -> list[str]:
    """One line per question handled wrongly: answer not found, or wrong abstention."""
    lines = []
    for r, flag in zip(results, abstained, strict=True):
        case, e = r.case, r.evidence
        why = f"cosine {e.cosine:.2f}"
        if e.unknown_names:
            why += f", unknown {', '.join(e.unknown_names)}"
        if e.asked_type and not e.type_found:
            why += f", no {e.asked_type}"
        if case.answerable and r.rank is None:
            lines.append(
                f"[{case.kind}] not in top {DEPTH}: {case.question} (top: {r.top_citation})"
            )
        if case.answerable and flag:
            lines.append(f"[{case.kind}] abstained ({why}): {case.question}")
        elif not case.answerable and not flag:
            lines.append(f"[{case.kind}] answered ({why}): {case.question}")
    return lines


def result_record(
    result: CaseResult, held_out: bool | None, in_sample: bool | None
) -> dict[str, object]:
    """`qabot eval --json`: one object per question."""
    e = result.evidence
    return {
        "question": result.case.question,
        "kind": result.case.kind,
        "answerable": result.case.answerable,
        "rank": result.rank,
        "citation_ok": result.citation_ok,
        "abstained_held_out": held_out,
        "abstained_in_sample": in_sample,
        "signals": {k: round(v, 4) for k, v in e.values().items()},
        "unknown_names": list(e.unknown_names),
        "asked_type": e.asked_type,
        "exempt": e.exempt,
        "top_match": result.top_match,
        "top_citation": result.top_citation,
    }
