"""What a question asks apart from whom it names, and how close the top passages come.

A passage can match a question by its names alone. "Where did Garnet and Phyllis go on
their honeymoon?" finds the passages about Garnet and Phyllis, and their closest
sentence is close to the question (cosine 0.61) because the names are; the novel never
tells of a honeymoon. The question without its names ("Where did and go on their
honeymoon?") is close only to a sentence that speaks of what is asked. The *aspect* is
the question with its names at half weight: the mean of the two vectors, normalized.
Without the names altogether, a question the text answers in other words than the
question's loses its anchor ("Since when had Stalin considered getting rid of Trotsky
physically?" against "eliminating you physically": 0.60 with the names, 0.14 without).

The abstention rule reads the aspect's best sentence cosine among the first
``ASPECT_DEPTH`` passages of the answer: they are the passages about whom the question
names, and one of them must speak to the rest of it.

The question's names are read once (``aspect_of``); the question without them is
embedded on a helper thread while the candidates are found (``qabot.search.signals``),
and only when the abstention rule reads the aspect. When leaving the names out leaves
no content word ("What did the King's Champion do in Westminster Hall?"), the question
is its own aspect: nothing would be left to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.text.names import bare, leaving_out, words
from qabot.text.terms import content_words

if TYPE_CHECKING:
    import numpy as np

    from qabot.search.dense import DenseTable

ASPECT_DEPTH = 5  # the answer's first passages, whatever number of them is shown


@dataclass(frozen=True)
class Aspect:
    """What a question asks apart from its names."""

    text: str  # the question without its names (embedded)
    names: tuple[str, ...]  # the names it leaves out, once each, without possessives


def aspect_of(question: str, written_as_name: Callable[[str], bool] | None = None) -> Aspect | None:
    """The question's aspect, or None when leaving its names out leaves the question
    itself or no content word (``written_as_name``: see ``qabot.text.names.words``)."""
    found = words(question, written_as_name)
    text = leaving_out(question, found)
    if text == question or not content_words(text):
        return None
    return Aspect(text, tuple(dict.fromkeys(bare(w.text) for w in found if w.is_name)))


def aspect_vector(question: np.ndarray, without_names: np.ndarray | None) -> np.ndarray:
    """The question with its names at half weight (see the module doc); the question
    itself when there is no ``aspect_text``."""
    import numpy as np

    if without_names is None:
        return question
    mean = question + without_names
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else question


def closeness(dense: DenseTable, vector: np.ndarray, positions: Sequence[int]) -> float:
    """The best cosine of ``vector`` with a sentence of the passages at ``positions``
    (-1 when there are none)."""
    import numpy as np

    if not len(positions):
        return -1.0
    at = np.asarray(positions[:ASPECT_DEPTH], dtype=np.int64)
    _, sentence = dense.cosines(vector, at)
    return float(sentence.max())
