"""BM25 over passages or sentences, and the word pipeline shared by every rule.

Names and rare words are what the small dense model blurs; BM25 finds them. One
``Terms`` pipeline (lower case, stop words out, Snowball stems) serves passages and
questions alike, and the stop-word set is built once per process.

The BM25 weights are computed when the index is built (``Bm25Table.build``, with bm25s)
and stored with it as plain arrays: per term, the passages that contain it and their
BM25 weight (bm25s's own sparse layout). Scoring a question is a few array slices per
term — numpy only, no bm25s or scipy import and no table to rebuild in the process that
answers.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default splitter
_LEXICON_WORD = re.compile(r"[^\W\d_]{3,}")  # words of letters only, 3 or more


@functools.cache
def stopwords() -> frozenset[str]:
    """English stop words (bm25s's extended list, copied in ``_stopwords``), built once."""
    from qabot.search._stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def content_words(text: str) -> list[str]:
    """Lower-case words of three letters or more, stop words left out, in order."""
    stop = stopwords()
    return [w for w in _LEXICON_WORD.findall(text.lower()) if w not in stop]


def corpus_words(passages: Sequence[Passage]) -> list[str]:
    """The distinct content words of the passages, sorted (the lexicon's rows)."""
    return sorted({w for p in passages for w in content_words(p.embed_text)})


class Terms:
    """Lower-case, stop-word-free, stemmed terms: the same pipeline for passages and questions."""

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")
        self._stop = stopwords()

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in self._stop]
        return self._stemmer.stemWords(words)


def sentence_texts(
    passages: Sequence[Passage], unit_owners: Sequence[int], unit_texts: Sequence[str]
) -> tuple[list[int], list[str]]:
    """The texts of sentence-level BM25 and the passage position each belongs to.

    Each sentence of a multi-sentence passage (the index's units, hyphenation repaired),
    and each one-sentence passage whole.
    """
    from qabot.chunker import repair_text

    position = {p.id: i for i, p in enumerate(passages)}
    with_units = set(unit_owners)
    owners = [i for i, p in enumerate(passages) if p.id not in with_units]
    texts = [passages[i].embed_text for i in owners]
    owners += [position[o] for o in unit_owners]
    texts += [repair_text(t) for t in unit_texts]
    return owners, texts


@dataclass(frozen=True)
class Bm25Table:
    """BM25 weights of every term in every text, as postings (term → texts, weights)."""

    vocabulary: Mapping[str, int]  # term → row of the postings
    indptr: np.ndarray  # postings of term t: indptr[t] .. indptr[t + 1]
    indices: np.ndarray  # text positions
    weights: np.ndarray  # BM25 weight of the term in that text
    size: int  # number of texts

    @classmethod
    def build(cls, texts: Sequence[str], terms: Terms) -> Bm25Table:
        """Compute the table with bm25s (k1 1.5, b 0.75, Lucene idf): at index time only."""
        import bm25s
        import numpy as np

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        vocabulary: dict[str, int] = {}
        if not texts or not any(terms(t) for t in texts):
            empty = np.zeros(0, dtype=np.int32)
            return cls({}, np.zeros(1, dtype=np.int64), empty, empty.astype(np.float32), len(texts))
        ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in terms(text)] for text in texts]
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
