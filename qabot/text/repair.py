"""Whitespace and transcription repairs: what the model sees, never what is quoted."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")
_LINE_HYPHEN = re.compile(r"(?<=[^\W\d_])- +(?=(?!(?:and|or|nor|to)\b)[a-z])")
_STRAY_HYPHEN = re.compile(r"(?<=\s)-(?=[a-z])")
# Invisible characters that editions put inside words and numbers ("1659⁠–⁠60"): word
# joiners, zero-width spaces and joiners, soft hyphens. They are never part of a word.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def normalize_whitespace(text: str) -> str:
    """Runs of whitespace as one space, trimmed; invisible joiners dropped."""
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


def normalize_lines(text: str) -> str:
    """Whitespace collapsed within each line, the lines kept (blank ones dropped): for a
    reader's block, which holds a newline only where the page breaks a line (verse, an
    address, a letter's close)."""
    lines = (normalize_whitespace(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def repair_text(text: str) -> str:
    """Undo transcription artifacts for embedding: 'frank- ness' → 'frankness', ' -of' → ' of'."""
    text = normalize_whitespace(text)
    text = _LINE_HYPHEN.sub("", text)
    return _STRAY_HYPHEN.sub("", text)
