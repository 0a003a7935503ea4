"""The four relevance signals of a question's candidate passages, as one typed value.

Candidates are the passages either retriever finds for the question — the nearest
passages, and in a text of not too many sentences the passages of the nearest sentences
(FAISS, ``dense``), the passages and sentences with the best BM25 (``lexical``) — and
the passages the question's date selects; in a small corpus, every passage. Only they
are scored in full:

- passage cosine and closest-sentence cosine (``dense``);
- passage BM25 and best-sentence BM25 (``lexical``): the question's terms, plus
  expansions — corpus words near the question's words in the model's space
  (``expansion``).

One embedding call per question: the question and those of its words the lexicon lacks;
and, when the abstention rule reads the aspect, on a helper thread while the candidates
are found and scored, the question without its names (``aspect``).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qabot.embedding import Embedder
from qabot.errors import IndexMismatchError
from qabot.search.aspect import Aspect, aspect_vector
from qabot.search.dense import DenseTable, Level
from qabot.search.expansion import Expansion, ExpansionTable
from qabot.search.lexical import LexicalTable, best
from qabot.text.terms import content_words, terms, word_terms

if TYPE_CHECKING:
    import numpy as np

SMALL = 500  # a corpus of at most this many passages: every allowed passage is a candidate


@dataclass(frozen=True)
class Levels:
    """Each signal's level in the corpus for this question (see ``DenseTable.levels``):
    the fusion adds signals as distances from their own level, and the abstention rule
    reads the best cosine that way."""

    passage_cosine: Level = field(default_factory=Level)
    sentence_cosine: Level = field(default_factory=Level)
    passage_bm25: Level = field(default_factory=Level)
    sentence_bm25: Level = field(default_factory=Level)


@dataclass(frozen=True)
class Signals:
    """One array per signal, one value per candidate (``positions``: passage positions)."""

    query_vector: np.ndarray
    positions: np.ndarray
    passage_cosine: np.ndarray
    sentence_cosine: np.ndarray
    passage_bm25: np.ndarray
    sentence_bm25: np.ndarray
    query_terms: tuple[str, ...]  # the question's own stems (no expansions)
    expanded_terms: tuple[str, ...] = ()  # stems added by query expansion
    levels: Levels = field(default_factory=Levels)
    searched: int = 0  # how many passages the question may return (the allowed ones)
    aspect: Aspect | None = None  # the question without its names, when it is read
    aspect_embedding: Future[np.ndarray] | None = None  # ``aspect.text``'s, when it is read

    @property
    def aspect_vector(self) -> np.ndarray:
        """The question with its names at half weight (``aspect``; waits for its
        embedding); the question itself when it names no one or the aspect is not read."""
        if self.aspect_embedding is None:
            return self.query_vector
        return aspect_vector(self.query_vector, self.aspect_embedding.result()[0])

    @property
    def lexical(self) -> np.ndarray:
        """The better of the two BM25 scores of each candidate."""
        import numpy as np

        return np.maximum(self.passage_bm25, self.sentence_bm25)


def compute(
    dense: DenseTable,
    lexical: LexicalTable,
    lexicon: ExpansionTable,
    embedder: Embedder,
    text: str,
    expansion: Expansion | None,
    allowed: np.ndarray,
    wanted: np.ndarray,
    aspect: Aspect | None = None,
) -> Signals:
    """Every signal of the candidates for ``text`` among the ``allowed`` passages;
    ``wanted`` passages (those the question's date selects) are always candidates;
    ``aspect``: what the question asks apart from its names (``qabot.search.aspect``),
    when the abstention rule reads it."""
    import numpy as np

    words = content_words(text) if expansion and expansion.neighbours > 0 else []
    if words and lexical.author:
        stems = word_terms(words)
        words = [w for w, t in zip(words, stems, strict=True) if t not in lexical.author]
    missing = lexicon.missing(words)
    embedded = embedder.embed([text, *missing])
    query_vector = embedded[0]
    # The aspect is read only once the passages are ranked: embedded meanwhile, on the
    # other core, while this one searches (a second text in the same call cost 2-3 ms).
    pending = dense.helper.submit(embedder.embed, [aspect.text]) if aspect is not None else None
    if len(dense) and len(query_vector) != dense.dimension:
        raise IndexMismatchError(
            f"the index has {dense.dimension}-dimensional vectors but the model "
            f"{embedder.identity} makes {len(query_vector)}; run `qabot index --force`"
        )
    word_vectors = lexicon.vectors_for(words, dict(zip(missing, embedded[1:], strict=True)))
    extra = lexicon.expand(words, word_vectors, expansion) if words and expansion else {}
    searching = dense.nearest(query_vector, allowed) if len(dense) > SMALL else None
    question_terms = terms(text)
    passage_bm25, sentence_bm25 = lexical.scores(lexical.evidence(question_terms), extra)
    if searching is None:
        positions = np.flatnonzero(allowed)
    else:
        lexical_best = [best(passage_bm25, allowed), best(sentence_bm25, allowed)]
        found = [searching.positions(), *lexical_best, np.flatnonzero(wanted & allowed)]
        positions = np.unique(np.concatenate(found).astype(np.int64))
    cosines = dense.score(query_vector, positions)
    levels = Levels(
        cosines.passage_level,
        cosines.sentence_level,
        Level.of(passage_bm25[allowed]),
        Level.of(sentence_bm25[allowed]),
    )
    return Signals(
        query_vector=query_vector,
        aspect=aspect,
        aspect_embedding=pending,
        positions=positions,
        passage_cosine=cosines.passage,
        sentence_cosine=cosines.sentence,
        passage_bm25=passage_bm25[positions],
        sentence_bm25=sentence_bm25[positions],
        query_terms=tuple(question_terms),
        expanded_terms=tuple(extra),
        levels=levels,
        searched=int(allowed.sum()),
    )
