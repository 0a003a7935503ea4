"""Whether the text seems not to answer a question: the whole rule and its inputs.

Inputs, measured on the retrieval and the top passage's highlight (``Evidence``):

- ``cosine``: the best sentence cosine of any passage the question may return;
- ``excess``: that cosine measured against the corpus's own level for this question — its
  distance from the mean closest-sentence cosine of a fixed sample of the corpus's
  passages, in units of their spread, less what the best of N passages reaches by
  chance (about √(2 ln N) for the N passages the question may return): the same value
  means the same at 59 passages and at 11,000 (the best of more is higher by chance);
- ``top_cosine``: the best sentence cosine of the top-ranked passage (fusion may rank
  another passage first);
- ``aspect``: the best sentence cosine of the question *with its names at half weight*
  among the answer's first five passages (``qabot.search.aspect``): whether they speak
  to what is asked, not only of whom ("Where did Garnet and Phyllis go on their
  honeymoon?" finds the passages on Garnet and Phyllis; none speaks of a honeymoon). A
  cosine among five passages, whatever the size of the book;
- ``bm25``: the best BM25 score (passage or sentence) — how well the question's own
  words, and their expansions, are matched;
- ``unknown_name``: the question names a person, place, year or multi-word name the
  text never mentions ("Dewey", "1940", "Glorious Revolution"), or asks about one thing
  and nothing else, a word the text never writes ("What is an airplane?", "What did
  Pepys think of umbrellas?");
- ``type_missing``: the question asks for a name, a number or a date ("What was the
  captain's name?", "How many …", "When …") and the answering sentence holds none that
  the question does not already contain. Places and reasons are not checked: words that
  could express them are in nearly every sentence;
- ``coverage``: the share of the question's terms that the top passage contains, each
  term weighted by its rarity in the text (inverse document frequency);
- ``missing``: the rarity of the rarest question term the top passage lacks, as a share
  of the greatest rarity possible in this text (log of the number of passages): about 1
  for a word the text never uses, near 0 for a word on every page, 0 when none is
  missing. A book's size is divided out: the same value means the same in any book.

The rule is a logistic model over the inputs it keeps: its output, the *confidence*, is
the estimated chance that the text answers the question, and the answer abstains below
``threshold``. Which inputs are kept, their weights and the threshold are chosen by
nested k-fold cross-validation on the labeled question set (``qabot eval``; see
``qabot.evaluation.crossval``), never on the questions that report them.

Exempt from abstaining: a question the asker narrowed (a date or section filter), a
question whose date selects entries and that asks for the entry itself ("What did he
write on January 9?"), one that asks for the book's edge or a part by its title alone,
one that names the book's first or last entry or lines ("What does he pray for in the
diary's last lines?": the book has them), one about the book as a work that its front
matter answers, and one that asks only who or where someone the text names is ("Who
was Pembleton?": its first mention says). No other question is exempt, dated or not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from qabot.index import Index
from qabot.index.texts import PassageTexts
from qabot.search.casing import CasingTable
from qabot.search.definitions import asked_term
from qabot.search.dense import Level
from qabot.search.query import normalize_label
from qabot.search.retrieval import Retrieval
from qabot.text.bm25 import Bm25Table
from qabot.text.names import WORD, bare
from qabot.text.names import words as question_words
from qabot.text.spelling import Spellings
from qabot.text.terms import content_words, terms

SIGNALS = (
    "cosine",
    "excess",
    "top_cosine",
    "aspect",
    "bm25",
    "unknown_name",
    "type_missing",
    "coverage",
    "missing",
)
# The direction each signal may push the confidence: a fitted weight of the other sign
# would be an accident of the question set (the fitting rejects such a model).
DIRECTION = {
    "cosine": 1,
    "excess": 1,
    "top_cosine": 1,
    "aspect": 1,
    "bm25": 1,
    "unknown_name": -1,
    "type_missing": -1,
    "coverage": 1,
    "missing": -1,
}

_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty "
    "seventy eighty ninety hundred hundreds thousand thousands million millions dozen "
    "dozens half first second third fourth fifth several".split()
)
_DATE_WORDS = frozenset(
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday yesterday today "
    "tomorrow morning evening night noon midnight o’clock o'clock week weeks month "
    "months year years day days winter spring summer autumn century".split()
)
_ASKS = [
    ("name", re.compile(r"^(?:\w+\s+)?(?:who|whom|whose)\b|\b(?:name|named|called)\b", re.I)),
    (
        "number",
        re.compile(r"\bhow\s+(?:many|much|old|long|far)\b|\bwhat\s+(?:number|amount)\b", re.I),
    ),
    ("date", re.compile(r"^(?:\w+\s+)?when\b|\b(?:what|which)\s+(?:year|date|day|month)\b", re.I)),
]


@dataclass(frozen=True)
class Evidence:
    """What the rule looks at, for one question (the ``SIGNALS``, plus why)."""

    cosine: float
    excess: float
    top_cosine: float
    bm25: float
    unknown_names: tuple[str, ...]
    asked_type: str | None  # "name", "number", "date" or None (not checked)
    type_found: bool  # the answering sentence holds an answer of that type
    coverage: float
    missing: float = 0.0
    absent_word: str | None = None  # the question's word behind ``missing``
    exempt: str | None = None  # why the question cannot abstain, if it cannot
    empty: bool = False  # nothing to search (an empty corpus or filter)
    aspect: float = -1.0  # the question without its names: its best cosine (``aspect``)
    apart_from: tuple[str, ...] = ()  # the names left out for ``aspect``

    def values(self) -> dict[str, float]:
        """The signals as numbers, by name."""
        return {
            "cosine": self.cosine,
            "excess": self.excess,
            "top_cosine": self.top_cosine,
            "aspect": self.aspect,
            "bm25": self.bm25,
            "unknown_name": 1.0 if self.unknown_names else 0.0,
            "type_missing": 1.0 if self.asked_type and not self.type_found else 0.0,
            "coverage": self.coverage,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class Decision:
    """The rule's verdict for one question."""

    abstain: bool
    confidence: float  # estimated chance that the text answers (1.0 when exempt)
    reason: str | None  # why it abstained, in words for the reader


