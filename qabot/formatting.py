"""Answers and passages rendered as terminal text and JSON records — pure functions."""

from __future__ import annotations

import textwrap
from typing import Any

from qabot.types import Answer, Hit, Passage

ABSTAIN_MESSAGE = "The text does not seem to discuss this. The closest passages:"


def hit_record(hit: Hit) -> dict[str, Any]:
    """One result of the `--json` schema."""
    passage = hit.passage
    return {
        "rank": hit.rank,
        "score": round(hit.score, 4),
        "text": passage.text,
        "source": passage.source,
        "section": passage.section,
        "date": passage.date,
        "citation": str(passage.citation),
        "highlight": hit.highlight,
    }


def answer_record(answer: Answer) -> dict[str, Any]:
    """The `qabot ask --json` object for one question."""
    return {
        "question": answer.question,
        "abstained": answer.abstained,
        "results": [hit_record(hit) for hit in answer.hits],
    }


def passage_record(passage: Passage) -> dict[str, Any]:
    """The `qabot passages --json` object for one passage."""
    return {
        "id": passage.id,
        "text": passage.text,
        "source": passage.source,
        "title": passage.title,
        "section": passage.section,
        "date": passage.date,
        "paragraphs": list(passage.paragraphs),
        "start": passage.start,
        "end": passage.end,
        "citation": str(passage.citation),
        "tokens": passage.tokens,
    }


def _wrap(text: str, width: int, indent: str) -> str:
    paragraphs = text.split("\n\n")
    wrapped = [
        textwrap.fill(p, width=width, initial_indent=indent, subsequent_indent=indent)
        for p in paragraphs
    ]
    return f"\n{indent}\n".join(wrapped)


def render_answer(answer: Answer, width: int = 88) -> str:
    """Citation line first, then the quoted passage, wrapped for a terminal."""
    width = max(40, width)
    lines = [f"Q: {answer.question}", ""]
    if answer.abstained:
        lines += [ABSTAIN_MESSAGE, ""]
    if not answer.hits:
        lines.append("(the corpus has no passages)")
    for hit in answer.hits:
        header = f"[{hit.rank}] {hit.passage.citation}  (score {hit.score:.2f})"
        lines.append(textwrap.fill(header, width=width, subsequent_indent="    "))
        lines.append(_wrap(hit.passage.text, width, "    "))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_passage(passage: Passage, width: int = 88) -> str:
    """A passage for `qabot passages`: id, citation, token count, then the text."""
    width = max(40, width)
    header = f"#{passage.id}  {passage.citation}  [{passage.source}, {passage.tokens} tokens]"
    header = textwrap.fill(header, width=width, subsequent_indent="    ")
    return header + "\n" + _wrap(passage.text, width, "    ") + "\n"
