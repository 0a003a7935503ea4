"""Where to look: the asker's section/date restriction, and what a question prefers.

``--date``-style filters restrict the passages searched; a date named in the question
("on January 9", "at the end of December 1936") does not restrict, it *prefers* the
passages that tell of that day (their mentioned dates, resolved when chunking), then
the entries of that day, and is removed from the text that is ranked. A date far from
every entry that no passage tells of is left to ranking. A question naming no date may
name a place in the book ("at the very end"): it prefers that edge of the text
(``position``); else the book as a work ("Who wrote this book?"): it prefers the
front-matter card, when a line of it answers (``author``); else a part of the corpus by
its title ("In The Red-Headed League, …"): it prefers the passages under it
(``titles``); else, when it asks only who or where a name is ("Who was Pembleton?"), the
first passage of each document's text that names it and that passage's notes naming it
(``introduction``); else, when it asks only why a name was given ("Why was the hen
called Aunt Elizabeth?"), the passages that write it next to a word of naming, and its
first mention (``naming``); else, when it asks only what a word means ("What is a
cynic?"), the passages that define it (``definitions``). A question that asks for
nothing but the edge ("How does it end?") or the part ("What happens in The Red-Headed
League?") is answered by their passages in the text's own order, from the edge or the
part's opening (or its end: "How does chapter 3 end?").
All masks are arrays over passage positions, computed from ``ScopeTable``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.dates import (
    DateRange,
    date_label,
    day_of,
    parse_date_range,
    select_entries,
    without_span,
)
from qabot.index import Index
from qabot.search.author import (
    asks_about_the_book,
    asks_what_it_is_about,
    book_words,
    card_line,
    describing,
    is_card,
)
from qabot.search.definitions import DefinitionTable, asked_term
from qabot.search.introduction import IntroductionTable, asked_name
from qabot.search.naming import asked_naming, naming_passages
from qabot.search.parts import PartTable
from qabot.search.position import Edge, EdgeTable, Unit, asked_position, reading_order
from qabot.search.query import FilterError, Filters, normalize_label
from qabot.search.titles import NamedPart, TitleTable, asks_what_it_is_called
from qabot.text.spelling import Spellings
from qabot.text.terms import content_words
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

# Words that ask for an entry (an edge, a part) as a whole rather than for something in it.
GENERIC_WORDS = frozenset(
    {
        *("write", "wrote", "written", "writing", "note", "noted", "notes", "record"),
        *("recorded", "say", "said", "tell", "told", "happen", "happens", "happened"),
        *("happening", "doing", "done", "entry", "entries", "journal", "diary", "day"),
        *("days", "page", "pages", "author", "summary", "summarize", "summarise", "gist"),
        *("plot", "overview", "describe", "chapter", "story"),
    }
)


@dataclass(frozen=True)
class ScopeTable:
    """Each passage's section and entry date as small integers, its place in its entry,
    and the days passages tell of: built once per library."""

    size: int
    sections: Sequence[str]  # sorted; the front matter's section is not one of them
    section_of: np.ndarray  # per passage: index into ``sections``, -1 for none
    entry_dates: Sequence[str]  # sorted ISO dates of the entries
    entry_days: Sequence[dt.date]  # the same, as dates (parsed once, not per question)
    date_of: np.ndarray  # per passage: index into ``entry_dates``, -1 for none
    entry_order: np.ndarray  # per passage: its place within its entry (0: the first)
    mention_owner: np.ndarray  # one row per (passage, day it tells of)
    mention_day: np.ndarray  # that day, as an ordinal
    # words that ask for a whole entry, and those naming the book: its title's, its
    # author's ("What did Pepys write on July 4?" asks what "he" would)
    generic_words: frozenset[str]
    edges: EdgeTable  # each document's opening and closing passages
    titles: TitleTable  # the parts of the corpus a question may name by title
    cards: dict[int, str]  # each book's front-matter card ("About this text"): row → text
    describing: np.ndarray  # bool per passage: an editors' note, an introduction's opening
    book_words: frozenset[str]  # the words that name a book: its title's, its author's
    introductions: IntroductionTable  # where each name is first mentioned
    definitions: DefinitionTable  # where each word a text defines is defined

    @classmethod
    def build(cls, index: Index, spellings: Spellings | None = None) -> ScopeTable:
        import numpy as np

        passages = index.passages
        size = len(passages)
        sections = sorted({p.section for p in passages if p.section and p.role != "about"})
        section_number = {name: i for i, name in enumerate(sections)}
        entry_dates = sorted({p.date for p in passages if p.date})
        date_number = {d: i for i, d in enumerate(entry_dates)}
        told = [(i, day) for i, p in enumerate(passages) for day in p.mentions]
        reading = reading_order(passages)  # sorted once: entries and edges both need it
        edges = EdgeTable.build(passages, reading)
        naming = book_words(passages)
        return cls(
            size=size,
            sections=sections,
            section_of=np.fromiter(
                (
                    section_number.get(p.section or "", -1) if p.role != "about" else -1
                    for p in passages
                ),
                dtype=np.int64,
                count=size,
            ),
            entry_dates=entry_dates,
            entry_days=tuple(day_of(d) for d in entry_dates),
            date_of=np.fromiter(
                (date_number.get(p.date, -1) if p.date else -1 for p in passages),
                dtype=np.int64,
                count=size,
            ),
            entry_order=_entry_order(passages, reading),
            mention_owner=np.array([i for i, _ in told], dtype=np.int64),
            mention_day=np.array([day_of(day).toordinal() for _, day in told], dtype=np.int64),
            generic_words=GENERIC_WORDS | naming,
            edges=edges,
            titles=TitleTable.build(passages),
            cards={row: p.text for row, p in enumerate(passages) if is_card(p)},
            describing=np.isin(np.arange(size), describing(passages, reading)),
            book_words=naming,
            introductions=IntroductionTable.build(
                index.bm25.passages,
                passages,
                edges,
                naming,
                spellings or Spellings.of(index.lexicon.words),
            ),
            definitions=DefinitionTable(index.bm25.passages, passages),
        )

    def __len__(self) -> int:
        return self.size


def _entry_order(passages: Sequence[Passage], reading: Sequence[int]) -> np.ndarray:
    """Each passage's place within its entry (0 = the entry's first passage)."""
    import numpy as np

    order = np.zeros(len(passages), dtype=np.int64)
    seen: dict[tuple[str, str | None], int] = {}
    for row in reading:
        key = (passages[row].source, passages[row].date)
        order[row] = seen.get(key, 0)
        seen[key] = order[row] + 1
    return order


@dataclass(frozen=True)
class Scope:
    """The passages a question may return and those it prefers, with notes for the reader."""

    allowed: np.ndarray  # bool per passage
    preferred: np.ndarray  # bool per passage: the date's entries, the edge or the part named
    ranked_text: str  # the question without its date words (what the signals score)
    notes: tuple[str, ...] = ()
    telling: np.ndarray | None = None  # bool per passage: tells of the question's date
    told: DateRange | None = None  # that date
    edge: Edge | None = None  # the edge of the book (or of the part named) asked for
    edge_unit: Unit = "sections"  # how much of it: "the last entry", "the first lines"
    asks_for_the_edge: bool = False  # nothing asked but the edge: "How does it end?"
    named: str | None = None  # the title of the part the question names, if any
    asks_for_the_part: bool = False  # nothing asked but the part: "What happens in …?"
    about_the_book: bool = False  # who wrote the book, when, what about: a card says
    introduced: str | None = None  # the name whose first mention the question prefers
    name_given: str | None = None  # the name whose giving the question prefers
    defined: str | None = None  # the word whose definitions the question prefers

    @property
    def dated(self) -> bool:
        """True when the question's date selected entries of the text."""
        unscoped = (
            self.edge is None
            and self.named is None
            and not self.about_the_book
            and self.introduced is None
            and self.name_given is None
            and self.defined is None
        )
        return unscoped and bool(self.preferred.any())