@dataclass(frozen=True)
class AbstentionModel:
    """A logistic model over some of the ``SIGNALS`` and the threshold of its output."""

    weights: Mapping[str, float]  # signal → weight (only the signals kept)
    bias: float
    threshold: float
    folds: int = 0  # how it was chosen: k of the cross-validation (0: not fitted)
    note: str = ""
    provenance: dict[str, str] = field(default_factory=dict)

    def confidence(self, evidence: Evidence) -> float:
        values = evidence.values()
        z = self.bias + sum(w * values[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, evidence: Evidence) -> Decision:
        if evidence.empty:
            return Decision(True, 0.0, "there is nothing to search")
        if evidence.exempt:
            return Decision(False, 1.0, None)
        confidence = self.confidence(evidence)
        if confidence >= self.threshold:
            return Decision(False, confidence, None)
        return Decision(True, confidence, self.reason(evidence))

    def reason(self, evidence: Evidence) -> str:
        """The inputs that pulled the confidence down, most first, in words."""
        values = evidence.values()
        parts: list[tuple[float, str]] = []
        if "unknown_name" in self.weights and evidence.unknown_names:
            names = ", ".join(evidence.unknown_names)
            parts.append((-self.weights["unknown_name"], f"the text never mentions {names}"))
        if "type_missing" in self.weights and values["type_missing"]:
            parts.append(
                (-self.weights["type_missing"], f"the passages found give no {evidence.asked_type}")
            )
        by_cosine = "cosine" in self.weights or "excess" in self.weights
        if "aspect" in self.weights and evidence.apart_from and evidence.aspect < evidence.cosine:
            never = {word for name in evidence.unknown_names for word in name.split()}
            known = [name for name in evidence.apart_from if name not in never]
            measured = f"(cosine {evidence.aspect:.2f} with the names at half weight)"
            if known:
                said = f"the passages found speak of {', '.join(known)}, not of what is asked"
            else:
                said = "no passage is close to what is asked"
            parts.append((0.0, f"{said} {measured}"))
        elif by_cosine:
            best = f"best cosine {evidence.cosine:.2f}"
            parts.append((0.0, f"no passage is close to the question ({best})"))
        elif "aspect" in self.weights:
            best = f"best cosine {evidence.aspect:.2f}"
            if evidence.apart_from:
                best += " with the names at half weight"
            parts.append((0.0, f"no passage is close to the question ({best})"))
        if "coverage" in self.weights and evidence.coverage < 0.5:
            parts.append(
                (0.0, f"the best passage has {evidence.coverage:.0%} of the question's words")
            )
        if "missing" in self.weights and evidence.missing >= 0.5 and evidence.absent_word:
            parts.append(
                (
                    -self.weights["missing"] * evidence.missing,
                    f"the best passage lacks “{evidence.absent_word}”",
                )
            )
        ordered = [text for _, text in sorted(parts, key=lambda p: -p[0])]
        return "; ".join(ordered[:2]) or "low confidence"


# Fitted by `qabot eval` on four books of 59 to 13,334 passages (the journal, a novel, a
# dictionary, the whole Pepys diary; tests/eval/), each book weighing the same: nested
# 5-fold cross-validation over every subset of the signals whose scale does not grow
# with a book (``qabot.evaluation.books.BOOK_SIGNALS``), then refitted on all questions.
# Held out, leaving each book out in turn: docs/quality.md. Refitted when ``aspect``
# joined the signals: every book left out chose it, and this is the rule chosen on all.
FITTED = AbstentionModel(
    weights={"aspect": 12.212, "unknown_name": -2.979, "type_missing": -2.246},
    bias=-4.632,
    threshold=0.32,
    folds=5,
    note="qabot eval over four books (tests/eval/*.jsonl), nested 5-fold CV, books weighted",
)


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class NameTable:
    """What the text mentions, for ``unknown_names`` and ``missing``: its words, its
    terms and where each term occurs (the BM25 postings, shared with the index).

    Built in no time at any size: phrase look-ups go through the postings of the
    phrase's terms to the few passages holding them all, and read only those."""

    spellings: Spellings  # the text's content words, lower case (the lexicon)
    stems: frozenset[str]  # every BM25 term of the passages and their sentences
    postings: Bm25Table  # of the passages
    texts: Sequence[str]  # the passages' quoted text, by position

    @classmethod
    def build(cls, index: Index, spellings: Spellings | None = None) -> NameTable:
        return cls(
            spellings=spellings or Spellings.of(index.lexicon.words),
            stems=index.bm25.vocabulary,
            postings=index.bm25.passages,
            texts=PassageTexts(index.passages),
        )

    @property
    def words(self) -> frozenset[str]:
        return self.spellings.words

    @property
    def casing(self) -> CasingTable:
        """How the text writes a word: the names of a question typed without capitals."""
        return CasingTable(self.postings, self.texts)

    @property
    def size(self) -> int:
        return self.postings.size

    def rarity(self, term: str) -> float:
        """Inverse document frequency as a share of the greatest possible in this text
        (see ``missing``): about 1 for a term no passage holds."""
        size = max(self.size, 1)
        held = self.postings.frequency(term)
        return math.log((size + 1) / (held + 0.5)) / math.log(size + 1)

    def mentions(self, phrase: str) -> bool:
        """True when the words of ``phrase`` occur together somewhere in the text."""
        wanted = _flat(phrase)
        if not wanted:
            return False
        phrase_terms = terms(phrase)
        rows = self.postings.holding_all(phrase_terms) if phrase_terms else range(self.size)
        return any(f" {wanted} " in f" {_flat(self.texts[row])} " for row in rows)

    def named_together(self, names: Sequence[str]) -> bool:
        """True when one passage holds every one of ``names``, each capitalized as the
        question writes it: the text calls one person "Deb" and "Willet", never "Deb
        Willet", and speaks of her by both names in the same entries."""
        name_terms = [t for name in names for t in terms(name)]
        if len(names) < 2 or not name_terms:
            return False
        # a name typed in lower case is a name the text writes capitalized (``casing``)
        written = [name if name != name.lower() else name[:1].upper() + name[1:] for name in names]
        patterns = [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in written]
        return any(
            all(pattern.search(self.texts[row]) for pattern in patterns)
            for row in self.postings.holding_all(name_terms)
        )


def _flat(text: str) -> str:
    """The words of ``text``, normalized, one space apart (for phrase look-ups)."""
    return normalize_label(" ".join(re.findall(r"\w+", text)))


def asked_type(question: str) -> str | None:
    """The kind of answer a question asks for, when it is one the rule checks."""
    for kind, pattern in _ASKS:
        if pattern.search(question.strip()):
            return kind
    return None


def holds_type(kind: str, sentence: str, question: str) -> bool:
    """True when ``sentence`` offers an answer of ``kind`` the question does not contain."""
    asked = {w.lower() for w in WORD.findall(question)}
    words = WORD.findall(sentence)
    if kind == "name":
        return any(
            w[0].isupper()
            and w.lower() not in asked
            and w not in ("I", "I’", "I'")
            and not (i == 0 and w.lower() in _COMMON_OPENERS)
            for i, w in enumerate(words)
        )
    if kind == "number":
        return any(
            (w.isdigit() or w.lower() in _NUMBER_WORDS) and w.lower() not in asked for w in words
        )
    if kind == "date":
        return any(
            (w.lower() in _DATE_WORDS or re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?", w))
            and w.lower() not in asked
            for w in words
        )
    return True


_COMMON_OPENERS = frozenset(
    "the a an this that these those it he she they we i in on at after before when "
    "while but and yet so then there here his her their our my its as if for from with".split()
)


def _describes(part: str) -> bool:
    """True for an adjective of nationality or region ("Scandinavian", "Greeks"): it
    describes what the text may name otherwise ("the Scandinavian dramatist" is Ibsen)."""
    from qabot.text._demonyms import DEMONYMS

    return part in DEMONYMS or (part.endswith("s") and part[:-1] in DEMONYMS)


def unknown_names(names: NameTable, question: str) -> tuple[str, ...]:
    """Names and years in the question that the text never mentions ("Dewey", "1940").

    Capitalized words after the first, four-digit numbers, and runs of capitalized words
    ("Glorious Revolution") no part of which occurs in the text as a phrase, or in one
    passage, each word capitalized (a person the text calls "Deb" and "Willet" in the
    same entries is no unknown "Deb Willet"). An adjective of nationality or region ("the
    Bulgarian communist") is no name of its own; in a run ("Mexican Revolution") the run
    is still looked for. A question that shows no names by its case (in lower case, or in
    capitals alone) names the words the text writes as names (``casing``). And
    the words of what a question asks about and nothing else (``asked_term``: "What is
    an airplane?", "What did Pepys think of umbrellas?") that the text never writes.
    """
    if not any(c.islower() for c in question):
        question = question.lower()  # in capitals: the text's own casing tells the names
    unknown: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        # "Stalin General Secretary" is two known names side by side: some part of two
        # or more words occurs in the text. "Glorious Revolution" has no such part. A
        # part whose names one passage holds, each capitalized, is one person named by
        # names the text uses apart ("Deb Willet": "Deb", "Willet").
        pieces = [
            [bare(t) for t in run[i:j]] for i in range(len(run)) for j in range(i + 2, len(run) + 1)
        ]
        if pieces and not any(
            names.mentions(" ".join(piece)) or names.named_together(piece) for piece in pieces
        ):
            unknown.append(" ".join(bare(t) for t in run))
        run.clear()

    for word in question_words(question, names.casing.written_as_name):
        token, is_name = word.text, word.is_name
        is_year = token.isdigit() and len(token) == 4
        if not is_name:
            close_run()
        if not (is_year or is_name):
            continue
        if _never_written(token, names, is_year=is_year):
            unknown.append(token)
        elif is_name:
            run.append(token)
            if question[word.end : word.end + 1] not in ("", " ") or token != bare(token):
                close_run()  # punctuation or a possessive ends a name: "Tampico, Mexico" is two
    close_run()
    # The word a question asks about and nothing else ("What is an airplane?", "What
    # did Pepys think of umbrellas?"), capitalized or not: the text never writing it is
    # as telling as a name it never writes.
    term = asked_term(question)
    if term is not None:
        named = {part.lower() for name in unknown for part in WORD.findall(name)}
        for asked in content_words(term):
            if asked not in named and _never_written(asked, names, is_year=False):
                unknown.append(asked)
                named.add(asked)
    return tuple(unknown)


def _never_written(token: str, names: NameTable, *, is_year: bool) -> bool:
    """True when some part of ``token`` (split at hyphens and apostrophes) occurs in the
    text in no form: not as a word, not by its stem, not in another spelling, and not
    as an adjective of nationality or region (which describes what the text may name
    otherwise). A year is looked for as written."""

    def written(part: str) -> bool:
        if part in names.words or set(terms(part)) <= names.stems:
            return True
        return not is_year and (_describes(part) or names.spellings.as_written(part) is not None)

    parts = [p for p in re.split(r"[-’']", token.lower()) if p and p != "s"]
    return not all(written(part) for part in parts)


def evidence(
    names: NameTable,
    question: str,
    retrieval: Retrieval,
    top_highlight: str | None,
    *,
    narrowed: bool,
    signals: Collection[str] = SIGNALS,
    aspect: float = -1.0,
) -> Evidence:
    """Measure the rule's inputs for one answered question (``top_highlight``: the
    answering sentence of the top passage; ``aspect``: measured by ``aspect.closeness``).

    Only the ``signals`` asked for are measured (the shipped model's, when answering;
    all of them for `qabot eval`); the others keep neutral values.
    """
    ranked = retrieval.ranked
    if not ranked or retrieval.signals is None:
        return Evidence(-1.0, -10.0, -1.0, 0.0, (), None, False, 0.0, empty=True)
    exempt = None
    if narrowed:
        exempt = "narrowed by the asker"
    elif retrieval.order == "entry":
        exempt = "asks for a dated entry"
    elif retrieval.order == "text":
        exempt = "asks for the book's opening or close"
    elif retrieval.order in ("part", "part_end"):
        exempt = "asks for a part of the book by its title"
    elif retrieval.scope is not None and retrieval.scope.edge_unit != "sections":
        exempt = "names the book's first or last entry or lines: the book has them"
    elif retrieval.scope is not None and retrieval.scope.about_the_book:
        exempt = "asks who wrote the book, when, or what it is about: its front matter says"
    elif retrieval.scope is not None and retrieval.scope.introduced:
        exempt = "asks who or where someone the text names is: its first mention says"
    elif retrieval.scope is not None and retrieval.scope.name_given:
        exempt = "asks why a name was given: the passages that give it say"
    elif retrieval.scope is not None and retrieval.scope.defined:
        exempt = "asks what a word the text defines means: its definition says"
    ranked_text = retrieval.scope.ranked_text if retrieval.scope else question
    top = ranked[0]
    kind = asked_type(ranked_text) if "type_missing" in signals else None
    found = True
    if kind:
        found = holds_type(kind, top_highlight or top.passage.text, ranked_text)
    coverage, missing, absent_word = 0.0, 0.0, None
    question_terms = sorted(set(retrieval.signals.query_terms))
    if ("coverage" in signals or "missing" in signals) and question_terms:
        passage_terms = set(terms(top.passage.embed_text))
        rarity = {t: names.rarity(t) for t in question_terms}
        coverage = sum(rarity[t] for t in question_terms if t in passage_terms) / (
            sum(rarity.values()) or 1.0
        )
        lacking = [t for t in question_terms if t not in passage_terms]
        if lacking:
            absent_word = max(lacking, key=lambda t: rarity[t])
            missing = rarity[absent_word]
    lexical = retrieval.signals.lexical
    asked = retrieval.signals.aspect  # the names weighed at half, when the aspect is read
    return Evidence(
        cosine=retrieval.best_cosine,
        excess=excess(
            retrieval.best_cosine,
            retrieval.signals.levels.sentence_cosine,
            retrieval.signals.searched,
        ),
        top_cosine=top.cosine,
        bm25=float(lexical.max()) if len(lexical) else 0.0,
        unknown_names=unknown_names(names, question) if "unknown_name" in signals else (),
        asked_type=kind,
        type_found=found,
        coverage=coverage,
        missing=missing,
        absent_word=_surface(absent_word, ranked_text) if absent_word else None,
        exempt=exempt,
        aspect=aspect,
        apart_from=asked.names if asked is not None and "aspect" in signals else (),
    )


def _surface(term: str, question: str) -> str:
    """The question's own word behind a stem ("stores" for "store")."""
    for word in re.findall(r"[\w’'-]+", question):
        if term in terms(word):
            return word
    return term


def excess(cosine: float, level: Level, searched: int) -> float:
    """How far a best cosine stands above what the best of ``searched`` passages of this
    corpus reaches by chance for this question (see the module doc)."""
    return float(level.z(cosine)) - math.sqrt(2 * math.log(max(2, searched)))


def fit_logistic(
    rows: Sequence[Sequence[float]],
    labels: Sequence[bool],
    *,
    l2: float = 1.0,
    sample: Sequence[float] | None = None,
) -> tuple[list[float], float]:
    """Weights and bias of an L2-regularized logistic regression (Newton's method).

    Inputs are standardized inside, the result is on their own scale. ``sample``: a
    weight per row (mean 1), so that books of few questions count as much as others.
    Pure numpy; a few hundred rows and a handful of columns.
    """
    import numpy as np

    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    r = np.ones(len(x)) if sample is None else np.asarray(sample, dtype=np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        gradient = z.T @ (r * (p - y)) + penalty * w
        hessian = (z * (r * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / std
    bias = float(w[0] - (w[1:] * mean / std).sum())
    return [float(v) for v in weights], bias
