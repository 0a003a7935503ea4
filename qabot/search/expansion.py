"""Query expansion: a question's words mapped onto the corpus's own words.

Readers paraphrase ("wireless" for "radio", "envoy" for "ambassador"); BM25 only
matches exact stems. Each content word of the question is placed in the model's space
(the lexicon's stored vector, or embedded with the question in the same call when the
corpus lacks it), and its nearest corpus words become extra BM25 terms, weighted by
their cosine. The lexicon (every content word of the corpus, embedded at build time) is
stored with the index; ``ExpansionTable`` adds each word's row and stems, once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index
from qabot.index.vectors import VectorIndex
from qabot.text.terms import terms, word_terms

if TYPE_CHECKING:
    import numpy as np


# HNSW's efSearch for a word's neighbours in a large lexicon: a handful of soft extra
# terms need not the depth of the passage search (efSearch 1,024 made the lexicon search
# most of a warm diary question).
WORD_SEARCH_DEPTH = 128


@dataclass(frozen=True)
class Expansion:
    """How question words are mapped onto corpus words for BM25."""

    neighbours: int = 5  # corpus words added per question word (0: none)
    similarity: float = 0.55  # least cosine of a question word and a corpus word
    weight: float = 0.5  # BM25 weight of an added word, times its cosine


@dataclass(frozen=True)
class ExpansionTable:
    """The lexicon's words and vectors, and each word's row. A word's term (its stem) is
    found when the word is a neighbour, not for the whole lexicon up front: stemming the
    diary's 24,000 words was a tenth of a cold question's tables."""

    words: Sequence[str]
    vectors: VectorIndex  # one row per word
    row: Mapping[str, int]

    @classmethod
    def build(cls, index: Index) -> ExpansionTable:
        words = index.lexicon.words
        return cls(
            words=words,
            vectors=index.lexicon.vectors,
            row={w: row for row, w in enumerate(words)},
        )

    def missing(self, words: Sequence[str]) -> list[str]:
        """The distinct words the lexicon lacks: they are embedded with the question."""
        return [w for w in dict.fromkeys(words) if w not in self.row]

    def vectors_for(self, words: Sequence[str], embedded: Mapping[str, np.ndarray]) -> np.ndarray:
        """One vector per word: the lexicon's row, else the one just embedded."""
        import numpy as np

        matrix = self.vectors.matrix
        rows = [matrix[self.row[w]] if w in self.row else embedded[w] for w in words]
        dimension = len(rows[0]) if rows else self.vectors.dimension
        return np.asarray(rows, dtype=np.float32).reshape(len(words), dimension)

    def expand(
        self, words: Sequence[str], vectors: np.ndarray, expansion: Expansion
    ) -> dict[str, float]:
        """Corpus words near the question's words, as weighted extra BM25 terms (stems):
        each word's nearest corpus words, searched in FAISS."""
        if not len(self.words) or not len(words):
            return {}
        own = set(terms(" ".join(words)))
        extra: dict[str, float] = {}
        nearest = expansion.neighbours * 3  # some of a word's neighbours are its own stems
        found = [
            [
                (score, column)
                for score, column in zip(scores.tolist(), columns.tolist(), strict=True)
                if score >= expansion.similarity
            ]
            for scores, columns in self.vectors.search_many(
                vectors, nearest, ef_search=WORD_SEARCH_DEPTH
            )
        ]
        close = sorted({column for near in found for _, column in near})
        stem = dict(zip(close, word_terms([self.words[c] for c in close]), strict=True))
        for near in found:
            taken = 0
            for score, column in near:  # best first
                if taken == expansion.neighbours:
                    break
                term = stem[column]
                if term not in own:
                    extra[term] = max(extra.get(term, 0.0), expansion.weight * score)
                    taken += 1
        return extra
