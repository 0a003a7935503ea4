"""HTML and XHTML pages → blocks of text with what their markup declares.

Parsed with selectolax (lexbor) and walked once, top to bottom, so that every block
knows its context: the headings above it (a section's headings end with the section,
so a story's "I" is cited "A Scandal in Bohemia — I"), its part of the book (notes,
editorial matter, the edition's own pages: ``qabot.readers.semantics``), the dated entry
it belongs to (a diary entry, a letter) and the date that entry gives as written (the
text of its first ``<time>``; the ``datetime`` attribute is kept beside, never used
instead), the note it is part of, and the notes it refers to.

What a reader reads is kept, ``<header>`` and ``<footer>`` of a section included (titles,
bridgeheads, date lines, signatures). What is not text is dropped: page chrome (``nav``,
a page's own header, footer and asides, scripts, forms), navigation and title pages,
note references (their targets are recorded) and rows made only of links. Metadata comes
from ``<title>`` and ``<meta>`` (author, date, rights, publisher, Dublin Core).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qabot.errors import CorpusError
from qabot.readers.semantics import (
    ENTRIES,
    LETTERS,
    NOTE_ITEMS,
    NOTE_REFS,
    SKIPPED,
    kinds,
    part_label,
    part_of,
)
from qabot.readers.source import Block, BlockKind, SourceText
from qabot.text.repair import normalize_whitespace
from qabot.types import Role

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LEAVES = (
    *("p", "li", "dd", "dt", "blockquote", "pre", "figcaption", "td", "th", "address", "div"),
    *("caption", "summary"),
)
# Elements that are blocks (everything else is inline: read as part of a paragraph)
_BLOCKS = frozenset(
    {
        *_LEAVES,
        *("h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "header", "footer", "section"),
        *("article", "aside", "nav", "main", "figure", "ul", "ol", "dl", "table", "tbody"),
        *("thead", "tfoot", "tr", "hr", "form", "body", "html"),
    }
)
_CHROME = (
    *("nav", "script", "style", "noscript", "template", "iframe", "form", "button", "menu"),
    *("svg", "select", "object", "head", "img", "audio", "video", "picture"),
)
_SECTIONING = ("section", "article", "aside", "blockquote", "main", "figure")
_META = {
    "author": "Author",
    "dc.creator": "Author",
    "dcterms.creator": "Author",
    "date": "Date",
    "dc.date": "Date",
    "dcterms.date": "Date",
    "dcterms.issued": "Date",
    "dcterms.created": "Date",
    "article:published_time": "Date",
    "rights": "Rights",
    "dc.rights": "Rights",
    "dcterms.rights": "Rights",
    "copyright": "Rights",
    "license": "Rights",
    "publisher": "Publisher",
    "dc.publisher": "Publisher",
    "translator": "Translated",
}
_MARKER = re.compile("\ue000(\\d+)\ue001")  # where a note reference was
# A space before closing punctuation, left by the markup's line breaks. Not before an
# apostrophe that starts a word: "the ’Change", "’tis" are the text's own spacing.
_CLOSING = re.compile(r"[,.;:!?”)]|’(?![^\W_])")
_SPACE_BEFORE = re.compile(rf" +(?={_CLOSING.pattern})")
# A <br> while the text is read (the source's own newlines are only its layout); a
# paragraph's text keeps it as a newline, with no space around it and never two.
_LINE_BREAK = "\ue002"
_LINE_BREAKS = re.compile(f" ?{_LINE_BREAK}[{_LINE_BREAK} ]*")


@dataclass(frozen=True)
class RawBlock:
    """A block before it has offsets in the book's text."""

    text: str
    kind: BlockKind
    section: tuple[str, ...]
    role: Role
    part_label: str | None
    anchor: str | None
    entry: int | None = None
    written: str | None = None
    machine: str | None = None
    note: str | None = None
    note_label: str | None = None
    noterefs: tuple[tuple[int, str], ...] = ()


@dataclass
class _Context:
    """What the enclosing elements declare, as the walk goes down."""

    role: Role = "text"
    label: str | None = None
    entry: int | None = None
    note: str | None = None
    note_label: str | None = None
    in_section: bool = False  # inside sectioning content: headers and footers are text


@dataclass
class Page:
    """One page's blocks, metadata and title."""

    blocks: list[RawBlock] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    declares_entries: bool = False


