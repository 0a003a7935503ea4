"""A word as the text spells it: 'Frida' is the text's 'Frieda', 'Pyatakov' its
'Piatakov', 'Yagoda' its 'Jagoda', 'music' its 'musick'.

A question names people and places as the asker spells them, a text as its translator,
its century or its scanner did. Two words are one when, lower case and without accents,
they are five letters or more, within ``SPELLING_SIMILARITY`` (rapidfuzz's ratio,
0–100) of each other, and have the same ``consonants``. Read by the abstention rule (a
name spelled otherwise is no unknown name) and by the identity rule ("Who is Frida?"
looks for the first "Frieda").

The ratio alone takes other words for respellings: "potatoes" for the text's "mottoes",
"Darwin" for "dawn", "Christmas" for "Christians", "Twain" for "stain", each at ratio 80
or more. A respelling trades vowels and the letters transliteration and old spelling
trade for them (y, j, w, h), doubles a letter or writes c, k, q alike; it keeps the
consonants and their order. Of 60 near pairs of distinct words drawn at random from the
journal's lexicon (none a respelling), the ratio took all 60 for one word and the
consonants keep 6 ("lawyer", "layer").
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SPELLING_SIMILARITY = 80  # rapidfuzz ratio (0–100) above which two words are one name
SHORTEST = 5  # letters: shorter words differ by a letter too easily ("Mary", "Mark")
_ALIKE = str.maketrans({"c": "k", "q": "k", "v": "f", "z": "s"})  # written for one sound
_TRADED = re.compile(r"[^a-z]|[aeiouyjwh]")  # vowels, and what respelling trades for them
_DOUBLED = re.compile(r"(.)\1+")


def folded(word: str) -> str:
    """Lower case without accents: 'Cárdenas' → 'cardenas'."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def consonants(word: str) -> str:
    """What a respelling of ``word`` keeps: its consonants in order, a doubled letter
    once, c/k/q, f/v and s/z alike, without vowels, y, j, w and h ("Piatakov" and
    "Pyatakov" → "ptkf"; "Yagoda" and "Jagoda" → "gd"; "musick" and "musique" → "msk")."""
    return _TRADED.sub("", _DOUBLED.sub(r"\1", folded(word).translate(_ALIKE)))


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
        plain = folded(word)
        if plain in self.words:
            return plain
        if len(plain) < SHORTEST:
            return None
        return next(iter(self._respellings(plain)), None)

    def other_spellings(self, word: str) -> tuple[str, ...]:
        """The text's other spellings of a word it writes (lower case, nearest first):
        an old text writes one name several ways ("Arundel", "Arundell"; "Knepp",
        "Knipp"). Each begins with the same letter and is no shorter than
        ``SHORTEST``: of "house", "whose" is another word, of "Willet", "wilt"."""
        plain = folded(word)
        if len(plain) < SHORTEST:
            return ()
        return tuple(
            other
            for other in self._respellings(plain)
            if other != plain and other[0] == plain[0] and len(other) >= SHORTEST
        )

    def _respellings(self, plain: str) -> list[str]:
        """The text's words near ``plain`` with its consonants, nearest first; of
        equals, the first in the lexicon's fixed order."""
        from rapidfuzz import fuzz, process

        kept = consonants(plain)
        found = process.extract(
            plain,
            self.similar_in_length(plain),
            scorer=fuzz.ratio,
            score_cutoff=SPELLING_SIMILARITY,
            limit=None,
        )
        return [str(word) for word, _, _ in found if consonants(word) == kept]
