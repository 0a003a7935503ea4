"""`qabot eval` over several books: figures per book and pooled, held out across books.

Everything fitted is fitted across books and validated leaving one book out. For each
book in turn, on the *other* books' questions only:

1. the fusion weights are chosen: of ``WEIGHT_GRID``, the weights with the best mean
   of hit@1 + hit@5 over those books (each book counts the same, whatever its size);
2. every book is answered under those weights, and the abstention rule is chosen on
   the other books' answers (its signals by nested cross-validation among them:
   ``crossval.choose``, from ``BOOK_SIGNALS``, whose scale does not grow with a book);

and then both are judged on the book left out. What ships is the same procedure run
on every book (the report prints it, and the shipped rule's in-sample figures).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from qabot.evaluation.cases import Case, QuestionSet, normalize
from qabot.evaluation.crossval import FOLDS, choose, cost, cross_validate, fittable
from qabot.evaluation.plain import plain_bm25_ranks
from qabot.evaluation.run import DEPTH, CaseResult, abstention_figures, rank_figures, run
from qabot.library import Library
from qabot.search.abstention import AbstentionModel
from qabot.search.fusion import Ranking
from qabot.settings import Settings
from qabot.types import Passage

# The signals offered to the rule across books: not BM25 (its scale grows with a book's
# vocabulary), nor the coverage and missing-term signals (their meaning changes with how
# a book words things: measured, docs/quality.md), nor ``excess`` (no better than chance
# held out). The best cosine grows slowly with the number of sentences searched; the
# leave-one-book-out figures show what that costs. ``aspect`` is a cosine among the
# answer's first five passages, whatever the size of the book.
BOOK_SIGNALS = ("cosine", "top_cosine", "aspect", "unknown_name", "type_missing")

EVAL_INDEXES = "eval"  # under the embeddings folder: one index per book a question file names
Weights = tuple[float, float, float, float]
# Weights of (passage cosine, closest-sentence cosine, passage BM25, sentence BM25), each
# 0, 0.5 or 1 and the largest 1 (a multiple of a weighting ranks the same).
WEIGHT_GRID: tuple[Weights, ...] = tuple(
    w  # type: ignore[misc]
    for w in itertools.product((0.0, 0.5, 1.0), repeat=4)
    if max(w) == 1.0
)


@dataclass(frozen=True)
class Book:
    """One question set and the library of its book."""

    questions: QuestionSet
    library: Library

    @property
    def name(self) -> str:
        return self.questions.name

    @property
    def answerable(self) -> list[Case]:
        return [c for c in self.questions.cases if c.answerable]


def gold_rank(case: Case, passages: Sequence[Passage]) -> int | None:
    """Rank (from 1) of the first passage holding one of the case's gold snippets."""
    golds = [normalize(g) for g in case.gold]
    for rank, passage in enumerate(passages, start=1):
        if any(g in normalize(passage.text) for g in golds):
            return rank
    return None


def ranks_under(book: Book, rankings: Sequence[Ranking]) -> list[list[int | None]]:
    """Per ranking, each answerable question's gold rank (candidates gathered once per
    question for rankings that differ only in their fusion)."""
    table: list[list[int | None]] = [[] for _ in rankings]
    for case in book.answerable:
        query = book.library.query(case.question, DEPTH)
        for column, passages in enumerate(book.library.rankings(query, rankings)):
            table[column].append(gold_rank(case, passages))
    return table


def hit_score(ranks: Sequence[int | None]) -> float:
    """hit@1 + hit@5: what the weights are chosen by."""
    if not ranks:
        return 0.0
    return sum((r == 1) + (r is not None and r <= 5) for r in ranks) / len(ranks)


def best_weights(tables: Sequence[dict[Weights, list[int | None]]]) -> Weights:
    """The grid's weights with the best mean hit score over the given books (the first
    of equals, in grid order)."""
    return max(WEIGHT_GRID, key=lambda w: statistics.fmean(hit_score(t[w]) for t in tables))


@dataclass(frozen=True)
class HeldOut:
    """One book judged by what was chosen on the other books."""

    weights: Weights
    ranks: list[int | None]  # per answerable question, under ``weights``
    results: list[CaseResult]  # every question, under ``weights``
    abstained: list[bool]  # per question, by the rule chosen on the other books
    model: AbstentionModel


@dataclass(frozen=True)
class BooksEvaluation:
    books: list[Book]
    baselines: dict[str, dict[str, list[int | None]]]  # book → column → ranks
    held_out: dict[str, HeldOut]
    chosen_weights: Weights  # on every book: what the fitting would ship
    chosen_model: AbstentionModel
    shipped: dict[str, list[CaseResult]]  # book → every question under the shipped config
    report: str


def _usable(results: Sequence[CaseResult]) -> list[CaseResult]:
    return [r for r in results if not r.evidence.exempt and not r.evidence.empty]


