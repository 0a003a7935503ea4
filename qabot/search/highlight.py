"""The sentence of each returned passage that best answers the question.

A sentence's score is its cosine with the question plus a bonus for the share of the
question's terms it contains; the best sentence is the highlight (bold in Discord,
emphasized in the terminal, ``highlight`` in the JSON). Sentence vectors come from the
index (embedded when it was built), so highlighting costs one question embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qabot.search.snapshot import Snapshot
from qabot.types import Hit

if TYPE_CHECKING:
    import numpy as np

TERM_WEIGHT = 0.3  # weight of question-term overlap against cosine similarity
SHORT = 25  # a best sentence shorter than this takes its neighbour ("Norway, good-bye!")


class Highlighter:
    """Finds highlights for hits of one index, from its stored sentence vectors.

    A multi-sentence passage's sentences are the index's units; a one-sentence passage
    is its own sentence, with the passage's vector. Only the question is embedded, and
    only the hits' sentences are looked at.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.terms = snapshot.terms

    def sentences(self, position: int) -> tuple[list[str], np.ndarray]:
        """The sentences of the passage at ``position`` and their vectors."""
        snapshot = self.snapshot
        start, end = int(snapshot.unit_start[position]), int(snapshot.unit_end[position])
        if start >= 0:
            units = snapshot.index.units
            return list(units.texts[start:end]), units.vectors[start:end]
        passage = snapshot.passages[position]
        return [" ".join(passage.text.split())], snapshot.vectors[position : position + 1]

    def highlight(
        self, question: str, hits: Sequence[Hit], question_vector: np.ndarray
    ) -> list[Hit]:
        """``hits`` with ``highlight`` set to the best-answering sentence(s) of each passage.

        ``question_vector`` is the embedding the signals already computed (no second call).
        """
        import numpy as np

        wanted = set(self.terms(question))
        out: list[Hit] = []
        for hit in hits:
            sentences, vectors = self.sentences(self.snapshot.position[hit.passage.id])
            overlap = np.array(
                [
                    len(wanted & set(self.terms(s))) / len(wanted) if wanted else 0.0
                    for s in sentences
                ]
            )
            best = int(np.argmax(vectors @ question_vector + TERM_WEIGHT * overlap))
            out.append(replace(hit, highlight=_widen(sentences, best, hit.passage.text)))
        return out


def _widen(sentences: Sequence[str], best: int, text: str) -> str:
    """A very short best sentence takes its neighbour along, when they are adjacent."""
    chosen = sentences[best]
    if len(chosen) >= SHORT or len(sentences) == 1:
        return chosen
    neighbour = best + 1 if best + 1 < len(sentences) else best - 1
    first, second = sorted((best, neighbour))
    joined = sentences[first] + " " + sentences[second]
    return joined if joined in " ".join(text.split()) else chosen
