"""The four relevance signals of every passage for one question, as one typed value.

- passage cosine and sentence cosine (``dense``);
- passage BM25 and sentence BM25 (``lexical``): the question's terms, plus expansions —
  corpus words near the question's words in the model's space (``expansion``).

One embedding call per question: the question and those of its words the lexicon lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.embedding import Embedder
from qabot.errors import IndexMismatchError
from qabot.search.dense import DenseTable
from qabot.search.expansion import Expansion, ExpansionTable
from qabot.search.lexical import LexicalTable
from qabot.text.terms import content_words, terms

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Signals:
    """One array per signal, one value per passage (passage positions of the index)."""

    query_vector: np.ndarray
    passage_cosine: np.ndarray
    sentence_cosine: np.ndarray
    passage_bm25: np.ndarray
    sentence_bm25: np.ndarray
    query_terms: tuple[str, ...]  # the question's own stems (no expansions)
    expanded_terms: tuple[str, ...] = ()  # stems added by query expansion

    @property
    def lexical(self) -> np.ndarray:
        """The better of the two BM25 scores of each passage."""
        import numpy as np

        return np.maximum(self.passage_bm25, self.sentence_bm25)


def compute(
    dense: DenseTable,
    lexical: LexicalTable,
    lexicon: ExpansionTable,
    embedder: Embedder,
    text: str,
    expansion: Expansion | None,
) -> Signals:
    """Every signal for ``text`` (see the module doc)."""
    import numpy as np

    words = content_words(text) if expansion and expansion.neighbours > 0 else []
    missing = lexicon.missing(words)
    embedded = embedder.embed([text, *missing])
    query_vector = embedded[0]
    if len(dense) and len(query_vector) != dense.dimension:
        raise IndexMismatchError(
            f"the index has {dense.dimension}-dimensional vectors but the model "
            f"{embedder.identity} makes {len(query_vector)}; run `qabot index --force`"
        )
    word_vectors = lexicon.vectors_for(words, dict(zip(missing, embedded[1:], strict=True)))
    passage_cosine = dense.passage_cosine(query_vector)
    extra = lexicon.expand(words, word_vectors, expansion) if words and expansion else {}
    question_terms = terms(text)
    passage_bm25, sentence_bm25 = lexical.scores(question_terms, extra)
    sentence_cosine = np.maximum(
        passage_cosine,
        dense.sentence_best(query_vector, passage_cosine, np.maximum(passage_bm25, sentence_bm25)),
    )
    return Signals(
        query_vector=query_vector,
        passage_cosine=passage_cosine,
        sentence_cosine=sentence_cosine,
        passage_bm25=passage_bm25,
        sentence_bm25=sentence_bm25,
        query_terms=tuple(question_terms),
        expanded_terms=tuple(extra),
    )
