"""The sentence of each returned passage that best answers the question.

A sentence's score is its cosine with the question plus a bonus for the share of the
question's terms it contains; the best sentence is the highlight (bold in Discord,
emphasized in the terminal, ``highlight`` in the JSON). Sentence vectors come from the
index (embedded when it was built), so highlighting costs no embedding: the question's
vector is the one the signals computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qabot.search.dense import DenseTable
from qabot.text.terms import terms

if TYPE_CHECKING:
    import numpy as np

TERM_WEIGHT = 0.3  # weight of question-term overlap against cosine similarity
SHORT = 25  # a best sentence shorter than this takes its neighbour ("Norway, good-bye!")


def highlights(
    dense: DenseTable, question: str, positions: Sequence[int], question_vector: np.ndarray
) -> list[str]:
    """The best-answering sentence(s) of the passage at each position, verbatim."""
    import numpy as np

    wanted = set(terms(question))
    found = []
    for position in positions:
        sentences, vectors = dense.sentences(position)
        overlap = np.array(
            [len(wanted & set(terms(s))) / len(wanted) if wanted else 0.0 for s in sentences]
        )
        best = int(np.argmax(vectors @ question_vector + TERM_WEIGHT * overlap))
        found.append(_widen(sentences, best, dense.passage_text(position)))
    return found


def _widen(sentences: Sequence[str], best: int, text: str) -> str:
    """A very short best sentence takes its neighbour along, when they are adjacent."""
    chosen = sentences[best]
    if len(chosen) >= SHORT or len(sentences) == 1:
        return chosen
    neighbour = best + 1 if best + 1 < len(sentences) else best - 1
    first, second = sorted((best, neighbour))
    joined = sentences[first] + " " + sentences[second]
    return joined if joined in text else chosen
