"""Terminal text: citation line first, the quote wrapped to the width, the answering
sentence emphasized (bold on a terminal, ``**marked**`` when piped, plain with NO_COLOR)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from qabot.dates import date_label
from qabot.formatting.labels import (
    ABSTAIN_MESSAGE,
    ORDER_NOTES,
    VERDICTS,
    abstain_line,
    citation_line,
    score_label,
    shorten,
    word_diff,
)
from qabot.text.repair import normalize_lines
from qabot.types import Answer, DocumentTimeline, Passage, Reading, Verdict

TERMINAL_DIFF = ("[-", "-]", "{+", "+}")


def _wrap(text: str, width: int, indent: str) -> str:
    """Each paragraph wrapped to ``width``, and each line the text breaks inside one
    (verse, an address) begun on a line of its own."""
    wrapped = [
        "\n".join(
            textwrap.fill(line, width=width, initial_indent=indent, subsequent_indent=indent)
            for line in paragraph.split("\n")
        )
        for paragraph in text.split("\n\n")
    ]
    return f"\n{indent}\n".join(wrapped)


EMPHASIS = {
    "ansi": ("\x1b[1m", "\x1b[0m"),  # bold, on a terminal
    "markdown": ("**", "**"),  # when piped: still visible, and copy-paste friendly
    "none": ("", ""),
}
_START, _END = "\x01", "\x02"  # placeholders that survive wrapping
# Columns the markers take on screen: a placeholder as wide is wrapped as the marker will
# be shown (at least one column, so it stays attached to its word).
_SHOWN_WIDTH = {"ansi": 0, "markdown": 2, "none": 0}


def _placeholders(style: str) -> tuple[str, str]:
    columns = max(1, _SHOWN_WIDTH[style])
    return _START * columns, _END * columns


def emphasize(text: str, highlight: str | None, style: str = "markdown") -> str:
    """``text`` (whitespace collapsed per line) with ``highlight`` marked up; the
    highlight, a sentence on one line, is found across the lines of verse."""
    paragraphs = [normalize_lines(p) for p in text.split("\n\n")]
    tidy = "\n\n".join(paragraphs)
    if not highlight or style == "none":
        return tidy
    highlight = " ".join(highlight.split())
    opening, closing = _placeholders(style)
    for number, paragraph in enumerate(paragraphs):
        at = paragraph.replace("\n", " ").find(highlight)  # the same offsets, on one line
        if at >= 0:
            end = at + len(highlight)
            paragraphs[number] = (
                paragraph[:at] + opening + paragraph[at:end] + closing + paragraph[end:]
            )
            return "\n\n".join(paragraphs)
    return tidy


def fit_lines(text: str, width: int) -> str:
    """Every line of ``text`` wrapped to ``width`` (continuations indented four spaces)."""
    return "\n".join(
        textwrap.fill(line, max(40, width), subsequent_indent="    ", drop_whitespace=True)
        if len(line) > width
        else line
        for line in text.splitlines()
    )


def render_answer(answer: Answer, width: int = 88, emphasis: str = "markdown") -> str:
    """Citation line first, then the quoted passage with its answering sentence emphasized."""
    width = max(40, width)
    lines = [textwrap.fill(f"Q: {answer.question}", width=width, subsequent_indent="   "), ""]
    lines += [textwrap.fill(note, width=width) for note in answer.notes]
    if answer.notes:
        lines.append("")
    if answer.abstained:
        lines += [textwrap.fill(ABSTAIN_MESSAGE, width=width)]
        if answer.abstain_reason:
            lines.append(textwrap.fill(abstain_line(answer), width=width))
        lines.append("")
    elif answer.order in ORDER_NOTES and answer.hits:
        lines += [ORDER_NOTES[answer.order], ""]
    if not answer.hits:
        lines.append("(the corpus has no passages)")
    start, end = EMPHASIS[emphasis]
    opening, closing = _placeholders(emphasis)
    for hit in answer.hits:
        header = f"[{hit.rank}] {citation_line(hit)}{score_label(hit)}"
        lines.append(textwrap.fill(header, width=width, subsequent_indent="    "))
        body = _wrap(emphasize(hit.passage.text, hit.highlight, emphasis), width, "    ")
        lines.append(body.replace(opening, start).replace(closing, end))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_reading(
    passages: Sequence[Reading], notes: Sequence[str], width: int = 88, focus: int | None = None
) -> str:
    """Passages read in order (an entry, a passage and its neighbours): citation, text."""
    width = max(40, width)
    lines = [textwrap.fill(note, width=width) for note in notes if note]
    if lines:
        lines.append("")
    for number, reading in enumerate(passages):
        passage = reading.passage
        marker = "▶ " if number == focus else ""
        header = f"{marker}#{passage.id}  {passage.citation}"
        lines.append(textwrap.fill(header, width=width, subsequent_indent="    "))
        lines.append(_wrap(passage.text, width, "    "))
        for note in reading.notes:
            text = shorten(" ".join(note.passage.text.split()), 300)
            lines.append(
                textwrap.fill(
                    f"[{note.label}] {text}",
                    width=width,
                    initial_indent="      ",
                    subsequent_indent="      ",
                )
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_timeline(documents: Sequence[DocumentTimeline], width: int = 88) -> str:
    """`qabot timeline`: each document, its entries (date, first words) and sections."""
    width = max(40, width)
    lines: list[str] = []
    for document in documents:
        title = f"{document.title}  [{document.source}]"
        lines.append(textwrap.fill(title, width, break_on_hyphens=False))
        for entry in document.entries:
            count = f"{entry.passages} passage{'' if entry.passages == 1 else 's'}"
            head = f"{date_label(entry.date)}  ({count})  "
            lines.append("  " + shorten(head + entry.first_words, width - 2))  # under its title
        if document.sections:
            sections = "; ".join(f"{n} ({c})" for n, c in document.sections)
            lines.append(
                textwrap.fill(
                    f"sections: {sections}", width, initial_indent="  ", subsequent_indent="    "
                )
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_verdict(verdict: Verdict, width: int = 88) -> str:
    """`qabot verify` in the terminal."""
    width = max(40, width)
    quote = textwrap.fill(f"Quote: {verdict.quote}", width, subsequent_indent="       ")
    lines = [quote, "", textwrap.fill(VERDICTS[verdict.verdict], width)]
    if verdict.passage is not None:
        citation = verdict.passage.passage.citation
        lines.append(textwrap.fill(f"{citation}  (score {verdict.score:g})", width))
        lines.append(_wrap(verdict.match or "", width, "    "))
        if verdict.diff:
            lines += ["", "Word diff ([-the quote's-] {+the text's+}):"]
            lines.append(_wrap(word_diff(verdict.diff, TERMINAL_DIFF), width, "    "))
    for passage in verdict.closest:
        lines.append(textwrap.fill(str(passage.citation), width))
        lines.append(_wrap(shorten(passage.text, 400), width, "    "))
    return "\n".join(lines).rstrip() + "\n"


def render_passage(passage: Passage, width: int = 88) -> str:
    """A passage for `qabot passages`: id, citation, token count, then the text."""
    width = max(40, width)
    header = f"#{passage.id}  {passage.citation}  [{passage.source}, {passage.tokens} tokens]"
    header = textwrap.fill(header, width=width, subsequent_indent="    ")
    return header + "\n" + _wrap(passage.text, width, "    ") + "\n"
