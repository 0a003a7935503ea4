"""The question path, in order: validate → retrieve → highlight → abstain → ``Answer``.

An ``Answerer`` is built once per loaded index (its ``Snapshot`` and highlighter) and is
what the service hands out; the CLI and the bot only call ``ask``.

Scores shown to the reader are one quantity (``Hit.score``): the top passage's score is
the confidence that the text answers (the abstention model's output, so an abstained
answer always shows less than a confident one), and each further passage's score is
that confidence times its relevance relative to the top passage. When the hits follow
an entry's own order (a question asking what a day's entry says), there is no score.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from qabot.embedder import Embedder
from qabot.index import Index
from qabot.search.abstention import (
    FITTED,
    SIGNALS,
    AbstentionModel,
    Decision,
    Evidence,
    evidence,
)
from qabot.search.fusion import Ranking
from qabot.search.highlight import Highlighter
from qabot.search.query import Filters, Query
from qabot.search.reading import Reader
from qabot.search.retrieval import Retrieval, retrieve
from qabot.search.snapshot import Snapshot
from qabot.search.verify import Verdict, verify
from qabot.types import Answer, Hit


@dataclass(frozen=True)
class Explained:
    """An answer with what led to it (for `qabot eval` and debugging)."""

    answer: Answer
    retrieval: Retrieval
    evidence: Evidence
    decision: Decision


class Answerer:
    """Answers questions from one index snapshot."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        ranking: Ranking | None = None,
        abstention: AbstentionModel = FITTED,
        highlight: bool = True,
        max_question_chars: int = 1000,
    ) -> None:
        self.snapshot = Snapshot(index)
        self.embedder = embedder
        self.ranking = ranking or Ranking()
        self.abstention = abstention
        self.highlighter = Highlighter(self.snapshot)
        self.highlight = highlight
        self.max_question_chars = max_question_chars
        self.reader = Reader(self.snapshot, index.manifest.retired)

    @property
    def index(self) -> Index:
        return self.snapshot.index

    @property
    def sections(self) -> list[str]:
        return self.snapshot.sections

    def _placed(self, hit: Hit) -> Hit:
        """The hit with the ids of the passages before and after it (read on)."""
        return _placed_hit(self.reader, hit)

    def verify(self, quote: str, closest: int = 3) -> Verdict:
        """Whether ``quote`` is in the corpus (``qabot.search.verify``); when it is absent,
        the passages nearest to it in meaning."""
        verdict = verify(self.snapshot, quote)
        if verdict.verdict == "absent" and quote.strip():
            nearest = self.ask(quote[: self.max_question_chars], closest).hits
            verdict = replace(verdict, closest=tuple(h.passage for h in nearest))
        return verdict

    def query(self, question: str, k: int, filters: Filters | None = None) -> Query:
        """Validate a question (QuestionError / FilterError when unusable)."""
        return Query.make(question, k, filters, max_chars=self.max_question_chars)

    def ask(self, question: str, k: int, filters: Filters | None = None) -> Answer:
        """The top ``k`` passages for ``question``; abstains when none seems to answer it."""
        return self.explain(self.query(question, k, filters)).answer

    def explain(
        self,
        query: Query,
        *,
        ranking: Ranking | None = None,
        abstention: AbstentionModel | None = None,
        measure_all: bool = False,
    ) -> Explained:
        """Answer ``query``, keeping the retrieval, the evidence and the decision.

        ``measure_all`` measures every abstention signal, not only the model's (for eval).
        """
        retrieval = retrieve(self.snapshot, self.embedder, query, ranking or self.ranking)
        hits = retrieval.hits
        if hits and retrieval.signals is not None:
            # Highlights always feed the abstention rule; shown only when configured.
            hits = self.highlighter.highlight(
                retrieval.scope.ranked_text if retrieval.scope else query.text,
                hits,
                retrieval.signals.query_vector,
            )
        retrieval = replace(retrieval, hits=hits)
        model = abstention or self.abstention
        found = evidence(
            self.snapshot,
            query.text,
            retrieval,
            narrowed=query.filters.narrowed,
            signals=SIGNALS if measure_all else model.weights.keys(),
        )
        decision = model.decide(found)
        shown = _scored(hits, decision.confidence, entry_ordered=retrieval.entry_ordered)
        shown = [self._placed(h) for h in shown]
        if not self.highlight:
            shown = [replace(h, highlight=None) for h in shown]
        answer = Answer(
            question=query.text,
            hits=tuple(shown),
            abstained=decision.abstain,
            notes=retrieval.notes,
            abstain_reason=decision.reason if decision.abstain else None,
            order="entry" if retrieval.entry_ordered else "relevance",
        )
        return Explained(answer, retrieval, found, decision)


def _placed_hit(reader: Reader, hit: Hit) -> Hit:
    before, after = reader.neighbours(hit.passage)
    return replace(hit, prev_id=before, next_id=after)


def _scored(hits: list[Hit], confidence: float, *, entry_ordered: bool) -> list[Hit]:
    """Each hit's shown score: the confidence times its relevance relative to the top."""
    if entry_ordered:
        return [replace(h, relevance=h.score, score=None) for h in hits]
    if not hits:
        return []
    top = hits[0].score
    out = []
    for hit in hits:
        relative = hit.score / top if top > 0 else 0.0
        out.append(
            replace(hit, relevance=hit.score, score=confidence * max(0.0, min(1.0, relative)))
        )
    return out
