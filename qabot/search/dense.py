"""Dense signals: the question's cosine with passages and with their closest sentence.

FAISS does the dense search (``qabot.index.vectors``: exact up to a size, HNSW beyond):
the passages nearest the question and the sentences nearest it are candidates; every
candidate is then scored exactly from the stored vectors — its own cosine and that of
its closest sentence (a long passage's vector blurs the one sentence that answers).
``DenseTable`` is built once per library: which sentence rows belong to which passage.

When the vectors are many enough to be searched approximately (HNSW), the passage and
the sentence searches run on two helper threads (FAISS lets go of the GIL) while the
question's thread scores BM25: at 10⁵ passages and 557,500 sentences they are most of
a question's time, 29 ms one after the other against 16 ms together.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index
from qabot.index.texts import PassageTexts
from qabot.index.vectors import VectorIndex

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Level:
    """A signal's mean and spread over the corpus, for one question."""

    mean: float = 0.0
    spread: float = 1.0

    @classmethod
    def of(cls, values: np.ndarray) -> Level:
        if not len(values):
            return cls()
        return cls(float(values.mean()), max(float(values.std()), 1e-6))

    def z(self, value: float | np.ndarray) -> float | np.ndarray:
        """How many spreads ``value`` stands above the mean."""
        return (value - self.mean) / self.spread


@dataclass(frozen=True)
class DenseScores:
    """Per candidate, the question's cosine with the passage and with its closest
    sentence; and each signal's level over a fixed sample of passages (their mean and
    spread), so that a cosine is read as how far it stands above what the corpus gives
    any such question, the same way at 59 passages and at 100,000."""

    passage: np.ndarray
    sentence: np.ndarray
    passage_level: Level
    sentence_level: Level


Found = tuple["np.ndarray", "np.ndarray"]  # (scores, positions) of a FAISS search


@dataclass(frozen=True)
class NearestSearch:
    """A question's dense search for candidates, maybe still running on helper threads."""

    passages: Future[Found]
    sentences: Future[Found] | None  # None: the index has no sentence vectors
    unit_owner: np.ndarray

    def positions(self) -> np.ndarray:
        """The candidate passage positions (waits for the search to end)."""
        import numpy as np

        found = self.passages.result()[1]
        if self.sentences is None:
            return found
        return np.union1d(found, self.unit_owner[self.sentences.result()[1]])


def _done(found: Found) -> Future[Found]:
    future: Future[Found] = Future()
    future.set_result(found)
    return future


PASSAGE_DEPTH = 100  # passages nearest the question, searched in FAISS
SENTENCE_DEPTH = 200  # sentences nearest the question (their passages are candidates)
NULL_SAMPLE = 1024  # passages the question is compared with to know the corpus's level


