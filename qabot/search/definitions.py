"""What a word means, in a text that defines it: "What is a cynic?", "Define marriage".

A reference book (a dictionary, a glossary, an encyclopaedia) gives each word it defines
a paragraph that opens with the word: the readers join a definition list's term to its
definition as "Cynic — A blackguard whose faulty vision …". Neither retriever prefers
that paragraph to the others that use the word ("Love — A temporary insanity curable by
marriage" came before "Marriage — The state or condition of a community …" for "What is
marriage?"), so a question that asks only what a word means *prefers* the passages with
a paragraph that opens with the word and a dash, as a date prefers its entries
(``qabot.search.scope``).

The question must ask for nothing else: "What is a cynic?", "What does 'abdication'
mean?", "Define marriage", "How does Bierce define love?", "What is the meaning of
peace?", "What does it mean to be alone?", "What is a saint, according to Bierce?",
"Define: cynic", "meaning of peace", "cynic definition", "What does Bierce say about
lawyers?", "Tell me about religion", "Explain religion", "Look up religion", or the
word alone, as one looks a word up ("cynic", "Happiness?"); the word is one to four
words. A text with no such paragraph for the word (a diary asked "What is a tally?") is
left to ranking. Such a question does not abstain: the text defines what it asks about.
Only the passages holding the word's terms and a dash are read: the passages with a
dash at all are found once per index, by one search of its texts file (about 25 ms on
the diary, on the first such question), so "What is a king?" reads none of the 2,741
diary passages that hold "king". No parameter.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qabot.index.texts import rows_holding
from qabot.text.bm25 import Bm25Table
from qabot.text.terms import terms
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

_ARTICLE = r"(?:(?:a|an|the)\s+)?"
_WORD_OF = r"(?:the\s+(?:word|term|entry)\s+)?"
_TERM = r"[\"“‘']?(?P<term>[^\W\d_][\w’'-]*(?:\s+[^\W\d_][\w’'-]*){0,3}?)[\"”’']?"
# "…, according to Bierce?", "… in this dictionary?": who defines it, said in passing
_END = r"(?:,?\s+(?:according\s+to|in|by)\s+(?:[\w’'.-]+\s*){1,4})?[\s?.!]*$"
# The most particular first: "What is the meaning of X?" before "What is X?".
_ASKS_WHAT_IT_MEANS = [
    re.compile(rf"^\s*what\s+(?:does|do|did)\s+{_WORD_OF}{_ARTICLE}{_TERM}\s+mean{_END}", re.I),
    re.compile(
        rf"^\s*what\s+(?:is|was)\s+the\s+(?:meaning|definition)\s+of\s+{_WORD_OF}{_ARTICLE}"
        rf"{_TERM}{_END}",
        re.I,
    ),
    re.compile(
        rf"^\s*(?:define|(?:definition|meaning)(?:\s+of)?)\s*:?\s+{_WORD_OF}{_ARTICLE}{_TERM}{_END}",
        re.I,
    ),
    re.compile(rf"^\s*{_ARTICLE}{_TERM}\s*:?\s+(?:meaning|definition|defined){_END}", re.I),
    re.compile(
        rf"^\s*how\s+(?:does|do|did)\s+(?:[\w’'.-]+\s+){{1,4}}define\s+{_WORD_OF}{_ARTICLE}"
        rf"{_TERM}{_END}",
        re.I,
    ),
    re.compile(
        rf"^\s*how\s+(?:is|are|was|were)\s+{_WORD_OF}{_ARTICLE}{_TERM}\s+defined{_END}", re.I
    ),
    re.compile(rf"^\s*what\s+does\s+it\s+mean\s+to\s+be\s+{_ARTICLE}{_TERM}{_END}", re.I),
    # "What does Bierce say about lawyers?": in a reference book, the word's entry.
    re.compile(
        rf"^\s*what\s+(?:does|do|did)\s+(?:[\w’'.-]+\s+){{1,4}}(?:say|think|write)\s+"
        rf"(?:about|of|on)\s+{_WORD_OF}{_ARTICLE}{_TERM}{_END}",
        re.I,
    ),
    # "Tell me about religion", "Explain religion", "Look up religion": the entry.
    re.compile(
        rf"^\s*(?:(?:please\s+)?(?:tell\s+me|say\s+something)\s+about|explain|look\s+up)\s+"
        rf"{_WORD_OF}{_ARTICLE}{_TERM}{_END}",
        re.I,
    ),
    re.compile(rf"^\s*what\s+(?:is|are|was|were)\s+{_WORD_OF}{_ARTICLE}{_TERM}{_END}", re.I),
    # A word alone, as one looks it up ("cynic", "Happiness?"): its definition, if any.
    re.compile(rf"^\s*{_ARTICLE}{_TERM}[\s?.!]*$", re.I),
]
# A pronoun or a question word is no word to look up: "What is it?", "What was that?"
_NOT_A_WORD = frozenset(
    {"it", "this", "that", "these", "those", "he", "she", "they", "him", "her", "them"}
    | {"what", "who", "which", "there", "here", "so", "true", "wrong", "happening"}
)
# A question word or a verb of asking is no part of a word looked up: "Where is
# Axminster?" and "Whose dog is Bob?" are questions, not words alone, and the term of
# "How is patience defined?" is "patience", not "How is patience".
_NOT_IN_A_TERM = frozenset(
    "what who whom whose which where when why how is are was were do does did".split()
)
# Nor does a word looked up end with a preposition: "What is the book about?" and "What
# was his life like?" ask what something is about or like, not what a word means.
_NOT_LAST_IN_A_TERM = frozenset("about like for from with to of in on at by into".split())
_DASH = " — "  # between a definition's term and its text (``qabot.readers.html``)
_LONGEST_TERM = 80  # characters before the dash: a term, not a sentence


def asked_term(question: str) -> str | None:
    """The word a question asks the meaning of, when it asks nothing else."""
    for pattern in _ASKS_WHAT_IT_MEANS:
        found = pattern.match(question)
        if found is None:
            continue
        term = found.group("term").strip("'’")  # a closing quote, not an apostrophe
        words = term.lower().split()
        if not words or words[0] in _NOT_A_WORD:
            return None
        if not _NOT_IN_A_TERM.intersection(words) and words[-1] not in _NOT_LAST_IN_A_TERM:
            return term
    return None


class _Dashed:
    """The passages with a dash at all, found on the first question that needs them and
    kept: written once, under a lock, then only read (a frozenset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: frozenset[int] | None = None

    def rows(self, passages: Sequence[Passage]) -> frozenset[int]:
        with self._lock:
            if self._rows is None:
                self._rows = rows_holding(passages, _DASH)
            return self._rows


@dataclass(frozen=True)
class DefinitionTable:
    """What finding a word's definition needs: where each term occurs, the texts, and
    which of them hold a dash at all (most passages of a book that is no reference book
    hold none: those are never read)."""

    postings: Bm25Table  # of the passages (shared with the index)
    passages: Sequence[Passage]
    dashed: _Dashed = field(default_factory=_Dashed, compare=False, repr=False)

    def defining(self, term: str) -> np.ndarray | None:
        """Per passage: True where a paragraph opens with ``term`` and a dash. None when
        no passage does.

        Only the passages holding every term of the word are read."""
        import numpy as np

        wanted = terms(term)
        if not wanted:
            return None
        dashed = self.dashed.rows(self.passages)
        holding = [row for row in self.postings.holding_all(wanted) if row in dashed]
        rows = [row for row in holding if _defines(self.passages[row].text, wanted)]
        if not rows:
            return None
        mask = np.zeros(len(self.passages), dtype=bool)
        mask[rows] = True
        return mask


def _defines(text: str, wanted: list[str]) -> bool:
    """True when a paragraph of ``text`` opens with the terms ``wanted`` and a dash."""
    if _DASH not in text:
        return False  # most passages of a book that is no reference book
    for paragraph in text.split("\n\n"):
        head, dash, _ = paragraph.partition(_DASH)
        if dash and len(head) <= _LONGEST_TERM and terms(head) == wanted:
            return True
    return False
