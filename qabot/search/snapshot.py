"""One loaded index and the tables the question path derives from it, built once.

Everything a question needs besides its own embedding lives here as arrays indexed by
passage position: BM25 over passages and over sentences, which passage owns each
sentence, each passage's section and entry date, its place in its entry, which passages
are front matter. A hot reload replaces the whole snapshot, so a question never mixes
an old index with new tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from qabot.chunker import ABOUT, repair_text
from qabot.index import Index
from qabot.search.lexical import LexicalIndex, Terms, content_words
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

# Words that ask for an entry as a whole rather than for something in it.
GENERIC_WORDS = frozenset(
    {
        *("write", "wrote", "written", "writing", "note", "noted", "notes", "record"),
        *("recorded", "say", "said", "tell", "told", "happen", "happened", "happening"),
        *("doing", "done", "entry", "entries", "journal", "diary", "day", "days", "page"),
        *("pages", "author"),
    }
)


def normalize_label(text: str) -> str:
    """For matching names typed by people: case, curly quotes and spacing ignored."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


class Snapshot:
    """An index plus its derived tables; immutable once built."""

    def __init__(self, index: Index) -> None:
        import numpy as np

        self.index = index
        passages = index.passages
        self.passages: Sequence[Passage] = passages
        self.terms = Terms()
        self.position = {p.id: i for i, p in enumerate(passages)}
        self.unit_owner = np.array(
            [self.position[i] for i in index.units.passage_ids], dtype=np.int64
        )
        self.lexical = LexicalIndex([p.embed_text for p in passages], self.terms)
        # Sentence-level BM25: each sentence of a multi-sentence passage, else the passage.
        with_units = set(index.units.passage_ids)
        owners = [i for i, p in enumerate(passages) if p.id not in with_units]
        texts = [passages[i].embed_text for i in owners]
        texts += [repair_text(text) for text in index.units.texts]
        self.sentence_owner = np.array(owners + self.unit_owner.tolist(), dtype=np.int64)
        self.sentence_lexical = LexicalIndex(texts, self.terms)
        self.vocabulary = self.lexical.vocabulary | self.sentence_lexical.vocabulary
        self.sections = sorted({p.section for p in passages if p.section and p.role != ABOUT})
        self.section_of = np.array(
            [
                self.sections.index(p.section) if p.section in self.sections else -1
                for p in passages
            ],
            dtype=np.int64,
        )
        self.entry_dates = sorted({p.date for p in passages if p.date})
        self.date_of = np.array(
            [self.entry_dates.index(p.date) if p.date else -1 for p in passages], dtype=np.int64
        )
        self.entry_order = _entry_order(passages)
        self.about = np.array([p.role == ABOUT for p in passages], dtype=bool)
        self.shingles: dict[int, frozenset[tuple[str, ...]]] = {}  # see search.duplicates
        self.generic_words = GENERIC_WORDS | {w for p in passages for w in content_words(p.title)}
        # Terms of the front matter that are not the title's or the author's: a question
        # must use one of them for the front-matter passage to rank above the body.
        title_terms = {t for p in passages for t in self.terms(p.title)}
        self.about_terms = (
            frozenset(t for p in passages if p.role == ABOUT for t in self.terms(p.embed_text))
            - title_terms
            - _author_terms(passages, self.terms)
        )

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def surface_words(self) -> frozenset[str]:
        """Every word of the quoted text, lower case."""
        return frozenset(w for p in self.passages for w in re.findall(r"\w+", p.text.lower()))

    @cached_property
    def flat_text(self) -> str:
        """The passages' words, lower case, one space apart: for phrase look-ups."""
        words = (normalize_label(" ".join(re.findall(r"\w+", p.text))) for p in self.passages)
        return " " + " ".join(words) + " "

    def mentions(self, phrase: str) -> bool:
        """True when the words of ``phrase`` occur together somewhere in the text."""
        wanted = normalize_label(" ".join(re.findall(r"\w+", phrase)))
        return bool(wanted) and f" {wanted} " in self.flat_text


def _author_terms(passages: Sequence[Passage], terms: Terms) -> frozenset[str]:
    """Terms of the front matter's first line when it names the author ('Leon Trotsky')."""
    found: set[str] = set()
    for passage in passages:
        if passage.role == ABOUT:
            first = passage.text.split("\n\n", 1)[0]
            if ":" not in first:
                found.update(terms(first))
    return frozenset(found)


def _entry_order(passages: Sequence[Passage]) -> np.ndarray:
    """Each passage's place within its entry (0 = the entry's first passage)."""
    import numpy as np

    order = np.zeros(len(passages), dtype=np.int64)
    seen: dict[tuple[str, str | None], int] = {}
    for row in sorted(range(len(passages)), key=lambda i: (passages[i].source, passages[i].start)):
        key = (passages[row].source, passages[row].date)
        order[row] = seen.get(key, 0)
        seen[key] = order[row] + 1
    return order
