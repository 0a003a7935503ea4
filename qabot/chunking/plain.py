"""Plain text and Markdown → paragraphs, found by how the text looks.

Blank lines separate blocks; a short title-case line (or a Markdown '#' line) is a
heading; a block that breaks off mid-sentence continues in the next; navigation and
footer lines are boilerplate. Dates that open blocks open entries only as a regular run
(``qabot.chunking.entries``): a plain file declares no structure of its own.

A plain-text e-book as digital libraries distribute it wraps the work between two marker
lines, ``*** START OF THE … EBOOK … ***`` and ``*** END OF THE … EBOOK … ***`` (Project
Gutenberg's and its mirrors' layout): the work is what lies between them. Before the
first, the library's header: its "Key: value" lines (Title, Author, Translator, Release
Date …) are the document's metadata and the rest is boilerplate, as is all after the
second (the library's licence). Left out, never dropped silently: the index reports
every skipped block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from qabot.chunking.entries import Event, Heading, Opening, entry_dates
from qabot.chunking.frontmatter import (
    EDITORS_NOTE,
    WRITTEN_KEYS,
    FrontMatter,
    is_metadata_block,
    is_note_block,
    key_value,
    lines_of,
    looks_like_heading_text,
    parse_front_matter,
    parse_markdown_front_matter,
)
from qabot.chunking.markdown import QUOTE_MARKER
from qabot.chunking.model import Paragraph, Span, Structure
from qabot.dates import leading_date, parse_date_line, seed_year
from qabot.text.numbering import DIVISION_WORDS, NUMBER_WORDS
from qabot.text.repair import normalize_whitespace

_BOILERPLATE = [
    re.compile(r"^(\w+)(?:\s+\1){2,}\s*$", re.IGNORECASE),  # "return return return"
    re.compile(r"^last\s+(?:updated|modified|revised)\b", re.IGNORECASE),
    re.compile(r"^(?:back|return|go)\s+to\s+(?:top|index|contents|the\s+\w+\s+archive)\b", re.I),
    re.compile(r"^(?:top of page|table of contents|contents|index|home|next|previous)$", re.I),
]

# The lines that open and close the work in a distributed plain-text e-book (see the
# module doc): "*** START OF THE PROJECT GUTENBERG EBOOK MOBY DICK ***", "*** END OF
# THIS PROJECT GUTENBERG EBOOK …", with any number of asterisks.
_WRAPPER_MARK = re.compile(r"^\*{3,}\s*(?P<edge>START|END)\s+OF\b.*?\*{3,}$", re.IGNORECASE)

_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "but",
    "by",
    "for",
    "from",
    "in",
    "into",
    "of",
    "on",
    "or",
    "the",
    "to",
    "upon",
    "vs",
    "with",
    "without",
}
# A paragraph ending in one of these words was cut mid-sentence by a stray blank line.
_DANGLING = _SMALL_WORDS | {
    "is",
    "are",
    "was",
    "were",
    "be",
    "that",
    "which",
    "who",
    "whose",
    "his",
    "her",
    "their",
    "its",
    "my",
    "our",
    "your",
    "this",
    "these",
    "those",
    "not",
    "than",
    "if",
    "when",
    "while",
}
_TERMINAL = tuple(".!?…:;”’\"')]")
# A book's numbered divisions ("CHAPTER I.", "Chapter 12: The Storm", "BOOK THE SECOND.",
# "Part One", "Letter IV."): headings even with the period many plain-text books end
# them with, which would otherwise read as a sentence. Roman numerals in capitals only
# ("Part mix" is no division); a title after the number must be in title case ("Chapter
# 3 of the report was lost." is a sentence).
_DIVISION = re.compile(
    rf"^(?P<word>(?i:{'|'.join(re.escape(w) for w in DIVISION_WORDS)}))\s+"
    rf"(?P<number>[IVXLCDM]+|\d+|(?i:(?:the\s+)?(?:{'|'.join(NUMBER_WORDS)})))\b"
    r"(?P<title>(?:\s*[.:,—–-]\s*|\s+)\S.*?)?[.:]?$"
)
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")


def split_blocks(text: str) -> list[Span]:
    """Split text at blank lines, keeping each block's offsets (trailing space trimmed)."""
    blocks: list[Span] = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*(?:\n[ \t\r\f\v]*\n|\Z))", text, re.DOTALL):
        blocks.append(Span(match.group(), match.start(), match.end()))
    return blocks


