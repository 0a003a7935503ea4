"""Who or where someone or something named is: "Who was Pembleton?", "Where is Coyoacan?".

A book says who a person is, or where a place is, where it first names them: a novel
introduces its characters ("an artist friend of mine, one Lickford"), a diary its
acquaintances ("my wife hath begun to learn this day of Mr. Pembleton"), a journal the
people it meets ("Hidalgo, participant in the Mexican civil war"); and an annotated
edition puts its note on a person at that first mention ("Pembleton, the
dancing-master, made Pepys very jealous"). Later mentions take the reader's knowledge
for granted. Neither retriever sees that order, so a question that asks only who or
where a name is *prefers* each document's first passage of the author's text that names
it, and the notes that passage refers to which name it too, as a date prefers its
entries (``qabot.search.scope``). An editor does not always gloss a name at its first
mention (the diary's "Brampton in Huntingdonshire, where Pepys was probably born" hangs
on its third), so a note that opens with the name in full is preferred too, wherever it
is referred to from.

An old text writes one name several ways ("Arundel House", "Arundell-House"; "Knepp",
"Knipp"): the first mention is looked for in each of the text's spellings
(``qabot.text.spelling``). A person asked by a full name the text never writes together
("Deb Willet": it says "Deb", and "Willet") is looked for by the surname.

The question must ask for nothing else: "Who was Pembleton?", "Where is Combe Regis?",
"In which county is Combe Regis?"; not "Who was Pembleton's wife?". The name is the
question's capitalized words (with "of", "de", "the" … between them); a question in one
case (all capitals, all lower case) gives its words when no article leads them ("who is
phyllis", not "who is the author"), and the text must write them capitalized. A titled
person is also looked for without the titles, and by the surname ("Professor Derrick" is
introduced as "a professor at Dublin University, by name, Derrick"), unless the title
tells them from their family: the "Ukridge" a novel first names is not "Mrs. Ukridge". A
name of the book's own (its title's, its author's: "Who was Pepys?") is named on every
page and introduced nowhere: it is left to ranking. "What is X?" is not read this way: a
dictionary's "What is Peace?" asks for the entry, not the first passage that says
"Peace". Such a question does not abstain: the text names what it asks about. No
parameter.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qabot.text.bm25 import Bm25Table
from qabot.text.spelling import Spellings
from qabot.text.terms import content_words, terms
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

    from qabot.search.position import EdgeTable

# "Who was X?", "Where is X?", "Who's X?"
_WHO_OR_WHERE = re.compile(
    r"^\s*(?:who|where)(?:\s+(?:is|was|are|were)\b|[’']s\b)\s*(?P<name>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
# "In which county is X?", "What town was X in?"
_WHICH_KIND = re.compile(
    r"^\s*(?:in\s+)?(?:which|what)\s+(?P<kind>[a-z]+)\s+(?:is|was|are|were)\s+"
    r"(?P<name>.+?)(?:\s+in)?[\s?.!]*$",
    re.IGNORECASE,
)
_KINDS = frozenset(
    {
        *("county", "country", "town", "city", "village", "province", "state", "region"),
        *("shire", "district", "parish", "street", "part", "island", "kingdom"),
    }
)
# Words that may stand between a name's capitalized words: "Duke of York", "Lázaro de".
JOINING = frozenset({"of", "de", "la", "le", "du", "da", "di", "van", "von", "der", "the"})
_LEADING = frozenset({"the", "a", "an"})
# Words that title a person: "Professor Derrick" is introduced as "a professor at Dublin
# University, by name, Derrick", "Sir William Batten" as "Sir W. Batten".
_PERSONAL_TITLES = frozenset(
    {
        *("mr", "mrs", "miss", "ms", "mme", "mlle", "dr", "doctor", "sir", "lady", "lord"),
        *("dame", "madam", "madame", "professor", "prof", "captain", "capt", "colonel"),
        *("col", "general", "gen", "admiral", "major", "lieutenant", "lieut", "sergeant"),
        *("father", "mother", "brother", "sister", "aunt", "uncle", "cousin", "master"),
        *("mistress", "rev", "reverend", "comrade", "monsieur", "herr", "frau", "señor"),
    }
)
# Titles that tell a person from the others of their family: "Mrs. Ukridge" is not the
# "Ukridge" a novel first names (her husband), nor "Lady Sandwich" "my Lord Sandwich".
# Such a person is not looked for by the surname alone.
_FAMILY_TITLES = frozenset(
    {
        *("mrs", "miss", "ms", "mme", "mlle", "lady", "dame", "madam", "madame"),
        *("mistress", "frau", "mother", "brother", "sister", "aunt", "uncle", "cousin"),
        "master",
    }
)
_WORD = re.compile(r"[^\W\d_][\w’'.-]*")
_POSSESSIVE = re.compile(r"[’']s?(?!\w)")


@dataclass(frozen=True)
class NameAsked:
    """The name a question asks about, as the text would write it."""

    name: str  # "Combe Regis", "Mr. Pembleton"
    person: bool = False  # asked "who": a person, whom a text may call by the surname

    @property
    def full_forms(self) -> tuple[str, ...]:
        """The forms that are more than a surname: "Sir George Carteret", "George
        Carteret"; "General Monk", not "Monk"; a name of one word itself."""
        return tuple(f for f in self.forms if " " in f) or (self.name,)

    @property
    def surname(self) -> NameAsked | None:
        """A person's last name, for a full name the text never writes: a diary calls
        "Deb Willet" "Willet" and "Deb"; None for one word, a titled name (its forms
        have the surname already), a name with "of" in it, or a place ("Where is Mincing
        Lane?" is not "Lane")."""
        words = self.name.split()
        if not self.person or len(words) < 2 or len(self.forms) > 1:
            return None
        if any(w in JOINING or w.lower().rstrip(".") in _PERSONAL_TITLES for w in words):
            return None
        return NameAsked(words[-1], person=True)

    @property
    def forms(self) -> tuple[str, ...]:
        """The name, and for a titled person the name without its titles and their
        surname: "Professor Derrick", "Derrick"; "Sir William Batten", "William
        Batten", "Batten"; not the surname alone after a title of family: "Mrs.
        Ukridge" is only "Mrs. Ukridge", "Lady Jemimah Montagu" also "Jemimah Montagu"."""
        words = self.name.split()
        titled = 0
        while titled < len(words) - 1 and words[titled].lower().rstrip(".") in _PERSONAL_TITLES:
            titled += 1
        rest = words[titled:]
        if not titled or any(w in JOINING for w in rest):
            return (self.name,)
        if any(w.lower().rstrip(".") in _FAMILY_TITLES for w in words[:titled]):
            return (self.name, " ".join(rest)) if len(rest) > 1 else (self.name,)
        return tuple(dict.fromkeys((self.name, " ".join(rest), rest[-1])))


