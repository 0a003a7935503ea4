"""Dates, in texts and in questions: one parser, one year rule.

- A *date line* in a text ("December 28, 1936.", "January 9", "9 January 1937",
  "1937-01-09") opens a journal entry (``parse_date_line``).
- A *date in a question* ("on January 9", "the second of January", "on Christmas Day",
  "at the end of December 1936", "in 1937") is a range of days (``parse_date_range``),
  which selects entries or, when the text has no entry then, the nearest ones
  (``select_entries``). Named without a year, it means that day in every year of the
  text: "January 2" in a diary of ten years is ten entries.

Both use the same month names and the same year rule (``infer_year``): a day written
without a year takes the year that puts it nearest to a known date — the previous entry
in a text (chronology: it may only move forward), the span of the entries for a question.
A text that never gives a year keeps its days without one: ISO 8601's year-less form,
``--05-03``, cited "3 May"; no year is invented. ``day_of`` and ``iso_of`` convert.
This module is pure and shared by the readers, the chunker and the question path.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_PART = r"(?P<part>(?:the\s+)?(?:end|beginning|start|middle)\s+of|early|late|mid-?)"
# Days written as words in a question: "the second of January", "on January twenty-first".
_UNITS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_TEENS = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth")
_TEENS_ON = ("seventeenth", "eighteenth", "nineteenth", "twentieth")
ORDINALS = {
    **{word: n for n, word in enumerate(_UNITS, start=1)},
    **{word: n for n, word in enumerate((*_TEENS, *_TEENS_ON), start=10)},
    **{f"twenty-{word}": 20 + n for n, word in enumerate(_UNITS, start=1)},
    "thirtieth": 30,
    "thirty-first": 31,
}
_ORDINAL = (
    r"(?P<ordinal>"
    + "|".join(w.replace("-", r"[-\s]") for w in sorted(ORDINALS, key=len, reverse=True))
    + r")"
)
# Days known by name, fixed in the calendar, as a question may name them ("on Christmas
# Day", "New Year's Eve 1665"). Moveable feasts (Easter) and names that are also titles
# (Twelfth Night, A Midsummer Night's Dream) are left out: they would be misread.
_APOSTROPHE = "['\u2019]?"
NAMED_DAYS = (
    (rf"new\s+year{_APOSTROPHE}s\s+day", 1, 1),
    (r"candlemas(?:\s+day)?", 2, 2),
    (rf"(?:st\.?\s+|saint\s+)?valentine{_APOSTROPHE}s\s+day", 2, 14),
    (r"lady\s+day", 3, 25),
    (r"may\s+day", 5, 1),
    (r"midsummer\s+eve", 6, 23),
    (r"midsummer\s+day", 6, 24),
    (r"michaelmas(?:\s+day)?", 9, 29),
    (rf"hallowe{_APOSTROPHE}en|all\s+hallows{_APOSTROPHE}\s+eve", 10, 31),
    (rf"all\s+saints{_APOSTROPHE}\s+day", 11, 1),
    (r"christmas\s+eve", 12, 24),
    (r"christmas(?:\s+day)?", 12, 25),
    (r"boxing\s+day", 12, 26),
    (rf"new\s+year{_APOSTROPHE}s\s+eve", 12, 31),
)
_NAMED_DAY = r"(?P<named>" + "|".join(f"(?:{pattern})" for pattern, _, _ in NAMED_DAYS) + r")"

_DATE_LINE = [
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\s*\.?$", re.IGNORECASE),
    re.compile(rf"^{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?(?:\s+{_YEAR})?\s*\.?$", re.IGNORECASE),
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\.?$"),
]
_IN_QUESTION = [  # most specific first
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(r"(?<![\w-])--(?P<month>\d{2})-(?P<day>\d{2})\b"),  # a day without a year
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR})?(?!\s*(?:st|nd|rd|th))", re.I),
    re.compile(rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.I),
    re.compile(rf"\b(?:the\s+)?{_ORDINAL}\s+of\s+{_MONTH}(?:,?\s+{_YEAR})?\b", re.I),
    # "on January second": the month capitalized and inside the sentence ("Who may
    # second the motion?", "May the first…" are no dates).
    re.compile(
        rf"(?<=\s)(?P<month>{'|'.join(calendar.month_name[1:])})\s+(?:the\s+)?"
        rf"(?i:{_ORDINAL})\b(?:,?\s+{_YEAR})?"
    ),
    re.compile(rf"\b{_NAMED_DAY}(?:,?\s+(?:of\s+)?{_YEAR})?\b", re.I),
    # A month alone needs a year, a part or a preposition: "May I copy it?" is no date.
    re.compile(rf"\b{_PART}\s+{_MONTH}(?:,?\s+(?:of\s+)?{_YEAR})?\b", re.I),
    re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.I),
    re.compile(
        rf"\b(?:in|during|of|by|since|until|till|through|throughout)\s+(?P<at>){_MONTH}(?=\W|$)",
        re.I,
    ),
    re.compile(rf"\b(?:{_PART}\s+)?{_YEAR}\b", re.I),
]
# How far outside the text's entries a named date still counts as "about the entries".
NEAR = dt.timedelta(days=31)
# The year that stands, inside this module's arithmetic, for "the text gives no year": a
# leap year (29 February exists) that no text is dated in. It never leaves as a year:
# ``iso_of`` writes such a day as --MM-DD.
YEARLESS = 4


def day_of(iso: str) -> dt.date:
    """'1937-01-09' → that date; '--05-03' (no year given) → 3 May of ``YEARLESS``."""
    if iso.startswith("--"):
        month, day = iso[2:].split("-")
        return dt.date(YEARLESS, int(month), int(day))
    return dt.date.fromisoformat(iso)


def iso_of(day: dt.date) -> str:
    """The ISO form of a day: YYYY-MM-DD, or --MM-DD for a day written without a year."""
    return f"--{day:%m-%d}" if day.year == YEARLESS else day.isoformat()


def is_yearless(iso: str) -> bool:
    return iso.startswith("--")


# ---------------------------------------------------------------------------- the year rule


def infer_year(month: int, day: int, anchor: dt.date, *, forward: bool) -> int:
    """The year for a day written without one, relative to a known date ``anchor``.

    ``forward`` (a text read in order): the first such day on or after the anchor, so
    "January 9" after "December 30, 1936" is 1937. Otherwise (a question): the year that
    puts the day nearest to the anchor.
    """
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        last = calendar.monthrange(year, month)[1]
        candidates.append(dt.date(year, month, min(day, last)))
    if forward:
        return min(c for c in candidates if c >= anchor).year
    return min(candidates, key=lambda c: abs((c - anchor).days)).year


class EntryDates:
    """Resolves the entry dates of one text in reading order (the year rule, forward).

    A date without a year takes it from the entries before it (or from ``seed_year``,
    e.g. the front matter's "Written: 1936"); a bare day ("2nd.") takes its month and
    year from the last entry, or from a section heading that names a month ("May 1660")
    when that heading came after the last entry. When nothing gives a year, the date
    has none (``--MM-DD``). ``declared`` dates come from a file's own structure (a diary
    entry's date): a bare day there is trusted, and one not after the last entry's day
    is in the next month.
    """

    def __init__(self, seed_year: int | None) -> None:
        self.last: dt.date | None = None
        self.seed_year = seed_year
        self.month: tuple[int, int] | None = None  # (year, month) of a heading since then

    def heading(self, text: str) -> None:
        """Note a section heading; one that names a month sets the month of bare days."""
        named = month_heading(text)
        if named is not None:
            self.month = named

    def resolve(
        self, year: int | None, month: int | None, day: int, *, declared: bool = False
    ) -> str | None:
        """ISO date of an entry's date (--MM-DD when no year is known), or None when it
        cannot be known (a bare day with no month before it, an impossible day)."""
        if month is None:  # a bare day: "2nd."
            if self.month is not None:
                year, month = self.month
            elif self.last is not None:
                year, month = self.last.year, self.last.month
            else:
                return None
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                return None
            if self.last is not None and candidate <= self.last:
                if not declared:
                    return None  # a diary moves forward: "3rd." after the 5th is no entry
                later = _next_month(candidate)
                if later is None:
                    return None
                candidate = later
            self.last, self.month = candidate, None
            return iso_of(candidate)
        if year is None:
            if self.month is not None and self.month[1] == month:
                year = self.month[0]
            elif self.last is not None:
                year = (
                    YEARLESS
                    if self.last.year == YEARLESS
                    else infer_year(month, day, self.last, forward=True)
                )
            elif self.month is not None:
                year = infer_year(month, day, dt.date(*self.month, 1), forward=True)
            elif self.seed_year is not None:
                year = self.seed_year
            else:
                year = YEARLESS
        try:
            self.last = dt.date(year, month, day)
        except ValueError:
            return None
        self.month = None
        return iso_of(self.last)


def _next_month(day: dt.date) -> dt.date | None:
    """The same day of the next month, when it exists."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    try:
        return dt.date(year, month, day.day)
    except ValueError:
        return None


_MONTH_HEADING = re.compile(
    rf"^{_MONTH},?\s+(?P<year>\d{{4}})(?:\s*[-–/]\s*(?P<second>\d{{2,4}}))?\.?$", re.I
)


def month_heading(text: str) -> tuple[int, int] | None:
    """'April 1660' → (1660, 4). A dual year ('January 1659–60', Old and New Style) takes
    the second: the year as counted from January 1."""
    match = _MONTH_HEADING.match(" ".join(text.split()))
    if not match:
        return None
    year = int(match.group("year"))
    if match.group("second"):
        second = match.group("second")
        year = int(str(year)[: 4 - len(second)] + second)
    return year, _month_number(match.group("month"))


def seed_year(metadata: dict[str, str], keys: Iterable[str]) -> int | None:
    """The first year in a metadata value under one of ``keys`` ('Written: December 1936')."""
    wanted = {k.lower() for k in keys}
    for key, value in metadata.items():
        if key.lower() in wanted:
            match = re.search(r"\b(1\d{3}|20\d{2})\b", value)
            if match:
                return int(match.group())
    return None


# ---------------------------------------------------------------------------- date lines


def _month_number(text: str) -> int:
    return int(text) if text.isdigit() else MONTHS[text.lower()]


def _named_day(text: str) -> tuple[int, int]:
    """'Christmas Day' → (12, 25): the month and day of a day known by name."""
    for pattern, month, day in NAMED_DAYS:
        if re.fullmatch(pattern, text, re.IGNORECASE):
            return month, day
    raise ValueError(text)  # unreachable: the text matched one of the patterns


def _question_day(groups: dict[str, str | None]) -> int | None:
    """The day of a date in a question, written in figures or in words."""
    if groups.get("day"):
        return int(groups["day"] or 0)
    if groups.get("ordinal"):
        return ORDINALS[re.sub(r"[-\s]+", "-", (groups["ordinal"] or "").lower())]
    return None


def parse_date_line(line: str) -> tuple[int | None, int, int] | None:
    """'December 28, 1936.' → (1936, 12, 28); 'January 9' → (None, 1, 9); else None."""
    line = line.strip()
    if len(line) > 40:
        return None
    for pattern in _DATE_LINE:
        match = pattern.match(line)
        if not match:
            continue
        month = _month_number(match.group("month"))
        day = int(match.group("day"))
        year = int(match.group("year")) if match.group("year") else None
        try:
            dt.date(year or 2000, month, day)  # 2000 is a leap year: Feb 29 stays valid
        except ValueError:
            return None
        return year, month, day
    return None


# A paragraph that opens with its entry's date: "May 1st. This morning…", "2nd. Up
# early", "Jan. 1st (Lord's day).", "Monday, 3 June 1940.", "1937-01-09: …".
_LEADING = [
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[.:]|\s+[-–—])\s"),
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\s*(?:[.:]|(?=\())", re.IGNORECASE),
    re.compile(
        rf"^{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?(?:\s+{_YEAR})?\s*(?:[.:]|(?=\())",
        re.IGNORECASE,
    ),
    # a bare day needs its ordinal and a stop: "2nd." — "2 men came" is no entry
    re.compile(r"^(?P<day>\d{1,2})(?:st|nd|rd|th)\s*(?:[.:,]|(?=\())"),
]


def leading_date(paragraph: str) -> tuple[int | None, int | None, int] | None:
    """The date a paragraph opens with: (year or None, month or None, day), or None."""
    head = paragraph.lstrip()[:60]
    for pattern in _LEADING:
        match = pattern.match(head)
        if not match:
            continue
        groups = match.groupdict()
        month = _month_number(groups["month"]) if groups.get("month") else None
        year = int(groups["year"]) if groups.get("year") else None
        day = int(groups["day"])
        try:
            dt.date(year or 2000, month or 1, day)
        except ValueError:
            return None
        return year, month, day
    return None


_WRITTEN = [  # a date, then perhaps words about the day ("31st Office day")
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),
    re.compile(rf"^{_WEEKDAY}(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}\b(?:,?\s+{_YEAR}\b)?", re.I),
    re.compile(r"^(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?![-–—/:]\d)"),
]


