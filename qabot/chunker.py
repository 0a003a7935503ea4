"""Text → passages: front matter, notes, headings, dated entries, boilerplate, token budget.

Pure functions over a decoded text (or what a reader made of a file: ``qabot.readers``);
the only outside input is ``count_tokens``, the
embedding model's own tokenizer, so no passage is ever silently truncated by the model.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from qabot.dates import EntryDates, leading_date, mentioned_dates, parse_date_line, seed_year
from qabot.readers.source import Form, SourceText
from qabot.text.repair import normalize_whitespace, repair_text
from qabot.text.sentences import sentence_spans
from qabot.types import Document, Passage, Role

TokenCounter = Callable[[str], int]
Cleaner = Callable[[str], str]  # source text → the words a reader quotes (markup removed)


@dataclass(frozen=True)
class _Tools:
    """What sizing and quoting a span need: the model's token count, the markup cleaner."""

    count: TokenCounter
    clean: Cleaner


def _as_is(text: str) -> str:
    return text


def strip_markdown(text: str) -> str:
    """The words of Markdown as a reader sees them: link text without the link, no
    emphasis marks, no note references ("[389](endnotes.xhtml#note-389)", "[^1]") and no
    block-quote markers. Parsed with markdown-it-py's inline parser."""
    from markdown_it import MarkdownIt

    text = _FOOTNOTE_LABEL.sub("", _QUOTE_MARKER.sub("", text))
    words: list[str] = []
    tokens = MarkdownIt("commonmark").parseInline(text)[0].children or []
    skipping = False
    for token in tokens:
        if token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            following = tokens[tokens.index(token) + 1] if token is not tokens[-1] else None
            label = following.content if following is not None else ""
            skipping = bool(_NOTE_LABEL.fullmatch(label)) and bool(_NOTE_HREF.search(href))
        elif token.type == "link_close":
            skipping = False
        elif skipping:
            continue
        elif token.type in ("text", "code_inline"):
            words.append(token.content)
        elif token.type == "image":
            words.append(str(token.attrs.get("alt") or token.content))
        elif token.type in ("softbreak", "hardbreak"):
            words.append("\n")
    return _FOOTNOTE_REF.sub("", "".join(words))


_QUOTE_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\](?!:)")
_FOOTNOTE_LABEL = re.compile(r"^[ \t]*\[\^[^\]\s]+\]:[ \t]*", re.M)  # "[^1]: the note"
_NOTE_LABEL = re.compile(r"\[?\d{1,4}\]?|[*†‡§]")
_NOTE_HREF = re.compile(r"note|fn|foot", re.I)

# Bump when the chunking rules change, so existing indexes are rebuilt.
CHUNKER_VERSION = 3  # 2: the front matter is a passage; 3: inline dates, Markdown, mentions

EDITORS_NOTE = "Editors’ note"
ABOUT_SECTION = "About this text"  # the section of a document's front-matter passage
ABOUT: Role = "about"  # Passage.role of that passage; body passages have role "body"

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
_KEY_VALUE = re.compile(r"^(?P<key>[A-Z][\w’'/&.-]*(?:\s+[\w’'/&.-]+){0,3}):\s+(?P<value>\S.*)$")
# Keys whose value says when the text was written: a seed for dates given without a year.
_WRITTEN_KEYS = ("written", "date", "dated", "diary", "journal")

_BOILERPLATE = [
    re.compile(r"^(\w+)(?:\s+\1){2,}\s*$", re.IGNORECASE),  # "return return return"
    re.compile(r"^last\s+(?:updated|modified|revised)\b", re.IGNORECASE),
    re.compile(r"^(?:back|return|go)\s+to\s+(?:top|index|contents|the\s+\w+\s+archive)\b", re.I),
    re.compile(r"^(?:top of page|table of contents|contents|index|home|next|previous)$", re.I),
]

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
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")


@dataclass(frozen=True)
class ChunkingConfig:
    """How passages are sized; part of the index manifest."""

    max_tokens: int = 256
    min_tokens: int = 32
    version: int = CHUNKER_VERSION


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines in the source, with its character offsets."""

    text: str
    start: int
    end: int

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: one or more blocks (joined when broken mid-sentence)."""

    blocks: tuple[Block, ...]
    number: int
    section: str | None
    date: str | None


