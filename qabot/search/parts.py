"""Which parts of a book a question is about: the front matter ranks below the text
unless the question uses a word only the front matter has.

A document's front matter ("About this text": who wrote it, translated it, licensed
it) is one passage. Most questions are about the text itself, so it is demoted; a
question that uses one of its own words ("translated", "published", "copy") other than
the title's and the author's, or a word whose expansion is one, ranks it normally.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.index import Index
from qabot.text.terms import terms
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class PartTable:
    about: np.ndarray  # bool per passage: the front matter
    about_terms: frozenset[str]  # its terms, less the title's and the author's

    @classmethod
    def build(cls, index: Index) -> PartTable:
        import numpy as np

        passages = index.passages
        about = np.fromiter((p.role == "about" for p in passages), dtype=bool, count=len(passages))
        front = [passages[i] for i in np.flatnonzero(about)]
        title_terms = {t for title in {p.title for p in passages} for t in terms(title)}
        own = frozenset(t for p in front for t in terms(p.embed_text))
        return cls(about, own - title_terms - _author_terms(front))

    def demoted(self, asked: Collection[str]) -> np.ndarray:
        """Per passage: ranks below the text for a question with these terms."""
        import numpy as np

        if set(asked) & self.about_terms:
            return np.zeros_like(self.about)
        return self.about


def _author_terms(front: Sequence[Passage]) -> frozenset[str]:
    """Terms of the front matter's first line when it names the author ('Leon Trotsky')."""
    found: set[str] = set()
    for passage in front:
        first = passage.text.split("\n\n", 1)[0]
        if ":" not in first:
            found.update(terms(first))
    return frozenset(found)