@dataclass(frozen=True)
class Wrapper:
    """Where a distributed e-book's work lies among its blocks (see the module doc)."""

    start: int  # the first block of the work
    end: int  # the block after its last
    metadata: dict[str, str]  # the header's "Key: value" lines
    metadata_lines: tuple[Span, ...]  # those lines, as written
    skipped: tuple[str, ...]  # the header's other blocks, the markers, the trailer


def unwrap(text: str, blocks: Sequence[Span]) -> Wrapper | None:
    """The work between a START and an END marker line; None when the text has neither."""
    marks = [_mark(block) for block in blocks]
    starts = [i for i, mark in enumerate(marks) if mark == "START"]
    ends = [i for i, mark in enumerate(marks) if mark == "END"]
    first = starts[0] + 1 if starts else 0
    last = next((i for i in ends if i >= first), None)
    if not starts and last is None:
        return None
    end = len(blocks) if last is None else last
    metadata: dict[str, str] = {}
    lines: list[Span] = []
    skipped: list[str] = []
    for block in blocks[: max(first - 1, 0)]:
        if is_metadata_block(block):
            for line in lines_of(text, block.start, block.end):
                key, value = key_value(line.text) or ("", "")
                metadata.setdefault(key, value)
                lines.append(line)
        elif (continued := _continued_value(text, block)) is not None:
            metadata.setdefault(*continued)  # "Title: …" and its indented second line
            lines.append(Span(block.text, block.start, block.end))
        else:
            skipped.append(normalize_whitespace(block.text))
    wrapping = [*blocks[max(first - 1, 0) : first], *blocks[end:]]
    skipped += [normalize_whitespace(b.text) for b in wrapping]
    return Wrapper(first, end, metadata, tuple(lines), tuple(skipped))


def _continued_value(text: str, block: Span) -> tuple[str, str] | None:
    """A "Key: value" line whose value goes on in the lines under it, as e-book headers
    wrap a long title ("Title: …" then an indented line) or date a release twice
    ("Release Date: …" then "[Most recently updated: …]"): (key, the value on one line)."""
    first, *rest = text[block.start : block.end].splitlines()
    found = key_value(first)
    if found is None or not rest or any(key_value(line) for line in rest):
        return None
    key, value = found
    return key, normalize_whitespace(" ".join([value, *rest]))


def _mark(block: Span) -> str | None:
    lines = block.lines
    found = _WRAPPER_MARK.match(lines[0].strip()) if len(lines) == 1 else None
    return found.group("edge").upper() if found else None


def is_boilerplate(block_text: str) -> bool:
    """Web navigation and footer lines that are not part of the text."""
    line = normalize_whitespace(block_text)
    return any(pattern.search(line) for pattern in _BOILERPLATE)


def _is_title_case(line: str) -> bool:
    words = re.findall(r"[^\W_][\w’'-]*", line)
    significant = [w for i, w in enumerate(words) if i == 0 or w.lower() not in _SMALL_WORDS]
    return bool(significant) and all(w[0].isupper() or w[0].isdigit() for w in significant)


def _is_broken_paragraph(previous: Span, following: Span) -> bool:
    """True when ``previous`` stops mid-sentence and ``following`` carries it on."""
    tail = previous.text.rstrip()
    if not tail or tail.endswith(_TERMINAL):
        return False
    last_word = re.findall(r"[\w’'-]+$", tail)
    head = following.text.lstrip()
    return (
        tail.endswith(("-", ","))
        or (bool(head) and head[0].islower())
        or (bool(last_word) and last_word[0].lower() in _DANGLING)
    )


