"""What is asked: the question, how many passages, and the asker's restrictions.

Validated once, when the ``Query`` is made; every later step trusts it. Errors name the
field (``date``, ``section``, ``question``); the shells word them as their own flags
or options.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qabot.errors import QuestionError


def normalize_label(text: str) -> str:
    """For matching names typed by people: case, curly quotes and spacing ignored."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


class FilterError(QuestionError):
    """A restriction the asker gave is unusable; ``field`` names it for the shells."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field} {value!r}: {reason}")
        self.field = field
        self.value = value
        self.reason = reason


@dataclass(frozen=True)
class Filters:
    """Restrictions the asker chose: one entry date and/or one section."""

    date: str | None = None  # ISO YYYY-MM-DD: that entry (or the nearest ones)
    section: str | None = None  # a section heading, matched ignoring case and quote style

    def __post_init__(self) -> None:
        if self.date is not None:
            try:
                dt.date.fromisoformat(self.date)
            except ValueError:
                raise FilterError(
                    "date", self.date, "is not a date; use YYYY-MM-DD, e.g. 1937-01-09"
                ) from None

    @property
    def narrowed(self) -> bool:
        """True when the asker restricted the search (then the answer never abstains)."""
        return bool(self.date or self.section)


@dataclass(frozen=True)
class Query:
    """One question, validated: whitespace collapsed, not empty, not too long."""

    text: str
    k: int
    filters: Filters

    @classmethod
    def make(
        cls, question: str, k: int, filters: Filters | None = None, *, max_chars: int = 1000
    ) -> Query:
        text = " ".join(question.split())
        if not text:
            raise QuestionError("the question is empty; ask something about the text")
        if len(text) > max_chars:
            raise QuestionError(
                f"the question is {len(text)} characters long; the limit is {max_chars}"
            )
        if k < 1:
            raise QuestionError(f"the number of results must be at least 1 (got {k})")
        return cls(text, k, filters or Filters())