def _entry_mask(table: ScopeTable, dates: tuple[str, ...]) -> np.ndarray:
    import numpy as np

    wanted = [table.entry_dates.index(d) for d in dates if d in table.entry_dates]
    return np.isin(table.date_of, np.array(wanted, dtype=np.int64))


def restrict(table: ScopeTable, filters: Filters, parts: PartTable) -> tuple[np.ndarray, list[str]]:
    """The passages the asker's filters allow, and notes (nearest entries)."""
    import numpy as np

    allowed = np.ones(len(table), dtype=bool)
    notes: list[str] = []
    if filters.part in ("text", "notes", "editorial"):
        allowed &= parts.only(filters.part)
    if filters.section:
        wanted = normalize_label(filters.section)
        matches = [i for i, s in enumerate(table.sections) if normalize_label(s) == wanted]
        if not matches:
            raise FilterError(
                "section",
                filters.section,
                "no such section; sections: " + ", ".join(table.sections or ["(none)"]),
            )
        allowed &= np.isin(table.section_of, matches)
    if filters.date:
        day = day_of(filters.date)
        selection = select_entries(DateRange(day, day, date_label(day)), table.entry_dates)
        if selection is None:
            dates = table.entry_dates
            span = f"from {dates[0]} to {dates[-1]}" if dates else "nowhere (no dated entries)"
            raise FilterError(
                "date", filters.date, f"the text has no entries near it; its entries run {span}"
            )
        if selection.note:
            notes.append(selection.note)
        allowed &= _entry_mask(table, selection.dates)
    return allowed, notes