def structure(text: str, *, markdown: bool = False) -> Structure:
    """Find title, metadata, paragraphs (with section and date) and skipped boilerplate.

    ``markdown``: '#' headings and a leading '---' block of metadata.
    """
    md_meta, body_offset = parse_markdown_front_matter(text) if markdown else ({}, 0)
    blocks = [b for b in split_blocks(text) if b.start >= body_offset]
    if markdown:
        front = FrontMatter(title=md_meta.get("Title"), metadata=md_meta, body_start=0)
        h1 = [b for b in blocks if (m := _MD_HEADING.match(b.text)) and len(m["hashes"]) == 1]
        if front.title is None and len(h1) == 1 and blocks and blocks[0] is h1[0]:
            title_match = _MD_HEADING.match(h1[0].text)
            front = replace(front, title=title_match["text"] if title_match else None, body_start=1)
    wrapper = None if markdown else unwrap(text, blocks)
    if wrapper is not None:
        blocks = blocks[wrapper.start : wrapper.end]
        meta = wrapper.metadata
        front = FrontMatter(title=meta.get("Title"), metadata=meta, body_start=0)
    elif not markdown:
        front = parse_front_matter(blocks)
    front_end = blocks[front.body_start - 1].end if front.body_start else body_offset
    # The front matter becomes a passage only when it holds metadata ("Translated: …");
    # a lone title is not worth quoting.
    front_lines = (
        wrapper.metadata_lines
        if wrapper
        else tuple(
            line
            for line in (lines_of(text, 0, front_end) if front.metadata else [])
            if not (markdown and line.text.strip("-").strip() == "")  # the '---' fences
        )
    )

    section: str | None = None
    # (spans, section, opened by a date: the paragraph number of the entry it opens)
    assembled: list[tuple[list[Span], str | None]] = []
    events: list[Event] = []
    skipped: list[str] = list(wrapper.skipped) if wrapper else []
    pending: list[Span] = []
    opening: Opening | None = None  # a date line waiting for the paragraph it opens

    def flush() -> None:
        nonlocal opening
        if pending:
            assembled.append((list(pending), section))
            if opening is not None:
                events.append(Opening(len(assembled), opening.written, opening.line))
                opening = None
            pending.clear()

    body = blocks[front.body_start :]
    titling = False  # the last block was a numbered division's heading: a title may follow
    for position, block in enumerate(body):
        lines = block.lines
        if is_boilerplate(block.text):
            flush()
            skipped.append(normalize_whitespace(block.text))
            continue
        if len(lines) == 1 and (parsed := parse_date_line(lines[0])):
            flush()
            opening = Opening(0, parsed, line=True)  # dates the next paragraph
            continue
        heading = _heading(block, body[position + 1 :], markdown=markdown)
        if heading is not None:
            flush()
            # An entry's date carries on under a new heading; a title line after a
            # numbered division completes it ("CHAPTER I" then "THE START").
            joined = titling and division(heading) is None
            section = f"{section} — {heading}" if joined else heading
            titling = not joined and division(heading) is not None  # one title line
            events.append(Heading(heading))  # "May 1660": the month of bare days after it
            continue
        titling = False
        if not assembled and not pending and section is None and is_note_block(block):
            section = EDITORS_NOTE
        head = QUOTE_MARKER.sub("", block.text).lstrip("*_ ") if markdown else block.text
        leading = leading_date(head)  # "May 1st. This morning…": perhaps a new entry
        if leading is not None or (pending and not _is_broken_paragraph(pending[-1], block)):
            flush()
        if leading is not None and opening is None:
            opening = Opening(0, leading)
        pending.append(block)
    flush()
    dates = entry_dates(events, seed_year(front.metadata, WRITTEN_KEYS), declared=False)
    paragraphs = []
    date: str | None = None
    for number, (spans, heading_text) in enumerate(assembled, start=1):
        date = dates.get(number, date)  # an entry's date carries on to its next opening
        paragraphs.append(Paragraph(tuple(spans), number, heading_text, date))
    return Structure(front.title, front.metadata, front_lines, paragraphs, skipped)


def division(line: str) -> str | None:
    """``line`` as a numbered division's heading ("CHAPTER I." → "CHAPTER I"), else None."""
    if len(line) > 80 or len(line.split()) > 12:
        return None
    match = _DIVISION.match(line.strip())
    if match is None:
        return None
    title = match["title"]
    if title and not _is_title_case(title.strip(" .:,—–-")):
        return None
    return line.strip().rstrip(".:").rstrip()


def _heading(block: Span, following: Sequence[Span], *, markdown: bool) -> str | None:
    """The heading text if ``block`` is a section heading, else None."""
    if markdown:
        match = _MD_HEADING.match(block.text) if len(block.lines) == 1 else None
        return match["text"].strip() if match else None
    if len(block.lines) == 1 and (numbered := division(block.lines[0])) is not None:
        return numbered
    if len(block.lines) != 1 or not looks_like_heading_text(block.lines[0]):
        return None
    line = block.lines[0]
    if _is_title_case(line):
        return line
    next_block = following[0] if following else None
    if (
        next_block is not None
        and len(next_block.lines) == 1
        and parse_date_line(next_block.lines[0])
    ):
        return line  # a sentence-case heading directly above a dated entry
    return None
