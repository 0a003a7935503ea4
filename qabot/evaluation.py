"""`qabot eval`: a labeled question set → hit@k, MRR, citation and abstention accuracy.

File format (JSON Lines), one question per line::

    {"question": str, "gold": [verbatim snippets], "section": str | null,
     "date": "YYYY-MM-DD" | null, "kind": str (optional, e.g. "paraphrase")}

``gold: []`` marks a question the text does not answer. A hit contains the answer when
one of the snippets appears in its text; matching ignores case, runs of whitespace and
curly versus straight quotes. Pure computation over the service: no printing here.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qabot.errors import QabotError
from qabot.retriever import Ranking, Retrieval, normalize_label
from qabot.service import SearchService

DEPTH = 5  # hit@1/3/5 and MRR@5


class EvalFileError(QabotError):
    """A question file that cannot be used (exit code 2: fix the file)."""

    exit_code = 2


@dataclass(frozen=True)
class Case:
    question: str
    gold: tuple[str, ...]
    section: str | None = None
    date: str | None = None
    kind: str = "answerable"

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    rank: int | None  # rank of the first hit containing a gold snippet (≤ DEPTH)
    abstained: bool
    citation_ok: bool | None  # None: unanswerable or not found
    retrieval: Retrieval
    top_match: str | None
    top_citation: str | None

    @property
    def abstention_ok(self) -> bool:
        return self.abstained != self.case.answerable


@dataclass(frozen=True)
class Metrics:
    """The figures of one retriever over one question set."""

    answerable: int
    unanswerable: int
    hit_at: dict[int, float]
    mrr: float
    citation_accuracy: float
    unanswerable_abstained: float  # share of unanswerable questions that abstained
    answerable_abstained: float  # share of answerable questions that abstained (wrongly)
    abstention_accuracy: float  # share of all questions where abstaining was right
    by_kind: dict[str, float] = field(default_factory=dict)  # hit@5 (or abstained) per kind


def normalize(text: str) -> str:
    """Case, whitespace and curly/straight quotes ignored."""
    return normalize_label(text)


def load_cases(path: Path) -> list[Case]:
    """Read a question file; a bad line is an error naming the file, line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"{path}: cannot be read ({error})") from None
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalFileError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise EvalFileError(f"{where}: each line must be a JSON object")
        question = record.get("question")
        gold = record.get("gold")
        if not isinstance(question, str) or not question.strip():
            raise EvalFileError(f'{where}: "question" must be a non-empty string')
        if not isinstance(gold, list) or not all(isinstance(g, str) and g.strip() for g in gold):
            raise EvalFileError(f'{where}: "gold" must be a list of non-empty strings ([] = none)')
        section, date = record.get("section"), record.get("date")
        if section is not None and not isinstance(section, str):
            raise EvalFileError(f'{where}: "section" must be a string or null')
        if date is not None:
            try:
                dt.date.fromisoformat(date)
            except (TypeError, ValueError):
                raise EvalFileError(f'{where}: "date" must be "YYYY-MM-DD" or null') from None
        kind = record.get("kind") or ("answerable" if gold else "unanswerable")
        cases.append(Case(question, tuple(gold), section, date, str(kind)))
    if not cases:
        raise EvalFileError(f"{path}: no questions in the file")
    return cases


def evaluate(
    service: SearchService,
    cases: Sequence[Case],
    ranking: Ranking | None = None,
    *,
    min_score: float | None = None,
) -> list[CaseResult]:
    """Ask every question (top DEPTH, no highlighting) ranked by ``ranking``; score them."""
    results = []
    for case in cases:
        retrieval = service.retrieve(case.question, DEPTH, ranking=ranking)
        abstained = service.should_abstain(retrieval, min_score=min_score)
        golds = [normalize(g) for g in case.gold]
        rank, citation_ok = None, None
        for hit in retrieval.hits:
            text = normalize(hit.passage.text)
            if any(g in text for g in golds):
                rank = hit.rank
                citation_ok = (
                    case.section is None
                    or normalize(hit.passage.section or "") == normalize(case.section)
                ) and (case.date is None or hit.passage.date == case.date)
                break
        top = retrieval.hits[0] if retrieval.hits else None
        results.append(
            CaseResult(
                case=case,
                rank=rank,
                abstained=abstained,
                citation_ok=citation_ok,
                retrieval=retrieval,
                top_match=top.match if top else None,
                top_citation=str(top.passage.citation) if top else None,
            )
        )
    return results


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def metrics(results: Sequence[CaseResult]) -> Metrics:
    answerable = [r for r in results if r.case.answerable]
    unanswerable = [r for r in results if not r.case.answerable]
    found = [r for r in answerable if r.rank is not None]
    kinds: dict[str, list[bool]] = {}
    for r in results:
        ok = r.rank is not None if r.case.answerable else r.abstained
        kinds.setdefault(r.case.kind, []).append(ok)
    return Metrics(
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        hit_at={
            n: _share([r.rank is not None and r.rank <= n for r in answerable]) for n in (1, 3, 5)
        },
        mrr=statistics.fmean(1 / r.rank if r.rank else 0.0 for r in answerable)
        if answerable
        else 0.0,
        citation_accuracy=_share([bool(r.citation_ok) for r in found]),
        unanswerable_abstained=_share([r.abstained for r in unanswerable]),
        answerable_abstained=_share([r.abstained for r in answerable]),
        abstention_accuracy=_share([r.abstention_ok for r in results]),
        by_kind={kind: _share(flags) for kind, flags in sorted(kinds.items())},
    )


