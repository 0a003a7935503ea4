"""Paragraphs → passages: the model's token budget, stable ids, the front-matter card,
and notes linked to the passages that refer to them.

A paragraph is one passage when it fits ``max_tokens`` (counted by the model's own
tokenizer, so nothing is silently truncated), else it is cut at sentence boundaries into
balanced parts; a passage below ``min_tokens`` joins a neighbour of the same unit (the
same section, entry, part and note). A note's passage names the passage that refers to
it and where that is ("note 47 — January 1, 1660"); a passage lists its notes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from qabot.chunking.frontmatter import ABOUT_SECTION
from qabot.chunking.model import ChunkingConfig, Paragraph, Span
from qabot.dates import date_label, mentioned_dates
from qabot.text.repair import normalize_whitespace, repair_text
from qabot.text.sentences import sentence_spans
from qabot.types import Passage

TokenCounter = Callable[[str], int]
# source text → the words a reader quotes: markup removed, whitespace normalized
Quoter = Callable[[str], str]


@dataclass(frozen=True)
class Tools:
    """What sizing and quoting a span need: the model's token count, the source's quoter."""

    count: TokenCounter
    quote: Quoter


@dataclass(frozen=True)
class _Span:
    """A candidate passage before ids are assigned."""

    paragraphs: tuple[Paragraph, ...]
    start: int
    end: int
    text: str
    embed_text: str
    tokens: int


def _word_spans(source: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", source[start:end])]


def _span_text(
    source: str, paragraphs: Sequence[Paragraph], start: int, end: int, quote: Quoter
) -> str:
    """The quote: each paragraph's part of [start, end) as ``quote`` reads it, paragraphs
    blank-separated."""
    parts = []
    for paragraph in paragraphs:
        lo = max(start, paragraph.start)
        hi = min(end, paragraph.end)
        if hi > lo:
            parts.append(quote(source[lo:hi]))
    return "\n\n".join(p for p in parts if p)


def _make_span(
    source: str, paragraphs: Sequence[Paragraph], start: int, end: int, tools: Tools
) -> _Span:
    text = _span_text(source, paragraphs, start, end, tools.quote)
    embed_text = repair_text(text)
    return _Span(tuple(paragraphs), start, end, text, embed_text, tools.count(embed_text))


def _pack(
    source: str,
    paragraph: Paragraph,
    units: list[tuple[int, int]],
    tools: Tools,
    budget: int,
) -> Iterator[_Span]:
    """Greedily pack consecutive units (sentences or words) into spans within ``budget``.

    Each unit is counted once: the model's tokenizer splits at whitespace first, so the
    tokens of units side by side are the sum of theirs (each count less the two special
    tokens, added once). Every span made is counted whole again, and one that a unit
    boundary made longer than the sum is packed again unit by unit.
    """
    inner = [max(0, tools.count(repair_text(tools.quote(source[a:b]))) - 2) for a, b in units]
    index = 0
    while index < len(units):
        total, stop = 2, index
        while stop < len(units) and total + inner[stop] <= budget:
            total += inner[stop]
            stop += 1
        if stop == index:  # a single unit over budget
            start, end = units[index]
            words = _word_spans(source, start, end)
            if len(words) <= 1:  # one enormous "word": cut by characters
                cut = start + max(1, (end - start) // 2)
                yield from _pack(source, paragraph, [(start, cut), (cut, end)], tools, budget)
            else:
                yield from _pack(source, paragraph, words, tools, budget)
            index += 1
            continue
        span = _make_span(source, [paragraph], units[index][0], units[stop - 1][1], tools)
        while span.tokens > budget and stop - index > 1:  # the sum was short: one unit less
            stop -= 1
            span = _make_span(source, [paragraph], units[index][0], units[stop - 1][1], tools)
        yield span
        index = stop


def _split_paragraph(
    source: str, paragraph: Paragraph, tools: Tools, config: ChunkingConfig
) -> list[_Span]:
    """A paragraph as one span, or split at sentence boundaries into balanced spans."""
    start, end = paragraph.start, paragraph.end
    whole = _make_span(source, [paragraph], start, end, tools)
    if whole.tokens <= config.max_tokens:
        return [whole]
    sentences = sentence_spans(source[start:end], start)
    # Aim for equal parts rather than a full first part and a scrap at the end.
    parts = math.ceil(whole.tokens / config.max_tokens)
    target = min(config.max_tokens, math.ceil(whole.tokens / parts) + config.min_tokens)
    spans = list(_pack(source, paragraph, sentences, tools, target))
    if any(s.tokens > config.max_tokens for s in spans):  # pragma: no cover - defensive
        raise AssertionError("chunker produced a passage over the token budget")
    return spans


def _merge_small(
    spans: list[_Span], source: str, tools: Tools, config: ChunkingConfig
) -> list[_Span]:
    """Merge spans under ``min_tokens`` into a neighbour of the same unit (``Paragraph.unit``)."""

    def same_entry(a: _Span, b: _Span) -> bool:
        return a.paragraphs[-1].unit == b.paragraphs[0].unit

    def merge(a: _Span, b: _Span) -> _Span | None:
        if not same_entry(a, b):
            return None
        paragraphs = list(dict.fromkeys(a.paragraphs + b.paragraphs))
        merged = _make_span(source, paragraphs, a.start, b.end, tools)
        return merged if merged.tokens <= config.max_tokens else None

    result: list[_Span] = []
    for span in spans:
        if result and (result[-1].tokens < config.min_tokens or span.tokens < config.min_tokens):
            merged = merge(result[-1], span)
            if merged is not None:
                result[-1] = merged
                continue
        result.append(span)
    return result


def passage_id(source: str, text: str, occurrence: int) -> int:
    """A stable positive int64: the same text in the same file keeps its id across rebuilds."""
    digest = hashlib.blake2b(f"{source}\0{occurrence}\0{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def default_title(source: str) -> str:
    """'letters/trotsky-to-sedova.txt' → 'Trotsky To Sedova'."""
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return re.sub(r"[-_]+", " ", stem).strip().title() or source


def passages_of(
    source: str,
    paragraphs: Sequence[Paragraph],
    front_lines: Sequence[Span],
    name: str,
    title: str,
    tools: Tools,
    config: ChunkingConfig,
    anchor_at: Callable[[int], str | None],
) -> list[Passage]:
    """Every passage of one document, in reading order, notes linked."""
    spans: list[_Span] = []
    for paragraph in paragraphs:
        spans.extend(_split_paragraph(source, paragraph, tools, config))
    spans = _merge_small(spans, source, tools, config)
    seen: dict[str, int] = {}
    passages = list(_about_passages(front_lines, name, title, tools, config))
    made: list[tuple[Passage, _Span]] = []
    for span in spans:
        if not span.text.strip():
            continue  # nothing but markup
        occurrence = seen.get(span.text, 0)
        seen[span.text] = occurrence + 1
        first = span.paragraphs[0]
        passage = Passage(
            id=passage_id(name, span.text, occurrence),
            text=span.text,
            embed_text=span.embed_text,
            source=name,
            title=title,
            section=first.section,
            date=first.date,
            paragraphs=tuple(p.number for p in span.paragraphs),
            start=span.start,
            end=span.end,
            tokens=span.tokens,
            role=first.role,
            anchor=anchor_at(span.start),
            mentions=mentioned_dates(span.text, first.date),
            date_machine=first.date_machine if first.date_machine != first.date else None,
            part_label=first.part_label,
            note_label=first.note_label if first.note else None,
        )
        made.append((passage, span))
    return passages + _linked(made)


def _linked(made: Sequence[tuple[Passage, _Span]]) -> list[Passage]:
    """Each note's passages name the passage that refers to it; each passage lists the
    notes it refers to (number, the note's first passage)."""
    first_of_note: dict[str, Passage] = {}
    for passage, span in made:
        key = span.paragraphs[0].note
        if key is not None and key not in first_of_note:
            first_of_note[key] = passage
    referred: dict[str, Passage] = {}
    result: list[Passage] = []
    for passage, span in made:
        refs = [
            key
            for p in span.paragraphs
            for offset, key in p.noterefs
            if span.start <= offset <= span.end and key in first_of_note
        ]
        notes = tuple(
            (first_of_note[key].note_label or "", first_of_note[key].id)
            for key in dict.fromkeys(refs)
        )
        for key in refs:
            referred.setdefault(key, passage)
        result.append(replace(passage, notes=notes) if notes else passage)
    linked: list[Passage] = []
    for passage, (_, span) in zip(result, made, strict=True):
        key = span.paragraphs[0].note
        owner = referred.get(key) if key is not None else None
        if owner is not None:
            place = date_label(owner.date) if owner.date else owner.section
            passage = replace(passage, note_of=owner.id, note_place=place)
        linked.append(passage)
    return linked


def _about_passages(
    lines: Sequence[Span],
    source: str,
    title: str,
    tools: Tools,
    config: ChunkingConfig,
) -> Iterator[Passage]:
    """The front matter as quotable passages ("About this text": who wrote, translated, …).

    One passage, one line of the front matter per paragraph, so "Who translated it?" and
    "May I copy it?" are answered by quoting it; split at lines only if over the budget.
    """
    group: list[Span] = []

    def make(blocks: Sequence[Span]) -> Passage:
        text = "\n\n".join(normalize_whitespace(b.text) for b in blocks)
        embed_text = repair_text(" ".join(normalize_whitespace(b.text) for b in blocks))
        return Passage(
            id=passage_id(source, text, 0),
            text=text,
            embed_text=embed_text,
            source=source,
            title=title,
            section=ABOUT_SECTION,
            date=None,
            paragraphs=(),
            start=blocks[0].start,
            end=blocks[-1].end,
            tokens=tools.count(embed_text),
            role="about",
        )

    for line in lines:
        if group and make([*group, line]).tokens > config.max_tokens:
            yield make(group)
            group = []
        group.append(line)
    if group:
        yield make(group)
