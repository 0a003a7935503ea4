"""Dense signals: the question's cosine with every passage and with its closest sentence.

``DenseTable`` is built once per library from the index: the passage vectors in passage
order, the sentence (unit) vectors, and which rows of them belong to which passage.
A long passage's vector blurs the one sentence that answers, so the closest sentence
counts too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index

if TYPE_CHECKING:
    import numpy as np

SENTENCE_CANDIDATES = 500  # passages whose sentences are scored, per retriever (see below)


@dataclass(frozen=True)
class Groups:
    """Rows of a per-sentence array grouped by the passage that owns them (contiguous)."""

    starts: np.ndarray  # first row of each group
    owners: np.ndarray  # the passage position of each group

    @classmethod
    def of(cls, owner: np.ndarray) -> Groups:
        import numpy as np

        if not len(owner):
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
        if len(np.unique(owner[starts])) != len(starts):
            raise ValueError("the rows of each passage must be contiguous")
        return cls(starts.astype(np.int64), owner[starts])

    def best(self, values: np.ndarray, size: int) -> np.ndarray:
        """Per passage, the largest of its rows' values; -inf for passages without rows."""
        import numpy as np

        result = np.full(size, -np.inf, dtype=np.float32)
        if len(self.starts):
            result[self.owners] = np.maximum.reduceat(values, self.starts)
        return result


@dataclass(frozen=True)
class DenseTable:
    """Passage and sentence vectors, and each passage's sentence rows ([start, end))."""

    vectors: np.ndarray  # one row per passage, in passage order
    unit_vectors: np.ndarray  # one row per sentence of a multi-sentence passage
    unit_texts: Sequence[str]
    unit_groups: Groups
    unit_start: np.ndarray  # per passage: its first sentence row, -1 for one-sentence ones
    unit_end: np.ndarray
    passage_texts: Sequence[str]  # the quoted text of each passage (its own sentence)
    dimension: int

    @classmethod
    def build(cls, index: Index) -> DenseTable:
        import numpy as np

        passages = index.passages
        ids = np.fromiter((p.id for p in passages), dtype=np.int64, count=len(passages))
        by_id = np.argsort(ids)
        wanted = np.asarray(index.units.passage_ids, dtype=np.int64)
        owner = by_id[np.searchsorted(ids[by_id], wanted)] if len(wanted) else wanted
        groups = Groups.of(owner)
        start = np.full(len(passages), -1, dtype=np.int64)
        end = np.full(len(passages), -1, dtype=np.int64)
        ends = np.append(groups.starts[1:], len(owner)).astype(np.int64)
        start[groups.owners], end[groups.owners] = groups.starts, ends
        return cls(
            vectors=index.vectors(),
            unit_vectors=index.units.vectors,
            unit_texts=index.units.texts,
            unit_groups=groups,
            unit_start=start,
            unit_end=end,
            passage_texts=[" ".join(p.text.split()) for p in passages],
            dimension=index.dimension,
        )

    def __len__(self) -> int:
        return len(self.vectors)

    def passage_cosine(self, query: np.ndarray) -> np.ndarray:
        """The question's cosine with every passage (one matrix product)."""
        import numpy as np

        return (self.vectors @ query).astype(np.float32, copy=False)

    def sentence_best(
        self, query: np.ndarray, passage_cosine: np.ndarray, lexical: np.ndarray
    ) -> np.ndarray:
        """Per passage, the cosine of its closest sentence (-inf for one-sentence passages).

        Exact up to ``SENTENCE_CANDIDATES`` passages. Beyond, only the sentences of the
        passages that either retriever ranks in its top ``SENTENCE_CANDIDATES`` are
        scored (a passage with a close sentence is close itself, or shares the
        question's words): the work per question stops growing with the corpus.
        """
        import numpy as np

        size = len(passage_cosine)
        if not len(self.unit_vectors):
            return np.full(size, -np.inf, dtype=np.float32)
        if size <= SENTENCE_CANDIDATES:
            return self.unit_groups.best(self.unit_vectors @ query, size)
        top = SENTENCE_CANDIDATES
        chosen = np.union1d(
            np.argpartition(-passage_cosine, top)[:top], np.argpartition(-lexical, top)[:top]
        )
        chosen = chosen[self.unit_start[chosen] >= 0]
        starts, ends = self.unit_start[chosen], self.unit_end[chosen]
        lengths = ends - starts
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        best = np.full(size, -np.inf, dtype=np.float32)
        if len(rows):
            best[chosen] = np.maximum.reduceat(self.unit_vectors[rows] @ query, offsets)
        return best

    def sentences(self, position: int) -> tuple[list[str], np.ndarray]:
        """The sentences of the passage at ``position`` and their vectors."""
        start, end = int(self.unit_start[position]), int(self.unit_end[position])
        if start >= 0:
            return list(self.unit_texts[start:end]), self.unit_vectors[start:end]
        return [self.passage_texts[position]], self.vectors[position : position + 1]