def parse_written_date(text: str) -> tuple[int | None, int | None, int] | None:
    """A date as a file's structure marks it (the text of a ``<time>``, a dateline):
    'Jan. 1st (Lord's day)' → (None, 1, 1); '22nd' → (None, None, 22); '3 May' →
    (None, 5, 3); 'April 1st, 1661' → (1661, 4, 1). Words after the date ("Office day")
    and a parenthesis are ignored; None when the text does not open with a date."""
    text = re.sub(r"\([^)]*\)?", " ", " ".join(text.split())).strip(" .,;:—–-")
    for pattern in _WRITTEN:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        month = _month_number(groups["month"]) if groups.get("month") else None
        year = int(groups["year"]) if groups.get("year") else None
        day = int(groups["day"])
        try:
            dt.date(year or 2000, month or 1, day)
        except ValueError:
            return None
        return year, month, day
    return None


def machine_date(value: str | None) -> str | None:
    """A ``<time datetime>`` value as an ISO day: 'YYYY-MM-DD' (a time after it dropped),
    or '--MM-DD' for a year-less one ('08-02', '--08-02'); None for anything else."""
    if not value:
        return None
    value = value.strip()
    if match := re.match(r"^(\d{4})-(\d{2})-(\d{2})", value):
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            return None
    if match := re.match(r"^(?:--)?(\d{2})-(\d{2})$", value):
        try:
            dt.date(2000, int(match[1]), int(match[2]))
        except ValueError:
            return None
        return f"--{match[1]}-{match[2]}"
    return None


