"""Reading the corpus in order: a day's entry, the timeline, a passage and its neighbours.

Every passage has a place in its document (its offset), so each can be followed to the
one before and after it, across sections and entries. A passage id that no longer
exists is explained: the manifest remembers where retired passages were
(``Manifest.retired``), so `qabot show` can say that the text there changed (and show
what is there now) or that the file is gone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from qabot.dates import date_label, day_of, iso_of, parse_date_range
from qabot.errors import QuestionError
from qabot.index import Index
from qabot.types import (
    DocumentTimeline,
    EntryView,
    Note,
    Passage,
    Reading,
    TimelineEntry,
    Window,
)


class PassageGone(QuestionError):
    """A passage id the index no longer has (the message says what became of it)."""

    def __init__(self, message: str, now: Passage | None = None) -> None:
        super().__init__(message)
        self.now = now  # the passage at that place now, when the text there changed


class ReadingTable:
    """The passages of one index in document order, and where retired ones were."""

    def __init__(
        self, passages: Sequence[Passage], retired: Mapping[str, Sequence[object]]
    ) -> None:
        order = sorted(range(len(passages)), key=lambda i: (passages[i].source, passages[i].start))
        self.order: tuple[Passage, ...] = tuple(passages[i] for i in order)
        self.place: Mapping[int, int] = {p.id: n for n, p in enumerate(self.order)}
        self.retired: Mapping[str, Sequence[object]] = dict(retired)
        self.entry_dates: tuple[str, ...] = tuple(sorted({p.date for p in passages if p.date}))

    @classmethod
    def build(cls, index: Index) -> ReadingTable:
        return cls(index.passages, index.manifest.retired)

    def read(self, passage: Passage) -> Reading:
        """The passage with the ids of the passages before and after it, and its notes."""
        notes = tuple(
            Note(label, self.order[self.place[note]])
            for label, note in passage.notes
            if note in self.place
        )
        return Reading(passage, *self.neighbours(passage.id), notes)

    def neighbours(self, passage_id: int) -> tuple[int | None, int | None]:
        """The ids of the passages before and after this one in its document."""
        n = self.place.get(passage_id)
        if n is None:
            return None, None
        passage = self.order[n]
        before = self.order[n - 1] if n > 0 else None
        after = self.order[n + 1] if n + 1 < len(self.order) else None
        return (
            before.id if before is not None and before.source == passage.source else None,
            after.id if after is not None and after.source == passage.source else None,
        )

    def passage(self, passage_id: int) -> Passage:
        """The live passage with this id; PassageGone saying what became of it otherwise."""
        n = self.place.get(passage_id)
        if n is not None:
            return self.order[n]
        where = self.retired.get(str(passage_id))
        if where is None:
            raise PassageGone(f"no passage with id {passage_id} in this corpus")
        source, start, end = str(where[0]), _int(where[1]), _int(where[2])
        same_file = [p for p in self.order if p.source == source]
        if not same_file:
            raise PassageGone(
                f"passage {passage_id} was in {source}, which is gone from the corpus"
            )
        now = min(
            same_file, key=lambda p: (max(start, p.start) >= min(end, p.end), abs(p.start - start))
        )
        raise PassageGone(
            f"passage {passage_id} of {source} has changed since; this is the passage now at "
            "that place",
            now,
        )

    def window(self, passage_id: int, context: int) -> Window:
        """The passage and its neighbours (in its document); for a changed one, the
        passage now at its place, with a note."""
        note = None
        try:
            focus = self.passage(passage_id)
        except PassageGone as gone:
            if gone.now is None:
                raise
            focus, note = gone.now, str(gone)
        n = self.place[focus.id]
        low, high = max(0, n - context), min(len(self.order), n + context + 1)
        shown = [p for p in self.order[low:high] if p.source == focus.source]
        return Window(tuple(self.read(p) for p in shown), shown.index(focus), passage_id, note)

    def entry(self, when: str) -> EntryView:
        """The entry of a day ('1937-01-09', 'January 9', 'Jan 9 1937'), from its start."""
        days = [day_of(d) for d in self.entry_dates]
        month_day = re.fullmatch(r"\s*(?:--)?(\d{2})-(\d{2})\s*", when)  # a day without a year
        wanted = parse_date_range(f"--{month_day[1]}-{month_day[2]}" if month_day else when, days)
        if wanted is None or wanted.start != wanted.end:
            raise QuestionError(
                f"{when!r} is not a day; write it as 1937-01-09, January 9 or Jan 9 1937 "
                "(05-03 or 3 May for a text without years)"
            )
        if not days:
            raise QuestionError("the corpus has no dated entries")
        day = wanted.start
        years = [d for d in days if wanted.every_year and wanted.recurs_on(d)]
        if len(years) > 1:  # "January 2" in a diary of many years: the first, and the others
            day = years[0]
            others = ", ".join(str(d.year) for d in years[1:])
            dates: tuple[str, ...] = (iso_of(day),)
            note = (
                f"Showing {date_label(day)}; the text also has {wanted.label} in {others} "
                "(name the year to see one)."
            )
        elif iso_of(day) in self.entry_dates:
            dates = (iso_of(day),)
            note = None
        else:
            before = [d for d in days if d < day][-1:]
            after = [d for d in days if d > day][:1]
            dates = tuple(iso_of(d) for d in (*before, *after))
            listed = " and ".join(date_label(d) for d in (*before, *after))
            note = f"The text has no entry for {date_label(day)}; the nearest: {listed}."
        shown = tuple(self.read(p) for p in self.order if p.date in dates and p.role == "text")
        return EntryView(iso_of(day), iso_of(day) in dates, dates, shown, note)

    def timeline(self) -> list[DocumentTimeline]:
        """Each document in order: its entries (date, first words, passages), its sections."""
        documents: dict[str, list[Passage]] = {}
        for passage in self.order:
            documents.setdefault(passage.source, []).append(passage)
        result = []
        for source, passages in documents.items():
            entries: dict[str, list[Passage]] = {}
            sections: dict[str, int] = {}
            for p in passages:
                if p.date and p.role == "text":
                    entries.setdefault(p.date, []).append(p)
                if p.section:
                    sections[p.section] = sections.get(p.section, 0) + 1
            result.append(
                DocumentTimeline(
                    source=source,
                    title=passages[0].title,
                    entries=tuple(
                        TimelineEntry(day, _first_words(group[0].text), len(group))
                        for day, group in entries.items()
                    ),
                    sections=tuple(sections.items()),
                    undated=sum(1 for p in passages if not p.date),
                )
            )
        return result


def _int(value: object) -> int:
    if not isinstance(value, int | str):
        raise PassageGone("the index's record of a retired passage is damaged")
    return int(value)


def _first_words(text: str, count: int = 12) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")
