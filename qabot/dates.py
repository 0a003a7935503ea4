"""Dates named in questions ("on January 9", "at the end of December 1936", "in 1937").

Pure functions: a question → a ``DateRange`` (or None), and a range → the journal entries
it selects, or the nearest ones when the journal has no entry in it. A date far outside
the text's span ("January 4, 1932", "August 1940") is an event date, not an entry, and is
left to the retrievers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qabot.chunker import DAY_PATTERN, MONTH_PATTERN, MONTHS, YEAR_PATTERN

_MONTH, _DAY, _YEAR = MONTH_PATTERN, DAY_PATTERN, YEAR_PATTERN  # the chunker's date words
_PART = r"(?P<part>(?:the\s+)?(?:end|beginning|start|middle)\s+of|early|late|mid-?)"

_PATTERNS = [
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR})?(?!\s*(?:st|nd|rd|th))", re.I),
    re.compile(rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.I),
    re.compile(rf"\b(?:{_PART}\s+)?{_MONTH}(?:,?\s+(?:of\s+)?{_YEAR})?\b", re.I),
    re.compile(rf"\b(?:{_PART}\s+)?{_YEAR}\b", re.I),
]
# How far outside the journal's entries a named date still counts as "about the entries".
NEAR = dt.timedelta(days=31)


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of days named in a question, and the words that named it."""

    start: dt.date
    end: dt.date
    label: str
    span: tuple[int, int] = (0, 0)  # where the question names it

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class EntrySelection:
    """The journal entry dates a question's date selects, and what to tell the reader."""

    dates: tuple[str, ...]  # ISO dates of entries to prefer
    exact: bool  # False: the journal has no entry then; these are the nearest ones
    note: str | None = None
    question_without_date: str | None = None  # the rest of the question, for ranking


def _part_of(part: str | None, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """Narrow a month or year to its beginning, middle or end third."""
    if not part:
        return start, end
    part = part.lower()
    span = (end - start).days + 1
    third = dt.timedelta(days=span // 3)
    if "end" in part or "late" in part:
        return end - third, end
    if "beginning" in part or "start" in part or "early" in part:
        return start, start + third
    return start + third, end - third


def parse_date_range(question: str, entry_years: Iterable[int] = ()) -> DateRange | None:
    """The first date, month or year named in ``question``, as a range of days.

    A day or month without a year takes the year of the corpus's entries that puts it
    nearest to them (``entry_years``); without any, the question has no usable date.
    """
    years = sorted(set(entry_years))
    for pattern in _PATTERNS:
        for match in pattern.finditer(question):
            groups = match.groupdict()
            label = " ".join(match.group(0).split())
            month = MONTHS.get((groups.get("month") or "").lower())
            year = int(groups["year"]) if groups.get("year") else None
            day = int(groups["day"]) if groups.get("day") else None
            if month is None and year is None:
                continue
            if month is None:
                assert year is not None
                start, end = _part_of(
                    groups.get("part"), dt.date(year, 1, 1), dt.date(year, 12, 31)
                )
                return DateRange(start, end, label, match.span())
            candidates = [year] if year is not None else years
            if not candidates:
                continue
            ranges = []
            for y in candidates:
                last = calendar.monthrange(y, month)[1]
                if day is not None:
                    if not 1 <= day <= last:
                        break
                    start = end = dt.date(y, month, day)
                else:
                    start, end = _part_of(
                        groups.get("part"), dt.date(y, month, 1), dt.date(y, month, last)
                    )
                ranges.append(DateRange(start, end, label, match.span()))
            if ranges:
                return min(ranges, key=lambda r: _distance(r, years))
    return None


def _distance(candidate: DateRange, years: Sequence[int]) -> int:
    """How far a range lies from the middle of the corpus's years (for year inference)."""
    if not years:
        return 0
    middle = dt.date(years[0], 1, 1) + (dt.date(years[-1], 12, 31) - dt.date(years[0], 1, 1)) / 2
    return abs((candidate.start - middle).days)


def select_entries(wanted: DateRange, entry_dates: Iterable[str]) -> EntrySelection | None:
    """The entries inside ``wanted``; else the nearest entries, with a note saying so.

    None when the range is far from every entry (an event date such as 1932 or 1940).
    """
    days = sorted({dt.date.fromisoformat(d) for d in entry_dates})
    if not days:
        return None
    inside = [d for d in days if d in wanted]
    if inside:
        return EntrySelection(tuple(d.isoformat() for d in inside), exact=True)
    if wanted.end < days[0] - NEAR or wanted.start > days[-1] + NEAR:
        return None
    before = [d for d in days if d < wanted.start]
    after = [d for d in days if d > wanted.end]
    nearest = [x for x in (before[-1] if before else None, after[0] if after else None) if x]
    listed = " and ".join(f"{d:%B} {d.day}, {d.year}" for d in nearest)
    note = f"The text has no entry for {wanted.label}; showing the nearest entries ({listed})."
    return EntrySelection(tuple(d.isoformat() for d in nearest), exact=False, note=note)
