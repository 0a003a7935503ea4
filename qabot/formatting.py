"""Answers and passages rendered as terminal text and JSON records — pure functions."""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qabot.types import Answer, Hit, Passage

ABSTAIN_MESSAGE = "The text does not seem to discuss this. The closest passages:"
ENTRY_ORDER_NOTE = "The passages of the entry, in its own order:"


def abstain_line(answer: Answer) -> str:
    """'Why: …' — one short line saying why the answer abstained."""
    return f"Why: {answer.abstain_reason}." if answer.abstain_reason else ""


def citation_line(hit: Hit) -> str:
    """The citation, and the day it tells of when that is what the question asked."""
    citation = str(hit.passage.citation)
    if hit.tells_of:
        day = dt.date.fromisoformat(hit.tells_of)
        return f"{citation} (tells of {day:%B} {day.day}, {day.year})"
    return citation


def score_text(score: float) -> str:
    """Two decimals, rounded down: a confidence just under the threshold never shows as it."""
    return f"{math.floor(score * 100) / 100:.2f}"


def score_label(hit: Hit) -> str:
    """'(score 0.79)', or '' when the hits follow an entry's order."""
    return "" if hit.score is None else f"  (score {score_text(hit.score)})"


def hit_record(hit: Hit) -> dict[str, Any]:
    """One result of the `--json` schema."""
    passage = hit.passage
    return {
        "rank": hit.rank,
        "score": None if hit.score is None else round(hit.score, 4),
        "cosine": None if hit.cosine is None else round(hit.cosine, 4),
        "match": hit.match,
        "text": passage.text,
        "source": passage.source,
        "section": passage.section,
        "date": passage.date,
        "citation": citation_line(hit),
        "highlight": hit.highlight,
        "tells_of": hit.tells_of,
        "anchor": passage.anchor,
        "id": passage.id,
        "prev_id": hit.prev_id,
        "next_id": hit.next_id,
    }


def answer_record(answer: Answer) -> dict[str, Any]:
    """The `qabot ask --json` object for one question."""
    return {
        "question": answer.question,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "order": answer.order,
        "top_match": answer.hits[0].match if answer.hits else None,
        "notes": list(answer.notes),
        "results": [hit_record(hit) for hit in answer.hits],
    }


def passage_record(passage: Passage) -> dict[str, Any]:
    """The `qabot passages --json` object for one passage."""
    return {
        "id": passage.id,
        "text": passage.text,
        "source": passage.source,
        "title": passage.title,
        "section": passage.section,
        "date": passage.date,
        "paragraphs": list(passage.paragraphs),
        "start": passage.start,
        "end": passage.end,
        "citation": str(passage.citation),
        "tokens": passage.tokens,
        "role": passage.role,
        "anchor": passage.anchor,
        "mentions": list(passage.mentions),
    }


def _wrap(text: str, width: int, indent: str) -> str:
    paragraphs = text.split("\n\n")
    wrapped = [
        textwrap.fill(p, width=width, initial_indent=indent, subsequent_indent=indent)
        for p in paragraphs
    ]
    return f"\n{indent}\n".join(wrapped)


EMPHASIS = {
    "ansi": ("\x1b[1m", "\x1b[0m"),  # bold, on a terminal
    "markdown": ("**", "**"),  # when piped: still visible, and copy-paste friendly
    "none": ("", ""),
}
_START, _END = "\x01", "\x02"  # placeholders that survive wrapping (one column each)