_MENTIONED = [
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?", re.I),
    re.compile(rf"\bthe\s+{_DAY}\s+of\s+{_MONTH}(?:,?\s+{_YEAR}\b)?", re.I),
    re.compile(
        r"\b(?:on|by|until|till|since|from|of)\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b", re.I
    ),
]


def mentioned_dates(text: str, entry_date: str | None) -> tuple[str, ...]:
    """The days a passage tells of ("On the 23rd, the trial began", "On March 2"), resolved
    against its entry's date: a bare day is in the entry's month, a day without a year
    takes the year that puts it nearest the entry. Without an entry date, only dates
    written in full count. The entry's own date is left out."""
    entry = day_of(entry_date) if entry_date else None
    found: dict[str, int] = {}  # day → where the text first names it
    taken: list[tuple[int, int]] = []
    for pattern in _MENTIONED:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            groups = match.groupdict()
            day = int(groups["day"])
            month = _month_number(groups["month"]) if groups.get("month") else None
            year = int(groups["year"]) if groups.get("year") else None
            if month is None:
                if entry is None:
                    continue
                year, month = entry.year, entry.month
            elif year is None:
                if entry is None:
                    continue
                year = (
                    YEARLESS
                    if entry.year == YEARLESS
                    else infer_year(month, day, entry, forward=False)
                )
            try:
                told = dt.date(year, month, day)
            except ValueError:
                continue
            taken.append(match.span())
            if told != entry:
                found.setdefault(iso_of(told), match.start())
    return tuple(sorted(found, key=found.__getitem__))