def decode(data: bytes, name: str) -> str:
    """The page's text: its BOM, XML declaration or meta charset, else UTF-8."""
    head = data[:2048].decode("ascii", errors="ignore")
    declared = re.search(r"""encoding=["']([\w.-]+)["']|charset=["']?([\w.-]+)""", head, re.I)
    encoding = "utf-8-sig"
    if declared:
        encoding = (declared.group(1) or declared.group(2)).lower()
        encoding = "utf-8-sig" if encoding in ("utf-8", "utf8") else encoding
    try:
        return data.decode(encoding)
    except LookupError:
        raise CorpusError(
            f"{name}: declares the unknown encoding {encoding!r}; save it as UTF-8"
        ) from None
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{name}: not valid {encoding.removesuffix('-sig').upper()} (byte "
            f"0x{data[error.start]:02x} at offset {error.start}); save it as UTF-8"
        ) from None


def _attribute(node: Any, name: str) -> str:
    return (node.attributes.get(name) or "").lower()


def _is_note_reference(node: Any) -> bool:
    """A note's number in the text: declared (noteref), a footnote mark, or a numbered
    link to a note."""
    if kinds(node) & NOTE_REFS:
        return True
    if node.tag == "sup":  # a footnote mark: digits or symbols only
        return bool(re.fullmatch(r"[\d*†‡§¶,\s\[\]]+", node.text() or ""))
    if node.tag == "a":
        href = _attribute(node, "href")
        text = (node.text() or "").strip()
        return bool(re.fullmatch(r"\[?\d{1,4}\]?", text)) and bool(
            re.search(r"#(?:fn|note|footnote|endnote|n)[-_:]?\d", href)
        )
    return False


def _link_row(node: Any, text: str) -> bool:
    """A block whose words are all link text: a navigation row, not prose."""
    links = [(a.text() or "").strip() for a in node.css("a")]
    linked = re.sub(r"\s+", "", "".join(links))
    return bool(links) and len(linked) >= len(re.sub(r"\s+", "", text)) * 0.9


def _inline_text(nodes: Any) -> str:
    """The text of ``nodes`` as the page shows it: text nodes joined as they are (markup
    inside a word, "<i>Ruth</i>’s" or a drop cap "<span>T</span>he", adds no space),
    ``_LINE_BREAK`` at a ``<br>`` (a line of verse, of an address) and a space around a
    block. Walked with a stack, not recursion: a page's nesting may be deeper than
    Python's recursion limit."""
    parts: list[str] = []
    stack: list[tuple[Any, bool]] = [(node, False) for node in reversed(list(nodes))]
    while stack:
        node, closing = stack.pop()
        if closing:
            parts.append(" ")
        elif node.tag == "-text":
            parts.append(node.text_content or "")
        elif node.tag == "br":
            parts.append(_LINE_BREAK)
        else:
            if node.tag in _BLOCKS:
                parts.append(" ")
                stack.append((node, True))
            children = list(node.iter(include_text=True))
            stack.extend((child, False) for child in reversed(children))
    return "".join(parts)


def _is_line(row: Any) -> bool:
    """True for a table row read as one paragraph, its cells a space apart: two or more
    cells with text, holding paragraphs at most (a play's speaker and speech, a term and
    its value). A row of a page laid out as a table (headings, lists, one cell of text)
    is read cell by cell."""
    cells = [c for c in row.iter(include_text=False) if c.tag in ("td", "th")]
    filled = [c for c in cells if (c.text() or "").strip()]
    return len(filled) >= 2 and not any(
        n.tag in _BLOCKS and n.tag not in ("td", "th", "p", "div")
        for cell in cells
        for n in cell.traverse()
        if n.mem_id != cell.mem_id
    )


def _holds_blocks(node: Any) -> bool:
    """True when an element holds block elements (then they are read one by one)."""
    return any(child.tag in _BLOCKS for child in node.traverse() if child.mem_id != node.mem_id)