def tradeoff(
    service: SearchService,
    results: Sequence[CaseResult],
    thresholds: Sequence[float],
    *,
    unknown_names: bool | None = None,
) -> list[tuple[float, float, float]]:
    """Per ``min_score``: (threshold, answerable wrongly abstained, unanswerable answered)."""
    rows = []
    for threshold in thresholds:

        def rule(result: CaseResult, threshold: float = threshold) -> bool:
            return service.should_abstain(
                result.retrieval, min_score=threshold, unknown_names=unknown_names
            )

        answerable = [rule(r) for r in results if r.case.answerable]
        unanswerable = [not rule(r) for r in results if not r.case.answerable]
        rows.append((threshold, _share(answerable), _share(unanswerable)))
    return rows


def compared_rankings(configured: Ranking) -> list[tuple[str, Ranking]]:
    """The columns of `qabot eval`: each retriever alone, both fusions; * marks the default."""
    from dataclasses import replace

    columns = [
        ("dense", replace(configured, mode="dense")),
        ("bm25", replace(configured, mode="bm25")),
        ("hybrid rrf", replace(configured, mode="hybrid", fusion="rrf")),
        ("hybrid mix", replace(configured, mode="hybrid", fusion="mix")),
    ]
    return [(f"{name}*" if ranking == configured else name, ranking) for name, ranking in columns]


def misses(results: Sequence[CaseResult]) -> list[str]:
    """One line per question answered wrongly: not found in the top DEPTH, or abstention."""
    lines = []
    for r in results:
        case = r.case
        if case.answerable and r.rank is None:
            lines.append(
                f"[{case.kind}] not in top {DEPTH}: {case.question} (top: {r.top_citation})"
            )
        elif case.answerable and r.abstained:
            best = r.retrieval.best_dense
            lines.append(f"[{case.kind}] abstained (best cosine {best:.2f}): {case.question}")
        elif not case.answerable and not r.abstained:
            best = r.retrieval.best_dense
            lines.append(f"[{case.kind}] answered (best cosine {best:.2f}): {case.question}")
    return lines


def result_record(result: CaseResult) -> dict[str, object]:
    """`qabot eval --json`: one object per question."""
    top = result.retrieval.hits[0] if result.retrieval.hits else None
    return {
        "question": result.case.question,
        "kind": result.case.kind,
        "answerable": result.case.answerable,
        "rank": result.rank,
        "abstained": result.abstained,
        "citation_ok": result.citation_ok,
        "best_dense": round(result.retrieval.best_dense, 4),
        "top_match": top.match if top else None,
        "top_citation": str(top.passage.citation) if top else None,
    }


def render_report(
    columns: Sequence[tuple[str, Metrics]],
    *,
    mean_tokens: float,
    mean_chars: float,
    rows: Sequence[tuple[float, float, float]],
    rows_without_names: Sequence[tuple[float, float, float]] = (),
    chosen: float,
    missed: Sequence[str],
) -> str:
    """The `qabot eval` report: metrics side by side, the abstention trade-off, the misses."""
    first = columns[0][1]
    lines = [
        f"{first.answerable} answerable + {first.unanswerable} unanswerable questions; "
        f"mean passage length {mean_tokens:.0f} tokens ({mean_chars:.0f} characters)",
        "",
        f"{'':26}" + "".join(f"{name:>14}" for name, _ in columns),
    ]

    def row(label: str, values: Sequence[float], percent: bool = False) -> str:
        cells = "".join(f"{v * 100:>13.1f}%" if percent else f"{v:>14.3f}" for v in values)
        return f"{label:26}{cells}"

    metrics_ = [m for _, m in columns]
    lines += [
        row("hit@1", [m.hit_at[1] for m in metrics_]),
        row("hit@3", [m.hit_at[3] for m in metrics_]),
        row("hit@5", [m.hit_at[5] for m in metrics_]),
        row("MRR@5", [m.mrr for m in metrics_]),
        row("citation accuracy", [m.citation_accuracy for m in metrics_]),
        row("unanswerable abstained", [m.unanswerable_abstained for m in metrics_], True),
        row("answerable abstained", [m.answerable_abstained for m in metrics_], True),
        row("abstention accuracy", [m.abstention_accuracy for m in metrics_]),
    ]
    kinds = sorted({k for m in metrics_ for k in m.by_kind})
    lines += ["", "hit@5 per kind (unanswerable: share abstained)"]
    lines += [row(f"  {kind}", [m.by_kind.get(kind, 0.0) for m in metrics_]) for kind in kinds]
    lines += [
        "",
        "abstention trade-off: min_score → answerable wrongly abstained, unanswerable "
        "wrongly answered (with the unknown-names rule | without it)",
    ]
    without = {round(t, 6): (a, u) for t, a, u in rows_without_names}
    for threshold, wrong_abstain, wrong_answer in rows:
        mark = "  ← configured" if abs(threshold - chosen) < 1e-9 else ""
        other = without.get(round(threshold, 6))
        alternative = f"   | {other[0] * 100:5.1f}%   {other[1] * 100:5.1f}%" if other else ""
        lines.append(
            f"  {threshold:5.3f}   {wrong_abstain * 100:5.1f}%   {wrong_answer * 100:5.1f}%"
            f"{alternative}{mark}"
        )
    lines += ["", f"misses ({columns[-1][0]}): {len(missed)}"]
    lines += [f"  {line}" for line in missed] or ["  none"]
    return "\n".join(lines)
