"""Is a quotation in the corpus? exact, close (with the text's real wording), or absent.

Both the quote and the passages are normalized the same way before comparing: case,
curly and straight quotes, dashes, whitespace, line-break hyphenation ("frank- ness"),
and two confusions of this kind of transcription: a lone "1" for "I" ("On the 21st 1
answered") and "li" for "h" ("lie seeks" for "He seeks"). Punctuation is ignored.

- **exact**: the normalized quote's words occur, in order and contiguous, in a passage;
- **close**: rapidfuzz's best partial alignment of the quote in a passage scores at least
  ``CLOSE_SCORE`` (0–100; a word changed, added, dropped or moved); the text's wording
  there is shown, with a word diff (rapidfuzz opcodes);
- **absent**: neither; the closest passages by meaning are shown instead.

``CLOSE_SCORE`` and ``MIN_WORDS`` were chosen on ``tests/eval/quotes.jsonl`` (exact,
normalized, altered and absent quotations, including famous lines of the author from
other texts and made-up lines on the journal's topics): ``qabot verify --eval`` prints
the confusion table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qabot.text.repair import repair_text
from qabot.types import DiffOp, Passage, Reading, Verdict, VerdictKind

CLOSE_SCORE = 71.0  # least rapidfuzz partial_ratio of a close quotation (fitted, see above)
MIN_WORDS = 3  # a shorter quotation is too common to tell apart

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


@dataclass(frozen=True)
class Word:
    """A normalized word and where it is in the original text."""

    text: str
    start: int
    end: int


def words_of(text: str) -> list[Word]:
    """The normalized words of ``text``, each with its span in ``text``.

    A word broken at a line end ("frank- ness") is joined; "1" alone reads "i"; "li" reads
    "h"; case, quotes and dashes are folded; punctuation is dropped.
    """
    folded = _DASHES.sub("-", text.translate(_QUOTES)).lower()
    found: list[Word] = []
    for match in _WORD.finditer(folded):
        word = match.group()
        between = folded[found[-1].end : match.start()] if found else ""
        if len(between) > 1 and between[0] == "-" and not between[1:].strip() and word[0].isalpha():
            last = found.pop()  # "frank- ness"
            found.append(Word(last.text + word, last.start, match.end()))
            continue
        found.append(Word(word, match.start(), match.end()))
    return [Word(_confusions(w.text), w.start, w.end) for w in found]


def _confusions(word: str) -> str:
    if word == "1":
        return "i"
    return word.replace("li", "h")


class QuoteTable:
    """Every passage's normalized words (with their spans) and their joined text, built
    once per library, the first time a quotation is checked."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = tuple(passages)
        self.words: tuple[tuple[Word, ...], ...] = tuple(tuple(words_of(p.text)) for p in passages)
        self.texts: tuple[str, ...] = tuple(" ".join(w.text for w in ws) for ws in self.words)


def verify(table: QuoteTable, quote: str, place: Callable[[Passage], Reading]) -> Verdict:
    """Exact or close match of ``quote`` in the corpus, else absent (without ``closest``;
    the library adds the passages nearest in meaning). ``place`` gives a passage its
    neighbours."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    wanted = words_of(repair_text(quote))
    if len(wanted) < MIN_WORDS:
        return Verdict(quote, "absent", 0.0)
    needle = " ".join(w.text for w in wanted)
    texts = table.texts
    for position, text in enumerate(texts):
        at = f" {text} ".find(f" {needle} ")
        if at >= 0:
            first = text[:at].count(" ") if at else 0
            return _verdict(quote, "exact", 100.0, table, position, first, len(wanted), (), place)
    best = process.extractOne(needle, texts, scorer=fuzz.partial_ratio)
    if best is None or best[1] < CLOSE_SCORE:
        return Verdict(quote, "absent", round(best[1], 1) if best else 0.0)
    _, score, position = best
    text = texts[position]
    alignment = fuzz.partial_ratio_alignment(needle, text)
    if alignment is None:  # pragma: no cover - a score above the threshold has one
        return Verdict(quote, "absent", round(score, 1))
    start = text[: alignment.dest_start].count(" ")
    end = text[: alignment.dest_end].count(" ") + 1
    quoted = repair_text(quote)
    theirs_words = table.words[position]
    passage_text = table.passages[position].text
    ops = list(
        Levenshtein.opcodes([w.text for w in wanted], [w.text for w in theirs_words[start:end]])
    )
    # The character alignment can reach into a word before or after the quotation: words
    # of the text at either end that the quote does not have are not part of the match.
    while ops and ops[0].tag == "insert":
        start += ops.pop(0).dest_end
    while ops and ops[-1].tag == "insert":
        end -= ops[-1].dest_end - ops.pop().dest_start
    ops = list(
        Levenshtein.opcodes([w.text for w in wanted], [w.text for w in theirs_words[start:end]])
    )
    found = theirs_words[start:end]

    def original(words: Sequence[Word], source: str) -> str:
        return " ".join(source[w.start : w.end] for w in words)

    # Compared on normalized words, shown in each side's own words: the text's side as
    # the file has it (case, spelling, OCR and all), the quote's as it was typed.
    diff: list[tuple[DiffOp, str]] = []
    for op in ops:
        mine = wanted[op.src_start : op.src_end]
        theirs = found[op.dest_start : op.dest_end]
        if op.tag == "equal":
            diff.append(("=", original(theirs, passage_text)))
        else:
            if mine:
                diff.append(("-", original(mine, quoted)))
            if theirs:
                diff.append(("+", original(theirs, passage_text)))
    return _verdict(
        quote, "close", round(score, 1), table, position, start, end - start, tuple(diff), place
    )


def _verdict(
    quote: str,
    verdict: VerdictKind,
    score: float,
    table: QuoteTable,
    position: int,
    first: int,
    count: int,
    diff: Sequence[tuple[DiffOp, str]],
    place: Callable[[Passage], Reading],
) -> Verdict:
    passage = table.passages[position]
    found = table.words[position][first : first + count]
    match = passage.text[found[0].start : found[-1].end] if found else None
    return Verdict(quote, verdict, score, place(passage), match, tuple(diff))
