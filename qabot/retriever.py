"""Question → ranked hits: dense and BM25 rankings fused, filtered by date and section.

Every passage is scored by both retrievers (exact search: thousands of passages cost
milliseconds), which keeps filtering and date preference exact instead of depending on
a candidate depth. Fusion is reciprocal rank fusion by default (ranks from 1); a score
mix is available for comparison (``qabot eval`` measures both).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from qabot.chunker import repair_text
from qabot.dates import DateRange, EntrySelection, parse_date_range, select_entries
from qabot.embedder import Embedder
from qabot.errors import IndexMismatchError, QuestionError
from qabot.index import Index
from qabot.lexical import LexicalIndex, Terms, content_words
from qabot.types import Hit, Passage

if TYPE_CHECKING:
    import numpy as np

Mode = Literal["hybrid", "dense", "bm25"]
Fusion = Literal["rrf", "mix"]
MATCH_DEPTH = 10  # a hit "matched" a retriever when it ranks this high in its list
DUPLICATE_JACCARD = 0.8  # word-trigram overlap above which two passages are one
# Words that ask for an entry as a whole rather than for something in it.
GENERIC_WORDS = frozenset(
    {
        *("write", "wrote", "written", "writing", "note", "noted", "notes", "record"),
        *("recorded", "say", "said", "tell", "told", "happen", "happened", "happening"),
        *("doing", "done", "entry", "entries", "journal", "diary", "day", "days", "page"),
        *("pages", "author"),
    }
)


@dataclass(frozen=True)
class Filters:
    """Restrictions the asker chose (`--date`, `--section`)."""

    date: str | None = None  # ISO YYYY-MM-DD: that journal entry (or the nearest ones)
    section: str | None = None  # a section heading, matched case-insensitively

    def __post_init__(self) -> None:
        if self.date is not None:
            try:
                dt.date.fromisoformat(self.date)
            except ValueError:
                raise QuestionError(
                    f"--date {self.date!r} is not a date; use YYYY-MM-DD, e.g. 1937-01-09"
                ) from None


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits plus what the abstention rule and the reader need to know."""

    hits: list[Hit]
    best_dense: float  # best cosine over the passages searched
    notes: list[str] = field(default_factory=list)
    dated: bool = False  # the question's date selected journal entries
    unknown_names: list[str] = field(default_factory=list)  # names/years the text lacks
    query_vector: np.ndarray | None = None  # the question's embedding (for highlights)


def normalize_label(text: str) -> str:
    """For matching names typed by people: case, curly quotes and spacing ignored."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


_NAME = re.compile(r"[^\W_][\w’'-]*")


def _possessive(token: str) -> str:
    """'Rivera’s' → 'Rivera'."""
    return re.sub(r"[’']s$", "", token)


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def _ranks(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Rank (from 1) of each allowed passage by descending score; 0 for the others."""
    import numpy as np

    ranks = np.zeros(len(scores), dtype=np.int64)
    positions = np.flatnonzero(allowed)
    order = positions[np.argsort(-scores[positions], kind="stable")]
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


@dataclass(frozen=True)
class Ranking:
    """How the signals are combined; fitted with `qabot eval` (README, Quality)."""

    mode: Mode = "hybrid"
    fusion: Fusion = "mix"
    rrf_k: int = 60
    # mix weights of: passage cosine, best-sentence cosine, BM25 of the passage and BM25 of
    # its best sentence (BM25 scores divided by the best one for the question)
    weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    expansion_neighbours: int = 5  # corpus words added per question word (0: none)
    expansion_similarity: float = 0.55  # least cosine of a question word and a corpus word
    expansion_weight: float = 0.5  # BM25 weight of an added word, times its cosine


class Tables:
    """What retrieval needs besides the vectors, built once per index when it is loaded."""

    def __init__(self, index: Index) -> None:
        import numpy as np

        passages = index.passages
        self.terms = Terms()
        self.lexical = LexicalIndex([p.embed_text for p in passages], self.terms)
        position = {p.id: i for i, p in enumerate(passages)}
        self.position = position
        self.unit_owner = np.array([position[i] for i in index.units.passage_ids], dtype=np.int64)
        # Sentence-level BM25: each sentence of a multi-sentence passage, else the passage.
        with_units = set(index.units.passage_ids)
        texts = [p.embed_text for p in passages if p.id not in with_units]
        owners = [i for i, p in enumerate(passages) if p.id not in with_units]
        texts += [repair_text(text) for text in index.units.texts]
        self.sentence_owner = np.array(owners + self.unit_owner.tolist(), dtype=np.int64)
        self.sentence_lexical = LexicalIndex(texts, self.terms)
        self.vocabulary = self.lexical.vocabulary
        self.sections = sorted({p.section for p in passages if p.section})
        self.entry_dates = sorted({p.date for p in passages if p.date})
        self.entry_order = _entry_order(passages)
        self.generic_words = GENERIC_WORDS | {w for p in passages for w in content_words(p.title)}
        self.shingles: dict[int, frozenset[tuple[str, ...]]] = {}
        # The passages' words, lower-case, one space apart: for phrase look-ups.
        self.flat_text = (
            " "
            + " ".join(normalize_label(" ".join(re.findall(r"\w+", p.text))) for p in passages)
            + " "
        )
        self.surface_words = frozenset(
            w for p in passages for w in re.findall(r"\w+", p.text.lower())
        )


