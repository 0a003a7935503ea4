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
from qabot.chunking.passages import TokenCounter, Tools, passage_id, passages_of
from qabot.readers.source import Form, SourceText
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


def _as_is(text: str) -> str:
    return text


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
    tools = Tools(count_tokens, strip_markdown if read.form == "markdown" else _as_is)
    passages = passages_of(
        read.text, parts.paragraphs, parts.front_lines, source, title, tools, config, read.anchor_at
    )
    return Document(source, title, parts.metadata, tuple(passages), tuple(parts.skipped))