@dataclass(frozen=True)
class _Span:
    """A candidate passage before ids are assigned."""

    paragraphs: tuple[Paragraph, ...]
    start: int
    end: int
    text: str
    embed_text: str
    tokens: int


# ---------------------------------------------------------------------------- blocks


def split_blocks(text: str) -> list[Block]:
    """Split text at blank lines, keeping each block's offsets (trailing space trimmed)."""
    blocks: list[Block] = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*(?:\n[ \t\r\f\v]*\n|\Z))", text, re.DOTALL):
        blocks.append(Block(match.group(), match.start(), match.end()))
    return blocks


# ---------------------------------------------------------------------------- classify


def is_boilerplate(block_text: str) -> bool:
    """Web navigation and footer lines that are not part of the text."""
    line = normalize_whitespace(block_text)
    return any(pattern.search(line) for pattern in _BOILERPLATE)


def _looks_like_heading_text(line: str) -> bool:
    words = line.split()
    if not words or len(words) > 12 or len(line) > 80:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or line.endswith((*_TERMINAL, ",")):
        return False
    return parse_date_line(line) is None


def _is_title_case(line: str) -> bool:
    words = re.findall(r"[^\W_][\w’'-]*", line)
    significant = [w for i, w in enumerate(words) if i == 0 or w.lower() not in _SMALL_WORDS]
    return bool(significant) and all(w[0].isupper() or w[0].isdigit() for w in significant)


def _key_value(line: str) -> tuple[str, str] | None:
    match = _KEY_VALUE.match(line)
    return (match.group("key"), match.group("value")) if match else None


def _is_note_block(block: Block) -> bool:
    kv = _key_value(block.lines[0]) if block.lines else None
    return kv is not None and kv[0].lower() in _NOTE_KEYS


def _is_metadata_block(block: Block) -> bool:
    lines = block.lines
    return bool(lines) and not _is_note_block(block) and all(_key_value(x) for x in lines)


@dataclass(frozen=True)
class FrontMatter:
    """Document metadata found before the body, and where the body starts."""

    title: str | None
    metadata: dict[str, str]
    body_start: int  # index of the first body block


def parse_front_matter(blocks: Sequence[Block]) -> FrontMatter:
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
        if _is_metadata_block(block):
            for line in block.lines:
                key, value = _key_value(line) or ("", "")
                metadata[key] = value
        elif not metadata and len(block.lines) == 1 and _looks_like_heading_text(block.lines[0]):
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


# ---------------------------------------------------------------------------- structure


def _is_broken_paragraph(previous: Block, following: Block) -> bool:
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


@dataclass(frozen=True)
class Structure:
    """A text's parts: title, metadata and the lines they came from, body paragraphs."""

    title: str | None
    metadata: dict[str, str]
    front_lines: tuple[Block, ...]  # the front matter, one line each, as written
    paragraphs: list[Paragraph]
    skipped: list[str]  # boilerplate blocks left out


def _lines_of(text: str, start: int, end: int) -> list[Block]:
    """The non-blank lines of text[start:end] as blocks (offsets into ``text``)."""
    return [
        Block(
            m.group().strip(),
            start + m.start() + (len(m.group()) - len(m.group().lstrip())),
            start + m.end() - (len(m.group()) - len(m.group().rstrip())),
        )
        for m in re.finditer(r"[^\n]+", text[start:end])
        if m.group().strip()
    ]


def structure(text: str, *, markdown: bool = False) -> Structure:
    """Find title, metadata, body paragraphs (with section and date) and skipped boilerplate.

    ``markdown``: '#' headings and a leading '---' block of metadata (Markdown files, and
    the text the HTML and EPUB readers make).
    """
    return _structure(text, markdown=markdown)


