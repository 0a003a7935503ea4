"""The reader's result: the text the chunker reads, its form, metadata and anchors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Form = Literal["text", "markdown", "structured"]
# text: plain text (headings by their look); markdown: '#' headings, inline markup
# stripped from quotes; structured: made by a reader from markup ('#' headings, no
# inline markup to strip).
FORMS: tuple[Form, ...] = ("text", "markdown", "structured")


@dataclass(frozen=True)
class SourceText:
    """What the chunker reads: text, its form, metadata and where blocks came from."""

    text: str
    form: Form
    metadata: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    # (offset in ``text`` where a block starts, anchor into the file: "chapter-4.xhtml#x")
    anchors: Sequence[tuple[int, str]] = ()

    def anchor_at(self, offset: int) -> str | None:
        """The anchor of the block that holds ``offset`` (the last one starting before it)."""
        found = None
        for start, anchor in self.anchors:
            if start > offset:
                break
            found = anchor
        return found
