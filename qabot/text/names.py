"""What a question names: its capitalized words after the first.

One definition for every rule that reads the names in a question: the abstention rule
looks each one up in the text (``qabot.search.abstention.unknown_names``) and measures
what the question asks apart from them (``qabot.search.aspect``). Months and weekdays
are dates, not names ("on May 5"); "I" is no name; a question in capitals alone names
nothing by its case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"[^\W_][\w’'-]*")  # a word with its hyphens and apostrophes ("Pepys's")

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


def words(question: str) -> list[Word]:
    """The question's words in order, each marked a name or not (see the module doc)."""
    cased = any(c.islower() for c in question)
    found = []
    for index, match in enumerate(WORD.finditer(question)):
        text = match.group(0)
        is_name = (
            cased
            and index > 0
            and text[0].isupper()
            and text not in ("I", "I’", "I'")
            and text.lower() not in CALENDAR_WORDS
        )
        found.append(Word(text, match.start(), match.end(), is_name))
    return found


def names(question: str) -> list[str]:
    """The names of a question, as written ("Pepys's" keeps its possessive)."""
    return [w.text for w in words(question) if w.is_name]


def without_names(question: str) -> str:
    """The question with its names left out, its spacing made single ("Where did Garnet
    and Phyllis go on their honeymoon?" → "Where did and go on their honeymoon?")."""
    kept, at = [], 0
    for word in words(question):
        if word.is_name:
            kept.append(question[at : word.start])
            at = word.end
    kept.append(question[at:])
    text = re.sub(r"\s+([?!.,;:])", r"\1", " ".join("".join(kept).split()))
    return re.sub(r"[.,;:]+(?=[?!.,;:])", "", text)  # "Mr." left out of "say, Mr. Ukridge?"
