"""A passage is returned once: overlapping spans of one file and near-identical texts.

Near-identical means a word-trigram Jaccard overlap of at least ``JACCARD`` (the same
paragraph in two files, a text copied twice). Shingles are computed for the few
candidates a question looks at (at most ``DUPLICATE_SCAN`` × k), never stored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qabot.types import Passage

JACCARD = 0.8

Shingles = frozenset[tuple[str, ...]]


def shingles(text: str) -> Shingles:
    """The word trigrams of ``text``, lower case."""
    words = re.findall(r"\w+", text.lower())
    return frozenset(zip(words, words[1:], words[2:], strict=False))


class Distinct:
    """The passages kept so far for one question, and whether a new one repeats them."""

    def __init__(self) -> None:
        self._kept: list[tuple[Passage, Shingles]] = []

    def add(self, passage: Passage) -> bool:
        """Keep ``passage`` unless it overlaps a kept passage of its file or nearly repeats
        one; True when it was kept."""
        mine: Shingles | None = None
        for other, theirs in self._kept:
            if (
                other.source == passage.source
                and passage.start < other.end
                and other.start < passage.end
            ):
                return False
            if mine is None:
                mine = shingles(passage.embed_text)
            if mine and theirs and len(mine & theirs) / len(mine | theirs) >= JACCARD:
                return False
        self._kept.append((passage, mine if mine is not None else shingles(passage.embed_text)))
        return True

    @property
    def kept(self) -> Sequence[Passage]:
        return [p for p, _ in self._kept]
