"""The four relevance signals of every passage for one question, as one typed value.

- passage cosine: the question's embedding against the passage's (FAISS, exact);
- sentence cosine: against the passage's closest sentence (a long passage's vector blurs
  the one sentence that answers);
- passage BM25 and sentence BM25: the question's terms, plus *expansions* — corpus words
  near the question's words in the model's space ("wireless" → "radio"), weighted lower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.embedder import Embedder
from qabot.errors import IndexMismatchError
from qabot.search.lexical import content_words
from qabot.search.snapshot import Snapshot

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Expansion:
    """How question words are mapped onto corpus words for BM25."""

    neighbours: int = 5  # corpus words added per question word (0: none)
    similarity: float = 0.55  # least cosine of a question word and a corpus word
    weight: float = 0.5  # BM25 weight of an added word, times its cosine


@dataclass(frozen=True)
class Signals:
    """One array per signal, one value per passage (passage positions of the snapshot)."""

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
    snapshot: Snapshot, embedder: Embedder, text: str, expansion: Expansion | None
) -> Signals:
    """Every signal for ``text``: one embedding call (the question and its words)."""
    import numpy as np

    words = content_words(text) if expansion and expansion.neighbours > 0 else []
    vectors = embedder.embed([text, *words])
    index = snapshot.index
    if len(index) and vectors.shape[1] != index.dimension:
        raise IndexMismatchError(
            f"the index has {index.dimension}-dimensional vectors but the model "
            f"{embedder.identity} makes {vectors.shape[1]}; run `qabot index --force`"
        )
    passage_cosine = np.full(len(index), -1.0, dtype=np.float32)
    (results,) = index.search(vectors[:1], len(index))
    for passage, score in results:
        passage_cosine[snapshot.position[passage.id]] = score
    sentence_cosine = passage_cosine.copy()
    if len(index.units):
        np.maximum.at(sentence_cosine, snapshot.unit_owner, index.units.vectors @ vectors[0])
    extra = expansions(snapshot, words, vectors[1:], expansion) if words and expansion else {}
    terms = snapshot.terms(text)
    sentence_bm25 = np.zeros(len(index), dtype=np.float32)
    np.maximum.at(
        sentence_bm25, snapshot.sentence_owner, snapshot.sentence_lexical.scores(terms, extra)
    )
    return Signals(
        query_vector=vectors[0],
        passage_cosine=passage_cosine,
        sentence_cosine=sentence_cosine,
        passage_bm25=snapshot.lexical.scores(terms, extra),
        sentence_bm25=sentence_bm25,
        query_terms=tuple(terms),
        expanded_terms=tuple(extra),
    )


def expansions(
    snapshot: Snapshot, words: Sequence[str], vectors: np.ndarray, expansion: Expansion
) -> dict[str, float]:
    """Corpus words near the question's words, as weighted extra BM25 terms (stems)."""
    import numpy as np

    lexicon = snapshot.index.lexicon
    if not len(lexicon) or not len(words):
        return {}
    own = set(snapshot.terms(" ".join(words)))
    similarity = vectors @ lexicon.vectors.T
    extra: dict[str, float] = {}
    for row in similarity:
        taken = 0
        for column in np.argsort(-row)[: expansion.neighbours * 3]:
            score = float(row[column])
            if score < expansion.similarity or taken == expansion.neighbours:
                break
            for term in snapshot.terms(lexicon.words[column]):
                if term not in own:
                    extra[term] = max(extra.get(term, 0.0), expansion.weight * score)
                    taken += 1
    return extra
