"""A reader's blocks (HTML, EPUB) → paragraphs, by what the markup declares.

No guessing from how lines look: sections are the blocks' own headings, the part of the
book is the block's, a definition's term is read with its definition. Dated entries are
the ones the markup declares (diary entries, letters), each dated by the date it gives
as written, the machine-readable date kept beside; a file that declares none has
entries only where dates opening its paragraphs form a regular run
(``qabot.chunking.entries``), and only in the author's text.
"""

from __future__ import annotations

from qabot.chunking.entries import Event, Heading, Opening, Written, entry_dates
from qabot.chunking.frontmatter import lines_of, parse_markdown_front_matter
from qabot.chunking.model import Paragraph, Span, Structure
from qabot.dates import leading_date, machine_date, parse_written_date
from qabot.readers.source import Block, SourceText


def structure(source: SourceText) -> Structure:
    """The paragraphs of a structured text, with sections, parts, entries and dates."""
    text = source.text
    metadata, body_offset = parse_markdown_front_matter(text)
    front_lines = tuple(
        line for line in lines_of(text, 0, body_offset) if line.text.strip("-").strip()
    )
    events: list[Event] = []
    paragraphs: list[Paragraph] = []
    opening_of: dict[int, int] = {}  # entry → the paragraph that gives its date
    seen: dict[int, int] = {}  # entry → its paragraphs read so far
    machine: dict[int, str | None] = {}  # entry → its machine-readable date
    term: Paragraph | None = None  # a definition's term, waiting for its definition
    for block in source.blocks:
        span = Span(text[block.start : block.end], block.start, block.end)
        if block.kind == "heading":
            events.append(Heading(span.text))
            term = None
            continue
        paragraph = _paragraph(block, span, len(paragraphs) + 1)
        if term is not None and term.unit == paragraph.unit:
            paragraphs[-1] = _joined(term, paragraph)
            term = None
            continue
        paragraphs.append(paragraph)
        term = paragraph if block.kind == "term" else None
        written = _written(block, span.text, source.declares_entries)
        if block.entry is not None and source.declares_entries:
            # An entry gives its date in its header or first paragraph ("Coronation Day."
            # may come before "23rd.").
            seen[block.entry] = seen.get(block.entry, 0) + 1
            if block.entry not in opening_of and seen[block.entry] <= 2 and written is not None:
                opening_of[block.entry] = paragraph.number
                machine[block.entry] = machine_date(block.machine)
                events.append(Opening(paragraph.number, written))
        elif written is not None and block.role == "text":
            events.append(Opening(paragraph.number, written))
    dates = entry_dates(events, None, declared=source.declares_entries)
    dated: list[Paragraph] = []
    carried: str | None = None
    for paragraph in paragraphs:
        if source.declares_entries:
            entry = paragraph.entry
            opening = opening_of.get(entry) if entry is not None else None
            date = dates.get(opening) if opening is not None else None
            stamp = machine.get(entry) if entry is not None and date is not None else None
            dated.append(_dated(paragraph, date, stamp))
            continue
        carried = dates.get(paragraph.number, carried) if paragraph.role == "text" else None
        dated.append(_dated(paragraph, carried, None))
    return Structure(source.title or metadata.get("Title"), metadata, front_lines, dated, [])


def _paragraph(block: Block, span: Span, number: int) -> Paragraph:
    return Paragraph(
        spans=(span,),
        number=number,
        section=" — ".join(block.section) or None,
        role=block.role,
        part_label=block.part_label,
        entry=block.entry,
        note=block.note,
        note_label=block.note_label,
        noterefs=block.noterefs,
    )


def _joined(term: Paragraph, definition: Paragraph) -> Paragraph:
    return Paragraph(
        spans=term.spans + definition.spans,
        number=term.number,
        section=term.section,
        role=term.role,
        part_label=term.part_label,
        entry=term.entry,
        note=term.note,
        note_label=term.note_label,
        noterefs=term.noterefs + definition.noterefs,
    )


def _dated(paragraph: Paragraph, date: str | None, stamp: str | None) -> Paragraph:
    from dataclasses import replace

    return replace(paragraph, date=date, date_machine=stamp)


def _written(block: Block, text: str, declared: bool) -> Written | None:
    """The date a block opens with: its ``<time>`` as written, else one its text opens with."""
    if block.written is not None:
        parsed = parse_written_date(block.written)
        if parsed is not None:
            return parsed
    if declared and block.entry is None:
        return None
    return leading_date(text)