def scope(table: ScopeTable, text: str, filters: Filters, parts: PartTable) -> Scope:
    """Restriction by the filters, then preference: by the question's own date (first
    the passages that tell of that day, "On the 23rd, the trial began", then its
    entries), else by the place in the book it names ("at the very end": ``position``),
    else the front-matter card, for a question about the book as a work ("Who wrote
    it?"), else by the part of the corpus it names by title (``titles``), else, for "Who
    was Pembleton?", by the name's first mention (``introduction``), else, for "Why was
    the hen called Aunt Elizabeth?", by the passages that give the name (``naming``),
    else, for "What is a cynic?", by the word's definitions (``definitions``)."""
    import numpy as np

    allowed, notes = restrict(table, filters, parts)
    if not filters.date:
        dated = _by_date(table, text, allowed, notes)
        if dated is not None:
            return dated
    placed = asked_position(text)
    if placed is not None and placed.division is not None:
        # "the first chapter" of a book with numbered chapters: chapter I, not the edge
        last = placed.edge == "closing"
        numbered = table.titles.at_edge(last, placed.division, placed.span)
        in_part = None if numbered is None else _in_the_part(table, text, numbered, allowed, notes)
        if in_part is not None:
            return in_part
    if placed is not None:
        rest = without_span(text, placed.span)
        whole = asks_for_the_entry(table, rest)
        # Asked for alone, the edge is read in the book's order from its first (last)
        # passage, however narrowly it is named; asked about, a narrow edge comes first.
        unit = "sections" if whole else placed.unit
        edge, note = table.edges.edge(placed.edge, unit)
        if not (allowed & edge).any():  # the asker's filter leaves none of it: the edge
            unit = "sections"
            edge, note = table.edges.edge(placed.edge, unit)
        wanted = allowed & edge
        if wanted.any():
            ranked_text = rest if content_words(rest) else text
            return Scope(
                allowed,
                wanted,
                ranked_text,
                (*notes, note),
                edge=placed.edge,
                edge_unit=unit,
                asks_for_the_edge=whole,
            )
    if asks_about_the_book(text, table.book_words):
        cards = np.zeros(len(table), dtype=bool)
        cards[[row for row, card in table.cards.items() if card_line(text, card)]] = True
        if not cards.any() and asks_what_it_is_about(text):
            cards = table.describing.copy()  # no description: the editors say
            if not (cards & allowed).any():  # nor editors: the card, its title at least
                cards[list(table.cards)] = True
        cards &= allowed
        if cards.any():  # a card says: "author: …", "Translated: …"
            return Scope(allowed, cards, text, tuple(notes), about_the_book=True)
    part = table.titles.named(text)
    if part is not None:
        in_part = _in_the_part(table, text, part, allowed, notes)
        if in_part is not None:
            return in_part
    asked = asked_name(text)
    if asked is not None:
        first = table.introductions.first_mentions(asked)
        if first is not None and (first & allowed).any():
            return Scope(allowed, first & allowed, text, tuple(notes), introduced=asked.name)
    named_why = asked_naming(text)
    if named_why is not None:
        naming = naming_passages(table.introductions, named_why)
        if naming is not None and (naming & allowed).any():
            return Scope(allowed, naming & allowed, text, tuple(notes), name_given=named_why.name)
    term = asked_term(text)
    if term is not None:
        defining = table.definitions.defining(term)
        if defining is not None and (defining & allowed).any():
            return Scope(allowed, defining & allowed, text, tuple(notes), defined=term)
    return Scope(allowed, np.zeros(len(table), dtype=bool), text, tuple(notes))


