"""Only diaries have entries: which dates open a dated entry, and each entry's date.

A document has dated entries only where its structure says so:

- **declared**: its markup marks entries (``z3998:diary-entry``, a letter): each entry
  is dated by the date it gives as written (``qabot.readers``), nothing else is;
- **a regular run**: otherwise, dates that open blocks ("December 28, 1936." alone on a
  line, "May 1st. This morning…") open entries only where they form a run — none more
  than ``MAX_GAP`` paragraphs from the next, mostly moving forward, at least
  ``MIN_RUN`` of them (``MIN_LINES`` when every one is a date alone on its line, the
  plainest mark a diary makes). One date in a story is no diary.

Each entry's date is resolved in reading order by ``qabot.dates.EntryDates`` (the one
year rule; a month heading gives bare days their month and year). A date in dialogue or
narration is at most a day a passage tells of (``mentioned_dates``), never its entry date.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.dates import EntryDates, day_of

MIN_RUN = 3  # dates opening blocks that make a diary
MIN_LINES = 2  # … when each is a line of its own
MAX_GAP = 200  # paragraphs between two dates of one run, at most
Written = tuple[int | None, int | None, int]  # (year, month, day) as parsed


@dataclass(frozen=True)
class Heading:
    """A section heading, in reading order (a month heading dates bare days)."""

    text: str


@dataclass(frozen=True)
class Opening:
    """A date that opens a paragraph (or an entry): where, and as written."""

    paragraph: int  # the paragraph's number in the document
    written: Written
    line: bool = False  # a date alone on its line (not one opening a paragraph)


Event = Heading | Opening


def entry_dates(
    events: Sequence[Event], seed_year: int | None, *, declared: bool
) -> dict[int, str]:
    """The paragraphs that open dated entries → each entry's ISO date (see the module doc).

    ``declared``: every opening is an entry the markup declared (dated when its date can
    be resolved). Otherwise only the openings of a regular run are.
    """
    if declared:
        return _resolve(events, seed_year, None, declared=True)
    trial = _resolve(events, seed_year, None, declared=False)
    lines = {e.paragraph for e in events if isinstance(e, Opening) and e.line}
    return _resolve(events, seed_year, _runs(trial, lines), declared=False)


def _resolve(
    events: Sequence[Event], seed_year: int | None, only: set[int] | None, *, declared: bool
) -> dict[int, str]:
    dates = EntryDates(seed_year)
    found: dict[int, str] = {}
    for event in events:
        if isinstance(event, Heading):
            dates.heading(event.text)
        elif only is None or event.paragraph in only:
            resolved = dates.resolve(*event.written, declared=declared)
            if resolved is not None:
                found[event.paragraph] = resolved
    return found


def _runs(trial: dict[int, str], lines: set[int]) -> set[int]:
    """The openings that belong to a regular run (see the module doc)."""
    ordered = sorted(trial.items())
    accepted: set[int] = set()
    run: list[tuple[int, str]] = []

    def close() -> None:
        least = MIN_LINES if all(paragraph in lines for paragraph, _ in run) else MIN_RUN
        if len(run) >= least:
            steps = [day_of(b) > day_of(a) for (_, a), (_, b) in itertools.pairwise(run)]
            if sum(steps) * 2 >= len(steps):
                accepted.update(paragraph for paragraph, _ in run)
        run.clear()

    for paragraph, date in ordered:
        if run and paragraph - run[-1][0] > MAX_GAP:
            close()
        run.append((paragraph, date))
    close()
    return accepted
