"""Markdown's inline markup out of quotes: what a reader of the rendered page sees."""

from __future__ import annotations

import re


def strip_markdown(text: str) -> str:
    """The words of Markdown as a reader sees them: link text without the link, no
    emphasis marks, no note references ("[389](endnotes.xhtml#note-389)", "[^1]") and no
    block-quote markers; a hard line break (two spaces or a backslash at a line's end, as
    verse is written) is a newline, the other line breaks spaces. Parsed with
    markdown-it-py's inline parser."""
    from markdown_it import MarkdownIt

    text = _FOOTNOTE_LABEL.sub("", QUOTE_MARKER.sub("", text))
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
        elif token.type == "softbreak":  # the file's wrapping
            words.append(" ")
        elif token.type == "hardbreak":  # a line the text breaks: "  " or "\\" at its end
            words.append("\n")
    return _FOOTNOTE_REF.sub("", "".join(words))


QUOTE_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\](?!:)")
_FOOTNOTE_LABEL = re.compile(r"^[ \t]*\[\^[^\]\s]+\]:[ \t]*", re.M)  # "[^1]: the note"
_NOTE_LABEL = re.compile(r"\[?\d{1,4}\]?|[*†‡§]")
_NOTE_HREF = re.compile(r"note|fn|foot", re.I)

# Bump when the chunking rules change, so existing indexes are rebuilt.
