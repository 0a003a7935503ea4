"""The reader's result: the text the chunker reads, its form, metadata and structure.

Plain text and Markdown are read as they are (their structure is found by the chunker
from how the text looks). HTML and EPUB are read into ``Block``s, each carrying what the
file's markup declares about it: the headings above it, its part of the book, the dated
entry it belongs to and the date that entry gives, the note it is or the notes it
references. ``SourceText.text`` is the blocks' text one after the other, so that every
passage has offsets into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from qabot.types import Role

Form = Literal["text", "markdown", "structured"]
# text: plain text (headings by their look); markdown: '#' headings, inline markup
# stripped from quotes; structured: blocks made by a reader from markup.
FORMS: tuple[Form, ...] = ("text", "markdown", "structured")
BlockKind = Literal["heading", "paragraph", "term"]
# term: a definition list's term ("Abacot"), read together with its definition


@dataclass(frozen=True)
class Block:
    """One heading or paragraph of a structured file, and what its markup says of it."""

    start: int  # offsets of its text in SourceText.text
    end: int
    kind: BlockKind
    section: tuple[str, ...]  # the headings it is under, outermost first
    role: Role = "text"
    part_label: str | None = None  # what editorial matter it is: "Introduction", "Preface" …
    anchor: str | None = None  # "text/chapter-1.xhtml#entry-12": where it is in the file
    entry: int | None = None  # the dated unit (a diary entry, a letter) it belongs to
    written: str | None = None  # the date its entry gives, as written ("Jan. 1st")
    machine: str | None = None  # that date's machine-readable form (<time datetime>)
    note: str | None = None  # the key of the note it belongs to ("text/endnotes.xhtml#note-4")
    note_label: str | None = None  # the note's number as the reader sees it ("4")
    noterefs: tuple[tuple[int, str], ...] = ()  # (offset in the text, key of the note)


@dataclass(frozen=True)
class SourceText:
    """What the chunker reads: text, its form, metadata and (for markup) its blocks."""

    text: str
    form: Form
    metadata: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    # (offset in ``text`` where a block starts, anchor into the file: "chapter-4.xhtml#x")
    anchors: Sequence[tuple[int, str]] = ()
    blocks: Sequence[Block] = ()
    declares_entries: bool = False  # the markup marks dated entries (diary entries, letters)

    def anchor_at(self, offset: int) -> str | None:
        """The anchor of the block that holds ``offset`` (the last one starting before it)."""
        import bisect

        place = bisect.bisect_right(self.anchors, offset, key=lambda item: item[0])
        return self.anchors[place - 1][1] if place else None
