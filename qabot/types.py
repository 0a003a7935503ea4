"""The values that flow through qabot: passages, citations, hits and answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from qabot.dates import date_label

Role = Literal["text", "about", "notes", "editorial"]
# The parts of a book: the author's text; the front-matter card and the edition's own
# pages (imprint, colophon); notes (endnotes, footnotes); editorial matter (an
# introduction, a foreword, an editor's preface, an afterword).
ROLES: tuple[Role, ...] = ("text", "about", "notes", "editorial")
Match = Literal["lexical", "semantic", "both"]  # which retriever found a hit
# How an answer's hits are ordered: by relevance, or in the text's own order (an entry,
# the book's edge, a part from its opening or from its end).
Order = Literal["relevance", "entry", "text", "part", "part_end"]


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, in terms a reader can look up.

    A note is cited by its number and the place of the passage that refers to it ("The
    Diary — note 47 — January 1, 1660"); editorial matter by what it is ("The Diary —
    Introduction — Particulars of the Life of Samuel Pepys — ¶ 3").
    """

    title: str
    section: str | None
    date: str | None  # ISO YYYY-MM-DD, or --MM-DD when the text gives no year
    paragraphs: tuple[int, ...]
    anchor: str | None = None  # a place in the file ("chapter-4.xhtml#entry-2")
    label: str | None = None  # what the passage is, when not the text: "note 47", "Introduction"
    place: str | None = None  # for a note: where the passage that refers to it is

    def paragraph_label(self) -> str:
        """'¶ 3' or '¶¶ 3–4'."""
        if not self.paragraphs:
            return ""
        first, last = self.paragraphs[0], self.paragraphs[-1]
        return f"¶ {first}" if first == last else f"¶¶ {first}–{last}"

    def date_label(self) -> str | None:
        """The date as a reader writes it: 'January 9, 1937'."""
        return None if self.date is None else date_label(self.date)

    def _section_below_title(self) -> str | None:
        """The section, less the title when it opens with it: a page titled "April 1660"
        whose heading is "April 1660" is cited once, not "April 1660 — April 1660"."""
        section, title = self.section, self.title
        if section and title and (section == title or section.startswith(f"{title} — ")):
            return section[len(title) :].removeprefix(" — ") or None
        return section

    def __str__(self) -> str:
        if self.place is not None:  # a note: its number and its passage's place
            parts = [self.title, self.label, self.place]
        else:
            parts = [
                self.title,
                self.label if self.label != self.section else None,
                self._section_below_title(),
                self.date_label(),
                self.paragraph_label(),
            ]
        text = " — ".join(p for p in parts if p)
        return f"{text} [{self.anchor}]" if self.anchor else text


@dataclass(frozen=True, slots=True)
class Passage:
    """A quotable span of a corpus file, with the metadata needed to cite it.

    ``text`` is the span as quoted from the source (whitespace normalized, paragraphs
    separated by a blank line, a line the page breaks inside one, as in verse, after a
    newline); ``embed_text`` is what the model sees (line-break
    hyphenation repaired, on one line). ``start``/``end`` are character offsets into the
    source file's decoded text.
    """

    id: int
    text: str
    embed_text: str
    source: str
    title: str
    section: str | None
    date: str | None
    paragraphs: tuple[int, ...]
    start: int
    end: int
    tokens: int
    role: Role = "text"
    anchor: str | None = None  # where in the file, for HTML/EPUB: "chapter-4.xhtml#entry-2"
    mentions: tuple[str, ...] = ()  # ISO days the passage tells of ("On the 23rd, …")
    date_machine: str | None = None  # the file's machine-readable date, kept beside ``date``
    part_label: str | None = None  # editorial matter: "Introduction", "Foreword" …
    note_label: str | None = None  # a note: its number ("47")
    note_of: int | None = None  # a note: the passage that refers to it
    note_place: str | None = None  # a note: that passage's date, or its section
    notes: tuple[tuple[str, int], ...] = ()  # the notes it refers to: (number, note's passage)

    @property
    def citation(self) -> Citation:
        label = f"note {self.note_label}" if self.note_label else self.part_label
        place = (self.note_place or self.section or "") if self.note_label else None
        return Citation(
            self.title, self.section, self.date, self.paragraphs, self.anchor, label, place
        )


@dataclass(frozen=True)
class Document:
    """A chunked corpus file: its metadata and passages, plus what was left out and why."""

    source: str
    title: str
    metadata: dict[str, str]
    passages: tuple[Passage, ...]
    skipped: tuple[str, ...] = ()  # boilerplate blocks, kept for reporting


@dataclass(frozen=True)
class Hit:
    """A passage shown for a question, with its rank (from 1) and what was measured.

    ``score`` is what the reader is shown: the answer's confidence scaled by the hit's
    relevance relative to the top one (None when the hits follow the text's own order);
    ``relevance`` is the ranking's fused score; ``cosine`` is the question's cosine with
    the passage's closest sentence.
    """

    passage: Passage
    rank: int
    score: float | None
    relevance: float
    cosine: float
    match: Match
    highlight: str | None = None  # the sentence(s) of the passage that best answer
    tells_of: str | None = None  # ISO day of the question's date the passage tells of
    prev_id: int | None = None  # the passage before it in its document (read on)
    next_id: int | None = None  # the passage after it


@dataclass(frozen=True)
class Answer:
    """The result of one question: ranked hits, and whether the text seems not to answer it."""

    question: str
    hits: tuple[Hit, ...]
    abstained: bool
    notes: tuple[str, ...] = field(default=())
    abstain_reason: str | None = None  # why, in words, when it abstained
    # "entry": the hits follow a dated entry's own order; "text": the book's, at its edge
    order: Order = "relevance"


@dataclass(frozen=True)
class Note:
    """A note a passage refers to: its number and its text (the note's first passage)."""

    label: str
    passage: Passage


@dataclass(frozen=True)
class Reading:
    """A passage as read in its document's order, with the passages on either side and
    the notes it refers to."""

    passage: Passage
    prev_id: int | None
    next_id: int | None
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Window:
    """A passage and up to ``context`` neighbours on each side, in document order."""

    passages: tuple[Reading, ...]
    focus: int  # index of the asked passage in ``passages``
    asked: int  # the id that was asked for
    note: str | None = None  # when the asked id is gone: what became of it


@dataclass(frozen=True)
class EntryView:
    """A dated entry from its first passage, or the nearest entries when there is none."""

    asked: str  # ISO day asked for
    exact: bool
    dates: tuple[str, ...]  # the entries shown (one, or the nearest before and after)
    passages: tuple[Reading, ...]
    note: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    first_words: str
    passages: int


@dataclass(frozen=True)
class DocumentTimeline:
    source: str
    title: str
    entries: tuple[TimelineEntry, ...]
    sections: tuple[tuple[str, int], ...]  # (section, passages), in order
    undated: int  # passages outside any entry (front matter, editors' note …)


VerdictKind = Literal["exact", "close", "absent"]
DiffOp = Literal["=", "-", "+"]  # the same words; the quote's only; the text's only


@dataclass(frozen=True)
class Verdict:
    """Whether a quotation is in the text, and the text's own wording where it is."""

    quote: str
    verdict: VerdictKind
    score: float  # 100 for exact; the partial alignment's score (0–100) otherwise
    passage: Reading | None = None
    match: str | None = None  # the text's own wording, verbatim from the passage
    diff: tuple[tuple[DiffOp, str], ...] = ()  # quote → text
    closest: tuple[Passage, ...] = ()  # when absent: the passages nearest in meaning