def choose_rule(
    results: Sequence[CaseResult], k: int, shipped: AbstentionModel, seed: int = 0
) -> AbstentionModel:
    """The rule chosen on ``results`` (several books), each book weighing the same; the
    shipped one when they hold too few questions of a kind to choose one. ``seed``
    draws the inner folds (`benchmarks/abstention_seeds.py` varies it)."""
    if not fittable([r.evidence for r in results], [r.case.answerable for r in results], k):
        return shipped
    usable = _usable(results)
    per_book: dict[str, int] = {}
    for r in usable:
        per_book[r.book] = per_book.get(r.book, 0) + 1
    sample = [len(usable) / (len(per_book) * per_book[r.book]) for r in usable]
    model, _ = choose(
        [r.evidence for r in usable],
        [r.case.answerable for r in usable],
        k,
        seed=seed,
        pool=BOOK_SIGNALS,
        sample=sample,
    )
    return model


def evaluate_books(books: Sequence[Book], k: int = FOLDS) -> BooksEvaluation:
    """Run every book's questions, hold each book out in turn, write the report."""
    configured = books[0].library.config.ranking
    configured_rule = books[0].library.config.abstention
    weighted = [replace(configured, mode="hybrid", fusion="mix", weights=w) for w in WEIGHT_GRID]
    tables: list[dict[Weights, list[int | None]]] = []
    baselines: dict[str, dict[str, list[int | None]]] = {}
    for book in books:
        tables.append(dict(zip(WEIGHT_GRID, ranks_under(book, weighted), strict=True)))
        singles = [replace(configured, mode="dense"), replace(configured, mode="bm25")]
        dense, bm25 = ranks_under(book, singles)
        (rrf,) = ranks_under(book, [replace(configured, mode="hybrid", fusion="rrf")])
        (shipped_ranks,) = ranks_under(book, [configured])
        baselines[book.name] = {
            "dense": dense,
            "bm25": bm25,
            "rrf": rrf,
            "shipped": shipped_ranks,
            "plain bm25s": plain_bm25_ranks(book.answerable, book.library.passages(), DEPTH),
        }
    held: dict[str, HeldOut] = {}
    if len(books) > 1:
        for n, book in enumerate(books):
            others = [t for m, t in enumerate(tables) if m != n]
            weights = best_weights(others)
            ranking = replace(configured, mode="hybrid", fusion="mix", weights=weights)
            answered = {b.name: run(b.library, b.questions.cases, ranking, b.name) for b in books}
            elsewhere = [r for b in books if b is not book for r in answered[b.name]]
            model = choose_rule(elsewhere, k, configured_rule)
            results = answered[book.name]
            held[book.name] = HeldOut(
                weights,
                tables[n][weights],
                results,
                [model.decide(r.evidence).abstain for r in results],
                model,
            )
    chosen_weights = best_weights(tables)
    shipped = {b.name: run(b.library, b.questions.cases, configured, b.name) for b in books}
    chosen_model = choose_rule([r for b in books for r in shipped[b.name]], k, configured_rule)
    evaluation = BooksEvaluation(
        list(books), baselines, held, chosen_weights, chosen_model, shipped, ""
    )
    return replace(evaluation, report=render(evaluation, configured, k))


def _hits(ranks: Sequence[int | None]) -> str:
    figures = rank_figures(list(ranks), [True if r else None for r in ranks])
    return f"{figures.hit_at[1]:.2f} / {figures.hit_at[5]:.2f}"


def _abstained(cases: Sequence[Case], flags: Sequence[bool]) -> str:
    a = abstention_figures(cases, flags)
    return f"{a.unanswerable_abstained:.0%} / {a.answerable_abstained:.0%}"


def _weights(w: Weights) -> str:
    return "(" + ", ".join(f"{x:g}" for x in w) + ")"


def _model(model: AbstentionModel) -> str:
    weights = ", ".join(f"{name} {w:+.3f}" for name, w in model.weights.items())
    return f"{{{weights}}}, bias {model.bias:+.3f}, threshold {model.threshold:.2f}"