def emphasize(text: str, highlight: str | None, style: str = "markdown") -> str:
    """``text`` (whitespace collapsed per paragraph) with ``highlight`` marked up."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    flat = "\n\n".join(paragraphs)
    if not highlight or style == "none":
        return flat
    marked = False
    for number, paragraph in enumerate(paragraphs):
        if highlight in paragraph:
            paragraphs[number] = paragraph.replace(highlight, _START + highlight + _END, 1)
            marked = True
            break
    return "\n\n".join(paragraphs) if marked else flat


def render_answer(answer: Answer, width: int = 88, emphasis: str = "markdown") -> str:
    """Citation line first, then the quoted passage with its answering sentence emphasized."""
    width = max(40, width)
    lines = [f"Q: {answer.question}", ""]
    lines += [textwrap.fill(note, width=width) for note in answer.notes]
    if answer.notes:
        lines.append("")
    if answer.abstained:
        lines += [ABSTAIN_MESSAGE]
        if answer.abstain_reason:
            lines.append(textwrap.fill(abstain_line(answer), width=width))
        lines.append("")
    elif answer.order == "entry" and answer.hits:
        lines += [ENTRY_ORDER_NOTE, ""]
    if not answer.hits:
        lines.append("(the corpus has no passages)")
    start, end = EMPHASIS[emphasis]
    for hit in answer.hits:
        header = f"[{hit.rank}] {citation_line(hit)}{score_label(hit)}"
        lines.append(textwrap.fill(header, width=width, subsequent_indent="    "))
        body = _wrap(emphasize(hit.passage.text, hit.highlight, emphasis), width, "    ")
        lines.append(body.replace(_START, start).replace(_END, end))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def placed_record(passage: Passage, prev_id: int | None, next_id: int | None) -> dict[str, Any]:
    """A passage of `qabot entry` / `qabot show` in JSON, with its neighbours' ids."""
    return {**passage_record(passage), "prev_id": prev_id, "next_id": next_id}


def render_reading(
    passages: Sequence[Passage], notes: Sequence[str], width: int = 88, focus: int | None = None
) -> str:
    """Passages read in order (an entry, a passage and its neighbours): citation, text."""
    width = max(40, width)
    lines = [textwrap.fill(note, width=width) for note in notes if note]
    if lines:
        lines.append("")
    for number, passage in enumerate(passages):
        marker = "▶ " if number == focus else ""
        header = f"{marker}#{passage.id}  {passage.citation}"
        lines.append(textwrap.fill(header, width=width, subsequent_indent="    "))
        lines.append(_wrap(passage.text, width, "    "))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_timeline(documents: Sequence[Any], width: int = 88) -> str:
    """`qabot timeline`: each document, its entries (date, first words) and sections."""
    lines: list[str] = []
    for document in documents:
        lines.append(f"{document.title}  [{document.source}]")
        for entry in document.entries:
            day = dt.date.fromisoformat(entry.date)
            head = f"  {day:%B} {day.day}, {day.year}  ({entry.passages} passages)  "
            lines.append(shorten(head + entry.first_words, width))
        if document.sections:
            lines.append("  sections: " + "; ".join(f"{n} ({c})" for n, c in document.sections))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def timeline_record(document: Any) -> dict[str, Any]:
    return {
        "source": document.source,
        "title": document.title,
        "entries": [
            {"date": e.date, "first_words": e.first_words, "passages": e.passages}
            for e in document.entries
        ],
        "sections": [{"name": n, "passages": c} for n, c in document.sections],
        "undated": document.undated,
    }


VERDICTS = {
    "exact": "In the text, word for word:",
    "close": "Close, but the text says it otherwise:",
    "absent": "Not in the text. The passages nearest in meaning:",
}


def verdict_record(verdict: Any, prev_id: int | None, next_id: int | None) -> dict[str, Any]:
    """`qabot verify --json`."""
    passage = verdict.passage
    return {
        "quote": verdict.quote,
        "verdict": verdict.verdict,
        "score": verdict.score,
        "citation": str(passage.citation) if passage else None,
        "passage_id": passage.id if passage else None,
        "match": verdict.match,
        "diff": [{"op": op, "text": text} for op, text in verdict.diff],
        "closest": [
            {"passage_id": p.id, "citation": str(p.citation), "text": p.text}
            for p in verdict.closest
        ],
        "prev_id": prev_id,
        "next_id": next_id,
    }


def word_diff(diff: Sequence[tuple[str, str]], style: str = "markdown") -> str:
    """The quote against the text: [-quote's words-] {+text's words+}, or Discord marks."""
    marks = {
        "markdown": ("~~", "~~", "**", "**"),
        "terminal": ("[-", "-]", "{+", "+}"),
    }[style]
    parts = []
    for op, text in diff:
        if op == "=":
            parts.append(escape_markdown(text) if style == "markdown" else text)
        elif op == "-":
            parts.append(marks[0] + text + marks[1])
        else:
            parts.append(marks[2] + text + marks[3])
    return " ".join(parts)


