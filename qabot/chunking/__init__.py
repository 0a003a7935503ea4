"""Text → passages: pure functions over what a reader made of a file.

==============  ====================================================================
``model``       the chunker's values: ``ChunkingConfig``, spans, paragraphs
``frontmatter`` a document's front matter: metadata, the "About this text" lines
``plain``       plain text and Markdown → paragraphs, by how the text looks
``structured``  a reader's blocks (HTML, EPUB) → paragraphs, by what the markup declares
``entries``     only diaries have entries: which dates open entries, and their dates
``passages``    paragraphs → passages: the token budget, ids, notes linked
``markdown``    Markdown's inline markup out of quotes
==============  ====================================================================

The only outside input is ``count_tokens``, the embedding model's own tokenizer, so no
passage is ever silently truncated by the model.
"""

from __future__ import annotations

import re

from qabot.chunking.frontmatter import ABOUT_SECTION, EDITORS_NOTE
from qabot.chunking.markdown import strip_markdown
from qabot.chunking.model import CHUNKER_VERSION, ChunkingConfig
from qabot.chunking.passages import Quoter, TokenCounter, Tools, passage_id, passages_of
from qabot.readers.source import Form, SourceText
from qabot.text.repair import normalize_lines, normalize_whitespace
from qabot.types import Document

__all__ = [
    "ABOUT_SECTION",
    "CHUNKER_VERSION",
    "EDITORS_NOTE",
    "ChunkingConfig",
    "TokenCounter",
    "chunk_document",
    "default_title",
    "passage_id",
    "strip_markdown",
]


def _quoter(form: Form) -> Quoter:
    """How a source's text is quoted. A reader's block holds a newline only where the page
    breaks a line (verse, an address), and keeps it, as Markdown keeps a hard line break;
    a plain text's line breaks are its wrapping, and a paragraph is quoted on one line."""
    if form == "structured":
        return _quote_blocks
    if form == "markdown":
        return lambda text: normalize_lines(strip_markdown(text))
    return normalize_whitespace


def _quote_blocks(text: str) -> str:
    """A reader's blocks as quoted: each block's lines kept; the blocks of one paragraph
    (a definition's term and the definition, a blank line apart in the source) a space
    apart."""
    return " ".join(filter(None, (normalize_lines(block) for block in text.split("\n\n"))))


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
    from qabot.chunking import plain, structured

    config = config or ChunkingConfig()
    if isinstance(text, SourceText):
        read = text
    else:
        form: Form = "markdown" if source.endswith((".md", ".markdown")) else "text"
        read = SourceText(text, form)
    if read.form == "structured":
        parts = structured.structure(read)
    else:
        parts = plain.structure(read.text, markdown=read.form == "markdown")
    title = read.title or parts.title or default_title(source)
    tools = Tools(count_tokens, _quoter(read.form))
    passages = passages_of(
        read.text, parts.paragraphs, parts.front_lines, source, title, tools, config, read.anchor_at
    )
    return Document(source, title, parts.metadata, tuple(passages), tuple(parts.skipped))
