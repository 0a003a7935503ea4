"""Lexical signals: BM25 of every passage and of its best sentence for a question.

Names and rare words are what the small dense model blurs; BM25 finds them. The BM25
tables are computed when the index is built (``qabot.index``); ``LexicalTable`` adds,
once per library, which sentence rows belong to which passage and the vocabulary.
Scoring every passage and sentence is a few array slices per term; the best of them are
candidates for the full ranking.

The book's author's name is no evidence: in a diary, a journal or a memoir the author
is "I" in their own text ("Who taught Pepys's wife to dance?" is answered by "my wife"),
while the notes and the introduction name them on every page; in a text that speaks of
its author by name, the name is on most pages. Scored, the name only lifts the passages
that happen to name the author, so a question's terms that name the author
(``qabot.search.author``) are left out of BM25 and its expansions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index
from qabot.search.author import author_terms
from qabot.text.bm25 import Bm25Table

if TYPE_CHECKING:
    import numpy as np

LEXICAL_DEPTH = 100  # passages, and passages of sentences, with the best BM25: candidates


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
class LexicalTable:
    passages: Bm25Table
    sentences: Bm25Table
    sentence_groups: Groups
    vocabulary: frozenset[str]  # every stem of the passages and their sentences
    author: frozenset[str] = frozenset()  # the terms of the author's name: not evidence

    @classmethod
    def build(cls, index: Index) -> LexicalTable:
        tables = index.bm25
        groups = Groups.of(tables.sentence_owner)
        author = author_terms(index.passages)
        return cls(tables.passages, tables.sentences, groups, tables.vocabulary, author)

    def evidence(self, question_terms: Sequence[str]) -> list[str]:
        """The question's terms that BM25 scores: all but the author's name."""
        return [t for t in question_terms if t not in self.author]

    def scores(
        self, terms: Sequence[str], extra: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(passage BM25, best-sentence BM25) for every passage."""
        import numpy as np

        passage = self.passages.scores(terms, extra)
        sentence = self.sentence_groups.best(self.sentences.scores(terms, extra), len(passage))
        return passage, np.maximum(sentence, 0.0)


def best(scores: np.ndarray, allowed: np.ndarray, depth: int = LEXICAL_DEPTH) -> np.ndarray:
    """The allowed positions of the ``depth`` highest scores above zero."""
    import numpy as np

    masked = np.where(allowed, scores, 0.0)
    top = np.argpartition(-masked, depth)[:depth] if len(masked) > depth else np.arange(len(masked))
    return top[masked[top] > 0]