def render_verdict(verdict: Any, width: int = 88) -> str:
    """`qabot verify` in the terminal."""
    width = max(40, width)
    lines = [f"Quote: {verdict.quote}", "", VERDICTS[verdict.verdict]]
    if verdict.passage is not None:
        lines.append(textwrap.fill(f"{verdict.passage.citation}  (score {verdict.score:g})", width))
        lines.append(_wrap(verdict.match or "", width, "    "))
        if verdict.diff:
            lines += ["", "Word diff ([-the quote's-] {+the text's+}):"]
            lines.append(_wrap(word_diff(verdict.diff, "terminal"), width, "    "))
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


# ---------------------------------------------------------------------------- Discord


@dataclass(frozen=True)
class DiscordLimits:
    """Discord's documented message and embed limits (characters)."""

    content: int = 2000
    title: int = 256
    description: int = 4096
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    total: int = 6000
    fields: int = 25


LIMITS = DiscordLimits()
FOOTER = "Quoted from the text, not generated."
_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")  # inline markup; masked links need [ ]
_LINE_START = ("#", ">", "-", "1.", "* ")  # block markup, only at the start of a line


@dataclass(frozen=True)
class EmbedSpec:
    """An embed as plain data, already within Discord's limits (the bot converts it)."""

    title: str
    description: str
    fields: tuple[tuple[str, str], ...]
    footer: str

    def total_length(self) -> int:
        parts = [self.title, self.description, self.footer]
        return sum(map(len, parts)) + sum(len(n) + len(v) for n, v in self.fields)


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut cleanly at a word boundary so that, with the ellipsis, it fits ``limit``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    room = max(0, limit - len(ellipsis))
    cut = text[:room]
    if not text[room].isspace():  # the cut falls inside a word: drop that word
        space = cut.rfind(" ")
        if space > room // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:—-") + ellipsis


