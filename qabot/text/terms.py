"""The one word pipeline of every lexical rule: lower case, stop words out, Snowball stems.

Passages and questions go through the same ``terms``. The stop-word set is built once
per process; the stemmer is one per thread, because a PyStemmer object keeps a cache
and must not be shared by threads that stem at the same time.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default splitter
_CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")  # words of letters only, 3 or more
_local = threading.local()


@functools.cache
def stopwords() -> frozenset[str]:
    """English stop words (bm25s's extended list, copied in ``_stopwords``), built once."""
    from qabot.text._stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def terms(text: str) -> list[str]:
    """The stemmed, stop-word-free terms of ``text``, in order."""
    stop = stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return list(_stemmer().stemWords(words))


def word_terms(words: Sequence[str]) -> list[str]:
    """The term of each content word (``content_words``), stemmed in one call: what
    ``terms`` gives for each alone, at a fraction of the cost for a whole lexicon."""
    return list(_stemmer().stemWords(list(words)))


def content_words(text: str) -> list[str]:
    """Lower-case words of three letters or more, stop words left out, in order."""
    stop = stopwords()
    return [w for w in _CONTENT_WORD.findall(text.lower()) if w not in stop]


def distinct_content_words(texts: Iterable[str]) -> list[str]:
    """The distinct content words of ``texts``, sorted (the lexicon's rows)."""
    return sorted({w for text in texts for w in content_words(text)})
