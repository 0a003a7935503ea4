"""A part of the corpus named by its title: "In The Red-Headed League, what was …?".

Readers of a collection name the story, the essay or the letter they ask about; readers
of several books name the book. Neither retriever reads titles (a passage's text does
not hold its section's heading), so a question that holds a title *prefers* the passages
under it, as a date in the question prefers its entries (``qabot.search.scope``). The
title stays in the ranked text: its words may be the story's own.

A title is one level of a section's heading path ("A Scandal in Bohemia", "Particulars of
the Life of Samuel Pepys"), or a document's title when the corpus holds several. It
counts when it has two content words or more: "I", "B" or "In Mexico" name too little to
tell a title from a word of the question. The question must hold its words in order
(case, quotes, punctuation and a leading article aside). Of the titles a question holds,
the longest wins; a title shared by several parts prefers them all.

A question that names no title may name a numbered division: "chapter 14", "in Chapter
XIV", "part two" (``qabot.text.numbering``). It names the parts whose heading level is
that division ("Chapter XIV", "Chapter 14: …"), or, when the book has none, a bare
number ("XIV", "14"), in a book whose one-word capital headings are all numbers (the
letters "A", "C", "D", "I" of a dictionary are no chapters). No parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.text.numbering import DIVISION_WORDS, NUMBER_WORDS, division_kind, number_value
from qabot.text.terms import content_words
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

# Words that ask what a part is called, and nothing else: "What is chapter 5 called?",
# "What is the title of part two?". The part itself answers: its citation names it.
TITLE_WORDS = frozenset({"called", "title", "titled", "name", "named", "heading", "headed"})
_ASKS_FOR_ANOTHER = re.compile(r"\b(?:who|whom|whose|where|when|why)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"the", "a", "an"})
_LEVELS = " — "  # how a section's heading path is joined (``qabot.readers``, chunking)
_NUMERAL = r"(?:\d+|[IVXLCDM]+|(?i:" + "|".join(NUMBER_WORDS) + "))"
_DIVISIONS = "|".join(re.escape(word) for word in DIVISION_WORDS)
# A heading level that is a numbered division, "Chapter XIV: The Storm", or a bare number.
_NUMBERED = re.compile(rf"(?:(?P<word>(?i:{_DIVISIONS}))\s+)?(?P<number>{_NUMERAL})\b[.:]?")
_ONE_WORD = re.compile(r"[A-Z\d]{1,8}\.?")  # a capital one-word heading: "XIV", "A", "14"
# A numbered division named in a question: "chapter 14", "Chapter XIV", "act iv", "part
# two"; not the pronoun of "the book I read".
_ASKED = re.compile(rf"\b(?P<word>(?i:{_DIVISIONS}))\s+(?P<number>{_NUMERAL}|(?i:[ivxlcdm]+))\b")
_PRONOUN = re.compile(r"[Ii] [a-z]")  # "the book I read": no Book I
Numbered = tuple[str | None, int]  # (the division's word, "chapter"; None: a bare number)


def asks_what_it_is_called(rest: str) -> bool:
    """True when a question, the part it names removed, asks only the part's title
    ("What is … called?"; not "Who is named in …?", which asks for a person)."""
    words = content_words(rest)
    return bool(words) and set(words) <= TITLE_WORDS and not _ASKS_FOR_ANOTHER.search(rest)


def title_words(text: str) -> tuple[str, ...]:
    """The words that must appear, in order: lower case, no leading article."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return tuple(words)


@dataclass(frozen=True)
class NamedPart:
    """The part a question names: its title as the text gives it, and its passages."""

    title: str
    mask: np.ndarray  # bool per passage
    span: tuple[int, int]  # where the question holds the title (with its article)
    numbered: bool = False  # named as a numbered division ("chapter 14"), not by its title