@dataclass(frozen=True)
class DenseTable:
    """Passage and sentence vectors, and each passage's sentence rows ([start, end))."""

    passages: VectorIndex
    units: VectorIndex
    unit_owner: np.ndarray  # per sentence row: the passage position
    unit_start: np.ndarray  # per passage: its first sentence row, -1 for one-sentence ones
    unit_end: np.ndarray
    unit_texts: Sequence[str]
    texts: Sequence[str]  # the quoted text of each passage
    null_positions: np.ndarray  # a fixed sample of passage positions (see ``score``)
    dimension: int
    helper: ThreadPoolExecutor  # runs the passage and sentence searches past the exact size

    @classmethod
    def build(cls, index: Index) -> DenseTable:
        import numpy as np

        passages = index.passages
        ids = np.fromiter((p.id for p in passages), dtype=np.int64, count=len(passages))
        by_id = np.argsort(ids)
        wanted = np.asarray(index.units.passage_ids, dtype=np.int64)
        owner = by_id[np.searchsorted(ids[by_id], wanted)] if len(wanted) else wanted
        start = np.full(len(passages), -1, dtype=np.int64)
        end = np.full(len(passages), -1, dtype=np.int64)
        if len(owner):
            firsts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
            if len(np.unique(owner[firsts])) != len(firsts):
                raise ValueError("the sentence rows of each passage must be contiguous")
            ends = np.append(firsts[1:], len(owner))
            start[owner[firsts]], end[owner[firsts]] = firsts, ends
        rng = np.random.default_rng(0)
        size = min(NULL_SAMPLE, len(passages))
        null_positions = np.sort(rng.choice(len(passages), size=size, replace=False))
        return cls(
            passages=index.passage_vectors,
            units=index.units.vectors,
            unit_owner=owner.astype(np.int64),
            unit_start=start,
            unit_end=end,
            unit_texts=index.units.texts,
            texts=PassageTexts(passages),
            null_positions=null_positions.astype(np.int64),
            dimension=index.dimension,
            # threads start on first use, i.e. only for approximate search; one per core,
            # so concurrent questions do not queue behind each other's searches
            helper=ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="qabot-dense"),
        )

    def __len__(self) -> int:
        return len(self.passages)

    def nearest(self, query: np.ndarray, allowed: np.ndarray) -> NearestSearch:
        """Start the search for the candidate passages among ``allowed``: those nearest
        the question, and those holding the sentences nearest it. Past the exact size it
        runs on the helper threads, and ``NearestSearch.positions`` waits for it."""
        owned = allowed[self.unit_owner] if len(self.units) else None
        if self.units.exact and self.passages.exact:  # a millisecond: run it here
            return NearestSearch(
                _done(self.passages.search(query, PASSAGE_DEPTH, allowed)),
                _done(self.units.search(query, SENTENCE_DEPTH, owned))
                if owned is not None
                else None,
                self.unit_owner,
            )
        passages = self.helper.submit(self.passages.search, query, PASSAGE_DEPTH, allowed)
        sentences = (
            self.helper.submit(self.units.search, query, SENTENCE_DEPTH, owned)
            if owned is not None
            else None
        )
        return NearestSearch(passages, sentences, self.unit_owner)

    def score(self, query: np.ndarray, positions: np.ndarray) -> DenseScores:
        """The dense signals of the passages at ``positions``, and the corpus's level for
        this question (see ``DenseScores``): the candidates and the fixed sample are
        scored together, one pass over the stored vectors instead of two."""
        import numpy as np

        together = np.union1d(positions, self.null_positions)
        passage, sentence = self._cosines(query, together)
        mine = np.searchsorted(together, positions)
        sample = np.searchsorted(together, self.null_positions)
        levels = (Level.of(passage[sample]), Level.of(sentence[sample]))
        return DenseScores(passage[mine], sentence[mine], *levels)

    def _cosines(self, query: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage cosine, closest-sentence cosine) of the passages at ``positions``; a
        one-sentence passage's closest sentence is itself."""
        import numpy as np

        passage = self.passages.cosines(query, positions)
        starts, ends = self.unit_start[positions], self.unit_end[positions]
        has = starts >= 0
        sentence = passage.copy()
        if has.any():
            lengths = (ends - starts)[has]
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            rows = np.repeat(starts[has] - offsets, lengths) + np.arange(int(lengths.sum()))
            best = np.maximum.reduceat(self.units.cosines(query, rows), offsets)
            sentence[has] = np.maximum(best, passage[has])
        return passage, sentence

    def sentences(self, position: int) -> tuple[list[str], np.ndarray]:
        """The sentences of the passage at ``position`` and their vectors."""
        import numpy as np

        start, end = int(self.unit_start[position]), int(self.unit_end[position])
        if start >= 0:
            rows = np.arange(start, end)
            return list(self.unit_texts[start:end]), self.units.matrix[rows]
        own = [self.passage_text(position)]
        return own, self.passages.matrix[position : position + 1]

    def passage_text(self, position: int) -> str:
        """The quoted text of a passage, its whitespace made single spaces (a passage of
        one sentence is its own sentence)."""
        return " ".join(self.texts[position].split())
