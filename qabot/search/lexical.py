"""Lexical signals: BM25 of every passage and of its best sentence for a question.

Names and rare words are what the small dense model blurs; BM25 finds them. The BM25
tables are computed when the index is built (``qabot.index``); ``LexicalTable`` adds,
once per library, which sentence rows belong to which passage and the vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index
from qabot.search.dense import Groups
from qabot.text.bm25 import Bm25Table

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class LexicalTable:
    passages: Bm25Table
    sentences: Bm25Table
    sentence_groups: Groups
    vocabulary: frozenset[str]  # every stem of the passages and their sentences

    @classmethod
    def build(cls, index: Index) -> LexicalTable:
        tables = index.bm25
        return cls(
            passages=tables.passages,
            sentences=tables.sentences,
            sentence_groups=Groups.of(tables.sentence_owner),
            vocabulary=frozenset(tables.passages.vocabulary)
            | frozenset(tables.sentences.vocabulary),
        )

    def scores(
        self, terms: Sequence[str], extra: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage BM25, best-sentence BM25) for every passage."""
        import numpy as np

        passage = self.passages.scores(terms, extra)
        sentence = self.sentence_groups.best(self.sentences.scores(terms, extra), len(passage))
        return passage, np.maximum(sentence, 0.0)
