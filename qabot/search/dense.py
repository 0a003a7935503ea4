"""Dense signals: the question's cosine with passages and with their closest sentence.

FAISS does the dense search (``qabot.index.vectors``: exact up to a size, HNSW beyond):
the passages nearest the question and the sentences nearest it are candidates; every
candidate is then scored exactly from the stored vectors — its own cosine and that of
its closest sentence (a long passage's vector blurs the one sentence that answers).
``DenseTable`` is built once per library: which sentence rows belong to which passage.

Sentences are searched only while an exact search of them is cheap (at most
``SENTENCES_SEARCHED_UP_TO``); past that their passages come from the passage search and
BM25, and every candidate's sentences are still scored. Measured on four books, the
whole Pepys diary (40,415 sentences) among them: the same answers and abstentions with
or without the sentence search, either dense search alone finding what both find
(docs/quality.md); at 10⁵ passages the sentence search (557,500 vectors, HNSW) was the
largest cost of a question and its HNSW graph a third of the build.

When the passages are many enough to be searched approximately (HNSW), their search
runs on a helper thread (FAISS lets go of the GIL) while the question's thread scores
BM25.

The corpus's level for a question (``DenseScores``) is measured on a fixed sample of
passages, whose vectors (and their sentences') are kept once as 32-bit floats
(``CorpusSample``): scored by FAISS's SIMD inner products, not fetched from the 16-bit
storage of the whole index through a bitmap with every question.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from qabot.index import Index
from qabot.index.texts import PassageTexts
from qabot.index.vectors import EXACT_UP_TO, VectorIndex

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
T = TypeVar("T")


@dataclass(frozen=True)
class NearestSearch:
    """A question's dense search for candidates, maybe still running on helper threads."""

    passages: Future[Found]
    sentences: Future[Found] | None  # None: the sentences are not searched
    unit_owner: np.ndarray

    def positions(self) -> np.ndarray:
        """The candidate passage positions, sorted (waits for the search to end)."""
        import numpy as np

        found = self.passages.result()[1]
        if self.sentences is None:
            return np.unique(found)
        return np.union1d(found, self.unit_owner[self.sentences.result()[1]])


class _Once(Generic[T]):
    """A value made on first use, once, whichever thread asks first; never changed after."""

    def __init__(self) -> None:
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self, make: Callable[[], T]) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = make()
        return self._value


def _done(found: Found) -> Future[Found]:
    future: Future[Found] = Future()
    future.set_result(found)
    return future


PASSAGE_DEPTH = 100  # passages nearest the question, searched in FAISS
SENTENCE_DEPTH = 200  # sentences nearest the question (their passages are candidates)
SENTENCES_SEARCHED_UP_TO = EXACT_UP_TO  # past this many sentences: scored, not searched
NULL_SAMPLE = 1024  # passages the question is compared with to know the corpus's level


@dataclass(frozen=True)
class CorpusSample:
    """A fixed sample of passages, their vectors and their sentences' vectors as 32-bit
    floats: what every question is compared with to know the corpus's level."""

    passages: np.ndarray  # (sample, dimension)
    sentences: np.ndarray  # (their sentence rows, dimension)
    offsets: np.ndarray  # per sampled passage with sentence rows: its first row
    has: np.ndarray  # per sampled passage: it has sentence rows

    def levels(self, query: np.ndarray) -> tuple[Level, Level]:
        """The level of the passage cosine and of the closest-sentence cosine."""
        import numpy as np

        passage = _inner_products(query, self.passages)
        sentence = passage.copy()
        if len(self.offsets):
            best = np.maximum.reduceat(_inner_products(query, self.sentences), self.offsets)
            sentence[self.has] = np.maximum(best, passage[self.has])
        return Level.of(passage), Level.of(sentence)


def _inner_products(query: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows @ query`` by FAISS's SIMD loop on one thread (numpy's BLAS would wake its
    threads to spin against the question's others)."""
    import faiss
    import numpy as np

    out = np.empty(len(rows), dtype=np.float32)
    if len(rows):
        vector = np.ascontiguousarray(query, dtype=np.float32)
        faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]  # not in the stubs
            faiss.swig_ptr(out),
            faiss.swig_ptr(vector),
            faiss.swig_ptr(rows),
            rows.shape[1],
            len(rows),
        )
    return out


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
    helper: ThreadPoolExecutor  # runs the passage search past the exact size
    sample: _Once[CorpusSample]  # made on the first question (reading commands never search)

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
            sample=_Once(),
        )

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def searches_sentences(self) -> bool:
        """Whether the sentences are searched as well as the passages (see the module doc)."""
        return 0 < len(self.units) <= SENTENCES_SEARCHED_UP_TO and self.units.exact

    def nearest(self, query: np.ndarray, allowed: np.ndarray) -> NearestSearch:
        """Start the search for the candidate passages among ``allowed``: those nearest
        the question, and those holding the sentences nearest it (see the module doc).
        Past the exact size the passage search runs on a helper thread, and
        ``NearestSearch.positions`` waits for it."""
        if self.passages.exact:  # a millisecond: run it here
            passages = _done(self.passages.search(query, PASSAGE_DEPTH, allowed))
        else:
            passages = self.helper.submit(self.passages.search, query, PASSAGE_DEPTH, allowed)
        sentences = None
        if self.searches_sentences:
            owned = None if allowed.all() else allowed[self.unit_owner]
            sentences = _done(self.units.search(query, SENTENCE_DEPTH, owned))
        return NearestSearch(passages, sentences, self.unit_owner)

    def score(self, query: np.ndarray, positions: np.ndarray) -> DenseScores:
        """The dense signals of the passages at ``positions``, and the corpus's level for
        this question (see ``DenseScores``), measured on the fixed sample."""
        passage, sentence = self.cosines(query, positions)
        passage_level, sentence_level = self.sample.get(self._sample).levels(query)
        return DenseScores(passage, sentence, passage_level, sentence_level)

    def _sample(self) -> CorpusSample:
        """The fixed sample's vectors as 32-bit floats (made once per library)."""
        import numpy as np

        at = self.null_positions
        rows, offsets, has = self._sentence_rows(at)
        return CorpusSample(
            passages=np.ascontiguousarray(self.passages.matrix[at], dtype=np.float32),
            sentences=np.ascontiguousarray(self.units.matrix[rows], dtype=np.float32),
            offsets=offsets,
            has=has,
        )

    def cosines(self, query: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage cosine, closest-sentence cosine) of the passages at ``positions``; a
        one-sentence passage's closest sentence is itself."""
        import numpy as np

        passage = self.passages.cosines(query, positions)
        rows, offsets, has = self._sentence_rows(positions)
        sentence = passage.copy()
        if len(offsets):
            best = np.maximum.reduceat(self.units.cosines(query, rows), offsets)
            sentence[has] = np.maximum(best, passage[has])
        return passage, sentence

    def _sentence_rows(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sentence rows of the passages at ``positions``, one passage after another;
        where each such passage's rows start among them; which passages have rows."""
        import numpy as np

        starts, ends = self.unit_start[positions], self.unit_end[positions]
        has = starts >= 0
        lengths = (ends - starts)[has]
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        rows = np.repeat(starts[has] - offsets, lengths) + np.arange(int(lengths.sum()))
        return rows, (offsets if has.any() else offsets[:0]), has

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
