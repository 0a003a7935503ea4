"""What an index holds: passages, their vectors, sentence units, the lexicon and the BM25
tables, as one value; ``build`` makes one from embedded passages. Every set of vectors
is a ``VectorIndex`` (FAISS): the vectors are stored once."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from qabot.index.manifest import Manifest
from qabot.index.vectors import VectorIndex
from qabot.text.bm25 import Bm25Table
from qabot.text.repair import repair_text
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

    from qabot.chunking import ChunkingConfig

REBUILD = "run `qabot index --force` to rebuild"  # the fix every IndexCorruptError names


@dataclass(frozen=True)
class Units:
    """The sentences of the passages and their vectors.

    A long passage's vector blurs its sentences; a question is often answered by one of
    them ("Yesterday we passed the Azores"). A sentence's vector is the mean of the
    passage's own token vectors over that sentence (one forward pass per passage, the
    sentence read in its context). Passages of one sentence have no units.
    """

    passage_ids: np.ndarray  # int64: the passage id of each sentence
    texts: Sequence[str]  # verbatim sentences of the passage text (for highlights)
    vectors: VectorIndex  # one row per sentence, normalized
    spans: np.ndarray | None = None  # (start, end) of each in its passage's text; None: unknown

    @classmethod
    def empty(cls, dimension: int) -> Units:
        import numpy as np

        return cls(np.zeros(0, dtype=np.int64), (), _empty(dimension))

    def __len__(self) -> int:
        return len(self.texts)


class UnitParts(NamedTuple):
    """The sentence units of a new index, as ``build`` takes them."""

    owners: Sequence[int]  # passage ids
    texts: Sequence[str]
    vectors: np.ndarray
    spans: Sequence[tuple[int, int]] | None = None  # where each is in its passage's text


@dataclass(frozen=True)
class Lexicon:
    """The corpus's words, embedded one by one, to map a question's words onto them.

    Readers paraphrase ("wireless" for "radio", "envoy" for "ambassador"); BM25 only
    matches exact stems. The nearest corpus words of a question word become weighted
    extra BM25 terms.
    """

    words: tuple[str, ...]
    vectors: VectorIndex

    @classmethod
    def empty(cls, dimension: int) -> Lexicon:
        return cls((), _empty(dimension))

    def __len__(self) -> int:
        return len(self.words)


def _empty(dimension: int) -> VectorIndex:
    import numpy as np

    return VectorIndex.build(np.zeros((0, dimension), dtype=np.float32))


@dataclass(frozen=True)
class Bm25Tables:
    """BM25 over the passages and over their sentences (computed when the index is built)."""

    passages: Bm25Table
    sentences: Bm25Table
    sentence_owner: np.ndarray  # passage position of each sentence row

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every term of the passages and of their sentences (one set, however many
        rules ask: on the diary it is 1 MB)."""
        return frozenset(self.passages.vocabulary) | frozenset(self.sentences.vocabulary)

    @classmethod
    def build(cls, passages: Sequence[Passage], units: Units) -> Bm25Tables:
        import numpy as np

        owners, texts = sentence_texts(passages, units.passage_ids.tolist(), units.texts)
        return cls(
            Bm25Table.build([p.embed_text for p in passages]),
            Bm25Table.build(texts),
            np.asarray(owners, dtype=np.int64),
        )


def sentence_texts(
    passages: Sequence[Passage], unit_owners: Sequence[int], unit_texts: Sequence[str]
) -> tuple[list[int], list[str]]:
    """The texts of sentence-level BM25 and the passage position each belongs to.

    Each sentence of a multi-sentence passage (the index's units, hyphenation repaired),
    and each one-sentence passage whole.
    """
    position = {p.id: i for i, p in enumerate(passages)}
    with_units = set(unit_owners)
    owners = [i for i, p in enumerate(passages) if p.id not in with_units]
    texts = [passages[i].embed_text for i in owners]
    owners += [position[o] for o in unit_owners]
    texts += [repair_text(t) for t in unit_texts]
    return owners, texts