def escape_markdown(text: str) -> str:
    """Quote text literally: no stray bold, spoilers, links or headings from the source."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return "\\" + escaped if escaped.startswith(_LINE_START) else escaped


def discord_quote(text: str, highlight: str | None, limit: int) -> str:
    """The passage as Discord markdown, the highlight in bold, within ``limit`` characters.

    When the passage must be cut, the window keeps the highlight and cuts the context
    around it at word boundaries, with an ellipsis on each cut side.
    """
    flat = " ".join(text.split())
    position = flat.find(highlight) if highlight else -1
    if position < 0 or not highlight:
        return shorten(escape_markdown(flat), limit)
    before = escape_markdown(flat[:position])
    bold = "**" + escape_markdown(highlight) + "**"
    after = escape_markdown(flat[position + len(highlight) :])
    if len(before) + len(bold) + len(after) <= limit:
        return before + bold + after
    if len(bold) + 2 > limit:  # the highlight alone is too long: plain, cut
        return shorten(escape_markdown(flat[position:]), limit)
    room = limit - len(bold) - 2  # one ellipsis per side at most
    keep_before = min(len(before), room // 3)
    head = before[len(before) - keep_before :] if keep_before else ""
    if keep_before < len(before):
        head = "…" + head[head.find(" ") + 1 :] if " " in head else "…"
    tail = shorten(after, limit - len(head) - len(bold)) if after else ""
    return head + bold + tail


def _abstain_line(answer: Answer) -> str:
    titles = {hit.passage.title for hit in answer.hits}
    subject = f"*{escape_markdown(titles.pop())}*" if len(titles) == 1 else "The texts"
    return f"{subject} doesn't seem to discuss this. The closest passages:"


def answer_embed(
    answer: Answer,
    hits: Sequence[Hit],
    *,
    page: int = 1,
    pages: int = 1,
    limits: DiscordLimits = LIMITS,
) -> EmbedSpec:
    """One page of an answer as an embed: citation per field, quoted passage as its value."""
    title = shorten(f"Q: {' '.join(answer.question.split())}", limits.title)
    description = " ".join(
        [escape_markdown(note) for note in answer.notes]
        + ([_abstain_line(answer)] if answer.abstained else [])
        + (
            [escape_markdown(abstain_line(answer))]
            if answer.abstained and answer.abstain_reason
            else []
        )
        + ([ENTRY_ORDER_NOTE] if answer.order == "entry" and answer.hits else [])
    )
    if not hits:
        description = description or "No passages found."
    footer = FOOTER + (f" Page {page}/{pages}." if pages > 1 else "")
    shown = list(hits)[: limits.fields]
    budget = limits.total - len(title) - len(description) - len(footer)
    share = budget // max(1, len(shown))  # each field's share of the 6000-character total
    name_limit = min(limits.field_name, max(40, share // 3))
    fields: list[tuple[str, str]] = []
    for hit in shown:
        score = "" if hit.score is None else f" ({score_text(hit.score)})"
        name = shorten(f"{hit.rank}. {citation_line(hit)}{score}", name_limit)
        value_limit = min(limits.field_value, share - len(name))
        fields.append(
            (name, discord_quote(hit.passage.text, hit.highlight, value_limit) or "\u200b")
        )
    return EmbedSpec(title, shorten(description, limits.description), tuple(fields), footer)


def discord_message(text: str, limits: DiscordLimits = LIMITS) -> str:
    """A plain reply (errors, notices) within the content limit."""
    return shorten(text, limits.content)


def _fields_within(
    items: Sequence[tuple[str, str, str | None]],
    title: str,
    description: str,
    footer: str,
    limits: DiscordLimits,
) -> tuple[tuple[str, str], ...]:
    """(name, text, bold part) → embed fields that share the 6000-character total."""
    shown = list(items)[: limits.fields]
    budget = limits.total - len(title) - len(description) - len(footer)
    share = budget // max(1, len(shown))
    name_limit = min(limits.field_name, max(40, share // 3))
    fields = []
    for name, text, bold in shown:
        name = shorten(name, name_limit)
        value_limit = min(limits.field_value, share - len(name))
        fields.append((name, discord_quote(text, bold, value_limit) or "\u200b"))
    return tuple(fields)


def passages_embed(
    title: str,
    passages: Sequence[Passage],
    *,
    description: str = "",
    footer: str = FOOTER,
    limits: DiscordLimits = LIMITS,
) -> EmbedSpec:
    """Passages read in order (an entry, a passage of a document): citation, quote."""
    title = shorten(title, limits.title)
    description = shorten(escape_markdown(description), limits.description)
    items = [(str(p.citation), p.text, None) for p in passages]
    fields = _fields_within(items, title, description, footer, limits)
    return EmbedSpec(title, description, fields, footer)


def timeline_embed(documents: Sequence[Any], limits: DiscordLimits = LIMITS) -> EmbedSpec:
    """`/timeline`: per document, its entries (date, first words) and its sections."""
    lines: list[str] = []
    for document in documents:
        lines.append(f"__{escape_markdown(document.title)}__")
        for entry in document.entries:
            day = dt.date.fromisoformat(entry.date)
            first = escape_markdown(entry.first_words)
            lines.append(f"**{day:%B} {day.day}, {day.year}** ({entry.passages}) — {first}")
        if document.sections:
            names = "; ".join(f"{escape_markdown(n)} ({c})" for n, c in document.sections)
            lines.append(f"Sections: {names}")
    return EmbedSpec("Timeline", shorten("\n".join(lines), limits.description), (), FOOTER)


def verdict_embed(verdict: Any, limits: DiscordLimits = LIMITS) -> EmbedSpec:
    """`/verify`: the verdict, the citation and the text's wording (the differences marked:
    ~~the quote's words~~ **the text's words**), or the passages nearest in meaning."""
    title = shorten(VERDICTS[verdict.verdict], limits.title)
    description = shorten(f"> {escape_markdown(verdict.quote)}", limits.description)
    footer = FOOTER
    passage = verdict.passage
    if passage is not None and verdict.verdict == "exact":
        items = [(f"{passage.citation} (exact)", passage.text, verdict.match)]
        return EmbedSpec(
            title, description, _fields_within(items, title, description, footer, limits), footer
        )
    if passage is not None:
        name = shorten(f"{passage.citation} (score {verdict.score:g})", limits.field_name)
        difference = shorten(word_diff(verdict.diff, "markdown"), limits.field_value)
        rest = [(f"{passage.citation}: the passage", passage.text, verdict.match)]
        fields = (
            (name, difference),
            *_fields_within(rest, title, description + difference, footer, limits),
        )
        return EmbedSpec(title, description, fields, footer)
    items = [(str(p.citation), p.text, None) for p in verdict.closest]
    return EmbedSpec(
        title, description, _fields_within(items, title, description, footer, limits), footer
    )
