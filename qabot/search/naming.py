"""Why a name was given: "Why was one of the hens called Aunt Elizabeth?".

A book tells why someone or something bears a name where the name is given or
explained: a novel where a character christens the hen ("which Ukridge, on the strength
of an alleged similarity of profile to his wife's nearest relative, had christened Aunt
Elizabeth"), an annotated edition in a note ("Wallingford House … was so called after
Sir William Knollys"). Those passages say "called", "named", "christened" within a few
words of the name; the name's first mention gives it too. Neither retriever prefers them
to the many later passages that only use the name, so a question that asks only why a
name was given *prefers* the passages that write the name next to a word of naming, and
the name's first mention (``introduction``), as a date prefers its entries
(``qabot.search.scope``). A note is about one thing, so a note on the name (one that
writes it, or hangs on a passage that does) explains it wherever it says "so called":
"This actress, so called from the character she played", on "the old Roxalana".

The question must ask for nothing else: "Why was one of the hens called Aunt
Elizabeth?", "Why did Ukridge name the hen Aunt Elizabeth?", "Why is Vauxhall so
called?", "How did Pall Mall get its name?", "Where does the name Mincing Lane come
from?", "What is the origin of the name Vauxhall?", "After whom was Wallingford House
named?", "Who named the hen Aunt Elizabeth?". The name is read as ``introduction`` reads
one. A text in which no passage writes the name next to a word of naming is left to
ranking and to abstention: it may not say. Such a question, when one does, does not
abstain. No parameter.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qabot.search.introduction import JOINING, IntroductionTable, NameAsked, name_in, written
from qabot.text.terms import terms

if TYPE_CHECKING:
    import numpy as np

_VERB = r"(?:called|named|nicknamed|christened|dubbed|known\s+as|styled|termed)"
_GIVE = r"(?:call|name|nickname|christen|dub)"
# "called on Lord Sandwich", "called to Whitehall": a visit or a summons, not a name
_NOT_A_NAME = r"(?!(?:on|upon|at|in|into|for|to|out|up|back|off|over|round|by|from|away)\b)"
_END = r"[\s?.!]*$"
# Each form's group "name" holds the name, or ends with it ("the hen Aunt Elizabeth").
_ASKS_WHY_NAMED = [
    # "Why was one of the hens called Aunt Elizabeth?"
    re.compile(
        rf"^\s*why\s+(?:is|was|are|were)\s+.+?\s+{_VERB}\s+{_NOT_A_NAME}(?P<name>.+?){_END}", re.I
    ),
    # "Why is Vauxhall so called?", "Why was Pall Mall named that?"
    re.compile(
        rf"^\s*why\s+(?:is|was|are|were)\s+(?P<name>.+?)\s+(?:so\s+)?{_VERB}"
        rf"(?:\s+(?:so|that|thus|this))?{_END}",
        re.I,
    ),
    # "Why did Ukridge name the hen Aunt Elizabeth?", "Who named the hen Aunt Elizabeth?"
    re.compile(
        rf"^\s*why\s+(?:does|do|did)\s+.+?\s+{_GIVE}\s+{_NOT_A_NAME}(?P<name>.+?){_END}", re.I
    ),
    re.compile(
        r"^\s*who\s+(?:named|nicknamed|christened|dubbed|gave)\s+(?P<name>.+?)"
        rf"(?:\s+(?:its|his|her|their)\s+name)?{_END}",
        re.I,
    ),
    # "How did Pall Mall get its name?", "Where did Vauxhall get its name from?"
    re.compile(
        r"^\s*(?:how|where|why)\s+(?:does|do|did)\s+(?P<name>.+?)\s+(?:get|come\s+by|take)\s+"
        rf"(?:its|his|her|their|the)\s+(?:nick)?name(?:\s+from)?{_END}",
        re.I,
    ),
    # "Where does the name Mincing Lane come from?"
    re.compile(
        r"^\s*(?:where|whence)\s+(?:does|did)\s+the\s+(?:nick)?name\s+(?:of\s+)?(?P<name>.+?)\s+"
        rf"come\s+from{_END}",
        re.I,
    ),
    # "What is the origin of the name Vauxhall?", "What was the meaning of the name X?"
    re.compile(
        r"^\s*what\s+(?:is|was)\s+the\s+(?:origin|source|meaning)\s+of\s+the\s+(?:nick)?name\s+"
        rf"(?:of\s+)?(?P<name>.+?){_END}",
        re.I,
    ),
    # "After whom was Wallingford House named?", "What was Vauxhall named after?"
    re.compile(
        rf"^\s*(?:after|for)\s+(?:whom|what)\s+(?:is|was|are|were)\s+(?P<name>.+?)\s+{_VERB}{_END}",
        re.I,
    ),
    re.compile(
        rf"^\s*(?:who|what)\s+(?:is|was|are|were)\s+(?P<name>.+?)\s+{_VERB}\s+(?:after|for){_END}",
        re.I,
    ),
]
# A word of naming before the name, as a text gives it ("had christened Aunt Elizabeth",
# "which we called Aunt Elizabeth", "He called it Española"), or after it, as a note
# explains it ("Wallingford House … was so called after Sir William Knollys"); not a
# name that merely stands near "call" ("Aunt Elizabeth isn't what you might call …").
_GIVING = (
    r"(?:call(?:s|ed|ing)?|nam(?:e|es|ed|ing)|nicknam(?:e|es|ed)|christen(?:s|ed|ing)?|"
    r"dubbed|styled|termed|known\s+as|baptized|baptised)"
)
_EXPLAINING = (
    r"(?:(?:so|thus)\s+(?:called|named)|(?:called|named)\s+(?:after|from|for|because)|"
    r"nicknamed?|christened|(?:the|its|his|her|their)\s+name)"
)
_BEFORE = 40  # characters from the word of naming to the name it gives
_AFTER = 80  # characters from the name to the words that explain it, within a sentence


def asked_naming(question: str) -> NameAsked | None:
    """The name, when a question asks only why it was given (see the module doc)."""
    for form in _ASKS_WHY_NAMED:
        found = form.match(question)
        if found is None:
            continue
        words = found.group("name")
        whole = name_in(words, question)
        return whole if whole is not None else name_in(_trailing_name(words), question)
    return None


def _trailing_name(words: str) -> str:
    """The run of capitalized words that ends ``words``: "the hen Aunt Elizabeth" →
    "Aunt Elizabeth", "himself Archibald the All-Right" → "Archibald the All-Right"."""
    split = words.split()
    start = len(split)
    while start > 0 and (split[start - 1][:1].isupper() or split[start - 1] in JOINING):
        start -= 1
    while start < len(split) and not split[start][:1].isupper():
        start += 1
    return " ".join(split[start:])


def naming_passages(table: IntroductionTable, asked: NameAsked) -> np.ndarray | None:
    """Per passage: those that write ``asked`` within a few words of a word of naming,
    in the same sentence, the notes on it that explain a name, and the name's first
    mentions. None when neither is found: the text may not say why."""
    import numpy as np

    # The words of naming in any case ("Called", "NAMED"), the name as the text writes it.
    near = [
        re.compile(
            rf"\b(?i:{_GIVING})\b[^.!?]{{0,{_BEFORE}}}?{written(form).pattern}"
            rf"|{written(form).pattern}[^.!?]{{0,{_AFTER}}}?\b(?i:{_EXPLAINING})\b"
        )
        for form in asked.forms
    ]
    holding = {
        row
        for form in asked.forms
        if terms(form)
        for row in table.postings.holding_all(terms(form))
    }
    mask = np.zeros(len(table.passages), dtype=bool)
    mask[[row for row in holding if any(p.search(table.passages[row].text) for p in near)]] = True
    mask[_notes_explaining(table, asked, holding)] = True
    if not mask.any():
        return None
    first = table.first_mentions(asked)
    return mask if first is None else mask | first


def _notes_explaining(table: IntroductionTable, asked: NameAsked, holding: set[int]) -> list[int]:
    """The notes on the name that explain it anywhere in them: a note is about one thing,
    so its "so called" needs no name beside it ("This actress, so called from the
    character she played", hung on "the old Roxalana"; "Foxhall, … or Vauxhall, a manor
    in Surrey, properly Fulke's. Hall, and so called from Fulke de Breaute"). A note is on
    the name when it writes it or hangs on a passage of the text that does."""
    passages = table.passages
    names = [written(form) for form in asked.forms]
    on_it = {row for row in holding if passages[row].role == "notes"}
    for row in holding:
        if passages[row].role == "text" and any(n.search(passages[row].text) for n in names):
            on_it.update(table.note_rows.get(row, ()))
    explaining = re.compile(rf"\b(?i:{_EXPLAINING})\b")
    return sorted(row for row in on_it if explaining.search(passages[row].text))
