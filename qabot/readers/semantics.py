"""What markup declares about the parts of a book: EPUB 3 structural semantics
(``epub:type``), DPUB-ARIA roles (``role="doc-…"``) and the Z39.98 and Standard Ebooks
vocabularies they are used with. One table per question a reader asks of an element:
which part of the book it is, whether it is read at all, whether it is a dated entry,
a note, or a reference to a note.
"""

from __future__ import annotations

from typing import Any

from qabot.types import Role

# Which part of the book a section is. The nearest element that declares one decides.
PARTS: dict[str, Role] = {
    **dict.fromkeys(
        ("endnotes", "footnotes", "rearnotes", "endnote", "footnote", "rearnote", "note"),
        "notes",
    ),
    **dict.fromkeys(
        ("doc-endnotes", "doc-footnote", "doc-endnote", "doc-footnotes", "doc-notes"), "notes"
    ),
    **dict.fromkeys(("introduction", "foreword", "preface", "afterword"), "editorial"),
    **dict.fromkeys(
        ("doc-introduction", "doc-foreword", "doc-preface", "doc-afterword"), "editorial"
    ),
    **dict.fromkeys(("imprint", "colophon", "copyright-page", "doc-colophon"), "about"),
    **dict.fromkeys(("doc-credits", "contributors", "doc-acknowledgments"), "about"),
    # the author's own divisions: they end any part an outer element declared
    **dict.fromkeys(("bodymatter", "chapter", "part", "division", "volume", "doc-chapter"), "text"),
    **dict.fromkeys(("dedication", "epigraph", "prologue", "epilogue", "z3998:diary"), "text"),
}
# What editorial matter is, in a citation.
PART_LABELS = {
    "introduction": "Introduction",
    "foreword": "Foreword",
    "preface": "Preface",
    "afterword": "Afterword",
}
# Not read: navigation, and title pages (the title and author are in the "About" card).
SKIPPED = frozenset(
    {
        *("toc", "loi", "lot", "landmarks", "page-list", "index", "titlepage", "halftitlepage"),
        *("fulltitle", "doc-toc", "doc-pagelist", "doc-index", "navigation", "banner"),
        *("contentinfo", "search", "backlink", "doc-backlink", "doc-noteref", "noteref"),
    }
)
# A dated unit of the text: a diary entry. A letter is one too, unless inside an entry.
ENTRIES = frozenset({"z3998:diary-entry"})
LETTERS = frozenset({"z3998:letter"})
# One note (an item of a notes section, or a footnote aside).
NOTE_ITEMS = frozenset({"endnote", "footnote", "rearnote", "doc-endnote", "doc-footnote"})
NOTE_REFS = frozenset({"noteref", "footnote-ref", "endnote-ref", "doc-noteref"})


def kinds(node: Any) -> frozenset[str]:
    """The element's ``epub:type`` and ``role`` tokens, lower case."""
    attributes = node.attributes or {}
    tokens = f"{attributes.get('epub:type') or ''} {attributes.get('role') or ''}"
    return frozenset(tokens.lower().split())


def part_of(tokens: frozenset[str]) -> Role | None:
    """The part a set of tokens declares, if any (a note part wins over others)."""
    found = {PARTS[t] for t in tokens if t in PARTS}
    order: tuple[Role, ...] = ("notes", "editorial", "about", "text")
    return next((role for role in order if role in found), None)


def part_label(tokens: frozenset[str]) -> str | None:
    """'Introduction', 'Foreword' …: what editorial matter a section is."""
    for token in tokens:
        name = token.removeprefix("doc-")
        if name in PART_LABELS:
            return PART_LABELS[name]
    return None
