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
the longest wins; a title shared by several parts prefers them all. No parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.text.terms import content_words
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"the", "a", "an"})
_LEVELS = " — "  # how a section's heading path is joined (``qabot.readers``, chunking)


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


@dataclass(frozen=True)
class TitleTable:
    """Every distinctive title of the corpus and the passages under it: built once."""

    by_first_word: dict[str, tuple[tuple[str, ...], ...]]  # first word → titles' words
    shown: dict[tuple[str, ...], str]  # a title's words → the title as the text gives it
    rows: dict[tuple[str, ...], np.ndarray]  # a title's words → its passages' positions
    size: int

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
        return cls(
            by_first_word={w: tuple(titles) for w, titles in by_first.items()},
            shown=shown,
            rows={w: np.array(sorted(r), dtype=np.int64) for w, r in rows.items()},
            size=len(passages),
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
            return None
        longest = max(len(words) for words in found)
        chosen = [words for words in found if len(words) == longest]
        mask = np.zeros(self.size, dtype=bool)
        for words in chosen:
            mask[self.rows[words]] = True
        title = " / ".join(dict.fromkeys(self.shown[w] for w in chosen))
        return NamedPart(title, mask, found[chosen[0]])
