"""What is asked: the question, how many passages, and the asker's restrictions.

Validated once, when the ``Query`` is made; every later step trusts it. Errors name the
field (``date``, ``section``, ``question``); the shells word them as their own flags
or options.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

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


PartChoice = Literal["text", "notes", "editorial", "all"]
PART_CHOICES: tuple[PartChoice, ...] = ("text", "notes", "editorial", "all")
_MONTH_DAY = re.compile(r"^(?:--)?(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Filters:
    """Restrictions the asker chose: one entry date, one section, the parts of the book.

    ``part`` None is the default: every part is searched, the author's text first (notes
    and editorial matter rank with it when the question asks about them). ``"all"``
    ranks every part alike; ``"text"``, ``"notes"`` and ``"editorial"`` search that part
    only.
    """

    date: str | None = None  # YYYY-MM-DD, or MM-DD for a text without years
    section: str | None = None  # a section heading, matched ignoring case and quote style
    part: PartChoice | None = None

    def __post_init__(self) -> None:
        if self.date is not None:
            object.__setattr__(self, "date", _valid_day(self.date))
        if self.part is not None and self.part not in PART_CHOICES:
            raise FilterError("part", self.part, f"use one of {', '.join(PART_CHOICES)}")

    @property
    def narrowed(self) -> bool:
        """True when the asker restricted the search (then the answer never abstains)."""
        return bool(self.date or self.section)


def _valid_day(value: str) -> str:
    """The ISO form of a day given as YYYY-MM-DD, or MM-DD / --MM-DD (no year)."""
    text = value.strip()
    month_day = _MONTH_DAY.match(text)
    try:
        if month_day:
            dt.date(2000, int(month_day[1]), int(month_day[2]))
            return f"--{month_day[1]}-{month_day[2]}"
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise FilterError(
            "date", value, "is not a date; use YYYY-MM-DD, e.g. 1937-01-09 (MM-DD without a year)"
        ) from None


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
