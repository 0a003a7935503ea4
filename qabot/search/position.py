"""A place in the book named by the question: "at the very end", "when the diary begins".

Readers ask about the book's opening or its close ("What new business does he dream up
at the very end?", "Where was Pepys living when the diary begins?", "How does the story
end?"). Neither retriever sees position, so such a question *prefers* the passages of
that edge of the author's text, as a date in the question prefers its entries, and its
position words are removed from the text that is ranked.

An edge is whole sections (chapters, months, letters) counted from the first or the
last passage of a document's author's text until they hold ``EDGE_SHARE`` of it and are
at least ``EDGE_SECTIONS``: a twentieth of the book, however it is divided, and past a
first section that is only a dedication or an editors' note (chosen, not fitted: the
opening or closing chapters of a novel, the first months of a ten-year diary). Each
book of a corpus has its own edges; "How does the story end?" reads the book whose
edge passages answer it best. "At the end of the war" names no place in the book: a
position phrase followed by "of" counts only as "of the book".

A question that names a small unit at the edge ("in the diary's last lines", "the
first entry") narrows it (``Unit``): the lines are the edge's passage (past one-passage
sections such as a dedication, for the opening), the entry its first or last dated
entry. "The last chapter" and "the last pages" stay the whole edge, but in a book whose
chapters are numbered "the first chapter" is its lowest-numbered one and "the last
chapter" its highest (``qabot.search.titles``): a novel's dedication is no chapter.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from qabot.dates import date_label
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

Edge = Literal["opening", "closing"]
Unit = Literal["sections", "entry", "passage"]  # the whole edge, its last entry, its last passage

EDGE_SHARE = 0.05  # of the author's text's passages, in whole sections
EDGE_SECTIONS = 2  # at least: a book's first section is often a dedication or a note

# What a reader calls the work itself.
_WORK = (
    r"(?:book|diary|journal|story|novel|text|narrative|memoirs?|tale|account|"
    r"dictionary|volume|work|chronicle|letters)"
)
# Whose the work is: "the diary", "this book", "his journal", "Pepys's diary".
_OWNED = r"(?:the|this|his|her|its|[\w-]+(?:'s|’s|s'|s’))"
_OPENING_WORDS = {"beginning", "start", "outset", "opening", "begin", "begins", "opens", "starts"}
_OPENING_WORDS |= {"first", "open", "starting"}
# Of (in) the book, or of nothing: "at the end of the war" is about the war, "the last
# word in the argument" about the argument.
_OF_THE_WORK = rf"(?:\s+(?:of|in)\s+{_OWNED}\s+(?:whole\s+)?{_WORK})?(?!\s+(?:of|in)\b)"
_PATTERNS = (
    # at / near / towards the (very) beginning | end [of the book]
    rf"\b(?:at|in|near|towards?|by)\s+the\s+(?:very\s+)?"
    rf"(?P<w1>beginning|start|outset|opening|end|close|conclusion|finish){_OF_THE_WORK}",
    # the (very) end of the book (as a subject: "What happens in the end of the story")
    rf"\bthe\s+(?:very\s+)?(?P<w2>beginning|start|opening|end|close|conclusion)"
    rf"\s+of\s+{_OWNED}\s+(?:whole\s+)?{_WORK}\b",
    # when / as / how the diary begins | ends; how does the story end
    rf"\b(?:when|as|how|where|why)\s+(?:does\s+|did\s+)?{_OWNED}\s+{_WORK}"
    r"(?:\s+of\s+(?:the\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,3}?)?\s+"  # "the story of the farm"
    r"(?P<w3>begins?|opens?|starts?|ends?|closes?|finish(?:es)?|concludes?)\b",
    # "How does it end?", "How did it all begin?": the whole question, "it" the book
    r"^\s*how\s+(?:does|did|do)\s+it(?:\s+all)?\s+"
    r"(?P<w5>begins?|opens?|starts?|ends?|closes?|finish(?:es)?|concludes?)(?=[\s?.!]*$)",
    # the first / last chapter | entry | pages [of the book]; the diary's last entry
    rf"\bthe\s+(?:{_WORK}(?:'s|’s)\s+)?(?:very\s+)?(?P<w4>first|opening|last|final|closing)\s+"
    rf"(?P<unit>chapters?|entry|entries|pages?|lines?|words?|sentences?|paragraphs?|sections?)\b"
    rf"{_OF_THE_WORK}(?!\s+(?:about|on|concerning|mentioning)\s+\w)"  # "the chapter about X"
    r"(?!\s+(?:that|where|which|in\s+which)\b)",
)
_POSITION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_NAMES_WORK = re.compile(rf"\b{_WORK}\b", re.IGNORECASE)
_CLAUSE_ENDS = re.compile(r"\s*(?:about\s*)?(?:[?!.,;:]|$)", re.IGNORECASE)  # "… about?" ends it


# What a question's unit of text narrows the edge to: "the last lines" are in the last
# passage, "the last entry" is the last day's passages; chapters and pages stay the edge.
_UNITS: dict[str, Unit] = {
    "entry": "entry",
    "word": "passage",
    "line": "passage",
    "lines": "passage",
    "words": "passage",
    "sentence": "passage",
    "sentences": "passage",
    "paragraph": "passage",
    "paragraphs": "passage",
}


@dataclass(frozen=True)
class PositionAsked:
    """The edge of the book a question names, and where it names it."""

    edge: Edge
    span: tuple[int, int]  # the position words, to be removed from the ranked text
    unit: Unit = "sections"  # how much of the edge it names
    of_the_text: bool = False  # it names a unit of text: "the last lines", "the first page"
    division: str | None = None  # one division it names: "the first chapter", "the last section"


def asked_position(question: str) -> PositionAsked | None:
    """The book's opening or close, when the question names one (see the module doc)."""
    found = _POSITION.search(question)
    if found is None:
        return None
    groups = found.groupdict()
    word = next(w for name, w in groups.items() if name != "unit" and w is not None).lower()
    edge: Edge = "opening" if word in _OPENING_WORDS else "closing"
    unit = _UNITS.get((groups["unit"] or "").lower(), "sections")
    # "the last words he spoke" are someone's, not the book's: a unit is the book's when
    # the phrase names the book ("the diary's last lines") or ends its clause.
    if not (_NAMES_WORK.search(found.group()) or _CLAUSE_ENDS.match(question, found.end())):
        unit = "sections"
    named = (groups["unit"] or "").lower()
    division = named if named in ("chapter", "section") else None
    return PositionAsked(edge, found.span(), unit, groups["unit"] is not None, division)