def _in_the_part(
    table: ScopeTable, text: str, part: NamedPart, allowed: np.ndarray, notes: list[str]
) -> Scope | None:
    """The part's passages preferred; read from its opening (or edge) when the question
    asks for nothing but the part. None when the filters leave none of it, or all."""
    wanted = allowed & part.mask
    if not wanted.any() or (wanted == allowed).all():
        return None
    # No note: the citations name the part, and a question that names it in passing
    # ("When did the second Moscow trial begin?") needs no comment.
    rest = without_span(text, part.span)
    part_edge = _edge_of_the_part(table, text, part)
    return Scope(
        allowed,
        wanted,
        text,
        tuple(notes),
        edge=part_edge,
        named=part.title,
        asks_for_the_part=part_edge is not None
        or asks_for_the_entry(table, rest)
        or asks_what_it_is_called(rest),
    )


def _edge_of_the_part(table: ScopeTable, text: str, part: NamedPart) -> Edge | None:
    """The edge of a part that a question asks for and nothing else: "How does chapter 3
    end?", "What are the last lines of A Council of War?", read as the same question of
    the book would be. A part named by its title must be asked for a unit of its text:
    "When did the second Moscow trial begin?" asks about the trial, not the section of
    that title. None when it asks for something at the edge, or for no edge."""
    as_the_book = text[: part.span[0]] + "the book" + text[part.span[1] :]
    placed = asked_position(as_the_book)
    if placed is None or not (placed.of_the_text or part.numbered):
        return None
    rest = without_span(as_the_book, placed.span).replace("the book", " ")
    return placed.edge if asks_for_the_entry(table, rest) else None


def _by_date(table: ScopeTable, text: str, allowed: np.ndarray, notes: list[str]) -> Scope | None:
    """The scope a date named in the question gives; None when it names none the text
    has entries near or passages telling of."""
    import numpy as np

    if not (table.entry_dates or len(table.mention_day)):
        return None
    wanted = parse_date_range(text, table.entry_days)
    if wanted is None:
        return None
    selection = select_entries(wanted, table.entry_dates)
    # A single day the text has no entry for: the passages that tell of it come first.
    # (A month or a year means its entries; a day with its own entry means that entry.)
    telling = np.zeros(len(table), dtype=bool)
    if wanted.start == wanted.end and not (selection is not None and selection.exact):
        telling = allowed & _telling_mask(table, wanted)
    preferred = np.zeros(len(table), dtype=bool)
    if selection is not None:
        preferred = allowed & _entry_mask(table, selection.dates)
    if not (telling.any() or preferred.any()):
        return None
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


def _telling_mask(table: ScopeTable, wanted: DateRange) -> np.ndarray:
    """The passages that mention a day inside ``wanted``."""
    import numpy as np

    mask = np.zeros(len(table), dtype=bool)
    days = table.mention_day
    inside = (days >= wanted.start.toordinal()) & (days <= wanted.end.toordinal())
    mask[table.mention_owner[inside]] = True
    return mask


def asks_for_the_entry(table: ScopeTable, ranked_text: str) -> bool:
    """True when a question, its date removed, asks for a whole entry ("What did he write?")."""
    return not [w for w in content_words(ranked_text) if w not in table.generic_words]