class _Walker:
    """Walks one or more pages of a book, numbering entries across them."""

    def __init__(self) -> None:
        self.entries = 0
        self.declares_entries = False
        self.dated: set[int] = set()  # entries whose date was found
        self.opened: dict[int, int] = {}  # blocks read of each entry so far
        self.numbers: dict[int, str] = {}  # list item → its number as shown

    def page(self, markup: str, name: str, inherited: frozenset[str] = frozenset()) -> Page:
        """The blocks of one page. ``name`` is its path in the book (note keys and anchors
        are relative to the book); ``inherited`` are types the book gives the page (its
        landmarks, or an auxiliary spine item)."""
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(markup)
        page = Page()
        title_node = tree.css_first("title")
        page.title = normalize_whitespace(title_node.text()) if title_node else None
        for meta in tree.css("meta"):
            key = _attribute(meta, "name") or _attribute(meta, "property")
            content = (meta.attributes.get("content") or "").strip()
            if key in _META and content:
                page.metadata.setdefault(_META[key], content)
        self.references: list[str] = []
        for node in list(tree.css("a, sup, span")):
            if not _is_note_reference(node):
                continue
            href = node.attributes.get("href") or ""
            if href and "#" in href:
                self.references.append(_key(name, href))
                node.replace_with(f"\ue000{len(self.references) - 1}\ue001")
            else:
                node.decompose()
        for node in list(tree.css("[epub\\:type], [role]")):
            if kinds(node) & {"backlink", "doc-backlink"}:
                node.decompose()
        self.name = name
        self.page_blocks = page.blocks
        self.pending_refs: list[str] = []  # from headings: given to the next paragraph
        body = tree.body or tree.root
        if body is None:
            return page
        context = _Context()
        role = part_of(inherited | kinds(body))
        if role is not None:
            context.role = role
            context.label = part_label(inherited | kinds(body))
        self.sections: list[tuple[int, str]] = []
        self._walk(body, context)
        page.declares_entries = self.declares_entries
        return page

    # ------------------------------------------------------------------ the walk

    def _walk(self, node: Any, context: _Context) -> None:
        """Read the children of an element that holds blocks; text between its blocks
        (a ``<cite>`` after a quotation, words beside a list) is read as a paragraph."""
        children = list(node.iter(include_text=True))
        if node.tag == "ol":  # the number a reader sees beside each item
            start = _int(node.attributes.get("start"), 1)
            items = [c for c in children if c.tag == "li"]
            self.numbers.update((c.mem_id, str(start + n)) for n, c in enumerate(items))
        loose: list[Any] = []
        for child in children:
            if child.tag == "-text" or (child.tag not in _BLOCKS and child.tag not in _CHROME):
                loose.append(child)
                continue
            self._loose(node, loose, context)
            self._element(child, context)
        self._loose(node, loose, context)

    def _loose(self, parent: Any, nodes: list[Any], context: _Context) -> None:
        """Inline nodes between blocks, read as one paragraph."""
        if not nodes:
            return
        raw = _inline_text(nodes)
        nodes.clear()
        text, refs = self._clean(raw)
        if text:
            self._emit(parent, text, "paragraph", context, refs)

    def _element(self, node: Any, context: _Context) -> None:
        tag = node.tag
        tokens = kinds(node)
        if tag in _CHROME or tokens & SKIPPED:
            return
        if tag in ("header", "footer") and not context.in_section:
            return  # the page's own banner or footer
        if tag == "aside" and part_of(tokens) != "notes":
            return  # a page's sidebar
        role = part_of(tokens)
        if role == "text" and context.role != "text":
            role = None  # a chapter or a diary quoted in a note is still the note
        inner = replace(context)
        if role is not None and role != context.role:
            inner.role = role
            inner.label = part_label(tokens) if role == "editorial" else None
        elif role == "editorial":
            inner.label = part_label(tokens) or context.label
        if tag in _SECTIONING:
            inner.in_section = True
        dated_unit = tokens & ENTRIES or (tokens & LETTERS and context.entry is None)
        if dated_unit and inner.role == "text":  # quoted in a note, a diary is the note's
            self.entries += 1
            inner.entry = self.entries
            if tokens & ENTRIES:  # a diary: only its entries have dates
                self.declares_entries = True
        if self._is_note_item(node, tokens, inner):
            identifier = node.attributes.get("id")
            inner.note = f"{self.name}#{identifier}"
            inner.note_label = self._note_label(node, identifier or "")
        depth = len(self.sections)
        if tag == "hgroup" or tag in _HEADINGS:
            self._heading(node, tag, inner)
        elif tag == "header" and not node.css_first(",".join((*_HEADINGS, "hgroup"))):
            self._header_without_heading(node, inner)
        elif (tag in _LEAVES and not _holds_blocks(node)) or (tag == "tr" and _is_line(node)):
            self._leaf(node, inner)
        else:
            self._walk(node, inner)
        if tag in _SECTIONING:
            del self.sections[depth:]  # a section's headings end with it

    def _is_note_item(self, node: Any, tokens: frozenset[str], context: _Context) -> bool:
        if not node.attributes.get("id"):
            return False
        if tokens & NOTE_ITEMS:
            return True
        return context.role == "notes" and node.tag == "li" and context.note is None

    def _note_label(self, node: Any, identifier: str) -> str:
        """The number a reader sees: the item's place in its list, else the id's number."""
        if node.mem_id in self.numbers:
            return self.numbers[node.mem_id]
        digits = re.findall(r"\d+", identifier)
        return digits[-1] if digits else identifier

    def _heading(self, node: Any, tag: str, context: _Context) -> None:
        if tag == "hgroup":
            parts = [self._text(c)[0] for c in node.iter(include_text=False)]
            heads = [c for c in node.iter(include_text=False) if c.tag in _HEADINGS]
            level = int(heads[0].tag[1]) if heads else self._next_level()
            text, refs = " — ".join(p for p in parts if p), []
            for child in node.iter(include_text=False):
                refs += self._text(child)[1]
        else:
            text, refs = self._text(node)
            level = int(tag[1])
        text = text.replace("\n", " ")  # a title is cited on one line
        self.pending_refs += [key for _, key in refs]
        if not text:
            return
        while self.sections and self.sections[-1][0] >= level:
            self.sections.pop()
        self.sections.append((level, text))
        self._emit(node, text, "heading", context, [])

    def _next_level(self) -> int:
        return self.sections[-1][0] + 1 if self.sections else 2

    def _header_without_heading(self, node: Any, context: _Context) -> None:
        """A section's header that has no heading element: its first line is the
        section's title ("Observations"), unless it opens a dated entry (a date line, an
        entry's own title), where it is read as the entry's text."""
        if context.entry is not None:
            self._walk(node, context)
            return
        leaves = [n for n in node.traverse() if n.tag in _LEAVES and not _holds_blocks(n)]
        if not leaves:
            return
        text, refs = self._text(leaves[0])
        text = text.replace("\n", " ")
        if text:
            level = self._next_level()
            self.sections.append((level, text))
            self.pending_refs += [key for _, key in refs]
            self._emit(leaves[0], text, "heading", context, [])
        for leaf in leaves[1:]:
            self._leaf(leaf, context)

    def _leaf(self, node: Any, context: _Context) -> None:
        text, refs = self._text(node)
        if not text or _link_row(node, text):
            return
        kind: BlockKind = "paragraph"
        if node.tag == "dt":  # a definition's term: read as the head of its definition
            kind, text = "term", text.replace("\n", " ").rstrip(" —:.") + " —"
        self._emit(node, text, kind, context, refs)

    def _emit(
        self,
        node: Any,
        text: str,
        kind: BlockKind,
        context: _Context,
        refs: list[tuple[int, str]],
    ) -> None:
        written = machine = None
        if kind != "heading":
            stamp = node.css_first("time")
            if stamp is not None and self._dates(context.entry, text, stamp):
                written = normalize_whitespace(stamp.text()) or None
                machine = (stamp.attributes.get("datetime") or "").strip() or None
                if context.entry is not None:
                    self.dated.add(context.entry)
            if context.entry is not None:
                self.opened[context.entry] = self.opened.get(context.entry, 0) + 1
            if self.pending_refs:
                refs = [(0, key) for key in self.pending_refs] + refs
                self.pending_refs = []
        self.page_blocks.append(
            RawBlock(
                text=text,
                kind=kind,
                section=tuple(t for _, t in self.sections) if kind != "heading" else (),
                role=context.role,
                part_label=context.label,
                anchor=f"{self.name}{_anchor(node) or ''}",
                entry=context.entry,
                written=written,
                machine=machine,
                note=context.note,
                note_label=context.note_label,
                noterefs=tuple(refs),
            )
        )

    def _dates(self, entry: int | None, text: str, stamp: Any) -> bool:
        """Whether a ``<time>`` in a block is its entry's date: the first one in the first
        two blocks of a declared entry (its header or first paragraph); outside entries,
        one that opens the block (a date line the chunker may take as an entry's)."""
        if entry is not None:
            return entry not in self.dated and self.opened.get(entry, 0) < 2
        return text.startswith(normalize_whitespace(stamp.text()) or "\0")

    def _text(self, node: Any) -> tuple[str, list[tuple[int, str]]]:
        """The element's text, whitespace collapsed, and where note references were."""
        return self._clean(_inline_text([node]))

    def _clean(self, raw: str) -> tuple[str, list[tuple[int, str]]]:
        raw = _LINE_BREAKS.sub("\n", normalize_whitespace(raw))
        raw = _SPACE_BEFORE.sub("", raw)
        out = ""
        refs: list[tuple[int, str]] = []
        position = 0
        for match in _MARKER.finditer(raw):
            out = _join(out, raw[position : match.start()])
            refs.append((len(out), self.references[int(match.group(1))]))
            position = match.end()
        out = _join(out, raw[position:]).strip()
        return out, [(min(offset, len(out)), key) for offset, key in refs]


