"""Vectors in FAISS: exact up to ``EXACT_UP_TO`` vectors, approximate (HNSW) beyond.

Passage and word vectors are stored that way; sentence vectors are stored flat at any
size, since past that size they are only scored, never searched (``qabot.search.dense``).

Each set of vectors of an index (passages, sentences, words) is one FAISS index whose
rows are the set's positions (0 … n-1), written as one file and read memory-mapped:
its pages are the kernel's page cache, shared between processes, not copies (a
question's process still maps most of each file it searches: the pages around each one
it reads come along). ``VectorIndex.matrix`` is the stored vectors themselves (no
copy): candidates are rescored from it, an update reuses it.

Vectors are stored as 16-bit floats (FAISS's scalar quantizer, ``QT_fp16``): half the
file and half the pages a question maps, for a cosine that moves by about 10⁻⁴ (a
unit vector's coordinates keep 11 significant bits); nothing is trained, so an update
that re-stores a vector stores it unchanged. Indexes written before as 32-bit floats
(``IndexFlatIP``, ``IndexHNSWFlat``) are read as they are.

- exact: ``IndexScalarQuantizer`` (inner product = cosine, the vectors being normalized);
- approximate: ``IndexHNSWSQ`` (M 32, efConstruction 200, efSearch at least 1,024 or
  4 × k): benchmarks/bench.py measures its recall@100 against exact 32-bit search.

FAISS searches one question at a time single-threaded: its OpenMP threads only wake up
to compete with onnxruntime's for the cores (a warm diary question took 41 ms at p50
with two threads, 33 ms with one); building keeps every core. A question's HNSW search
runs on a thread of its own beside BM25 instead (``qabot.search.dense``).

A search may be restricted to some positions (a date, a section, a part): few allowed
positions are scored exactly from the matrix; many, through FAISS with an
``IDSelectorBitmap``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Vectors searched exactly; beyond, HNSW. Not higher: a question makes several flat
# searches (passages, sentences, the lexicon for each question word), and at the diary's
# 40,000 sentences exact search cost a warm question 88 ms against 25 ms (docs/performance.md).
EXACT_UP_TO = 20_000
HNSW_NEIGHBOURS = 32
HNSW_BUILD_DEPTH = 200  # efConstruction
# efSearch, at least; 4 × k when k is larger. On the diary's 40,415 sentence vectors and
# 200 eval questions, recall@100 against exact: efC 64 / ef 512 0.935; efC 200 / ef 1024
# 0.994 at 1.2 ms a search; stored as 16-bit floats, 0.995 with 238 questions
# against exact 32-bit search (benchmarks/bench.py measures it every run).
HNSW_SEARCH_DEPTH = 1024
FEW = 4096  # allowed positions scored from the matrix rather than through FAISS
CONVERT_FEW = 64  # half-float rows numpy converts itself; more are scored by FAISS


class VectorIndex:
    """One set of vectors, searched by FAISS (see the module doc).

    A stored index is opened lazily: reading commands (`entry`, `show`, `passages`) that
    never search never load FAISS. Once loaded it is read-only, shared by every question.
    """

    def __init__(
        self,
        index: Any,
        dimension: int,
        *,
        path: Path | None = None,
        count: int | None = None,
        fix: str = "",
    ) -> None:
        self._index = index
        self.dimension = dimension
        self._path = path
        self._count = count
        self._fix = fix
        self._lock = threading.Lock()
        self._matrix: np.ndarray | None = None  # the view of the stored vectors, made once

    # ------------------------------------------------------------------ making, storing

    @classmethod
    def build(cls, vectors: np.ndarray, *, exact_up_to: int = EXACT_UP_TO) -> VectorIndex:
        """An index over ``vectors`` (rows: positions), exact or HNSW by their number."""
        import numpy as np

        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        dimension = int(matrix.shape[1]) if matrix.ndim == 2 and matrix.shape[1] else 0
        if not len(matrix):
            return cls(None, dimension, count=0)
        import faiss

        index: Any
        half = faiss.ScalarQuantizer.QT_fp16
        if len(matrix) > exact_up_to:
            # faiss's stubs lack the (d, QuantizerType, M, metric) overload
            index = faiss.IndexHNSWSQ(dimension, half, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]
            index.hnsw.efConstruction = HNSW_BUILD_DEPTH
        else:
            index = faiss.IndexScalarQuantizer(dimension, half, faiss.METRIC_INNER_PRODUCT)
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # a search may have lowered it
        index.add(matrix)
        return cls(index, dimension)

    @classmethod
    def open(cls, path: Path, dimension: int, count: int, fix: str) -> VectorIndex:
        """The stored index in ``path`` holding ``count`` vectors, read memory-mapped when
        first searched (IndexCorruptError then, naming the file and ``fix``, if it cannot
        be read or does not hold what the manifest says)."""
        return cls(None, dimension, path=path, count=count, fix=fix)

    def write(self, path: Path) -> None:
        import faiss

        index = self._faiss()
        if index is None:  # nothing to store: an empty flat index keeps the format
            index = faiss.IndexFlatIP(max(self.dimension, 1))
        faiss.write_index(index, str(path))

    def _faiss(self) -> Any:
        if self._index is not None or self._path is None:
            return self._index
        with self._lock:
            if self._index is None:
                self._index = self._read(self._path)
            return self._index

    def _read(self, path: Path) -> Any:
        import faiss

        from qabot.errors import IndexCorruptError

        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
        except RuntimeError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
            raise IndexCorruptError(f"{path} is damaged ({first_line}); {self._fix}") from None
        if index.ntotal != self._count or (index.ntotal and index.d != self.dimension):
            raise IndexCorruptError(
                f"{path} holds {index.ntotal} vectors of {index.d} dimensions, the manifest "
                f"{self._count} of {self.dimension}; {self._fix}"
            )
        return index

    # ------------------------------------------------------------------ reading

    @property
    def exact(self) -> bool:
        return not hasattr(self._faiss(), "hnsw")

    def __len__(self) -> int:
        if self._count is not None:
            return self._count
        return int(self._index.ntotal) if self._index is not None else 0

    @property
    def matrix(self) -> np.ndarray:
        """The stored vectors, one row per position: a view of FAISS's own storage
        (float16, or float32 for an index written before), never a copy. Products with a
        float32 question come out float32."""
        import numpy as np

        if self._matrix is not None:
            return self._matrix
        if not len(self):
            return np.zeros((0, self.dimension), dtype=np.float32)
        import faiss

        flat = self._storage()
        size = len(self) * self.dimension
        if isinstance(flat, faiss.IndexFlat):
            data = np.asarray(faiss.rev_swig_ptr(flat.get_xb(), size))
        else:  # IndexScalarQuantizer, fp16: its codes are the half floats themselves
            codes = np.asarray(faiss.rev_swig_ptr(flat.codes.data(), size * 2))
            data = codes.view(np.float16)
        self._matrix = data.reshape(len(self), self.dimension)  # the index never changes
        return self._matrix

    def _storage(self) -> Any:
        """The flat index holding the vectors: the index itself, or HNSW's storage."""
        import faiss

        index = self._faiss()
        return index if self.exact else faiss.downcast_index(index.storage)

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        *,
        ef_search: int = HNSW_SEARCH_DEPTH,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` positions nearest ``query`` (cosine), best first, among ``allowed``
        (a bool per position; None: all). Returns (scores, positions). ``ef_search``:
        HNSW's search depth, at least (4 × k when that is more)."""
        import numpy as np

        size = len(self)
        if not size or k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if allowed is not None and not allowed.all():
            positions = np.flatnonzero(allowed)
            if len(positions) <= FEW:
                return self._exact_among(query, positions, k)
        import faiss

        index = self._faiss()
        faiss.omp_set_num_threads(1)  # see the module doc
        k = min(k, size)
        vector = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params: Any = None
        if not self.exact:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(ef_search, 4 * k)
        if allowed is not None and not allowed.all():
            params, _kept_alive = _restricted(params or faiss.SearchParameters(), allowed)
            scores, positions = index.search(vector, k, params=params)
        elif params is not None:
            scores, positions = index.search(vector, k, params=params)
        else:
            scores, positions = index.search(vector, k)
        keep = positions[0] >= 0
        return scores[0][keep], positions[0][keep].astype(np.int64)

    def search_many(
        self, queries: np.ndarray, k: int, *, ef_search: int = HNSW_SEARCH_DEPTH
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``search`` for each row of ``queries`` (no filter), in one FAISS call: one
        matrix product instead of one per query when the index is flat."""
        import numpy as np

        size = len(self)
        rows = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dimension)
        if not size or k <= 0 or not len(rows):
            empty = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64))
            return [empty for _ in range(len(rows))]
        import faiss

        index = self._faiss()
        faiss.omp_set_num_threads(1)  # see the module doc
        k = min(k, size)
        if self.exact:
            scores, positions = index.search(rows, k)
        else:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(ef_search, 4 * k)
            scores, positions = index.search(rows, k, params=params)
        found = []
        for row_scores, row_positions in zip(scores, positions, strict=True):
            keep = row_positions >= 0
            found.append((row_scores[keep], row_positions[keep].astype(np.int64)))
        return found

    def _exact_among(
        self, query: np.ndarray, positions: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        scores = self.cosines(query, positions)
        top = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top].astype(np.float32), positions[top].astype(np.int64)

    def cosines(self, query: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The cosine of ``query`` with the vectors at ``positions`` (exact). Many half
        floats are scored by FAISS, which converts them with SIMD: numpy converts one at a
        time (3,000 sentence vectors: 3.3 ms against 0.6 ms)."""
        import numpy as np

        if not len(positions):
            return np.zeros(0, dtype=np.float32)
        matrix = self.matrix
        vector = np.ascontiguousarray(query, dtype=np.float32)
        if matrix.dtype == np.float32 or len(positions) <= CONVERT_FEW:
            rows = matrix[positions].astype(np.float32, copy=False)
            return (rows @ vector).astype(np.float32, copy=False)
        import faiss

        wanted = np.zeros(len(self), dtype=bool)
        wanted[positions] = True
        params, _kept_alive = _restricted(faiss.SearchParameters(), wanted)
        faiss.omp_set_num_threads(1)  # see the module doc
        found_count = int(wanted.sum())
        scores, found = self._storage().search(vector.reshape(1, -1), found_count, params=params)
        every = np.zeros(len(self), dtype=np.float32)
        every[found[0]] = scores[0]
        return every[positions]


def _restricted(params: Any, allowed: np.ndarray) -> tuple[Any, np.ndarray]:
    """``params`` searching only the positions ``allowed`` (a bool per position) marks,
    and the bitmap it points into, which must outlive the search."""
    import faiss
    import numpy as np

    bitmap = np.packbits(allowed.astype(np.uint8), bitorder="little")
    params.sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
    return params, bitmap
