"""The four relevance signals of every passage for one question, as one typed value.

- passage cosine: the question's embedding against the passage's (exact: one matrix
  product over the index's vectors);
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
from qabot.search.snapshot import Snapshot, group_max

if TYPE_CHECKING:
    import numpy as np


WORD_CACHE = 4096  # question words the corpus lacks, remembered per process
SENTENCE_CANDIDATES = 500  # passages whose sentences are scored, per retriever (see below)


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
    """Every signal for ``text``: one embedding call (the question, and those of its words
    the lexicon lacks, each embedded once per process; the others come from the lexicon)."""
    import numpy as np

    words = content_words(text) if expansion and expansion.neighbours > 0 else []
    # The question, and its words the corpus lacks (not yet remembered), in one call.
    missing = [
        w
        for w in dict.fromkeys(words)
        if w not in snapshot.lexicon_row and w not in snapshot.word_cache
    ]
    embedded = embedder.embed([text, *missing])
    query_vector = embedded[0]
    if missing:
        if len(snapshot.word_cache) > WORD_CACHE:
            snapshot.word_cache.clear()
        snapshot.word_cache.update(zip(missing, embedded[1:], strict=True))
    index = snapshot.index
    if len(index) and len(query_vector) != index.dimension:
        raise IndexMismatchError(
            f"the index has {index.dimension}-dimensional vectors but the model "
            f"{embedder.identity} makes {len(query_vector)}; run `qabot index --force`"
        )
    vectors = np.vstack([query_vector[None, :], word_vectors(snapshot, embedder, words)])
    size = len(index)
    passage_cosine = (snapshot.vectors @ vectors[0]).astype(np.float32, copy=False)
    extra = expansions(snapshot, words, vectors[1:], expansion) if words and expansion else {}
    terms = snapshot.terms(text)
    passage_bm25 = snapshot.lexical.scores(terms, extra)
    sentence_bm25 = np.maximum(
        group_max(snapshot.sentence_lexical.scores(terms, extra), snapshot.sentence_groups, size),
        0.0,
    )
    sentence_cosine = np.maximum(
        passage_cosine,
        sentence_best(
            snapshot, vectors[0], passage_cosine, np.maximum(passage_bm25, sentence_bm25)
        ),
    )
    return Signals(
        query_vector=vectors[0],
        passage_cosine=passage_cosine,
        sentence_cosine=sentence_cosine,
        passage_bm25=passage_bm25,
        sentence_bm25=sentence_bm25,
        query_terms=tuple(terms),
        expanded_terms=tuple(extra),
    )


def sentence_best(
    snapshot: Snapshot, query: np.ndarray, passage_cosine: np.ndarray, lexical: np.ndarray
) -> np.ndarray:
    """Per passage, the cosine of its closest sentence (-inf for one-sentence passages).

    Exact up to ``SENTENCE_CANDIDATES`` passages. Beyond, only the sentences of the
    passages that either retriever ranks in its top ``SENTENCE_CANDIDATES`` are scored
    (a passage with a close sentence is close itself, or shares the question's words):
    the work per question then stops growing with the sentences of the whole corpus.
    """
    import numpy as np

    size = len(passage_cosine)
    units = snapshot.index.units
    if not len(units):
        return np.full(size, -np.inf, dtype=np.float32)
    if size <= SENTENCE_CANDIDATES:
        return group_max(units.vectors @ query, snapshot.unit_groups, size)
    top = SENTENCE_CANDIDATES
    chosen = np.union1d(
        np.argpartition(-passage_cosine, top)[:top], np.argpartition(-lexical, top)[:top]
    )
    chosen = chosen[snapshot.unit_start[chosen] >= 0]
    starts, ends = snapshot.unit_start[chosen], snapshot.unit_end[chosen]
    lengths = ends - starts
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
    best = np.full(size, -np.inf, dtype=np.float32)
    if len(rows):
        best[chosen] = np.maximum.reduceat(units.vectors[rows] @ query, offsets)
    return best


def word_vectors(snapshot: Snapshot, embedder: Embedder, words: Sequence[str]) -> np.ndarray:
    """One vector per word: the lexicon's row, else embedded (and remembered)."""
    import numpy as np

    lexicon = snapshot.index.lexicon
    missing = [w for w in dict.fromkeys(words) if w not in snapshot.lexicon_row]
    missing = [w for w in missing if w not in snapshot.word_cache]
    if missing:
        if len(snapshot.word_cache) > WORD_CACHE:
            snapshot.word_cache.clear()
        snapshot.word_cache.update(zip(missing, embedder.embed(missing), strict=True))
    rows = [
        lexicon.vectors[snapshot.lexicon_row[w]]
        if w in snapshot.lexicon_row
        else snapshot.word_cache[w]
        for w in words
    ]
    return np.asarray(rows, dtype=np.float32).reshape(len(words), snapshot.index.dimension)


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
    depth = min(expansion.neighbours * 3, similarity.shape[1])
    for row in similarity:
        taken = 0
        nearest = (
            np.argpartition(-row, depth - 1)[:depth] if depth < len(row) else np.arange(len(row))
        )
        for column in nearest[np.argsort(-row[nearest])]:
            score = float(row[column])
            if score < expansion.similarity or taken == expansion.neighbours:
                break
            for term in snapshot.lexicon_terms[column]:
                if term not in own:
                    extra[term] = max(extra.get(term, 0.0), expansion.weight * score)
                    taken += 1
    return extra