def _join(left: str, right: str) -> str:
    """Two pieces of a text around a removed note reference, spaced as the text was."""
    if left.endswith((" ", "\n")) and right.startswith(" "):
        return left + right.lstrip()
    if left.endswith(" ") and _CLOSING.match(right):
        return left.rstrip() + right
    return left + right


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _key(name: str, href: str) -> str:
    """A note's key: the path in the book of the page it is on, and its id."""
    target, _, fragment = href.partition("#")
    page = posixpath.normpath(posixpath.join(posixpath.dirname(name), target)) if target else name
    return f"{page}#{fragment}"


def _anchor(node: Any) -> str | None:
    while node is not None and node.tag not in ("body", "html", "-undef"):
        identifier = node.attributes.get("id") if node.attributes else None
        if identifier:
            return f"#{identifier}"
        node = node.parent
    return None


def parse_pages(
    pages: Iterator[tuple[str, str, frozenset[str]]],
) -> tuple[list[Page], bool]:
    """Pages (name, markup, inherited types) of one book, walked in order."""
    walker = _Walker()
    parsed = [walker.page(markup, name, inherited) for name, markup, inherited in pages]
    return parsed, walker.declares_entries


def source_text(
    pages: list[Page], metadata: dict[str, str], title: str | None, declares_entries: bool
) -> SourceText:
    """Join the blocks of one or more pages into one text, with their offsets.

    Metadata beyond a title opens it as a '---' block, which the chunker reads as front
    matter (and quotes as the "About this text" passage).
    """
    fields = {"Title": title, **metadata} if metadata else {}  # a title alone: no card
    lines = [f"{key.lower()}: {value}" for key, value in fields.items() if value]
    text = "---\n" + "\n".join(lines) + "\n---\n\n" if lines else ""
    blocks: list[Block] = []
    anchors: list[tuple[int, str]] = []
    pieces = [text]
    offset = len(text)
    for page in pages:
        for raw in page.blocks:
            start, end = offset, offset + len(raw.text)
            blocks.append(
                Block(
                    start=start,
                    end=end,
                    kind=raw.kind,
                    section=raw.section,
                    role=raw.role,
                    part_label=raw.part_label,
                    anchor=raw.anchor,
                    entry=raw.entry,
                    written=raw.written,
                    machine=raw.machine,
                    note=raw.note,
                    note_label=raw.note_label,
                    noterefs=tuple((start + at, key) for at, key in raw.noterefs),
                )
            )
            if raw.anchor:
                anchors.append((start, raw.anchor))
            pieces.append(raw.text + "\n\n")
            offset = end + 2
    return SourceText(
        "".join(pieces),
        "structured",
        dict(metadata),
        title,
        tuple(anchors),
        tuple(blocks),
        declares_entries,
    )


def read_html(path: Path, data: bytes) -> SourceText:
    """An HTML or XHTML file of the corpus as text (see the module doc)."""
    markup = decode(data, str(path))
    pages, declares = parse_pages(iter([(path.name, markup, frozenset())]))
    page = pages[0]
    if not any(b.kind != "heading" for b in page.blocks):
        raise CorpusError(f"{path}: no text found in the page (empty file?)")
    return source_text(pages, page.metadata, page.title, declares)
