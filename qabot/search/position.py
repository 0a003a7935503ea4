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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

Edge = Literal["opening", "closing"]

EDGE_SHARE = 0.05  # of the author's text's passages, in whole sections
EDGE_SECTIONS = 2  # at least: a book's first section is often a dedication or a note

# What a reader calls the work itself.
_WORK = (
    r"(?:book|diary|journal|story|novel|text|narrative|memoirs?|tale|account|"
    r"dictionary|volume|work|chronicle|letters)"
)
_OPENING_WORDS = {"beginning", "start", "outset", "opening", "begin", "begins", "opens", "starts"}
_OPENING_WORDS |= {"first", "open", "starting"}
# Of the book, or of nothing: "at the end of the war" is about the war.
_OF_THE_WORK = rf"(?:\s+of\s+(?:the|this)\s+(?:whole\s+)?{_WORK})?(?!\s+of\b)"
_PATTERNS = (
    # at / near / towards the (very) beginning | end [of the book]
    rf"\b(?:at|in|near|towards?|by)\s+the\s+(?:very\s+)?"
    rf"(?P<w1>beginning|start|outset|opening|end|close|conclusion|finish){_OF_THE_WORK}",
    # the (very) end of the book (as a subject: "What happens in the end of the story")
    rf"\bthe\s+(?:very\s+)?(?P<w2>beginning|start|opening|end|close|conclusion)"
    rf"\s+of\s+(?:the|this)\s+(?:whole\s+)?{_WORK}\b",
    # when / as / how the diary begins | ends; how does the story end
    rf"\b(?:when|as|how|where|why)\s+(?:does\s+|did\s+)?the\s+{_WORK}"
    r"(?:\s+of\s+(?:the\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,3}?)?\s+"  # "the story of the farm"
    r"(?P<w3>begins?|opens?|starts?|ends?|closes?|finish(?:es)?|concludes?)\b",
    # the first / last chapter | entry | pages [of the book]; the diary's last entry
    rf"\bthe\s+(?:{_WORK}(?:'s|’s)\s+)?(?:very\s+)?(?P<w4>first|opening|last|final|closing)\s+"
    rf"(?:chapters?|entry|entries|pages?|lines|words|paragraphs?|sections?)"
    rf"{_OF_THE_WORK}(?!\s+(?:about|on|concerning|mentioning|that|where|which|in\s+which)\b)",
)
_POSITION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


@dataclass(frozen=True)
class PositionAsked:
    """The edge of the book a question names, and where it names it."""

    edge: Edge
    span: tuple[int, int]  # the position words, to be removed from the ranked text


def asked_position(question: str) -> PositionAsked | None:
    """The book's opening or close, when the question names one (see the module doc)."""
    found = _POSITION.search(question)
    if found is None:
        return None
    word = next(w for w in found.groupdict().values() if w is not None).lower()
    edge: Edge = "opening" if word in _OPENING_WORDS else "closing"
    return PositionAsked(edge, found.span())


@dataclass(frozen=True)
class EdgeTable:
    """Each document's opening and closing passages, and where each passage stands in
    its document: built once per library. A corpus may hold several books: each has its
    own edges."""

    masks: dict[Edge, np.ndarray]  # per edge: bool per passage
    notes: dict[Edge, str]  # per edge: what the reader is told when it is preferred
    document_of: np.ndarray  # per passage: its document, as a small integer
    place: np.ndarray  # per passage: its place in its document's reading order (any part)

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
        for rows in documents.values():
            masks["opening"][_edge_rows(passages, rows)] = True
            masks["closing"][_edge_rows(passages, rows[::-1])] = True
        notes = {e: _note(e, passages, masks[e], len(documents)) for e in EDGES}
        return cls(masks, notes, document_of, place)

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
