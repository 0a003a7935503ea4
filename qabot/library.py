"""The library: one loaded index, never changed, and the whole question API over it.

``ask``, ``explain``, ``verify``, ``entry``, ``show``, ``timeline`` and ``passages`` all
read the same immutable snapshot: the tables each rule needs are built once, here, by
the rule's own module (``Table.build(index)``), and a question shares nothing mutable
with another, so any number of threads may ask at once. A hot reload makes a new
library and swaps one reference (``qabot.maintainer``); questions already running
finish on the library they started with.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

from qabot.collector import collector_paused
from qabot.embedding import Embedder
from qabot.index import Index
from qabot.index.texts import PassageTexts
from qabot.search.abstention import NameTable
from qabot.search.answerer import AnswerConfig, Explained, answer
from qabot.search.casing import CasingTable
from qabot.search.dense import DenseTable
from qabot.search.expansion import ExpansionTable
from qabot.search.fusion import Ranking
from qabot.search.lexical import LexicalTable
from qabot.search.parts import PartTable
from qabot.search.query import Filters, Query
from qabot.search.reading import ReadingTable
from qabot.search.retrieval import RetrievalTables, gather, rank
from qabot.search.scope import ScopeTable
from qabot.search.verify import QuoteTable, verify
from qabot.text.spelling import Spellings
from qabot.types import (
    Answer,
    DocumentTimeline,
    EntryView,
    Passage,
    Reading,
    Verdict,
    Window,
)


class Library:
    """Answers questions from one index (see the module doc)."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        config: AnswerConfig | None = None,
        *,
        top_k: int = 3,
        max_question_chars: int = 1000,
    ) -> None:
        self._index = index
        self._embedder = embedder
        self.config = config or AnswerConfig()
        self.top_k = top_k
        self.max_question_chars = max_question_chars
        with collector_paused():  # the tables are many long-lived objects (qabot.collector)
            spellings = Spellings.of(index.lexicon.words)
            self._tables = RetrievalTables(
                passages=tuple(index.passages),
                dense=DenseTable.build(index),
                lexical=LexicalTable.build(index),
                expansion=ExpansionTable.build(index),
                scope=ScopeTable.build(index, spellings),
                parts=PartTable.build(index),
                casing=CasingTable(index.bm25.passages, PassageTexts(index.passages)),
            )
            self._names = NameTable.build(index, spellings)
            self._reading = ReadingTable.build(index)
        self._quotes: QuoteTable | None = None  # built on the first quotation, once
        self._quotes_lock = threading.Lock()

    # ------------------------------------------------------------------ what it holds

    @property
    def location(self) -> str | None:
        """The index generation this library was loaded from (None: built in memory)."""
        return None if self._index.location is None else str(self._index.location)

    @property
    def model(self) -> str:
        return self._index.manifest.model

    def __len__(self) -> int:
        return len(self._tables.passages)

    def passages(self) -> Sequence[Passage]:
        """Every passage, in corpus order."""
        return self._tables.passages

    @property
    def sections(self) -> Sequence[str]:
        return self._tables.scope.sections

    @property
    def entry_dates(self) -> Sequence[str]:
        return self._tables.scope.entry_dates

    # ------------------------------------------------------------------ questions

    def query(self, question: str, k: int | None = None, filters: Filters | None = None) -> Query:
        """A validated question (QuestionError / FilterError when it is unusable)."""
        return Query.make(question, k or self.top_k, filters, max_chars=self.max_question_chars)

    def ask(
        self, question: str | Query, k: int | None = None, filters: Filters | None = None
    ) -> Answer:
        """The top passages for a question; abstains when none seems to answer it."""
        query = question if isinstance(question, Query) else self.query(question, k, filters)
        return self.explain(query).answer

    def explain(
        self, query: Query, *, config: AnswerConfig | None = None, measure_all: bool = False
    ) -> Explained:
        """Answer ``query`` keeping what led to the answer (``qabot eval``); ``config``
        overrides the ranking or the abstention rule for this question only."""
        return answer(
            self._tables,
            self._names,
            self._reading.neighbours,
            self._embedder,
            query,
            config or self.config,
            measure_all=measure_all,
        )

    def rankings(self, query: Query, rankings: Sequence[Ranking]) -> list[list[Passage]]:
        """The top ``query.k`` passages of ``query`` under each of ``rankings`` (which
        differ only in how the signals are fused): the candidates are gathered once.
        `qabot eval` compares fusion weights with it."""
        candidates = gather(self._tables, self._embedder, query, rankings[0], aspect=False)
        if candidates is None:
            return [[] for _ in rankings]
        return [
            [r.passage for r in rank(self._tables, candidates, ranking, query.k).ranked]
            for ranking in rankings
        ]

    # ------------------------------------------------------------------ reading

    def verify(self, quote: str, closest: int = 3) -> Verdict:
        """Whether ``quote`` is in the text: exact, close (the text's wording and a word
        diff) or absent (then the passages nearest to it in meaning)."""
        verdict = verify(self._quote_table(), quote, self._reading.read)
        if verdict.verdict == "absent" and quote.strip():
            nearest = self.ask(quote[: self.max_question_chars], closest).hits
            verdict = replace(verdict, closest=tuple(h.passage for h in nearest))
        return verdict

    def _quote_table(self) -> QuoteTable:
        with self._quotes_lock:
            if self._quotes is None:
                self._quotes = QuoteTable(self._tables.passages)
            return self._quotes

    def entry(self, day: str) -> EntryView:
        """The entry of a day ('1937-01-09', 'January 9', 'Jan 9 1937') from its start;
        a day without one gives the nearest entries, and says so."""
        return self._reading.entry(day)

    def show(self, passage_id: int, context: int = 0) -> Window:
        """A passage and ``context`` neighbours on each side; an id whose passage changed
        gives the passage now at its place, and says so."""
        return self._reading.window(passage_id, context)

    def passage(self, passage_id: int) -> Passage:
        """The passage with this id (PassageGone, saying what became of it, otherwise)."""
        return self._reading.passage(passage_id)

    def read(self, passage_id: int) -> Reading:
        """The passage with this id as read in its document: its neighbours, its notes."""
        return self._reading.read(self._reading.passage(passage_id))

    def neighbours(self, passage_id: int) -> tuple[int | None, int | None]:
        """The ids of the passages before and after this one in its document."""
        return self._reading.neighbours(passage_id)

    def timeline(self) -> list[DocumentTimeline]:
        """Each document in order: its entries (date, first words, passages), its sections."""
        return self._reading.timeline()
