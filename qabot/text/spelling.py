"""A word as the text spells it: 'Frida' is the text's 'Frieda', 'Pyatakov' its
'Piatakov', 'Tatar' its 'Tartar', an OCR-damaged name its clean one.

A question names people and places as the asker spells them, a text as its translator,
its century or its scanner did. Two words are one when, lower case and without accents,
they are five letters or more and within ``SPELLING_SIMILARITY`` (rapidfuzz's ratio,
0–100) of each other. Read by the abstention rule (a name spelled otherwise is no
unknown name) and by the identity rule ("Who is Frida?" looks for the first "Frieda").
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SPELLING_SIMILARITY = 80  # rapidfuzz ratio (0–100) above which two words are one name
SHORTEST = 5  # letters: shorter words differ by a letter too easily ("Mary", "Mark")


def folded(word: str) -> str:
    """Lower case without accents: 'Cárdenas' → 'cardenas'."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Spellings:
    """The text's words (lower case, as the lexicon holds them), and the same words
    shortest first, so that a look-up compares only words of a reachable length."""

    words: frozenset[str]
    by_length: tuple[str, ...]

    @classmethod
    def of(cls, words: Iterable[str]) -> Spellings:
        """``words`` in a fixed order (the lexicon's: alphabetical), sorted by length
        keeping that order: of two spellings equally near, the same one wins in every
        process, as it would not in a set's order."""
        distinct = list(dict.fromkeys(words))
        return cls(frozenset(distinct), tuple(sorted(distinct, key=len)))

    def similar_in_length(self, word: str) -> Sequence[str]:
        """The words whose length allows a ``SPELLING_SIMILARITY`` ratio with ``word``:
        a ratio of c needs the lengths within a factor (200 - c) / c of each other."""
        factor = (200 - SPELLING_SIMILARITY) / SPELLING_SIMILARITY
        low = bisect.bisect_left(self.by_length, math.ceil(len(word) / factor), key=len)
        high = bisect.bisect_right(self.by_length, math.floor(len(word) * factor), key=len)
        return self.by_length[low:high]

    def as_written(self, word: str) -> str | None:
        """The text's own spelling of ``word`` (lower case): the word itself when the
        text has it, else its nearest spelling, else None."""
        from rapidfuzz import fuzz, process

        plain = folded(word)
        if plain in self.words:
            return plain
        if len(plain) < SHORTEST:
            return None
        near = self.similar_in_length(plain)
        found = process.extractOne(plain, near, scorer=fuzz.ratio, score_cutoff=SPELLING_SIMILARITY)
        return None if found is None else str(found[0])
