"""Question → ranked hits: dense search over the index, with an abstention rule."""

from __future__ import annotations

from qabot.embedder import Embedder
from qabot.errors import IndexMismatchError
from qabot.index import Index
from qabot.types import Hit


class DenseRetriever:
    """Cosine similarity between the question and every passage (exact, via FAISS)."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def search(self, question: str, k: int) -> list[Hit]:
        vectors = self.embedder.embed([question])
        if len(self.index) and vectors.shape[1] != self.index.dimension:
            raise IndexMismatchError(
                f"the index has {self.index.dimension}-dimensional vectors but the model "
                f"{self.embedder.identity} makes {vectors.shape[1]}; run `qabot index --force`"
            )
        (results,) = self.index.search(vectors, k)
        return [
            Hit(passage=passage, score=score, rank=rank)
            for rank, (passage, score) in enumerate(results, start=1)
        ]
