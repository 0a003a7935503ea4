"""Discord: answers, entries, the timeline and quotations as embeds, as plain data.

Every embed is built within Discord's documented limits (``DiscordLimits``): quotes are
cut at a word with an ellipsis, keeping the answering sentence, which is in bold; the
source's own markup characters are escaped. The bot turns an ``EmbedSpec`` into a
``discord.Embed``; nothing here imports discord.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.dates import date_label
from qabot.formatting.labels import (
    ORDER_NOTES,
    VERDICTS,
    abstain_line,
    citation_line,
    score_text,
    shorten,
    word_diff,
)
from qabot.text.repair import normalize_lines
from qabot.types import Answer, DocumentTimeline, Hit, Passage, Reading, Verdict

MARKDOWN_DIFF = ("~~", "~~", "**", "**")


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
_LINE = "\ue002"  # a line break inside a paragraph, while a quote is cut to size


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


def escape_markdown(text: str) -> str:
    """Quote text literally: no stray bold, spoilers, links or headings from the source."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return "\\" + escaped if escaped.startswith(_LINE_START) else escaped


def _shown(text: str) -> str:
    """Quoted text escaped, its line breaks marked " / "."""
    return escape_markdown(text).replace(_LINE, " / ")


def discord_quote(text: str, highlight: str | None, limit: int) -> str:
    """The passage as Discord markdown, the highlight in bold, within ``limit`` characters.

    When the passage must be cut, the window keeps the highlight and cuts the context
    around it at word boundaries, with an ellipsis on each cut side. The passage runs on
    as one paragraph; a line the text breaks inside a paragraph (verse, an address) is
    marked " / ", as verse is quoted in prose.
    """
    # _LINE where a line breaks: as long as the space it stands for in ``flat``
    lined = " ".join(normalize_lines(p).replace("\n", _LINE) for p in text.split("\n\n"))
    lined = lined.strip()
    flat = lined.replace(_LINE, " ")
    highlight = " ".join(highlight.split()) if highlight else None
    position = flat.find(highlight) if highlight else -1
    if position < 0 or not highlight:
        return shorten(_shown(lined), limit)
    end = position + len(highlight)
    before = _shown(lined[:position])
    bold = "**" + _shown(lined[position:end]) + "**"
    after = _shown(lined[end:])
    if len(before) + len(bold) + len(after) <= limit:
        return before + bold + after
    if len(bold) + 2 > limit:  # the highlight alone is too long: plain, cut
        return shorten(_shown(lined[position:]), limit)
    room = limit - len(bold) - 2  # one ellipsis per side at most
    keep_before = min(len(before), room // 3)
    head = before[len(before) - keep_before :] if keep_before else ""
    if keep_before < len(before):
        head = head[head.find(" ") + 1 :].removeprefix("/ ") if " " in head else ""
        head = "…" + head
    space = " " if after[:1].isspace() else ""  # shorten trims it; the words keep it
    tail = space + shorten(after, limit - len(head) - len(bold) - len(space)) if after else ""
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
        + ([ORDER_NOTES[answer.order]] if answer.order in ORDER_NOTES and answer.hits else [])
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


def reading_embed(
    title: str, reading: Reading, *, notes: int = 3, limits: DiscordLimits = LIMITS
) -> EmbedSpec:
    """One passage read in its document (the ◀ ▶ view), and up to ``notes`` of its notes."""
    title = shorten(title, limits.title)
    passage = reading.passage
    items: list[tuple[str, str, str | None]] = [(str(passage.citation), passage.text, None)]
    items += [(f"Note {note.label}", note.passage.text, None) for note in reading.notes[:notes]]
    return EmbedSpec(title, "", _fields_within(items, title, "", FOOTER, limits), FOOTER)


def timeline_embed(
    documents: Sequence[DocumentTimeline], limits: DiscordLimits = LIMITS
) -> EmbedSpec:
    """`/timeline`: per document, its entries (date, first words) and its sections."""
    lines: list[str] = []
    for document in documents:
        lines.append(f"__{escape_markdown(document.title)}__")
        for entry in document.entries:
            first = escape_markdown(entry.first_words)
            lines.append(f"**{date_label(entry.date)}** ({entry.passages}) — {first}")
        if document.sections:
            names = "; ".join(f"{escape_markdown(n)} ({c})" for n, c in document.sections)
            lines.append(f"Sections: {names}")
    return EmbedSpec("Timeline", shorten("\n".join(lines), limits.description), (), FOOTER)


def verdict_embed(verdict: Verdict, limits: DiscordLimits = LIMITS) -> EmbedSpec:
    """`/verify`: the verdict, the citation and the text's wording (the differences marked:
    ~~the quote's words~~ **the text's words**), or the passages nearest in meaning."""
    title = shorten(VERDICTS[verdict.verdict], limits.title)
    description = shorten(f"> {escape_markdown(verdict.quote)}", limits.description)
    footer = FOOTER
    passage = verdict.passage.passage if verdict.passage is not None else None
    if passage is not None and verdict.verdict == "exact":
        items = [(f"{passage.citation} (exact)", passage.text, verdict.match)]
        return EmbedSpec(
            title, description, _fields_within(items, title, description, footer, limits), footer
        )
    if passage is not None:
        name = shorten(f"{passage.citation} (score {verdict.score:g})", limits.field_name)
        difference = shorten(
            word_diff(verdict.diff, MARKDOWN_DIFF, escape_markdown), limits.field_value
        )
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
