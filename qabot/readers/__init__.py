"""Corpus files → text the chunker reads: plain text, Markdown, HTML/XHTML and EPUB.

Each reader returns a ``SourceText``: the text (for HTML and EPUB, one block per heading
or paragraph, headings marked as in Markdown), its form, the metadata found (title,
author, date, rights …) and, for markup, the element each block came from, so that a
citation can point into the file (``chapter-5.xhtml#entry-12``). Markup is parsed with
selectolax (HTML) and the EPUB's own container and OPF spine (zipfile, ElementTree),
never with regular expressions. A file that cannot be read is a ``CorpusError`` naming
it and the fix, like a bad text file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qabot.errors import CorpusError
from qabot.readers.source import FORMS, Form, SourceText

READABLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub")

__all__ = ["FORMS", "READABLE_SUFFIXES", "SourceText", "read_source"]


def read_source(path: Path, data: bytes) -> SourceText:
    """Read one corpus file (its path, for the reader and for messages; its bytes) with
    the reader its suffix calls for."""
    try:
        return _read(path, data)
    except RecursionError:  # the markup walk follows its nesting: a page of 3,000 <div>s
        raise CorpusError(
            f"{path}: its markup is nested too deep to read (over "
            f"{sys.getrecursionlimit()} levels); save it flatter, or as plain text"
        ) from None


def _read(path: Path, data: bytes) -> SourceText:
    suffix = path.suffix.lower()
    if suffix == ".epub":
        from qabot.readers.epub import read_epub

        return read_epub(path, data)
    if suffix in (".html", ".htm", ".xhtml"):
        from qabot.readers.html import read_html

        return read_html(path, data)
    from qabot.readers.plain import decode_text

    form: Form = "markdown" if suffix in (".md", ".markdown") else "text"
    return SourceText(decode_text(data, str(path)), form)
