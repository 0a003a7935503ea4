"""Where to look: the asker's section/date restriction, and what a question's date prefers.

``--date``-style filters restrict the passages searched; a date named in the question
("on January 9", "at the end of December 1936") does not restrict, it *prefers* the
passages that tell of that day (their mentioned dates, resolved when chunking), then
the entries of that day, and is removed from the text that is ranked. A date far from
every entry that no passage tells of is left to ranking.
All masks are arrays over passage positions, computed from the snapshot's tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.dates import DateRange, date_label, parse_date_range, select_entries, without_span
from qabot.search.query import FilterError, Filters
from qabot.search.snapshot import Snapshot, normalize_label

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Scope:
    """The passages a question may return and those it prefers, with notes for the reader."""

    allowed: np.ndarray  # bool per passage
    preferred: np.ndarray  # bool per passage: entries selected by the question's date
    ranked_text: str  # the question without its date words (what the signals score)
    notes: tuple[str, ...] = ()
    telling: np.ndarray | None = None  # bool per passage: tells of the question's date
    told: DateRange | None = None  # that date

    @property
    def dated(self) -> bool:
        """True when the question's date selected entries of the text."""
        return bool(self.preferred.any())


def _entry_mask(snapshot: Snapshot, dates: tuple[str, ...]) -> np.ndarray:
    import numpy as np

    wanted = [snapshot.entry_dates.index(d) for d in dates if d in snapshot.entry_dates]
    return np.isin(snapshot.date_of, np.array(wanted, dtype=np.int64))


def restrict(snapshot: Snapshot, filters: Filters) -> tuple[np.ndarray, list[str]]:
    """The passages the asker's filters allow, and notes (nearest entries)."""
    import numpy as np

    allowed = np.ones(len(snapshot), dtype=bool)
    notes: list[str] = []
    if filters.section:
        wanted = normalize_label(filters.section)
        matches = [i for i, s in enumerate(snapshot.sections) if normalize_label(s) == wanted]
        if not matches:
            raise FilterError(
                "section",
                filters.section,
                "no such section; sections: " + ", ".join(snapshot.sections or ["(none)"]),
            )
        allowed &= np.isin(snapshot.section_of, matches)
    if filters.date:
        day = dt.date.fromisoformat(filters.date)
        selection = select_entries(DateRange(day, day, date_label(day)), snapshot.entry_dates)
        if selection is None:
            dates = snapshot.entry_dates
            span = f"from {dates[0]} to {dates[-1]}" if dates else "nowhere (no dated entries)"
            raise FilterError(
                "date", filters.date, f"the text has no entries near it; its entries run {span}"
            )
        if selection.note:
            notes.append(selection.note)
        allowed &= _entry_mask(snapshot, selection.dates)
    return allowed, notes


def scope(snapshot: Snapshot, text: str, filters: Filters) -> Scope:
    """Restriction by the filters, then preference by the question's own date: first the
    passages that tell of that day ("On the 23rd, the trial began"), then its entries."""
    import numpy as np

    allowed, notes = restrict(snapshot, filters)
    preferred = np.zeros(len(snapshot), dtype=bool)
    ranked_text = text
    if filters.date or not (snapshot.entry_dates or len(snapshot.mention_day)):
        return Scope(allowed, preferred, ranked_text, tuple(notes))
    days = [dt.date.fromisoformat(d) for d in snapshot.entry_dates]
    wanted = parse_date_range(text, days)
    if wanted is None:
        return Scope(allowed, preferred, ranked_text, tuple(notes))
    selection = select_entries(wanted, snapshot.entry_dates)
    # A single day the text has no entry for: the passages that tell of it come first.
    # (A month or a year means its entries; a day with its own entry means that entry.)
    telling = np.zeros(len(snapshot), dtype=bool)
    if wanted.start == wanted.end and not (selection is not None and selection.exact):
        telling = allowed & _telling_mask(snapshot, wanted)
    if selection is not None:
        preferred = allowed & _entry_mask(snapshot, selection.dates)
    if telling.any() or preferred.any():
        ranked_text = without_span(text, wanted.span) or text
        if selection is not None and selection.note:
            if telling.any():
                notes.append(
                    f"The text has no entry for {wanted.label}; the passages that tell of "
                    "that day come first."
                )
            elif preferred.any():
                notes.append(selection.note)
    told = wanted if telling.any() else None
    return Scope(allowed, preferred, ranked_text, tuple(notes), telling, told)


def _telling_mask(snapshot: Snapshot, wanted: DateRange) -> np.ndarray:
    """The passages that mention a day inside ``wanted``."""
    import numpy as np

    mask = np.zeros(len(snapshot), dtype=bool)
    days = snapshot.mention_day
    inside = (days >= wanted.start.toordinal()) & (days <= wanted.end.toordinal())
    mask[snapshot.mention_owner[inside]] = True
    return mask


def asks_for_the_entry(snapshot: Snapshot, ranked_text: str) -> bool:
    """True when a question, its date removed, asks for a whole entry ("What did he write?")."""
    from qabot.search.lexical import content_words

    return not [w for w in content_words(ranked_text) if w not in snapshot.generic_words]