def _structure(text: str, *, markdown: bool) -> Structure:
    md_meta, body_offset = parse_markdown_front_matter(text) if markdown else ({}, 0)
    blocks = [b for b in split_blocks(text) if b.start >= body_offset]
    if markdown:
        front = FrontMatter(title=md_meta.get("Title"), metadata=md_meta, body_start=0)
        h1 = [b for b in blocks if (m := _MD_HEADING.match(b.text)) and len(m["hashes"]) == 1]
        if front.title is None and len(h1) == 1 and blocks and blocks[0] is h1[0]:
            title_match = _MD_HEADING.match(h1[0].text)
            front = replace(front, title=title_match["text"] if title_match else None, body_start=1)
    else:
        front = parse_front_matter(blocks)
    front_end = blocks[front.body_start - 1].end if front.body_start else body_offset
    # The front matter becomes a passage only when it holds metadata ("Translated: …");
    # a lone title is not worth quoting.
    front_lines = tuple(
        line
        for line in (_lines_of(text, 0, front_end) if front.metadata else [])
        if not (markdown and line.text.strip("-").strip() == "")  # the '---' fences
    )

    dates = EntryDates(seed_year(front.metadata, _WRITTEN_KEYS))
    section: str | None = None
    date: str | None = None
    paragraphs: list[Paragraph] = []
    skipped: list[str] = []
    pending: list[Block] = []  # blocks of the paragraph being assembled

    def flush() -> None:
        if pending:
            paragraphs.append(Paragraph(tuple(pending), len(paragraphs) + 1, section, date))
            pending.clear()

    body = blocks[front.body_start :]
    for position, block in enumerate(body):
        lines = block.lines
        if is_boilerplate(block.text):
            flush()
            skipped.append(normalize_whitespace(block.text))
            continue
        if len(lines) == 1 and (parsed := parse_date_line(lines[0])):
            flush()
            date = dates.resolve(*parsed)
            continue
        heading = _heading(block, body[position + 1 :], markdown=markdown)
        if heading is not None:
            flush()
            section = heading  # the entry's date carries on under a new heading
            dates.heading(heading)  # "May 1660": the month of the bare days that follow
            continue
        if not paragraphs and not pending and section is None and _is_note_block(block):
            section = EDITORS_NOTE
        head = _QUOTE_MARKER.sub("", block.text).lstrip("*_ ") if markdown else block.text
        opening = leading_date(head)  # "May 1st. This morning…": a new entry
        if opening is not None and (resolved := dates.resolve(*opening)) is not None:
            flush()
            date = resolved
        if pending and not _is_broken_paragraph(pending[-1], block):
            flush()
        pending.append(block)
    flush()
    return Structure(front.title, front.metadata, front_lines, paragraphs, skipped)


def _heading(block: Block, following: Sequence[Block], *, markdown: bool) -> str | None:
    """The heading text if ``block`` is a section heading, else None."""
    if markdown:
        match = _MD_HEADING.match(block.text) if len(block.lines) == 1 else None
        return match["text"].strip() if match else None
    if len(block.lines) != 1 or not _looks_like_heading_text(block.lines[0]):
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


# ---------------------------------------------------------------------------- passages