class Retriever:
    """Dense (cosine, FAISS) + BM25 (bm25s) over one index, fused; see the module doc."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        ranking: Ranking | None = None,
        *,
        tables: Tables | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.ranking = ranking or Ranking()
        self.tables = tables or Tables(index)

    @property
    def mode(self) -> Mode:
        return self.ranking.mode

    @property
    def sections(self) -> list[str]:
        return self.tables.sections

    @property
    def terms(self) -> Terms:
        return self.tables.terms

    def with_ranking(self, **changes: object) -> Retriever:
        """The same index and tables, ranked another way (for `qabot eval`)."""
        return Retriever(
            self.index, self.embedder, replace(self.ranking, **changes), tables=self.tables
        )

    # ------------------------------------------------------------------ scoring

    def signals(self, query: str) -> dict[str, np.ndarray]:
        """Per passage: cosine of the passage and of its best sentence, BM25 of both."""
        import numpy as np

        ranking = self.ranking
        expand = ranking.mode == "hybrid" and ranking.expansion_neighbours > 0
        words = content_words(query) if expand else []
        vectors = self.embedder.embed([query, *words])
        if len(self.index) and vectors.shape[1] != self.index.dimension:
            raise IndexMismatchError(
                f"the index has {self.index.dimension}-dimensional vectors but the model "
                f"{self.embedder.identity} makes {vectors.shape[1]}; run `qabot index --force`"
            )
        passage_cosine = np.full(len(self.index), -1.0, dtype=np.float32)
        (results,) = self.index.search(vectors[:1], len(self.index))
        position = self.tables.position
        for passage, score in results:
            passage_cosine[position[passage.id]] = score
        sentence_cosine = passage_cosine.copy()
        if len(self.index.units):
            np.maximum.at(
                sentence_cosine, self.tables.unit_owner, self.index.units.vectors @ vectors[0]
            )
        extra = self.expansions(words, vectors[1:]) if words else {}
        passage_bm25 = self.tables.lexical.scores(query, extra)
        sentence_bm25 = np.zeros(len(self.index), dtype=np.float32)
        np.maximum.at(
            sentence_bm25,
            self.tables.sentence_owner,
            self.tables.sentence_lexical.scores(query, extra),
        )
        return {
            "query_vector": vectors[0],
            "passage_cosine": passage_cosine,
            "sentence_cosine": sentence_cosine,
            "passage_bm25": passage_bm25,
            "sentence_bm25": sentence_bm25,
        }

    def _allowed(self, filters: Filters) -> tuple[np.ndarray, list[str]]:
        import numpy as np

        allowed = np.ones(len(self.index), dtype=bool)
        notes: list[str] = []
        if filters.section:
            wanted = normalize_label(filters.section)
            matches = [s for s in self.sections if normalize_label(s) == wanted]
            if not matches:
                raise QuestionError(
                    f"no section named {filters.section!r}; sections: "
                    + ", ".join(self.sections or ["(none)"])
                )
            allowed &= np.array([p.section in matches for p in self.index.passages])
        if filters.date:
            day = dt.date.fromisoformat(filters.date)
            label = f"{day:%B} {day.day}, {day.year}"
            entry_dates = self.tables.entry_dates
            selection = select_entries(DateRange(day, day, label), entry_dates)
            if selection is None:
                first, last = entry_dates[:1] or ["-"], entry_dates[-1:] or ["-"]
                raise QuestionError(
                    f"the text has no entries near {filters.date}; its entries run from "
                    f"{first[0]} to {last[0]}"
                )
            if selection.note:
                notes.append(selection.note)
            allowed &= np.array([p.date in selection.dates for p in self.index.passages])
        return allowed, notes

    def _date_preference(self, question: str) -> EntrySelection | None:
        entry_dates = self.tables.entry_dates
        wanted = parse_date_range(question, [int(d[:4]) for d in entry_dates])
        if wanted is None:
            return None
        selection = select_entries(wanted, entry_dates)
        if selection is None:
            return None
        start, end = wanted.span
        rest = " ".join((question[:start] + " " + question[end:]).split())
        return replace(selection, question_without_date=rest)

    def search(self, question: str, k: int, filters: Filters | None = None) -> Retrieval:
        """The best ``k`` distinct passages for ``question``, best first."""
        import numpy as np

        if not len(self.index):
            return Retrieval(hits=[], best_dense=-1.0)
        filters = filters or Filters()
        allowed, notes = self._allowed(filters)
        preferred = np.zeros(len(self.index), dtype=bool)
        query = question
        if not filters.date:
            selection = self._date_preference(question)
            if selection is not None:
                preferred = allowed & np.array(
                    [p.date in selection.dates for p in self.index.passages]
                )
                if preferred.any():
                    query = selection.question_without_date or question
                    if selection.note:
                        notes.append(selection.note)
        dated = bool(preferred.any())
        signals = self.signals(query)
        dense = signals["sentence_cosine"]
        lexical = np.maximum(signals["passage_bm25"], signals["sentence_bm25"])
        dense_rank = _ranks(dense, allowed)
        lexical_rank = _ranks(lexical, allowed & (lexical > 0))
        fused = self._fuse(signals, allowed)
        candidates = np.flatnonzero(allowed)
        if (dated or filters.date) and self.is_generic(query):
            # "What did he write on January 9?": the entry itself, from its beginning
            # (entries interleaved when the nearest ones are shown).
            order = candidates[
                np.lexsort((self.tables.entry_order[candidates], ~preferred[candidates]))
            ]
        else:
            order = candidates[np.lexsort((-fused[candidates], ~preferred[candidates]))]
        hits: list[Hit] = []
        kept: list[Passage] = []
        for position in order:
            passage = self.index.passages[int(position)]
            if self._duplicate(passage, kept):
                continue
            kept.append(passage)
            hits.append(
                Hit(
                    passage=passage,
                    score=float(fused[position]),
                    cosine=float(dense[position]),
                    rank=len(hits) + 1,
                    match=_match(int(dense_rank[position]), int(lexical_rank[position])),
                )
            )
            if len(hits) == k:
                break
        return Retrieval(
            hits=hits,
            best_dense=float(dense[candidates].max()) if len(candidates) else -1.0,
            notes=notes,
            dated=dated,
            unknown_names=self.unknown_names(question),
            query_vector=signals["query_vector"],
        )

    def _fuse(self, signals: dict[str, np.ndarray], allowed: np.ndarray) -> np.ndarray:
        """One score per passage from the signals, by the configured ranking."""
        import numpy as np

        ranking = self.ranking
        dense = signals["sentence_cosine"]
        if ranking.mode == "dense":
            return dense.astype(np.float64)
        if ranking.mode == "bm25":
            return signals["passage_bm25"] + 1e-3 * dense  # dense only breaks ties
        lexical = [signals["passage_bm25"], signals["sentence_bm25"]]
        if ranking.fusion == "rrf":
            fused = 1.0 / (ranking.rrf_k + _ranks(dense, allowed))
            for scores in lexical:
                ranks = _ranks(scores, allowed & (scores > 0))
                fused = fused + np.where(ranks > 0, 1.0 / (ranking.rrf_k + ranks), 0.0)
            return fused * allowed
        a, b, c, d = ranking.weights
        top = [float(scores[allowed].max()) if allowed.any() else 0.0 for scores in lexical]
        mixed = (
            a * signals["passage_cosine"]
            + b * dense
            + c * lexical[0] / (top[0] or 1.0)
            + d * lexical[1] / (top[1] or 1.0)
        )
        return mixed / (a + b + c + d or 1.0)  # a weighted mean: at most 1

    def unknown_names(self, question: str) -> list[str]:
        """Names and years in the question that the text never mentions ("Dewey", "1940").

        Capitalized words after the first, four-digit numbers, and runs of capitalized
        words ("October Revolution") that never occur together in the text: a strong
        sign the question is about something else, even when its topic is close.
        """
        words, stems = self.tables.surface_words, self.tables.vocabulary
        unknown: list[str] = []
        run: list[str] = []

        def known(tokens: Sequence[str]) -> bool:
            phrase = normalize_label(" ".join(_possessive(t) for t in tokens))
            return f" {phrase} " in self.tables.flat_text

        def close_run() -> None:
            # "Stalin General Secretary" is two known names side by side: some part of two
            # or more words occurs in the text. "October Revolution" has no such part.
            pieces = [run[i:j] for i in range(len(run)) for j in range(i + 2, len(run) + 1)]
            if pieces and not any(known(piece) for piece in pieces):
                unknown.append(" ".join(_possessive(t) for t in run))
            run.clear()

        for index, match in enumerate(_NAME.finditer(question)):
            token = match.group(0)
            is_year = token.isdigit() and len(token) == 4
            is_name = index > 0 and token[0].isupper()
            if not is_name:
                close_run()
            if not (is_year or is_name):
                continue
            parts = [p for p in re.split(r"[-’']", token.lower()) if p and p != "s"]
            if any(part not in words and not set(self.terms(part)) <= stems for part in parts):
                unknown.append(token)
            elif is_name:
                run.append(token)
                if question[match.end() : match.end() + 1] not in ("", " "):
                    close_run()  # punctuation ends a name: "Tampico, Mexico" is two
        close_run()
        return unknown

    def is_generic(self, query: str) -> bool:
        """True when a question asks for an entry as a whole ("What did he write?")."""
        return not [w for w in content_words(query) if w not in self.tables.generic_words]

    def expansions(self, words: Sequence[str], vectors: np.ndarray) -> dict[str, float]:
        """Corpus words near the question's words, as weighted extra BM25 terms (stems)."""
        import numpy as np

        lexicon = self.index.lexicon
        if not len(lexicon) or not len(words):
            return {}
        ranking = self.ranking
        own = set(self.terms(" ".join(words)))
        similarity = vectors @ lexicon.vectors.T
        extra: dict[str, float] = {}
        for row in similarity:
            taken = 0
            for column in np.argsort(-row)[: ranking.expansion_neighbours * 3]:
                score = float(row[column])
                if score < ranking.expansion_similarity or taken == ranking.expansion_neighbours:
                    break
                for term in self.terms(lexicon.words[column]):
                    if term not in own:
                        weight = ranking.expansion_weight * score
                        extra[term] = max(extra.get(term, 0.0), weight)
                        taken += 1
        return extra

    def _duplicate(self, passage: Passage, kept: Sequence[Passage]) -> bool:
        """Overlapping spans of one file, or near-identical text (e.g. a file copied twice)."""
        mine = None
        for other in kept:
            if (
                other.source == passage.source
                and passage.start < other.end
                and other.start < passage.end
            ):
                return True
            if mine is None:
                mine = self._shingle(passage)
            theirs = self._shingle(other)
            if mine and theirs and len(mine & theirs) / len(mine | theirs) >= DUPLICATE_JACCARD:
                return True
        return False

    def _shingle(self, passage: Passage) -> frozenset[tuple[str, ...]]:
        cache = self.tables.shingles
        if passage.id not in cache:
            cache[passage.id] = _shingles(passage.embed_text)
        return cache[passage.id]


