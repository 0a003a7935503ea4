"""Whether a question looks like English: the bundled model reads English only.

English questions are dense in function words ("who", "the", "when", "did"): about a
third of their words. A question of four or more words with almost none (or written
mostly in a script other than Latin) is likely in another language: the answer says so
in a note, so that a poor answer or an abstention is not taken for the text's silence.
"""

from __future__ import annotations

import re

from qabot.text.terms import stopwords

NOT_ENGLISH_NOTE = (
    "The question does not look like English; the model reads English only, so answers "
    "to questions in other languages are unreliable."
)
MIN_WORDS = 4  # shorter questions ("Tampico?") carry too few words to tell
MIN_FUNCTION_SHARE = 0.15  # English questions of the eval sets: 0.2-0.6
_WORD = re.compile(r"[^\W\d_]+")


def looks_english(text: str) -> bool:
    """False when ``text`` is likely not English (see the module doc)."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return True
    letters = [c for w in words for c in w]
    latin = sum(1 for c in letters if c.isascii() or "\u00c0" <= c <= "\u024f")
    if latin < len(letters) / 2:
        return False
    stop = stopwords()
    return sum(w in stop for w in words) / len(words) >= MIN_FUNCTION_SHARE
