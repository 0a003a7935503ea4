"""Sentence boundaries (sentencex), as offsets into the text they come from."""

from __future__ import annotations


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence boundaries as offsets (plus ``offset``), whitespace between them excluded."""
    import sentencex

    spans: list[tuple[int, int]] = []
    position = 0
    for sentence in sentencex.segment("en", text):
        start = position + (len(sentence) - len(sentence.lstrip()))
        end = position + len(sentence.rstrip())
        if end > start:
            spans.append((offset + start, offset + end))
        position += len(sentence)
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage's text, paragraph by paragraph, whitespace collapsed."""
    sentences = []
    for paragraph in text.split("\n\n"):
        for start, end in sentence_spans(paragraph):
            sentences.append(" ".join(paragraph[start:end].split()))
    return [s for s in sentences if s]
