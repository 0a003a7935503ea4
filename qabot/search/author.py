"""Who wrote the book, as terms: read from its front-matter card ("About this text").

The card names the author either as a field ("author: Samuel Pepys", from an EPUB's or
an HTML page's metadata) or, in a plain text, as its first line when that line is not a
field ("Leon Trotsky"). Three rules read it: the front matter is not asked for by the
author's name (``parts``), the author's name is no lexical evidence (``lexical``), and a
question about the book as a work ("Who wrote this book?", "When was the journal
written?", "What is the novel about?") prefers the card when a line of it answers
(``asks_about_the_book``, ``card_line``, read by ``scope``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from qabot.chunking.frontmatter import ABOUT_SECTION, EDITORS_NOTE
from qabot.text.terms import content_words, terms
from qabot.types import Passage

_FIELD = re.compile(r"^\s*(?:author|creator|by)\s*:\s*(.+)$", re.IGNORECASE)


# A question about the book as a work asks who made it, or when: one of these words…
_MAKING = frozenset(
    {
        *("write", "wrote", "written", "writer", "author", "authored", "authorship"),
        *("publish", "published", "publisher", "publication", "translate", "translated"),
        *("translator", "translation"),
    }
)
# …of the book itself: these, its title's words or its author's name, and nothing else.
_THE_BOOK = frozenset(
    {
        *("book", "books", "text", "work", "ebook", "volume", "edition", "novel", "diary"),
        *("journal", "dictionary", "story", "stories", "memoir", "memoirs", "letters"),
        *("poem", "poems", "play", "essay", "essays", "collection", "document"),
    }
)


# The card's fields that answer a question about the book, by what it asks (the word of
# making's kind) and whether it asks when; a field answers when its name holds one
# ("First Published", "edition date").
_FIELDS: dict[tuple[str, bool], tuple[str, ...]] = {
    ("write", False): ("author", "creator", "by", "writer"),
    ("write", True): ("written", "created"),  # not an ebook's "edition date"
    ("publish", False): ("publisher", "published"),
    ("publish", True): ("published", "publication"),
    ("translate", False): ("translated", "translator", "translation"),
    ("translate", True): ("translated", "translation"),
}
_KIND = {
    **{w: "publish" for w in ("publish", "published", "publisher", "publication")},
    **{w: "translate" for w in ("translate", "translated", "translator", "translation")},
}
# The card's fields that say what the book is about ("description: Stanley Ukridge
# ensnares the narrator …", from an EPUB's dc:description or a front-matter key).
_ABOUT_FIELDS = ("description", "summary", "synopsis", "abstract")
# "What is the book about?", "What's it about?", "Summarize the novel", "Give me a
# summary of the diary": ``book`` must name the book (``asks_about_the_book``).
_WHAT_IT_IS_ABOUT = re.compile(
    r"^\s*(?:what(?:[’']s|\s+is|\s+was)\s+(?P<book>.+?)\s+about"
    r"|(?:please\s+)?(?:summari[sz]e|describe)\s+(?P<book2>.+?)"
    r"|(?:(?:give\s+me|what\s+is)\s+)?(?:a\s+|the\s+)?(?:summary|synopsis|description)"
    r"\s+of\s+(?P<book3>.+?))[\s?.!]*$",
    re.IGNORECASE,
)
_WHEN = re.compile(r"\b(?:when|what year|which year|what date)\b", re.IGNORECASE)
_KEY = re.compile(r"^\s*([^:]{1,40}):")


def card_line(question: str, card: str) -> str | None:
    """The line of a front-matter card that answers a question about the book: the
    author's for "Who wrote it?", "Written: …" for "When was it written?", "Translated:
    …" for "Who translated it?". None when the card has no such line."""
    words = set(content_words(question))
    kind = next((_KIND[w] for w in sorted(words) if w in _KIND), "write")
    when = bool(_WHEN.search(question))
    lines = [line.strip() for line in card.splitlines() if line.strip()]
    if _WHAT_IT_IS_ABOUT.match(question):
        return next((line for line in lines if _field_among(line, _ABOUT_FIELDS)), None)
    for line in lines:
        if _field_among(line, _FIELDS[kind, when]):
            return line
    if (kind, when) == ("write", False) and lines and ":" not in lines[0]:
        return lines[0]  # a plain text's card opens with its author's name
    return None


