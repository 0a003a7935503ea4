"""A book's numbered divisions ("CHAPTER XIV", "Part Two", "Letter 4."): the words that
name a division, and the value of its number, in figures, Roman numerals or words.

Read by the plain-text chunker (a numbered division's line is a heading) and by the
title rule (a question may name "chapter 14" of a book whose heading is "XIV").
"""

from __future__ import annotations

import re

DIVISION_WORDS = (
    *("chapter", "chap.", "book", "part", "section", "canto", "act", "scene", "volume"),
    *("vol.", "letter", "stave", "lecture", "essay", "epistle", "entry"),
)
_SHORT = {"chap.": "chapter", "vol.": "volume"}
_CARDINALS = (
    *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen", "twenty"),
)
_ORDINALS = (
    *("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"),
    *("tenth", "eleventh", "twelfth"),
)
NUMBER_WORDS = (*_CARDINALS, *_ORDINALS, "last", "final")  # "last": a place, no number
_VALUES = {word: n for words in (_CARDINALS, _ORDINALS) for n, word in enumerate(words, 1)}
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.I)
_DIGITS = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def number_value(token: str) -> int | None:
    """The number ``token`` writes ("14", "XIV", "xiv", "fourteen", "second"), else None."""
    token = token.strip().rstrip(".")
    if token.isdigit():
        return int(token)
    if token.lower() in _VALUES:
        return _VALUES[token.lower()]
    if token and _ROMAN.fullmatch(token):
        values = [_DIGITS[c] for c in token.upper()]
        following = [*values[1:], 0]  # a digit before a larger one is taken away: IV
        return sum(-v if v < after else v for v, after in zip(values, following, strict=True))
    return None


def division_kind(word: str) -> str:
    """The division a word names, its abbreviation spelt out ("Chap." → "chapter")."""
    word = word.lower()
    return _SHORT.get(word, word)


__all__ = ["DIVISION_WORDS", "NUMBER_WORDS", "division_kind", "number_value"]
