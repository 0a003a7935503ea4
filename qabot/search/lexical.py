"""BM25 over passages or sentences (bm25s), and the word pipeline shared by every rule.

Names and rare words are what the small dense model blurs; BM25 finds them. One
``Terms`` pipeline (lower case, stop words out, Snowball stems) serves passages and
questions alike, and the stop-word set is built once per process.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default splitter
_LEXICON_WORD = re.compile(r"[^\W\d_]{3,}")  # words of letters only, 3 or more


@functools.cache
def stopwords() -> frozenset[str]:
    """English stop words (bm25s's extended list), built once per process."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

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


class LexicalIndex:
    """BM25 scores of every text (passage or sentence) for a question."""

    def __init__(self, texts: Sequence[str], terms: Terms) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        self.terms = terms
        self._bm25 = bm25s.BM25()
        self.size = len(texts)
        self.vocabulary: frozenset[str] = frozenset()
        if texts:
            vocabulary: dict[str, int] = {}
            ids = [
                [vocabulary.setdefault(t, len(vocabulary)) for t in terms(text)] for text in texts
            ]
            self._bm25.index(
                bm25s.tokenization.Tokenized(ids=ids, vocab=vocabulary), show_progress=False
            )
            self.vocabulary = frozenset(vocabulary)

    def scores(self, question_terms: Sequence[str], extra: dict[str, float]) -> np.ndarray:
        """One BM25 score per text, in order (all zero when no term matches).

        ``extra`` adds terms (stems) with weights, e.g. query expansions.
        """
        import numpy as np

        total = np.zeros(self.size, dtype=np.float32)
        known = [t for t in question_terms if t in self.vocabulary]
        if known:
            total += np.asarray(self._bm25.get_scores(known), dtype=np.float32)
        for term, weight in extra.items():
            if term in self.vocabulary and term not in known:
                total += weight * np.asarray(self._bm25.get_scores([term]), dtype=np.float32)
        return total