def _word_spans(source: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", source[start:end])]


def _span_text(
    source: str, paragraphs: Sequence[Paragraph], start: int, end: int, clean: Cleaner
) -> str:
    """The quote: each paragraph's part of [start, end) on one line, paragraphs blank-separated."""
    parts = []
    for paragraph in paragraphs:
        lo = max(start, paragraph.blocks[0].start)
        hi = min(end, paragraph.blocks[-1].end)
        if hi > lo:
            parts.append(normalize_whitespace(clean(source[lo:hi])))
    return "\n\n".join(p for p in parts if p)


def _make_span(
    source: str, paragraphs: Sequence[Paragraph], start: int, end: int, tools: _Tools
) -> _Span:
    text = _span_text(source, paragraphs, start, end, tools.clean)
    embed_text = repair_text(text)
    return _Span(tuple(paragraphs), start, end, text, embed_text, tools.count(embed_text))


def _pack(
    source: str,
    paragraph: Paragraph,
    units: list[tuple[int, int]],
    tools: _Tools,
    budget: int,
) -> Iterator[_Span]:
    """Greedily pack consecutive units (sentences or words) into spans within ``budget``."""
    index = 0
    while index < len(units):
        best: _Span | None = None
        stop = index
        for candidate in range(index, len(units)):
            span = _make_span(source, [paragraph], units[index][0], units[candidate][1], tools)
            if span.tokens > budget:
                break
            best, stop = span, candidate + 1
        if best is None:  # a single unit over budget
            start, end = units[index]
            words = _word_spans(source, start, end)
            if len(words) <= 1:  # one enormous "word": cut by characters
                cut = start + max(1, (end - start) // 2)
                yield from _pack(source, paragraph, [(start, cut), (cut, end)], tools, budget)
            else:
                yield from _pack(source, paragraph, words, tools, budget)
            index += 1
            continue
        yield best
        index = stop


def _split_paragraph(
    source: str, paragraph: Paragraph, tools: _Tools, config: ChunkingConfig
) -> list[_Span]:
    """A paragraph as one span, or split at sentence boundaries into balanced spans."""
    start, end = paragraph.blocks[0].start, paragraph.blocks[-1].end
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
    spans: list[_Span], source: str, tools: _Tools, config: ChunkingConfig
) -> list[_Span]:
    """Merge spans under ``min_tokens`` into a neighbour of the same section and date."""

    def same_entry(a: _Span, b: _Span) -> bool:
        pa, pb = a.paragraphs[-1], b.paragraphs[0]
        return (pa.section, pa.date) == (pb.section, pb.date)

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


def chunk_document(
    text: str | SourceText,
    source: str,
    count_tokens: TokenCounter,
    config: ChunkingConfig | None = None,
) -> Document:
    """Split one corpus file into cited passages.

    ``text`` is the decoded file, or what a reader made of it (``qabot.readers``).
    ``source`` is the file's path relative to the corpus directory (used in ids and
    citations); for a plain string, a ``.md`` suffix means Markdown.
    """
    config = config or ChunkingConfig()
    if isinstance(text, SourceText):
        read = text
    else:
        form: Form = "markdown" if source.endswith((".md", ".markdown")) else "text"
        read = SourceText(text, form)
    body = read.text
    parts = structure(body, markdown=read.form != "text")
    title = read.title or parts.title or default_title(source)
    tools = _Tools(count_tokens, strip_markdown if read.form == "markdown" else _as_is)

    spans: list[_Span] = []
    for paragraph in parts.paragraphs:
        spans.extend(_split_paragraph(body, paragraph, tools, config))
    spans = _merge_small(spans, body, tools, config)

    seen: dict[str, int] = {}
    passages = list(_about_passages(parts.front_lines, source, title, tools, config))
    for span in spans:
        if not span.text.strip():
            continue  # nothing but markup
        occurrence = seen.get(span.text, 0)
        seen[span.text] = occurrence + 1
        first = span.paragraphs[0]
        passages.append(
            Passage(
                id=passage_id(source, span.text, occurrence),
                text=span.text,
                embed_text=span.embed_text,
                source=source,
                title=title,
                section=first.section,
                date=first.date,
                paragraphs=tuple(p.number for p in span.paragraphs),
                start=span.start,
                end=span.end,
                tokens=span.tokens,
                anchor=read.anchor_at(span.start),
                mentions=mentioned_dates(span.text, first.date),
            )
        )
    return Document(source, title, parts.metadata, tuple(passages), tuple(parts.skipped))


def _about_passages(
    lines: Sequence[Block],
    source: str,
    title: str,
    tools: _Tools,
    config: ChunkingConfig,
) -> Iterator[Passage]:
    """The front matter as quotable passages ("About this text": who wrote, translated, …).

    One passage, one line of the front matter per paragraph, so "Who translated it?" and
    "May I copy it?" are answered by quoting it; split at lines only if over the budget.
    """
    group: list[Block] = []

    def make(blocks: Sequence[Block]) -> Passage:
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
            role=ABOUT,
        )

    for line in lines:
        if group and make([*group, line]).tokens > config.max_tokens:
            yield make(group)
            group = []
        group.append(line)
    if group:
        yield make(group)
