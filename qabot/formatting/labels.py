"""The words every output shares: citation lines, shown scores, the abstention line."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from qabot.dates import date_label
from qabot.types import Answer, DiffOp, Hit, Order, Passage

ABSTAIN_MESSAGE = "The text does not seem to discuss this. The closest passages:"
# Said above hits that follow the text's own order rather than relevance.
ORDER_NOTES: dict[Order, str] = {
    "entry": "The passages of the entry, in its own order:",
    "text": "The passages at that edge of the text, in its own order:",
    "part": "The opening passages of that part, in its own order:",
    "part_end": "The closing passages of that part, in its own order:",
}
VERDICTS = {
    "exact": "In the text, word for word:",
    "close": "Close, but the text says it otherwise:",
    "absent": "Not in the text. The passages nearest in meaning:",
}


def abstain_line(answer: Answer) -> str:
    """'Why: …' — one short line saying why the answer abstained."""
    return f"Why: {answer.abstain_reason}." if answer.abstain_reason else ""


def citation_line(hit: Hit) -> str:
    """The citation, and the day it tells of when that is what the question asked."""
    citation = str(hit.passage.citation)
    if hit.tells_of:
        return f"{citation} (tells of {date_label(hit.tells_of)})"
    return citation


def date_note(passage: Passage) -> str | None:
    """When the file's machine-readable date differs from the date as written: say so
    (the written one is the citation's)."""
    if passage.date_machine is None or passage.date_machine == passage.date:
        return None
    return (
        f"the edition's machine-readable date is {date_label(passage.date_machine)}; "
        f"the text's own is {date_label(passage.date) if passage.date else 'not given'}"
    )


def score_text(score: float) -> str:
    """Two decimals, rounded down: a confidence just under the threshold never shows as it."""
    return f"{math.floor(score * 100) / 100:.2f}"


def score_label(hit: Hit) -> str:
    """'(score 0.79)', or '' when the hits follow an entry's order."""
    return "" if hit.score is None else f"  (score {score_text(hit.score)})"


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut cleanly at a word boundary so that, with the ellipsis, it fits ``limit``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    room = max(0, limit - len(ellipsis))
    cut = text[:room]
    if not text[room].isspace():  # the cut falls inside a word: drop that word
        space = cut.rfind(" ")
        if space > room // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:—-/") + ellipsis


def word_diff(
    diff: Sequence[tuple[DiffOp, str]],
    marks: tuple[str, str, str, str],
    escape: Callable[[str], str] = str,
) -> str:
    """The quote against the text: ``marks`` open and close the quote's own words, then
    the text's own words (``[-…-] {+…+}`` in the terminal, ~~…~~ **…** in Discord)."""
    parts = []
    for op, text in diff:
        if op == "=":
            parts.append(escape(text))
        elif op == "-":
            parts.append(marks[0] + text + marks[1])
        else:
            parts.append(marks[2] + text + marks[3])
    return " ".join(parts)
