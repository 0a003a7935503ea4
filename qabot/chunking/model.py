"""The chunker's values: how passages are sized, the spans of a source, its paragraphs."""

from __future__ import annotations

from dataclasses import dataclass

from qabot.types import Role

# Bump when the readers' or the chunker's rules change, so that an index made before is
# read again (its unchanged passages keep their vectors).
# 2: front matter; 3: inline dates, Markdown; 4: parts, notes, entries; 5: words as the
# page shows them, table rows, numbered divisions of plain text; 6: line breaks kept
# (HTML and EPUB, Markdown's hard ones); 7: a distributed plain-text e-book's START and
# END marker lines bound the work (qabot.chunking.plain)
CHUNKER_VERSION = 7


@dataclass(frozen=True)
class ChunkingConfig:
    """How passages are sized; part of the index manifest."""

    max_tokens: int = 256
    min_tokens: int = 32
    version: int = CHUNKER_VERSION


@dataclass(frozen=True)
class Span:
    """A run of non-blank lines in the source (or a reader's block), with its offsets."""

    text: str
    start: int
    end: int

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the document: one or more spans, and what it belongs to."""

    spans: tuple[Span, ...]
    number: int
    section: str | None
    date: str | None = None  # its entry's date: ISO, or --MM-DD without a year
    role: Role = "text"
    part_label: str | None = None
    entry: int | None = None  # which dated entry it is in (None: outside any)
    date_machine: str | None = None
    note: str | None = None  # the key of the note it belongs to
    note_label: str | None = None
    noterefs: tuple[tuple[int, str], ...] = ()  # (offset in the source, key of the note)

    @property
    def start(self) -> int:
        return self.spans[0].start

    @property
    def end(self) -> int:
        return self.spans[-1].end

    @property
    def unit(self) -> tuple[object, ...]:
        """What a passage may not cross: section, entry and date, part, note."""
        return (self.section, self.entry, self.date, self.role, self.note)


@dataclass(frozen=True)
class Structure:
    """A document's parts: title, metadata and the lines they came from, its paragraphs."""

    title: str | None
    metadata: dict[str, str]
    front_lines: tuple[Span, ...]  # the front matter, one line each, as written
    paragraphs: list[Paragraph]
    skipped: list[str]  # boilerplate blocks left out
