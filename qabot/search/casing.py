"""How the text writes a word: with a capital inside a sentence (a name) or not.

A question typed without capitals ("who met trotsky at tampico?"), or in capitals
alone, shows no names by its case; the names are then the words the text itself
writes as names (``qabot.text.names.words``). Read on demand, for such questions only,
through the BM25 postings of the word to the passages that hold it (the first
``LOOKED_AT`` of them): nothing is built when a library is made, nothing is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.text.bm25 import Bm25Table
from qabot.text.terms import content_words, terms

LOOKED_AT = 40  # passages read per word: enough to tell a name from a common word

_OPENS_A_SENTENCE = re.compile(r"(?:^|[.!?:;\"“‘(\[—]\s*|\n\s*)$")


@dataclass(frozen=True)
class CasingTable:
    """The passages' texts and their postings, to read how a word is written."""

    postings: Bm25Table
    texts: Sequence[str]

    def written_as_name(self, word: str) -> bool:
        """True when the text writes ``word`` with a capital inside a sentence more often
        than in lower case ("Trotsky", "Tampico"; not "tanker", nor "The" at a
        sentence's start). A word the text never writes is no name of its own."""
        word_terms = terms(word)
        if not content_words(word) or not word_terms:
            return False
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        capitalized = lower = 0
        for row in self.postings.holding_all(word_terms)[:LOOKED_AT]:
            text = self.texts[row]
            for match in pattern.finditer(text):
                if match.group(0)[0].islower():
                    lower += 1
                elif not _OPENS_A_SENTENCE.search(text[max(0, match.start() - 3) : match.start()]):
                    capitalized += 1
        return capitalized > lower