@dataclass(frozen=True)
class TitleTable:
    """Every distinctive title of the corpus and the passages under it: built once."""

    by_first_word: dict[str, tuple[tuple[str, ...], ...]]  # first word → titles' words
    shown: dict[tuple[str, ...], str]  # a title's words → the title as the text gives it
    rows: dict[tuple[str, ...], np.ndarray]  # a title's words → its passages' positions
    size: int
    numbered: dict[Numbered, np.ndarray]  # a numbered division → its passages' positions
    numbered_shown: dict[Numbered, str]  # → its heading as the text gives it

    @classmethod
    def build(cls, passages: Sequence[Passage]) -> TitleTable:
        import numpy as np

        several = len({p.title for p in passages}) > 1
        by_place: dict[tuple[str | None, str], list[int]] = {}  # (section, book) → rows
        for row, passage in enumerate(passages):
            if passage.role != "about":
                by_place.setdefault((passage.section, passage.title), []).append(row)
        words_of: dict[str, tuple[str, ...] | None] = {}  # each name read once
        rows: dict[tuple[str, ...], list[int]] = {}
        shown: dict[tuple[str, ...], str] = {}
        for (section, book), place_rows in by_place.items():
            names = section.split(_LEVELS) if section else []
            if several:
                names.append(book)
            for name in dict.fromkeys(names):
                if name not in words_of:
                    read = title_words(name)
                    words_of[name] = read if read and len(content_words(name)) >= 2 else None
                title = words_of[name]
                if title is not None:
                    rows.setdefault(title, []).extend(place_rows)
                    shown.setdefault(title, name)
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for words in rows:
            by_first.setdefault(words[0], []).append(words)
        numbered, numbered_shown = _numbered_parts(by_place)
        return cls(
            by_first_word={w: tuple(titles) for w, titles in by_first.items()},
            shown=shown,
            rows={w: np.array(sorted(r), dtype=np.int64) for w, r in rows.items()},
            size=len(passages),
            numbered={key: np.array(sorted(r), dtype=np.int64) for key, r in numbered.items()},
            numbered_shown=numbered_shown,
        )

    def named(self, question: str) -> NamedPart | None:
        """The part whose title the question holds (the longest such title), if any."""
        import numpy as np

        matches = list(_WORD.finditer(question))
        asked = [match.group().lower() for match in matches]
        found: dict[tuple[str, ...], tuple[int, int]] = {}  # a title → where it is first
        for start, word in enumerate(asked):
            for words in self.by_first_word.get(word, ()):
                if tuple(asked[start : start + len(words)]) == words:
                    first = start - 1 if start and asked[start - 1] in _ARTICLES else start
                    end = matches[start + len(words) - 1].end()
                    found.setdefault(words, (matches[first].start(), end))
        if not found:
            return self._numbered(question)
        longest = max(len(words) for words in found)
        chosen = [words for words in found if len(words) == longest]
        mask = np.zeros(self.size, dtype=bool)
        for words in chosen:
            mask[self.rows[words]] = True
        title = " / ".join(dict.fromkeys(self.shown[w] for w in chosen))
        return NamedPart(title, mask, found[chosen[0]])

    def at_edge(self, last: bool, division: str, span: tuple[int, int]) -> NamedPart | None:
        """The lowest-numbered (``last``: highest) division of that kind, or of bare
        numbers: "the first chapter" of a novel whose chapters are "I" … "XXIII"."""
        import numpy as np

        kind = division_kind(division)
        for key_kind in (kind, None):
            numbers = [number for k, number in self.numbered if k == key_kind]
            if numbers:
                key = (key_kind, max(numbers) if last else min(numbers))
                mask = np.zeros(self.size, dtype=bool)
                mask[self.numbered[key]] = True
                return NamedPart(self.numbered_shown[key], mask, span, True)
        return None

    def _numbered(self, question: str) -> NamedPart | None:
        """The numbered division the question names ("chapter 14"), if the book has it."""
        import numpy as np

        for asked in _ASKED.finditer(question):
            number = number_value(asked["number"])
            if number is None or _PRONOUN.match(question, asked.start("number")):
                continue
            for key in ((division_kind(asked["word"]), number), (None, number)):
                if key in self.numbered:
                    mask = np.zeros(self.size, dtype=bool)
                    mask[self.numbered[key]] = True
                    return NamedPart(self.numbered_shown[key], mask, asked.span(), True)
        return None


def _numbered_parts(
    by_place: dict[tuple[str | None, str], list[int]],
) -> tuple[dict[Numbered, list[int]], dict[Numbered, str]]:
    """Each numbered division's passages, and its heading: one level of a section's path
    that is a division with its number ("Chapter XIV", "BOOK THE SECOND: …"), or a bare
    number in a book whose one-word capital levels are all numbers."""
    rows: dict[Numbered, list[int]] = {}
    shown: dict[Numbered, str] = {}
    bare: dict[str, bool] = {}  # book → its one-word capital levels are all numbers
    for section, book in by_place:
        for name in section.split(_LEVELS) if section else []:
            if _ONE_WORD.fullmatch(name):
                numeric = number_value(name) is not None
                bare[book] = bare.get(book, True) and numeric
    for (section, book), place_rows in by_place.items():
        for name in section.split(_LEVELS) if section else []:
            match = _NUMBERED.fullmatch(name) or _NUMBERED.match(name)
            if match is None or (match["word"] is None and match.end() < len(name)):
                continue  # "14 Downing Street" is no division
            number = number_value(match["number"])
            if number is None or (match["word"] is None and not bare.get(book)):
                continue
            key: Numbered = (division_kind(match["word"]) if match["word"] else None, number)
            rows.setdefault(key, []).extend(place_rows)
            shown.setdefault(key, name)
    return rows, shown
