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


def sentence_offsets(text: str) -> list[tuple[int, int]]:
    """Where the sentences of a passage's text are, paragraph by paragraph (a sentence
    never crosses the blank line between two paragraphs, and runs on across a line
    break inside one: verse is read as its sentences)."""
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in text.split("\n\n"):  # a line break inside one is a space to it
        spans.extend(sentence_spans(paragraph.replace("\n", " "), position))
        position += len(paragraph) + 2
    return spans


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence at ``start``:``end`` of ``text``, its whitespace made single spaces."""
    return " ".join(text[start:end].split())


def split_sentences(text: str) -> list[str]:
    """The sentences of a passage's text, paragraph by paragraph, whitespace collapsed."""
    return [s for s in (sentence_at(text, *span) for span in sentence_offsets(text)) if s]
