"""The values that flow through qabot: passages, citations, hits and answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, in terms a reader can look up."""

    title: str
    section: str | None
    date: str | None  # ISO YYYY-MM-DD
    paragraphs: tuple[int, ...]
    anchor: str | None = None  # a place in the file ("chapter-4.xhtml#entry-2")

    def paragraph_label(self) -> str:
        """'¶ 3' or '¶¶ 3–4'."""
        if not self.paragraphs:
            return ""
        first, last = self.paragraphs[0], self.paragraphs[-1]
        return f"¶ {first}" if first == last else f"¶¶ {first}–{last}"

    def date_label(self) -> str | None:
        """The date as a reader writes it: 'January 9, 1937'."""
        if self.date is None:
            return None
        day = dt.date.fromisoformat(self.date)
        return f"{day:%B} {day.day}, {day.year}"

    def __str__(self) -> str:
        parts = [self.title, self.section, self.date_label(), self.paragraph_label()]
        text = " — ".join(p for p in parts if p)
        return f"{text} [{self.anchor}]" if self.anchor else text


@dataclass(frozen=True)
class Passage:
    """A quotable span of a corpus file, with the metadata needed to cite it.

    ``text`` is the span as quoted from the source (whitespace normalized, paragraphs
    separated by a blank line); ``embed_text`` is what the model sees (line-break
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
    role: str = "body"  # "about": the document's front matter (title, author, licence …)
    anchor: str | None = None  # where in the file, for HTML/EPUB: "chapter-4.xhtml#entry-2"
    mentions: tuple[str, ...] = ()  # ISO days the passage tells of ("On the 23rd, …")

    @property
    def citation(self) -> Citation:
        return Citation(self.title, self.section, self.date, self.paragraphs, self.anchor)


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
    """A passage returned for a question, with its rank (from 1) and scores.

    ``score`` is what the reader is shown (see ``qabot.search.answerer``: the answer's
    confidence scaled by relevance; None when the hits follow an entry's order);
    ``relevance`` is the ranking's own fused score; ``cosine`` is the question's cosine
    with the passage's closest sentence.
    """

    passage: Passage
    score: float | None
    rank: int
    cosine: float | None = None
    relevance: float | None = None
    highlight: str | None = None  # the sentence(s) of the passage that best answer
    tells_of: str | None = None  # ISO day of the question's date the passage tells of
    prev_id: int | None = None  # the passage before it in its document (read on)
    next_id: int | None = None  # the passage after it
    match: str | None = None  # which retriever found it: "semantic", "lexical" or "both"


@dataclass(frozen=True)
class Answer:
    """The result of one question: ranked hits, and whether the text seems not to answer it."""

    question: str
    hits: tuple[Hit, ...]
    abstained: bool
    notes: tuple[str, ...] = field(default=())
    abstain_reason: str | None = None  # why, in words, when it abstained
    order: str = "relevance"  # or "entry": the hits follow a dated entry's own order
