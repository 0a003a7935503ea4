"""The reader's result, and the choice of reader by file suffix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from qabot.corpus import CorpusFile

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


def read_source(file: CorpusFile, *, max_bytes: int | None = None) -> SourceText:
    """Read one corpus file with the reader its suffix calls for."""
    from qabot.corpus import read_text

    suffix = file.path.suffix.lower()
    if suffix == ".epub":
        from qabot.readers.epub import read_epub

        return read_epub(file, max_bytes=max_bytes)
    if suffix in (".html", ".htm", ".xhtml"):
        from qabot.readers.html import read_html_file

        return read_html_file(file, max_bytes=max_bytes)
    form: Form = "markdown" if suffix in (".md", ".markdown") else "text"
    return SourceText(read_text(file, max_bytes=max_bytes), form)
