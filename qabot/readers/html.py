"""HTML and XHTML pages → blocks of text, with their metadata and element ids.

Parsed with selectolax (lexbor). What a reader of the page reads is kept: headings
(``h1``–``h6``, written as Markdown headings), paragraphs, list items, block quotes.
What is not text is dropped: page chrome (``nav``, ``header``, ``footer``, ``aside``,
scripts, styles, forms, navigation roles), note references (``epub:type="noteref"``,
``role="doc-noteref"``, footnote numbers in ``sup``) and rows made only of links.
``<time datetime>`` at the head of a block becomes a date line before it. Metadata
comes from ``<title>`` and ``<meta>`` (author, date, rights, publisher, Dublin Core).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qabot.errors import CorpusError
from qabot.readers.source import SourceText

_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "blockquote", "li", "dd", "dt", "pre")
_LEAVES = (*_BLOCKS, "div", "figcaption", "td", "th", "address")
_CHROME = (
    *("nav", "header", "footer", "aside", "script", "style", "noscript", "template"),
    *("iframe", "form", "button", "menu", "svg", "select", "object", "head"),
)
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "doc-noteref", "doc-backlink"}
_NOTE_TYPES = {"noteref", "footnote-ref", "endnote-ref", "doc-noteref", "backlink"}
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
_WS = re.compile(r"\s+")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Block:
    """One heading or paragraph of a page, and the element id it sits in."""

    text: str  # whitespace collapsed; a heading as '## Title'
    anchor: str | None  # '#id' of the nearest element with an id, if any


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


def _is_note(node: Any) -> bool:
    kinds = set(_attribute(node, "epub:type").split()) | set(_attribute(node, "role").split())
    if kinds & _NOTE_TYPES:
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


def _anchor(node: Any) -> str | None:
    while node is not None and node.tag not in ("body", "html", "-undef"):
        identifier = node.attributes.get("id") if node.attributes else None
        if identifier:
            return f"#{identifier}"
        node = node.parent
    return None


def _holds_blocks(node: Any) -> bool:
    """True when a block element holds other blocks (``css`` would match the node itself)."""
    return any(child.tag in _LEAVES for child in node.traverse() if child.mem_id != node.mem_id)


def _link_row(node: Any, text: str) -> bool:
    """A block whose words are all link text: a navigation row, not prose."""
    links = [(a.text() or "").strip() for a in node.css("a")]
    linked = _WS.sub("", "".join(links))
    return bool(links) and len(linked) >= len(_WS.sub("", text)) * 0.9


def parse(markup: str) -> tuple[list[Block], dict[str, str], str | None]:
    """Blocks in reading order, the page's metadata and its title."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(markup)
    title_node = tree.css_first("title")
    title = _WS.sub(" ", title_node.text()).strip() if title_node else None
    metadata: dict[str, str] = {}
    for meta in tree.css("meta"):
        key = _attribute(meta, "name") or _attribute(meta, "property")
        content = (meta.attributes.get("content") or "").strip()
        if key in _META and content:
            metadata.setdefault(_META[key], content)
    for node in tree.css(",".join(_CHROME)):
        node.decompose()
    for node in tree.css("[role]"):
        if set(_attribute(node, "role").split()) & _CHROME_ROLES:
            node.decompose()
    for node in tree.css("a, sup, span"):
        if _is_note(node):
            node.decompose()
    body = tree.body or tree.root
    blocks: list[Block] = []
    if body is None:
        return blocks, metadata, title
    for node in body.css(",".join(_LEAVES)):
        if node.tag not in _BLOCKS[:6] and _holds_blocks(node):
            continue  # not innermost: its inner blocks are read instead
        text = _WS.sub(" ", node.text(separator=" ") or "").strip()
        text = re.sub(r"\s+([,.;:!?’”)])", r"\1", text)  # spaces left by removed notes
        if not text or (node.tag not in _BLOCKS[:6] and _link_row(node, text)):
            continue
        if node.tag in _BLOCKS[:6]:
            blocks.append(Block("#" * int(node.tag[1]) + " " + text, _anchor(node)))
            continue
        stamp = node.css_first("time[datetime]")
        if stamp is not None and _ISO_DAY.match(stamp.attributes.get("datetime") or ""):
            day = (stamp.attributes.get("datetime") or "")[:10]
            blocks.append(Block(day, _anchor(node)))  # a date line: this entry's date
        blocks.append(Block(text, _anchor(node)))
    return blocks, metadata, title


def source_text(
    parts: list[tuple[str, list[Block]]], metadata: dict[str, str], title: str | None
) -> SourceText:
    """Join the blocks of one or more documents ((file name, blocks)) into one text.

    Metadata beyond a title opens it as a '---' block, which the chunker reads as front
    matter (and quotes as the "About this text" passage).
    """
    fields = {"Title": title, **metadata} if metadata else {}  # a title alone: no card
    lines = [f"{key.lower()}: {value}" for key, value in fields.items() if value]
    text = "---\n" + "\n".join(lines) + "\n---\n\n" if lines else ""
    anchors: list[tuple[int, str]] = []
    for name, blocks in parts:
        for block in blocks:
            anchors.append((len(text), f"{name}{block.anchor or ''}"))
            text += block.text.replace("\n", " ") + "\n\n"
    return SourceText(text, "structured", dict(metadata), title, tuple(anchors))


def read_html(path: Path, data: bytes) -> SourceText:
    """An HTML or XHTML file of the corpus as text (see the module doc)."""
    markup = decode(data, str(path))
    blocks, metadata, title = parse(markup)
    if not blocks:
        raise CorpusError(f"{path}: no text found in the page (empty file?)")
    return source_text([(path.name, blocks)], metadata, title)
