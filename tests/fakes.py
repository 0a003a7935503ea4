"""A small deterministic embedder for fast unit tests (the end-to-end tests use the real model)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qabot.index import Index
    from qabot.types import Passage, Role


class FakeEmbedder:
    """Hashed bag of words: texts sharing words get similar vectors. Counts its calls."""

    def __init__(
        self, identity: str = "fake-embedder", dimension: int = 64, max_tokens: int = 256
    ) -> None:
        self.identity = identity
        self.dimension = dimension
        self.max_tokens = max_tokens
        self.embedded: list[str] = []
        self.batch_size = 32

    def embed_passages(self, texts, spans):
        """Each text, and each span of it embedded as a text of its own."""
        vectors = self.embed(texts)
        parts = [
            self.embed([t[a:b] for a, b in ranges]) for t, ranges in zip(texts, spans, strict=True)
        ]
        return vectors, parts

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text)) + 2  # like [CLS] … [SEP]

    def embed(self, texts: Sequence[str], *, progress=None) -> np.ndarray:
        self.embedded.extend(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "big")
                vectors[row, bucket % self.dimension] += 1.0
            norm = np.linalg.norm(vectors[row])
            vectors[row] = vectors[row] / norm if norm else vectors[row]
        if progress:
            progress(len(texts))
        return vectors


def fake_service(root: Path, files: dict[str, str]):
    """An IndexMaintainer over ``files`` (name → text) in ``root``/corpus, fake embedder."""
    from qabot.maintainer import IndexMaintainer
    from qabot.settings import load_settings

    (root / "corpus").mkdir(parents=True)
    for name, text in files.items():
        (root / "corpus" / name).write_text(text)
    settings = load_settings(
        corpus_dir=root / "corpus", embeddings_dir=root / "emb", chunk_min_tokens=0
    )
    return IndexMaintainer(settings, FakeEmbedder())


def searched_approximately(index: Index) -> Index:
    """``index`` with its passage vectors in an HNSW index, however few: the question path
    past the exact size, on a corpus small enough for a unit test. (Sentence vectors are
    stored flat at any size, as a build stores them.)"""
    from qabot.index import Index
    from qabot.index.vectors import VectorIndex

    return Index(
        index.passages,
        VectorIndex.build(index.passage_vectors.matrix, exact_up_to=0),
        index.manifest,
        units=index.units,
        lexicon=index.lexicon,
        bm25=index.bm25,
    )


def numbered_passage(
    row: int,
    section: str | None,
    role: Role = "text",
    source: str = "book.txt",
    title: str = "Book",
) -> Passage:
    """A passage at ``row`` of a made-up book, for tables built from passages alone."""
    from qabot.types import Passage

    text = f"passage {row}"
    return Passage(
        id=row,
        text=text,
        embed_text=text,
        source=source,
        title=title,
        section=section,
        date=None,
        paragraphs=(row,),
        start=row * 10,
        end=row * 10 + 9,
        tokens=4,
        role=role,
    )
