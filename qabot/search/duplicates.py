"""A passage is returned once: overlapping spans of one file and near-identical texts.

Near-identical means a word-trigram Jaccard overlap of at least ``JACCARD`` (the same
paragraph in two files, a text copied twice). Shingles are cached per passage id in the
snapshot's cache, so each passage is shingled at most once per index.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping, Sequence

from qabot.types import Passage

JACCARD = 0.8

Shingles = frozenset[tuple[str, ...]]


def shingles(text: str) -> Shingles:
    """The word trigrams of ``text``, lower case."""
    words = re.findall(r"\w+", text.lower())
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def is_duplicate(
    passage: Passage, kept: Sequence[Passage], cache: MutableMapping[int, Shingles]
) -> bool:
    """True when ``passage`` overlaps a kept passage of its file or nearly repeats one."""
    mine: Shingles | None = None
    for other in kept:
        if (
            other.source == passage.source
            and passage.start < other.end
            and other.start < passage.end
        ):
            return True
        if mine is None:
            mine = cache.get(passage.id) or cache.setdefault(
                passage.id, shingles(passage.embed_text)
            )
        theirs = cache.get(other.id) or cache.setdefault(other.id, shingles(other.embed_text))
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= JACCARD:
            return True
    return False
