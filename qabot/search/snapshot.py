"""One loaded index and the tables the question path derives from it, built once.

Everything a question needs besides its own embedding lives here as arrays indexed by
passage position: BM25 over passages and over sentences, which passage owns each
sentence, each passage's section and entry date, its place in its entry, which passages
are front matter. A hot reload replaces the whole snapshot, so a question never mixes
an old index with new tables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from qabot.chunker import ABOUT
from qabot.index import Index
from qabot.search.lexical import Terms, content_words
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
    """An index plus its derived tables; immutable once built (shingles cached lazily).

    Built once per loaded index, with array operations only where the work grows with
    the corpus, so that answering a question costs array slices, not Python loops.
    """

    def __init__(self, index: Index) -> None:
        import numpy as np

        self.index = index
        passages = index.passages
        self.passages: Sequence[Passage] = passages
        self.terms = Terms()
        ids = np.fromiter((p.id for p in passages), dtype=np.int64, count=len(passages))
        self.position = {int(i): row for row, i in enumerate(ids)}
        by_id = np.argsort(ids)

        def positions_of(wanted: np.ndarray) -> np.ndarray:
            return by_id[np.searchsorted(ids[by_id], wanted)] if len(wanted) else wanted

        # Dense: the passage vectors in passage order (one matrix product per question).
        self.vectors = index.vectors()
        units = index.units
        self.unit_owner = positions_of(np.asarray(units.passage_ids, dtype=np.int64))
        self.unit_groups = _groups(self.unit_owner)
        self.unit_start = np.full(len(passages), -1, dtype=np.int64)
        self.unit_end = np.full(len(passages), -1, dtype=np.int64)
        starts, owners = self.unit_groups
        ends = np.append(starts[1:], len(self.unit_owner)).astype(np.int64)
        self.unit_start[owners], self.unit_end[owners] = starts, ends
        # Lexical: the BM25 tables stored with the index.
        self.lexical = index.bm25.passages
        self.sentence_lexical = index.bm25.sentences
        self.sentence_owner = index.bm25.sentence_owner
        self.sentence_groups = _groups(self.sentence_owner)
        self.vocabulary = frozenset(self.lexical.vocabulary) | frozenset(
            self.sentence_lexical.vocabulary
        )
        # Scope: each passage's section and entry date as small integers.
        self.sections = sorted({p.section for p in passages if p.section and p.role != ABOUT})
        section_number = {name: i for i, name in enumerate(self.sections)}
        self.section_of = np.fromiter(
            (section_number.get(p.section, -1) if p.role != ABOUT else -1 for p in passages),
            dtype=np.int64,
            count=len(passages),
        )
        self.entry_dates = sorted({p.date for p in passages if p.date})
        date_number = {d: i for i, d in enumerate(self.entry_dates)}
        self.date_of = np.fromiter(
            (date_number.get(p.date, -1) if p.date else -1 for p in passages),
            dtype=np.int64,
            count=len(passages),
        )
        self.entry_order = _entry_order(passages)
        # The days passages tell of: one row per (passage, day), as ordinals.
        told = [(i, day) for i, p in enumerate(passages) for day in p.mentions]
        self.mention_owner = np.array([i for i, _ in told], dtype=np.int64)
        self.mention_day = np.array(
            [dt.date.fromisoformat(day).toordinal() for _, day in told], dtype=np.int64
        )
        self.about = np.fromiter(
            (p.role == ABOUT for p in passages), dtype=bool, count=len(passages)
        )
        titles = {p.title for p in passages}
        self.generic_words = GENERIC_WORDS | {w for t in titles for w in content_words(t)}
        # Terms of the front matter that are not the title's or the author's: a question
        # must use one of them for the front-matter passage to rank above the body.
        about = [passages[i] for i in np.flatnonzero(self.about)]
        title_terms = {t for title in titles for t in self.terms(title)}
        self.about_terms = (
            frozenset(t for p in about for t in self.terms(p.embed_text))
            - title_terms
            - _author_terms(about, self.terms)
        )
        self.shingles: dict[int, frozenset[tuple[str, ...]]] = {}  # see search.duplicates
        self.quote_words: dict[int, list] = {}  # see search.verify
        self.quote_texts: list[str] | None = None  # see search.verify
        # Query expansion: each lexicon word's row and stems; words the corpus lacks.
        words = index.lexicon.words
        self.lexicon_row = {w: row for row, w in enumerate(words)}
        self.lexicon_terms = [self.terms(w) for w in words]
        self.word_cache: dict[str, np.ndarray] = {}  # see search.signals.word_vectors

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


def _groups(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row, owner) of each run of equal owners: rows of one passage are contiguous."""
    import numpy as np

    if not len(owner):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
    if len(np.unique(owner[starts])) != len(starts):
        raise ValueError("the rows of each passage must be contiguous")
    return starts.astype(np.int64), owner[starts]


def group_max(values: np.ndarray, groups: tuple[np.ndarray, np.ndarray], size: int) -> np.ndarray:
    """Per passage, the largest of its rows' values (rows grouped by ``_groups``); else -inf."""
    import numpy as np

    result = np.full(size, -np.inf, dtype=np.float32)
    starts, owners = groups
    if len(starts):
        result[owners] = np.maximum.reduceat(values, starts)
    return result


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