class Index:
    """Passages and their vectors, sentence units, the lexicon and the BM25 tables."""

    def __init__(
        self,
        passages: Sequence[Passage],
        vectors: VectorIndex,
        manifest: Manifest,
        location: Path | None = None,
        units: Units | None = None,
        lexicon: Lexicon | None = None,
        bm25: Bm25Tables | None = None,
    ) -> None:
        self.passages = list(passages)
        self.passage_vectors = vectors
        self.by_id = {p.id: p for p in self.passages}
        self.manifest = manifest
        self.location = location
        dimension = self.dimension
        self.units = units if units is not None else Units.empty(dimension)
        self.lexicon = lexicon if lexicon is not None else Lexicon.empty(dimension)
        self.bm25 = bm25 if bm25 is not None else Bm25Tables.build(self.passages, self.units)

    @property
    def dimension(self) -> int:
        return self.passage_vectors.dimension or int(self.manifest.dimension)

    def vectors(self) -> np.ndarray:
        """The passage vectors, one row per passage, in ``passages`` order."""
        return self.passage_vectors.matrix

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[Passage, float]]]:
        """For each query vector, up to ``k`` (passage, score) pairs, best first (FAISS)."""
        found = []
        for vector in vectors:
            scores, positions = self.passage_vectors.search(vector, k)
            found.append(
                [(self.passages[int(p)], float(s)) for s, p in zip(scores, positions, strict=True)]
            )
        return found


def build(
    passages: Sequence[Passage],
    vectors: np.ndarray,
    *,
    model: str,
    corpus_hash: str,
    files: dict[str, str],
    chunking: ChunkingConfig,
    build_seconds: float,
    failed: dict[str, str] | None = None,
    units: UnitParts | None = None,
    lexicon: tuple[Sequence[str], np.ndarray] | None = None,
    retired: dict[str, list[Any]] | None = None,
) -> Index:
    """An in-memory index over ``passages`` (rows of ``vectors`` in the same order), their
    sentence units and the lexicon (words, vectors)."""
    import numpy as np

    if len(passages) != len(vectors):
        raise ValueError("one vector per passage is required")
    ids = [p.id for p in passages]
    if len(set(ids)) != len(ids):
        raise ValueError("passage ids must be unique")
    dimension = int(vectors.shape[1]) if len(vectors) else 0
    matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(passages), dimension)
    empty = np.zeros((0, dimension), dtype=np.float32)
    owners, texts, unit_vectors, spans = units or UnitParts((), (), empty)
    if not set(owners) <= set(ids):
        raise ValueError("every unit must belong to a passage")
    if spans is not None and len(spans) != len(texts):
        raise ValueError("one span per unit is required")
    words, word_vectors = lexicon or ((), empty)
    built_units = Units(
        np.asarray(owners, dtype=np.int64).reshape(len(owners)),
        tuple(texts),
        # flat at any size: sentences are searched only while an exact search is cheap,
        # past that only scored (``qabot.search.dense``), so no HNSW graph is built for them
        VectorIndex.build(unit_vectors, exact_up_to=len(unit_vectors)),
        None if spans is None else np.asarray(spans, dtype=np.int32).reshape(len(texts), 2),
    )
    built_lexicon = Lexicon(tuple(words), VectorIndex.build(word_vectors))
    manifest = Manifest(
        model=model,
        dimension=dimension,
        passage_count=len(passages),
        corpus_hash=corpus_hash,
        files=dict(files),
        chunking=asdict(chunking),
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(build_seconds, 3),
        content_hashes={str(p.id): content_hash(p.embed_text) for p in passages},
        failed=dict(failed or {}),
        retired=dict(retired or {}),
        unit_count=len(built_units),
        lexicon_count=len(built_lexicon),
    )
    return Index(
        passages, VectorIndex.build(matrix), manifest, units=built_units, lexicon=built_lexicon
    )


def content_hash(text: str) -> str:
    """What decides whether a passage's vector can be reused: the exact text embedded."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
