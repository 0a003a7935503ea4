"""Who wrote the book, as terms: read from its front-matter card ("About this text").

The card names the author either as a field ("author: Samuel Pepys", from an EPUB's or
an HTML page's metadata) or, in a plain text, as its first line when that line is not a
field ("Leon Trotsky"). Two rules read it: the front matter is not asked for by the
author's name (``parts``), and the author's name is no lexical evidence (``lexical``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qabot.chunking.frontmatter import ABOUT_SECTION
from qabot.text.terms import terms
from qabot.types import Passage

_FIELD = re.compile(r"^\s*(?:author|creator|by)\s*:\s*(.+)$", re.IGNORECASE)


def author_terms(passages: Iterable[Passage]) -> frozenset[str]:
    """The terms of every author named by the front-matter cards among ``passages`` (not
    by the edition's own pages, such as a colophon, which share the card's part)."""
    found: set[str] = set()
    for passage in passages:
        if passage.role != "about" or passage.section != ABOUT_SECTION:
            continue
        lines = [line for line in passage.text.splitlines() if line.strip()]
        if lines and ":" not in lines[0]:
            found.update(terms(lines[0]))
        for line in lines:
            field = _FIELD.match(line)
            if field:
                found.update(terms(field.group(1)))
    return frozenset(found)