def asked_name(question: str) -> NameAsked | None:
    """The name, when a question asks only who or where it is (see the module doc)."""
    found = _WHO_OR_WHERE.match(question)
    if found is None:
        found = _WHICH_KIND.match(question)
        if found is None or found.group("kind").lower() not in _KINDS:
            return None
    name = name_in(found.group("name"), question)
    if name is None or not question.lstrip().lower().startswith("who"):
        return name
    return NameAsked(name.name, person=True)


def name_in(words_asked: str, question: str) -> NameAsked | None:
    """The name ``words_asked`` are, as the text would write it; None when they are not
    one (a common noun, a possessive: "the author", "Pembleton's wife"). The question's
    case decides whether capitals mean anything."""
    words = words_asked.split()
    one_case = not any(c.islower() for c in question) or not any(c.isupper() for c in question[1:])
    if one_case and words and words[0].lower() in _LEADING:
        return None  # "who is the author": a name has no article, capitals aside
    while words and words[0].lower() in _LEADING:
        words = words[1:]
    if not words or not all(_WORD.fullmatch(w) for w in words):
        return None
    if one_case:  # the question's case says nothing: the text's will
        words = [w if w.lower() in JOINING else w[0].upper() + w[1:].lower() for w in words]
    if not words[0][0].isupper() or not words[-1][0].isupper():
        return None
    if any(not w[0].isupper() and w not in JOINING for w in words):
        return None  # "Who was Pembleton's wife?" asks for someone else
    return NameAsked(" ".join(words))