@dataclass(frozen=True)
class EdgeTable:
    """Each document's opening and closing passages, and where each passage stands in
    its document: built once per library. A corpus may hold several books: each has its
    own edges."""

    masks: dict[Edge, np.ndarray]  # per edge: bool per passage
    notes: dict[Edge, str]  # per edge: what the reader is told when it is preferred
    document_of: np.ndarray  # per passage: its document, as a small integer
    place: np.ndarray  # per passage: its place in its document's reading order (any part)
    # The edge's last (first) entry and passage alone: "the diary's last entry",
    # "the novel's first lines".
    narrow: dict[tuple[Edge, Unit], tuple[np.ndarray, str]] = field(default_factory=dict)

    def edge(self, edge: Edge, unit: Unit = "sections") -> tuple[np.ndarray, str]:
        """The passages of ``edge`` that ``unit`` names, and what the reader is told."""
        if unit == "sections":
            return self.masks[edge], self.notes[edge]
        return self.narrow[(edge, unit)]

    @classmethod
    def build(cls, passages: Sequence[Passage], reading: Sequence[int] | None = None) -> EdgeTable:
        """``reading``: the passages' rows in reading order (by document, then place),
        when the caller has sorted them already."""
        import numpy as np

        size = len(passages)
        if reading is None:
            reading = reading_order(passages)
        document_of = np.zeros(size, dtype=np.int64)
        place = np.zeros(size, dtype=np.int64)
        documents: dict[str, list[int]] = {}  # source → its text passages, in order
        number: dict[str, int] = {}
        read: dict[str, int] = {}  # source → passages read so far, of every part
        for row in reading:
            source = passages[row].source
            document_of[row] = number.setdefault(source, len(number))
            place[row] = read[source] = read.get(source, -1) + 1
            if passages[row].role == "text":
                documents.setdefault(source, []).append(row)
        masks: dict[Edge, np.ndarray] = {e: np.zeros(size, dtype=bool) for e in EDGES}
        narrow = {(e, u): np.zeros(size, dtype=bool) for e in EDGES for u in NARROW}
        for rows in documents.values():
            sides: tuple[tuple[Edge, list[int]], ...] = (("opening", rows), ("closing", rows[::-1]))
            for edge, from_edge in sides:
                masks[edge][_edge_rows(passages, from_edge)] = True
                narrow[(edge, "entry")][_entry_rows(passages, from_edge)] = True
                narrow[(edge, "passage")][_first_lines(passages, from_edge, edge)] = True
        notes = {e: _note(e, passages, masks[e], len(documents)) for e in EDGES}
        told = {
            (edge, unit): (
                mask,
                notes[edge]  # no dated entries: the whole edge
                if np.array_equal(mask, masks[edge])
                else _narrow_note(edge, unit, passages, mask, len(documents)),
            )
            for (edge, unit), mask in narrow.items()
        }
        return cls(masks, notes, document_of, place, told)

    def from_the_edge(
        self, at: np.ndarray, scores: np.ndarray, edge: Edge
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sort keys for "How does the story end?" over the candidates ``at``: whether a
        candidate is of another document than the best-scoring one, and its distance
        from the edge (one document is read from its edge; the others come after)."""
        import numpy as np

        best = at[int(np.argmax(scores))]
        other = self.document_of[at] != self.document_of[best]
        place = self.place[at]
        return other, (place if edge == "opening" else -place)


EDGES: tuple[Edge, ...] = ("opening", "closing")
NARROW: tuple[Unit, ...] = ("entry", "passage")


def reading_order(passages: Sequence[Passage]) -> list[int]:
    """The passages' rows in reading order: by document, then by place in it."""
    return sorted(range(len(passages)), key=lambda i: (passages[i].source, passages[i].start))


def _edge_rows(passages: Sequence[Passage], rows: Sequence[int]) -> list[int]:
    """The first of ``rows`` (one document's text, read from an edge) that make its edge:
    whole sections until ``EDGE_SHARE`` of them and at least ``EDGE_SECTIONS``."""
    wanted = EDGE_SHARE * len(rows)
    taken: list[int] = []
    sections, section = 0, None
    for row in rows:
        if passages[row].section != section or not sections:
            if len(taken) >= wanted and sections >= EDGE_SECTIONS:
                break
            sections += 1
        taken.append(row)
        section = passages[row].section
    return taken


def _first_lines(passages: Sequence[Passage], rows: Sequence[int], edge: Edge) -> list[int]:
    """The passages that hold "the last lines" (the last one) or "the first lines": the
    first, and past sections of a single passage (a dedication, an epigraph), the first
    of the section after them too; the question ranks them."""
    if edge == "closing":
        return [rows[0]]
    taken = [rows[0]]
    for before, row in itertools.pairwise(rows):
        if passages[row].section == passages[before].section:
            break  # the section read last holds more than one passage: the text has begun
        taken.append(row)
    return taken


def _entry_rows(passages: Sequence[Passage], rows: Sequence[int]) -> list[int]:
    """The first of ``rows`` (read from an edge) that make one entry: the passages of
    the first dated entry met (a diary may open with undated lines). A text without
    dates has no entries to count: its whole edge."""
    dated = [row for row in rows if passages[row].date is not None]
    if not dated:
        return _edge_rows(passages, rows)
    first = passages[dated[0]]
    taken = []
    for row in dated:
        if (passages[row].date, passages[row].section) != (first.date, first.section):
            break
        taken.append(row)
    return taken


def _narrow_note(
    edge: Edge, unit: Unit, passages: Sequence[Passage], mask: np.ndarray, documents: int
) -> str:
    """What the reader is told, such as that the last entry of the text comes first, and
    its day."""
    import numpy as np

    which = "first" if edge == "opening" else "last"
    what = "entry" if unit == "entry" else "lines"
    verb = "come" if what == "lines" else "comes"
    if documents > 1:
        return f"The {which} {what} of each text {verb} first."
    labels = []
    for row in np.flatnonzero(mask).tolist():
        date = passages[row].date
        label = date_label(date) if date and unit == "entry" else passages[row].section
        if label and label not in labels:
            labels.append(label)
    where = f" ({' and '.join(labels)})" if labels and len(labels) <= 2 else ""
    return f"The {which} {what} of the text {verb} first{where}."


def _note(edge: Edge, passages: Sequence[Passage], mask: np.ndarray, documents: int) -> str:
    """What the reader is told: which part of the text comes first."""
    import numpy as np

    part = "opening" if edge == "opening" else "end"
    if documents > 1:
        return f"Passages from the {part} of each text come first."
    rows = np.flatnonzero(mask).tolist()
    sections = list(dict.fromkeys(passages[r].section for r in rows if passages[r].section))
    where = ""
    if sections:
        where = f" ({sections[0]})" if len(sections) == 1 else f" ({sections[0]} to {sections[-1]})"
    return f"Passages from the {part} of the text come first{where}."
