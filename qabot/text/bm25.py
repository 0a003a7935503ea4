"""BM25 tables: computed with bm25s when an index is built, scored with numpy.

A table stores, per term, the texts that contain it and their BM25 weight (bm25s's own
sparse layout). Scoring a question is a few array slices per term: numpy only, no
bm25s or scipy import and no table to rebuild in the process that answers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from qabot.text.terms import terms

if TYPE_CHECKING:
    import numpy as np


class Postings(Protocol):
    """What scoring reads of a postings array: slices of it (an array in memory, or one
    read from the index's file a slice at a time: ``qabot.index.files``)."""

    def __getitem__(self, where: slice, /) -> np.ndarray: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Bm25Table:
    """BM25 weights of every term in every text, as postings (term → texts, weights)."""

    vocabulary: Mapping[str, int]  # term → row of the postings
    indptr: np.ndarray  # postings of term t: indptr[t] .. indptr[t + 1]
    indices: Postings  # text positions
    weights: Postings  # BM25 weight of the term in that text
    size: int  # number of texts

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25Table:
        """Compute the table with bm25s (k1 1.5, b 0.75, Lucene idf): at index time only."""
        import bm25s
        import numpy as np

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        vocabulary: dict[str, int] = {}
        tokenized_texts = [terms(t) for t in texts]
        if not any(tokenized_texts):
            empty = np.zeros(0, dtype=np.int32)
            return cls({}, np.zeros(1, dtype=np.int64), empty, empty.astype(np.float32), len(texts))
        ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in ts] for ts in tokenized_texts]
        model = bm25s.BM25()
        tokenized = bm25s.tokenization.Tokenized(ids=ids, vocab=dict(vocabulary))  # bm25s adds ""
        model.index(tokenized, show_progress=False)
        scores = model.scores
        return cls(
            vocabulary,
            np.asarray(scores["indptr"], dtype=np.int64),
            np.asarray(scores["indices"], dtype=np.int32),
            np.asarray(scores["data"], dtype=np.float32),
            len(texts),
        )

    def frequency(self, term: str) -> int:
        """How many texts hold ``term`` (the length of its postings)."""
        row = self.vocabulary.get(term)
        return 0 if row is None else int(self.indptr[row + 1] - self.indptr[row])

    def holding_all(self, wanted: Sequence[str]) -> list[int]:
        """The positions of the texts that hold every one of ``wanted``, in order."""
        import numpy as np

        found: np.ndarray | None = None
        for term in sorted(set(wanted), key=self.frequency):
            row = self.vocabulary.get(term)
            if row is None:
                return []
            here = self.indices[self.indptr[row] : self.indptr[row + 1]]
            found = here if found is None else np.intersect1d(found, here, assume_unique=True)
            if not len(found):
                return []
        return [] if found is None else sorted(int(i) for i in found)

    def scores(self, question_terms: Sequence[str], extra: Mapping[str, float]) -> np.ndarray:
        """One BM25 score per text (zero where no term matches).

        ``extra`` adds terms (stems) with weights, e.g. query expansions; a term the
        question has itself is not added again.
        """
        import numpy as np

        total = np.zeros(self.size, dtype=np.float32)
        weighted = [(t, 1.0) for t in question_terms]
        weighted += [(t, w) for t, w in extra.items() if t not in question_terms]
        for term, weight in weighted:
            row = self.vocabulary.get(term)
            if row is None:
                continue
            start, end = self.indptr[row], self.indptr[row + 1]
            # a text appears once per term: plain fancy-index addition is exact
            total[self.indices[start:end]] += weight * self.weights[start:end]
        return total
