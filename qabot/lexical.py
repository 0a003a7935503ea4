"""BM25 over the passages (bm25s), for names and rare words the dense model blurs.

Built in memory from the index's passages when the index is loaded (a few milliseconds
for thousands of passages), so it can never disagree with the saved vectors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default splitter
_LEXICON_WORD = re.compile(r"[^\W\d_]{3,}")  # words of letters only, 3 or more


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def content_words(text: str) -> list[str]:
    """Lower-case words of three letters or more, stop words left out, in order."""
    stop = _stopwords()
    return [w for w in _LEXICON_WORD.findall(text.lower()) if w not in stop]


def corpus_words(passages: Sequence[Passage]) -> list[str]:
    """The distinct content words of the passages, sorted (the lexicon's rows)."""
    return sorted({w for p in passages for w in content_words(p.embed_text)})


class Terms:
    """Lower-case, stop-word-free, stemmed terms: the same pipeline for passages and questions."""

    def __init__(self) -> None:
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN_PLUS

        self._stemmer = Stemmer.Stemmer("english")
        self._stop = frozenset(STOPWORDS_EN_PLUS)

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in self._stop]
        return self._stemmer.stemWords(words)


class LexicalIndex:
    """BM25 scores of every text (passage or sentence) for a question."""

    def __init__(self, texts: Sequence[str], terms: Terms | None = None) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        self.terms = terms or Terms()
        self._bm25 = bm25s.BM25()
        self._empty = not texts
        if texts:
            tokens = [self.terms(text) for text in texts]
            vocabulary: dict[str, int] = {}
            ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in doc] for doc in tokens]
            self._bm25.index(
                bm25s.tokenization.Tokenized(ids=ids, vocab=vocabulary), show_progress=False
            )
        self.size = len(texts)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset() if self._empty else frozenset(self._bm25.vocab_dict)

    def scores(self, question: str, extra: dict[str, float] | None = None) -> np.ndarray:
        """One BM25 score per passage, in passage order (all zero when no term matches).

        ``extra`` adds terms (stems) with weights, e.g. query expansions.
        """
        import numpy as np

        total = np.zeros(self.size, dtype=np.float32)
        known = [t for t in self.terms(question) if t in self.vocabulary]
        if known:
            total += np.asarray(self._bm25.get_scores(known), dtype=np.float32)
        for term, weight in (extra or {}).items():
            if term in self.vocabulary and term not in known:
                total += weight * np.asarray(self._bm25.get_scores([term]), dtype=np.float32)
        return total