def date_label(day: dt.date | str) -> str:
    """'January 9, 1937', or '3 May' for a day written without a year: how citations,
    notes and listings write a day (the one home of this format). Takes a date or its
    ISO form."""
    if isinstance(day, str):
        day = day_of(day)
    if day.year == YEARLESS:
        return f"{day.day} {day:%B}"
    return f"{day:%B} {day.day}, {day.year}"


# ---------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of days named in a question, and the words that named it."""

    start: dt.date
    end: dt.date
    label: str
    span: tuple[int, int] = (0, 0)  # where the question names it
    # Named without a year ("on January 2"): in a text of several years, the same days
    # of every year are meant; ``start``/``end`` hold them in the year the rule infers.
    every_year: bool = False

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def recurs_on(self, day: dt.date) -> bool:
        """True when ``day`` is inside the range, or (named without a year) inside it
        in ``day``'s own year."""
        if day in self:
            return True
        if not self.every_year or self.start.year != self.end.year:
            return False
        month_day = (day.month, day.day)
        return (self.start.month, self.start.day) <= month_day <= (self.end.month, self.end.day)


@dataclass(frozen=True)
class EntrySelection:
    """The entry dates a date selects, and what to tell the reader."""

    dates: tuple[str, ...]  # ISO dates of entries to prefer
    exact: bool  # False: the text has no entry then; these are the nearest ones
    note: str | None = None


