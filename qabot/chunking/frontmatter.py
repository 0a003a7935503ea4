"""A document's front matter: the lines before the body that say what the text is.

Plain text follows the common archive layout (author line, title line, then 'Written:',
'First Published:', 'Translated:' …); Markdown and the readers' text open with a '---'
block of 'key: value' lines. Either becomes the document's metadata and its "About this
text" passage; 'Written:' seeds the year of dates given without one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.chunking.model import Span
from qabot.dates import parse_date_line

_TERMINAL = tuple(".!?…:;”’\"')]")
EDITORS_NOTE = "Editors’ note"
ABOUT_SECTION = "About this text"  # the section of a document's front-matter passage

# Front-matter keys that open an editorial note (a passage of its own) rather than metadata.
_NOTE_KEYS = {
    "note",
    "editor's note",
    "editors' note",
    "editor’s note",
    "editors’ note",
    "editorial note",
    "translator's note",
    "translator’s note",
    "publisher's note",
    "publisher’s note",
}
KEY_VALUE = re.compile(r"^(?P<key>[A-Z][\w’'/&.-]*(?:\s+[\w’'/&.-]+){0,3}):\s+(?P<value>\S.*)$")
# Keys whose value says when the text was written: a seed for dates given without a year.
WRITTEN_KEYS = ("written", "date", "dated", "diary", "journal")


def looks_like_heading_text(line: str) -> bool:
    words = line.split()
    if not words or len(words) > 12 or len(line) > 80:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or line.endswith((*_TERMINAL, ",")):
        return False
    return parse_date_line(line) is None


def key_value(line: str) -> tuple[str, str] | None:
    match = KEY_VALUE.match(line)
    return (match.group("key"), match.group("value")) if match else None


def is_note_block(block: Span) -> bool:
    kv = key_value(block.lines[0]) if block.lines else None
    return kv is not None and kv[0].lower() in _NOTE_KEYS


def is_metadata_block(block: Span) -> bool:
    """A block of "Key: value" lines only ("Author: Leon Trotsky"), not an editors' note."""
    lines = block.lines
    return bool(lines) and not is_note_block(block) and all(key_value(x) for x in lines)


@dataclass(frozen=True)
class FrontMatter:
    """Document metadata found before the body, and where the body starts."""

    title: str | None
    metadata: dict[str, str]
    body_start: int  # index of the first body block


def parse_front_matter(blocks: Sequence[Span]) -> FrontMatter:
    """Recognize a leading block of short title lines followed by 'Key: value' lines.

    Follows the common archive layout (author line, title line, then 'Written:',
    'First Published:', 'Translated:' …). Without at least one metadata line near the
    top there is no front matter and every block is body.
    """
    short_lines: list[str] = []
    metadata: dict[str, str] = {}
    index = 0
    while index < len(blocks) and index < 8:
        block = blocks[index]
        if is_metadata_block(block):
            for line in block.lines:
                key, value = key_value(line) or ("", "")
                metadata[key] = value
        elif not metadata and len(block.lines) == 1 and looks_like_heading_text(block.lines[0]):
            short_lines.append(block.lines[0])
        else:
            break
        index += 1
    if not metadata:
        return FrontMatter(title=None, metadata={}, body_start=0)
    title = metadata.get("Title")
    if short_lines:
        title = title or short_lines[-1]
        if len(short_lines) >= 2:
            metadata.setdefault("Author", short_lines[0])
    return FrontMatter(title=title, metadata=metadata, body_start=index)


def parse_markdown_front_matter(text: str) -> tuple[dict[str, str], int]:
    """A leading '---' block of 'key: value' lines → (metadata, offset where the body starts)."""
    match = re.match(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(?:\n|\Z)", text, re.DOTALL)
    if not match:
        return {}, 0
    metadata: dict[str, str] = {}
    for line in match.group("body").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            metadata[key.strip().title()] = value.strip().strip("'\"")
    return metadata, match.end()


def lines_of(text: str, start: int, end: int) -> list[Span]:
    """The non-blank lines of text[start:end] as blocks (offsets into ``text``)."""
    return [
        Span(
            m.group().strip(),
            start + m.start() + (len(m.group()) - len(m.group().lstrip())),
            start + m.end() - (len(m.group()) - len(m.group().rstrip())),
        )
        for m in re.finditer(r"[^\n]+", text[start:end])
        if m.group().strip()
    ]