def answering_line(question: str, card: str) -> str | None:
    """The card's line to show for a question about the book: ``card_line``'s, or, for
    "What is the book about?" of a card without a description, its title line (the card
    is then shown for want of anything that says more: ``scope``)."""
    found = card_line(question, card)
    if found is not None or not asks_what_it_is_about(question):
        return found
    lines = [line.strip() for line in card.splitlines() if line.strip()]
    return next((line for line in lines if _field_among(line, ("title",))), None)


def _field_among(line: str, fields: tuple[str, ...]) -> bool:
    """True when ``line`` is a card's field whose name holds one of ``fields``."""
    key = _KEY.match(line)
    return bool(key and set(re.findall(r"[a-z]+", key.group(1).lower())) & set(fields))


def is_card(passage: Passage) -> bool:
    """The front-matter card ("About this text"), not the edition's own pages (a
    colophon), which share its part."""
    return passage.role == "about" and passage.section == ABOUT_SECTION


def author_names(passages: Iterable[Passage]) -> list[str]:
    """Every author named by the front-matter cards among ``passages``."""
    names: list[str] = []
    for passage in passages:
        if not is_card(passage):
            continue
        lines = [line for line in passage.text.splitlines() if line.strip()]
        if lines and ":" not in lines[0]:
            names.append(lines[0])
        for line in lines:
            field = _FIELD.match(line)
            if field:
                names.append(field.group(1))
    return names


def author_terms(passages: Iterable[Passage]) -> frozenset[str]:
    """The terms of every author named by the front-matter cards among ``passages``."""
    return frozenset(t for name in author_names(passages) for t in terms(name))


def book_words(passages: Iterable[Passage]) -> frozenset[str]:
    """The words that name a book of ``passages``: its title's and its author's."""
    passages = list(passages)
    names = {p.title for p in passages} | set(author_names(passages))
    return frozenset(w for name in names for w in content_words(name))


def asks_what_it_is_about(question: str) -> bool:
    """True for "What is the book about?" and its kin (``_WHAT_IT_IS_ABOUT``), whatever
    it names; ``asks_about_the_book`` says whether it names the book."""
    return _WHAT_IT_IS_ABOUT.match(question) is not None


def describing(passages: Sequence[Passage], reading: Sequence[int]) -> list[int]:
    """The rows that say what a book is about when its card does not: the opening
    passage of its front matter's editors' note (a plain text's "NOTE: The following
    pages …") and of each part of editorial matter (an introduction, a foreword), as
    the book's reading order (``reading``) meets them."""
    rows: list[int] = []
    opened: set[tuple[str, str | None]] = set()
    for row in reading:
        passage = passages[row]
        key: tuple[str, str | None]
        if passage.section == EDITORS_NOTE:
            key = (passage.source, EDITORS_NOTE)
        elif passage.role == "editorial":
            key = (passage.source, passage.part_label)
        else:
            continue
        if key not in opened:
            opened.add(key)
            rows.append(row)
    return sorted(rows)


def asks_about_the_book(question: str, naming: frozenset[str]) -> bool:
    """True for a question about the book as a work: who wrote, published or translated
    it, or when ("Who wrote this book?", "Who is the author?", "When was the journal
    written?", "Who translated The Devil's Dictionary?"), or what it is about ("What is
    the novel about?", "What's it about?", "Summarize the book"). Its content words are
    a word of making and words that name the book (``naming``: its title's and its
    author's, as ``book_words`` reads them; or a kind of book), nothing else: "Who wrote
    the letter?" asks about the text, "What is the letter about?" too."""
    about = _WHAT_IT_IS_ABOUT.match(question)
    if about is not None:
        book = next(group for group in about.groups() if group is not None)
        words = set(content_words(book))
        return book.lower() in ("it", "this") or (bool(words) and not words - _THE_BOOK - naming)
    words = set(content_words(question))
    return bool(words & _MAKING) and not words - _MAKING - _THE_BOOK - naming
