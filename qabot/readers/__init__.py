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

from qabot.readers.source import FORMS, SourceText, read_source

READABLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub")

__all__ = ["FORMS", "READABLE_SUFFIXES", "SourceText", "read_source"]
