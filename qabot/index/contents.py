"""What an index holds: passages, their vectors (FAISS), sentence units, the lexicon and
the BM25 tables, as one in-memory value; ``build`` makes one from embedded passages."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.errors import IndexCorruptError
from qabot.index.manifest import Manifest
from qabot.text.bm25 import Bm25Table
from qabot.text.repair import repair_text
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

    from qabot.chunking import ChunkingConfig

REBUILD = "run `qabot index --force` to rebuild"  # the fix every IndexCorruptError names
FAISS_FILE = "index.faiss"


@dataclass(frozen=True)
class Units:
    """Sentences of the passages, embedded one by one.

    A long passage's vector blurs its sentences; a question is often answered by one of
    them ("Yesterday we passed the Azores"). Passages of one sentence have no units.
    """

    passage_ids: tuple[int, ...]
    texts: tuple[str, ...]  # verbatim sentences of the passage text (for highlights)
    vectors: np.ndarray  # one row per sentence, normalized

    @classmethod
    def empty(cls, dimension: int) -> Units:
        import numpy as np

        return cls((), (), np.zeros((0, dimension), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Lexicon:
    """The corpus's words, embedded one by one, to map a question's words onto them.

    Readers paraphrase ("wireless" for "radio", "envoy" for "ambassador"); BM25 only
    matches exact stems. The nearest corpus words of a question word become weighted
    extra BM25 terms.
    """

    words: tuple[str, ...]
    vectors: np.ndarray

    @classmethod
    def empty(cls, dimension: int) -> Lexicon:
        import numpy as np

        return cls((), np.zeros((0, dimension), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.words)


@dataclass(frozen=True)
class Bm25Tables:
    """BM25 over the passages and over their sentences (computed when the index is built)."""

    passages: Bm25Table
    sentences: Bm25Table
    sentence_owner: np.ndarray  # passage position of each sentence row

    @classmethod
    def build(cls, passages: Sequence[Passage], units: Units) -> Bm25Tables:
        import numpy as np

        owners, texts = sentence_texts(passages, units.passage_ids, units.texts)
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
    """Passages and their vectors (FAISS, and the same rows as a plain array for the
    question path), sentence units, the lexicon and the BM25 tables."""

    def __init__(
        self,
        faiss_index: Any,
        passages: Sequence[Passage],
        manifest: Manifest,
        location: Path | None = None,
        units: Units | None = None,
        lexicon: Lexicon | None = None,
        bm25: Bm25Tables | None = None,
        vectors: np.ndarray | None = None,
    ) -> None:
        self._faiss_index = faiss_index  # None: read from ``location`` on first use
        self._vectors = vectors  # passage order; None: reconstructed from FAISS
        self.passages = list(passages)
        self.by_id = {p.id: p for p in self.passages}
        self.manifest = manifest
        self.location = location
        dimension = self.dimension
        self.units = units if units is not None else Units.empty(dimension)
        self.lexicon = lexicon if lexicon is not None else Lexicon.empty(dimension)
        self.bm25 = bm25 if bm25 is not None else Bm25Tables.build(self.passages, self.units)

    @property
    def dimension(self) -> int:
        if self._vectors is not None and len(self._vectors):
            return int(self._vectors.shape[1])
        if self._faiss_index is None:
            return int(self.manifest.dimension)
        return int(self._faiss_index.d)

    @property
    def faiss_index(self) -> Any:
        """The FAISS index, read from disk on first use (the question path never needs it)."""
        if self._faiss_index is None:
            assert self.location is not None, "an index in memory always has its FAISS index"
            self._faiss_index = read_faiss(self.location / FAISS_FILE)
        return self._faiss_index

    def vectors(self) -> np.ndarray:
        """The passage vectors, one row per passage, in ``passages`` order."""
        import numpy as np

        if self._vectors is not None:
            return self._vectors
        if not self.passages:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import faiss

        stored = self.faiss_index
        stored_ids = faiss.vector_to_array(stored.id_map)
        rows = stored.index.reconstruct_n(0, stored.ntotal)
        order = {int(i): row for row, i in enumerate(stored_ids)}
        self._vectors = np.ascontiguousarray(rows[[order[p.id] for p in self.passages]])
        return self._vectors

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[Passage, float]]]:
        """For each query vector, up to ``k`` (passage, score) pairs, best first (FAISS)."""
        import numpy as np

        if not self.passages:
            return [[] for _ in range(len(vectors))]
        queries = np.ascontiguousarray(vectors, dtype=np.float32)
        scores, ids = self.faiss_index.search(queries, min(k, len(self.passages)))
        return [
            [(self.by_id[int(i)], float(s)) for s, i in zip(row_s, row_i, strict=True) if i != -1]
            for row_s, row_i in zip(scores, ids, strict=True)
        ]


def read_faiss(path: Path) -> Any:
    """The FAISS index in ``path``; IndexCorruptError naming it when it cannot be read."""
    import faiss

    fix = REBUILD
    try:
        return faiss.read_index(str(path))
    except RuntimeError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
        raise IndexCorruptError(f"{path} is damaged ({first_line}); {fix}") from None


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
    units: Units | None = None,
    lexicon: Lexicon | None = None,
    retired: dict[str, list[Any]] | None = None,
) -> Index:
    """An in-memory index over ``passages`` (rows of ``vectors`` in the same order)."""
    import faiss
    import numpy as np

    if len(passages) != len(vectors):
        raise ValueError("one vector per passage is required")
    ids = [p.id for p in passages]
    if len(set(ids)) != len(ids):
        raise ValueError("passage ids must be unique")
    dimension = int(vectors.shape[1]) if len(vectors) else 0
    faiss_index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    if len(passages):
        faiss_index.add_with_ids(
            np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
        )
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
        unit_count=len(units) if units is not None else 0,
        lexicon_count=len(lexicon) if lexicon is not None else 0,
    )
    if units is not None and not set(units.passage_ids) <= set(ids):
        raise ValueError("every unit must belong to a passage")
    matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(passages), dimension)
    return Index(faiss_index, passages, manifest, units=units, lexicon=lexicon, vectors=matrix)


def content_hash(text: str) -> str:
    """What decides whether a passage's vector can be reused: the exact text embedded."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