@dataclass(frozen=True)
class IntroductionTable:
    """What finding a name's first mention needs: where each term occurs, the passages'
    texts and parts, their place in their document, and the notes each refers to."""

    postings: Bm25Table  # of the passages (shared with the index)
    passages: Sequence[Passage]
    edges: EdgeTable  # each passage's document and place in it
    note_rows: dict[int, tuple[int, ...]]  # a passage's position → its notes' positions
    own_words: frozenset[str]  # words that name a book: its title's, its author's
    spellings: Spellings  # the text's words, for a name the question spells otherwise

    @classmethod
    def build(
        cls,
        postings: Bm25Table,
        passages: Sequence[Passage],
        edges: EdgeTable,
        own_words: frozenset[str],
        spellings: Spellings,
    ) -> IntroductionTable:
        referring = [(row, p.notes) for row, p in enumerate(passages) if p.notes]
        wanted = {note for _, notes in referring for _, note in notes}
        row_of = {p.id: row for row, p in enumerate(passages) if p.id in wanted}
        note_rows = {
            row: tuple(row_of[note] for _, note in notes if note in row_of)
            for row, notes in referring
        }
        return cls(postings, passages, edges, note_rows, own_words, spellings)

    def first_mentions(self, asked: NameAsked) -> np.ndarray | None:
        """Per passage: each document's first passage of the author's text naming
        ``asked``, and the notes it refers to that name it too. None when the text never
        names it, or when the name is the book's own. A name the text never writes as
        asked is looked for as the text spells it ("Frida": the text's "Frieda"), then a
        person by the surname ("Deb Willet": "Willet") unless it is the book's own. The
        notes that open with the name in full are marked too (``opens_with``).

        The passages holding the name's terms are read in reading order, each
        document's only until one writes the name: "Who was the King?" in a diary
        that names him on every page reads a handful."""
        if set(content_words(asked.name)) <= self.own_words:
            return None
        found = self._first_mentions(asked)
        if found is None:
            respelled = self._as_written(asked)
            if respelled is not None:
                found = self._first_mentions(respelled)
        surname = asked.surname
        if (
            found is None
            and surname is not None
            and not set(content_words(surname.name)) <= self.own_words
        ):
            found = self._first_mentions(surname)
        return found

    def _as_written(self, asked: NameAsked) -> NameAsked | None:
        """``asked`` with each word the text lacks in the text's spelling; None when
        every word is the text's already, or one has no spelling near it."""
        words = asked.name.split()
        for number, word in enumerate(words):
            if word in JOINING or word.lower().rstrip(".") in _PERSONAL_TITLES:
                continue
            if not word.isalpha():
                return None
            spelled = self.spellings.as_written(word)
            if spelled is None:
                return None
            words[number] = spelled[:1].upper() + spelled[1:]
        respelled = " ".join(words)
        return None if respelled == asked.name else NameAsked(respelled)

    def _spellings(self, forms: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Each word of ``forms`` and the text's other spellings of it, capitalized:
        "Arundel": "Arundel", "Arundell". A title, a joining word are as written."""
        spellings: dict[str, tuple[str, ...]] = {}
        for word in dict.fromkeys(word for form in forms for word in form.split()):
            fixed = word in JOINING or word.lower().rstrip(".") in _PERSONAL_TITLES
            others = () if fixed or not word.isalpha() else self.spellings.other_spellings(word)
            spellings[word] = (word, *(o[:1].upper() + o[1:] for o in others))
        return spellings

    def _first_mentions(self, asked: NameAsked) -> np.ndarray | None:
        import numpy as np

        spellings = self._spellings(asked.forms)
        forms = _spelled(asked.forms, spellings)
        patterns = [written(form) for form in forms]
        # A gloss opens with the name in full: "George Monk, born 1608", not the "Monk,
        # Duke of Albemarle" of a note on a later mention.
        in_full = [written(form) for form in _spelled(asked.full_forms, spellings)]
        holding = {
            row for form in forms if terms(form) for row in self.postings.holding_all(terms(form))
        }
        in_text = [row for row in holding if self.passages[row].role == "text"]
        document_of, place = self.edges.document_of, self.edges.place
        first: dict[int, int] = {}  # document → its first passage of the text naming it
        for row in sorted(in_text, key=lambda r: (int(document_of[r]), int(place[r]))):
            document = int(document_of[row])
            if document not in first and _names(patterns, self.passages[row].text):
                first[document] = row
        glosses = [
            row
            for row in holding
            if self.passages[row].role == "notes" and opens_with(in_full, self.passages[row].text)
        ]
        if not first and not glosses:
            return None
        mask = np.zeros(len(self.passages), dtype=bool)
        mask[glosses] = True
        for row in first.values():
            mask[row] = True
            notes = self.note_rows.get(row, ())
            mask[[note for note in notes if _names(patterns, self.passages[note].text)]] = True
        return mask


def _spelled(forms: Sequence[str], spellings: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """``forms``, and each as the text also spells it: "Arundel House" is first
    "Arundell-House" in a diary that writes both."""
    spelled = (
        " ".join(words)
        for form in forms
        for words in itertools.product(*(spellings[word] for word in form.split()))
    )
    return tuple(dict.fromkeys(spelled))


def written(name: str) -> re.Pattern[str]:
    """``name`` as a text writes it: its words in order, capitalized as they are, a
    title with or without its full stop ("Mrs Ukridge", "Mrs. Ukridge"), the words
    apart or hyphened ("Arundell-House")."""
    words = [
        re.escape(w.rstrip(".")) + r"\.?"
        if w.lower().rstrip(".") in _PERSONAL_TITLES
        else re.escape(w)
        for w in name.split()
    ]
    return re.compile(r"(?<!\w)" + r"(?:\s+|-)".join(words) + r"(?!\w)")


def _names(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def opens_with(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    """Whether ``text`` opens with the name, as a note glossing it does: "Brampton in
    Huntingdonshire, where …"; not with its possessive ("Sir George Carteret's
    daughter Caroline" glosses her)."""
    opening = text.lstrip(" \t\n“”‘’\"'([")
    return any(
        (found := pattern.match(opening)) is not None
        and not _POSSESSIVE.match(opening, found.end())
        for pattern in patterns
    )