def _entry_order(passages: Sequence[Passage]) -> np.ndarray:
    """Each passage's place within its journal entry (0 = the entry's first passage)."""
    import numpy as np

    order = np.zeros(len(passages), dtype=np.int64)
    seen: dict[tuple[str, str | None], int] = {}
    for row in sorted(range(len(passages)), key=lambda i: (passages[i].source, passages[i].start)):
        key = (passages[row].source, passages[row].date)
        order[row] = seen.get(key, 0)
        seen[key] = order[row] + 1
    return order


def _match(dense_rank: int, lexical_rank: int) -> str:
    """Which retriever found a hit: 'semantic', 'lexical' or 'both'."""
    semantic = 0 < dense_rank <= MATCH_DEPTH
    lexical = 0 < lexical_rank <= MATCH_DEPTH
    if semantic and lexical:
        return "both"
    if lexical:
        return "lexical"
    if semantic:
        return "semantic"
    return "lexical" if 0 < lexical_rank < dense_rank else "semantic"


def abstains(
    retrieval: Retrieval, *, filtered: bool, min_score: float, unknown_names: bool = True
) -> bool:
    """The abstention rule, fitted on the question set (`qabot eval` prints the trade-off).

    Abstain when the best sentence cosine is below ``min_score`` (the question is far
    from every passage), or when the question names a person, place or year the text
    never mentions ("the Dewey Commission", "August 1940"). A question that names one
    of the text's dates, or that the asker narrowed with `--date`/`--section`, is about
    the text and does not abstain.
    """
    if not retrieval.hits:
        return True
    if retrieval.dated or filtered:
        return False
    return retrieval.best_dense < min_score or (unknown_names and bool(retrieval.unknown_names))
