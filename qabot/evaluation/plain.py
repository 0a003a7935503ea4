"""The plain lexical baseline: bm25s over the passages' texts, and nothing else.

The "bm25" column of `qabot eval` is qabot's own BM25 alone, inside qabot's question
path: its terms, the author's name left out, query expansion, and the rules that prefer
passages (a date's entries, a name's first mention). Those rules lift it as they lift
the hybrid, so it is a harder baseline than the plain script a reader would write first,
the one the books issue measured against: ``bm25s.tokenize`` with English stop words,
``bm25s.BM25()`` with its defaults, the question's top passages. This module is that
script, on the same passages, so both baselines can be printed side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from qabot.evaluation.cases import Case, normalize
from qabot.types import Passage


def plain_bm25_ranks(
    cases: Sequence[Case], passages: Sequence[Passage], depth: int
) -> list[int | None]:
    """Each case's gold rank (from 1, to ``depth``) under plain bm25s; None beyond."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    texts = [p.text for p in passages]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    depth = min(depth, len(texts))
    ranks: list[int | None] = []
    for case in cases:
        query = bm25s.tokenize(
            [case.question], stopwords="en", return_ids=False, show_progress=False
        )
        if not query[0]:  # only stop words: bm25s has nothing to search with
            ranks.append(None)
            continue
        found, _ = retriever.retrieve(query, k=depth, show_progress=False)
        golds = [normalize(g) for g in case.gold]
        rank = next(
            (
                place
                for place, row in enumerate(found[0], start=1)
                if any(g in normalize(texts[int(row)]) for g in golds)
            ),
            None,
        )
        ranks.append(rank)
    return ranks