def _part_of(part: str | None, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """Narrow a month or year to its beginning, middle or end third."""
    if not part:
        return start, end
    part = part.lower()
    third = dt.timedelta(days=((end - start).days + 1) // 3)
    if "end" in part or "late" in part:
        return end - third, end
    if "beginning" in part or "start" in part or "early" in part:
        return start, start + third
    return start + third, end - third


def _middle(entry_dates: Sequence[dt.date]) -> dt.date | None:
    if not entry_dates:
        return None
    return entry_dates[0] + (entry_dates[-1] - entry_dates[0]) / 2


def parse_date_range(question: str, entry_dates: Sequence[dt.date] = ()) -> DateRange | None:
    """The first date, month or year named in ``question``, as a range of days.

    A day or month without a year takes its year by the year rule, anchored at the middle
    of the text's entries; without entries such a date is not usable.
    """
    anchor = _middle(sorted(entry_dates))
    for pattern in _IN_QUESTION:
        for match in pattern.finditer(question):
            groups = match.groupdict()
            begin = match.start("at") if groups.get("at") is not None else match.start()
            label = " ".join(question[begin : match.end()].split())
            span = (begin, match.end())
            month = _month_number(groups["month"]) if groups.get("month") else None
            year = int(groups["year"]) if groups.get("year") else None
            day = _question_day(groups)
            if groups.get("named"):
                month, day = _named_day(groups["named"])
            if month is None:
                if year is None:
                    continue
                start, end = _part_of(
                    groups.get("part"), dt.date(year, 1, 1), dt.date(year, 12, 31)
                )
                return DateRange(start, end, label, span)
            if not 1 <= month <= 12:
                continue
            every_year = year is None
            if year is None:
                if anchor is None:
                    continue
                year = (
                    YEARLESS
                    if anchor.year == YEARLESS
                    else infer_year(month, day or 1, anchor, forward=False)
                )
                if (month, day) == (2, 29) and not calendar.isleap(year):
                    year = min(
                        (y for y in range(year - 4, year + 5) if calendar.isleap(y)),
                        key=lambda y: abs(y - year),
                    )  # 29 February named without a year: every leap year of the text
            last = calendar.monthrange(year, month)[1]
            if day is not None:
                if not 1 <= day <= last:
                    continue
                on = dt.date(year, month, day)
                return DateRange(on, on, label, span, every_year)
            start, end = _part_of(
                groups.get("part"), dt.date(year, month, 1), dt.date(year, month, last)
            )
            return DateRange(start, end, label, span, every_year)
    return None


def without_span(question: str, span: tuple[int, int]) -> str:
    """The question with the date words removed (what is left is ranked)."""
    start, end = span
    return " ".join((question[:start] + " " + question[end:]).split())


def select_entries(wanted: DateRange, entry_dates: Iterable[str]) -> EntrySelection | None:
    """The entries inside ``wanted`` (a date named without a year: in every year of the
    text); else the entries nearest the year the rule infers, with a note saying so.

    None when the range is far from every entry (an event date such as 1932 or 1940).
    """
    days = sorted({day_of(d) for d in entry_dates})
    if not days:
        return None
    inside = [d for d in days if wanted.recurs_on(d)]
    if inside:
        return EntrySelection(tuple(iso_of(d) for d in inside), exact=True)
    if wanted.end < days[0] - NEAR or wanted.start > days[-1] + NEAR:
        return None
    before = [d for d in days if d < wanted.start]
    after = [d for d in days if d > wanted.end]
    nearest = [x for x in (before[-1] if before else None, after[0] if after else None) if x]
    listed = " and ".join(date_label(d) for d in nearest)
    note = f"The text has no entry for {wanted.label}; showing the nearest entries ({listed})."
    return EntrySelection(tuple(iso_of(d) for d in nearest), exact=False, note=note)