def render(evaluation: BooksEvaluation, configured: Ranking, k: int) -> str:
    """The books report: retrieval and abstention per book and pooled, held out."""
    books, held = evaluation.books, evaluation.held_out
    lines = [
        "Books: " + "; ".join(f"{b.name} ({len(b.library):,} passages)" for b in books),
        "",
        "Retrieval, hit@1 / hit@5 on the answerable questions. 'held out': fusion weights",
        "chosen on the other books only; dense, bm25, rrf: each retriever alone and rank",
        f"fusion; shipped: the configured weights {_weights(configured.weights)}; plain",
        "bm25s: bm25s over the passages' texts, no rule (the plain script).",
    ]
    columns = ["held out", "dense", "bm25", "rrf", "shipped", "plain bm25s"]
    lines.append(f"{'':32}" + "".join(f"{c:>14}" for c in columns))
    pooled: dict[str, list[int | None]] = {c: [] for c in columns}
    for book in books:
        row = dict(evaluation.baselines[book.name])
        if book.name in held:
            row["held out"] = held[book.name].ranks
        label = f"{book.name[:24]} ({len(book.answerable)})"
        cells = "".join(f"{_hits(row[c]) if c in row else '':>14}" for c in columns)
        lines.append(f"{label:32}{cells}")
        for c in columns:
            pooled[c] += row.get(c, [])
    count = sum(len(b.answerable) for b in books)
    cells = "".join(f"{_hits(pooled[c]) if pooled[c] else '':>14}" for c in columns)
    lines.append(f"{'pooled (' + str(count) + ')':32}{cells}")
    if held:
        lines.append("Weights chosen with each book left out:")
        for book in books:
            lines.append(f"  without {book.name}: {_weights(held[book.name].weights)}")
    lines.append(
        f"Chosen on every book: {_weights(evaluation.chosen_weights)} (of {len(WEIGHT_GRID)})"
    )
    lines += ["", "First hit from notes, editorial or front matter, on questions about the text:"]
    for book in books:
        text = [
            r
            for r in evaluation.shipped[book.name]
            if r.case.answerable and r.case.kind not in ("note", "editorial")
        ]
        other = [r for r in text if r.top_role not in ("text", None)]
        lines.append(f"  {book.name}: {len(other)} of {len(text)}")
    lines += [
        "",
        "Abstention: unanswerable abstained / answerable abstained. 'left out': rule and",
        "weights chosen on the other books; 'within': nested cross-validation inside the",
        "book (shipped weights); shipped: the configured rule (in-sample where its book",
        "was fitted on).",
        f"{'':32}{'left out':>16}{'within':>16}{'shipped':>16}",
    ]
    all_cases: list[Case] = []
    all_held: list[bool] = []
    all_shipped: list[bool] = []
    shipped_model = books[0].library.config.abstention
    for book in books:
        results = evaluation.shipped[book.name]
        cases = [r.case for r in results]
        flags = [shipped_model.decide(r.evidence).abstain for r in results]
        evidence, labels = [r.evidence for r in results], [c.answerable for c in cases]
        within = (
            _abstained(cases, cross_validate(evidence, labels, k, BOOK_SIGNALS).held_out)
            if fittable(evidence, labels, k)
            else "not fitted"  # too few questions of a kind that may abstain
        )
        left = _abstained(cases, held[book.name].abstained) if book.name in held else ""
        cells = f"{left:>16}{within:>16}{_abstained(cases, flags):>16}"
        lines.append(f"{book.name[:32]:32}{cells}")
        all_cases += cases
        all_shipped += flags
        all_held += held[book.name].abstained if book.name in held else []
    labels = [c.answerable for c in all_cases]
    if held:
        cells = f"{_abstained(all_cases, all_held):>16}{'':>16}"
        lines.append(f"{'pooled':32}{cells}{_abstained(all_cases, all_shipped):>16}")
        lines.append("Rules chosen with each book left out:")
        for book in books:
            lines.append(f"  without {book.name}: {_model(held[book.name].model)}")
    lines += [
        f"Chosen on every book: {_model(evaluation.chosen_model)}",
        f"Shipped: {_model(shipped_model)} (cost on these questions: "
        f"{cost(all_shipped, labels):.3f})",
        "",
        "Misses, held out (answer not in the top 5; abstention wrong when left out):",
    ]
    for book in books:
        if book.name not in held:
            continue
        out = held[book.name]
        for result, flag in zip(out.results, out.abstained, strict=True):
            case = result.case
            e = result.evidence
            why = f"cosine {e.cosine:.2f}, aspect {e.aspect:.2f}, excess {e.excess:+.2f}"
            tag = f"[{book.name[:18]}]"
            if case.answerable and result.rank is None:
                lines.append(f"  {tag} not in top 5: {case.question}")
            if case.answerable and flag:
                lines.append(f"  {tag} abstained ({why}): {case.question}")
            if not case.answerable and not flag:
                lines.append(f"  {tag} answered ({why}): {case.question}")
    return "\n".join(lines)


def settings_for(settings: Settings, questions: QuestionSet) -> Settings:
    """The settings to answer ``questions`` with: their own corpus, when the file names
    one, indexed in ``<embeddings>/eval/<name>-<hash>`` (built once, kept fresh like the
    main index); else the configured corpus and index."""
    import hashlib

    if questions.corpus is None:
        return settings
    where = str(questions.corpus.resolve())
    slug = f"{questions.corpus.stem[:40]}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"
    return settings.model_copy(
        update={
            "corpus_dir": questions.corpus,
            "embeddings_dir": settings.embeddings_dir / EVAL_INDEXES / slug,
        }
    )


def book_records(evaluation: BooksEvaluation) -> list[dict[str, object]]:
    """`qabot eval --json` with several files: one object per question, with its book;
    ``rank`` and ``abstained_held_out`` are the book's held-out figures,
    ``abstained_in_sample`` the shipped rule's decision."""
    from qabot.evaluation.report import result_record

    shipped_model = evaluation.books[0].library.config.abstention
    found = []
    for book in evaluation.books:
        shipped = evaluation.shipped[book.name]
        out = evaluation.held_out.get(book.name)
        results = out.results if out else shipped
        flags = out.abstained if out else [False] * len(results)
        for result, flag, in_sample in zip(results, flags, shipped, strict=True):
            record = result_record(result, flag, shipped_model.decide(in_sample.evidence).abstain)
            found.append({"book": book.name, **record})
    return found
