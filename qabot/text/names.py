"""What a question names: its capitalized words after the first.

One definition for every rule that reads the names in a question: the abstention rule
looks each one up in the text (``qabot.search.abstention.unknown_names``) and measures
what the question asks apart from them (``qabot.search.aspect``). Months and weekdays
are dates, not names ("on May 5"); "I" is no name. A question that shows no names by
its case (typed in lower case, or in capitals alone) names the words the text itself
writes as names, when the caller can tell (``qabot.search.casing``): "who met trotsky
at tampico?" names Trotsky and Tampico as "Who met Trotsky at Tampico?" does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WORD = re.compile(r"[^\W_][\w’'-]*")  # a word with its hyphens and apostrophes ("Pepys's")
_POSSESSIVE = re.compile(r"[’']s$")

CALENDAR_WORDS = frozenset(
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday".split()
)


@dataclass(frozen=True)
class Word:
    """One word of a question, where it is, and whether it is a name."""

    text: str
    start: int
    end: int
    is_name: bool


def words(question: str, written_as_name: Callable[[str], bool] | None = None) -> list[Word]:
    """The question's words in order, each marked a name or not (see the module doc;
    ``written_as_name``: whether the text writes a word as a name)."""
    matches = list(WORD.finditer(question))

    def may_name(index: int, text: str) -> bool:
        return index > 0 and text not in ("I", "I’", "I'") and text.lower() not in CALENDAR_WORDS

    shows_case = any(c.islower() for c in question) and any(
        match.group(0)[0].isupper() and may_name(index, match.group(0))
        for index, match in enumerate(matches)
    )
    found = []
    for index, match in enumerate(matches):
        text = match.group(0)
        if not may_name(index, text):
            is_name = False
        elif shows_case:
            is_name = text[0].isupper()
        else:
            is_name = written_as_name is not None and written_as_name(bare(text))
        found.append(Word(text, match.start(), match.end(), is_name))
    return found


def names(question: str, written_as_name: Callable[[str], bool] | None = None) -> list[str]:
    """The names of a question, as written ("Pepys's" keeps its possessive)."""
    return [w.text for w in words(question, written_as_name) if w.is_name]


def bare(name: str) -> str:
    """A name without its possessive ("Pepys's" → "Pepys")."""
    return _POSSESSIVE.sub("", name)


def without_names(question: str, written_as_name: Callable[[str], bool] | None = None) -> str:
    """The question with its names left out, its spacing made single ("Where did Garnet
    and Phyllis go on their honeymoon?" → "Where did and go on their honeymoon?")."""
    return leaving_out(question, words(question, written_as_name))


def leaving_out(question: str, found: Sequence[Word]) -> str:
    """``question`` without the names among its ``found`` words (see ``without_names``)."""
    kept, at = [], 0
    for word in found:
        if word.is_name:
            kept.append(question[at : word.start])
            at = word.end
    kept.append(question[at:])
    text = re.sub(r"\s+([?!.,;:])", r"\1", " ".join("".join(kept).split()))
    return re.sub(r"[.,;:]+(?=[?!.,;:])", "", text)  # "Mr." left out of "say, Mr. Ukridge?"
