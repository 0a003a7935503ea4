"""The labeled question file of `qabot eval`.

File format (JSON Lines), one question per line::

    {"question": str, "gold": [verbatim snippets], "section": str | null,
     "date": "YYYY-MM-DD" | null, "kind": str (optional, e.g. "paraphrase")}

The first line may instead name the book the questions are about (a file or folder,
relative to the question file) and give it a name; without it, the questions are about
the configured corpus::

    {"corpus": "../data/books/pepys-the-diary.epub", "name": "The Diary (whole)"}

``gold: []`` marks a question the text does not answer. A hit contains the answer when
one of the snippets appears in its text; matching ignores case, runs of whitespace and
curly versus straight quotes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from qabot.errors import QabotError
from qabot.search.query import normalize_label


class EvalFileError(QabotError):
    """A question file that cannot be used (exit code 2: fix the file)."""

    exit_code = 2


@dataclass(frozen=True)
class QuestionSet:
    """The questions of one file, and the book (corpus) they are about."""

    path: Path
    name: str
    corpus: Path | None  # None: the configured corpus
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class Case:
    question: str
    gold: tuple[str, ...]
    section: str | None = None
    date: str | None = None
    kind: str = "answerable"

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def normalize(text: str) -> str:
    """Case, whitespace and curly/straight quotes ignored."""
    return normalize_label(text)


def load_cases(path: Path) -> list[Case]:
    """The questions of a file (see ``load_question_set``)."""
    return list(load_question_set(path).cases)


def load_question_set(path: Path) -> QuestionSet:
    """Read a question file; a bad line is an error naming the file, line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"{path}: cannot be read ({error})") from None
    cases: list[Case] = []
    corpus: Path | None = None
    name = path.stem
    first = next((n for n, line in enumerate(lines, start=1) if line.strip()), 0)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalFileError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise EvalFileError(f"{where}: each line must be a JSON object")
        if ("corpus" in record or "name" in record) and "question" not in record:
            if cases or number != first:
                raise EvalFileError(f'{where}: "corpus" and "name" may only be on the first line')
            if "corpus" in record:
                if not isinstance(record["corpus"], str) or not record["corpus"].strip():
                    raise EvalFileError(f'{where}: "corpus" must be a path (relative to the file)')
                corpus = (path.parent / record["corpus"]).resolve()
                if not corpus.exists():
                    raise EvalFileError(f"{where}: the corpus {corpus} does not exist")
            name = str(record.get("name") or (corpus.stem if corpus else path.stem))
            continue
        question = record.get("question")
        gold = record.get("gold")
        if not isinstance(question, str) or not question.strip():
            raise EvalFileError(f'{where}: "question" must be a non-empty string')
        if not isinstance(gold, list) or not all(isinstance(g, str) and g.strip() for g in gold):
            raise EvalFileError(f'{where}: "gold" must be a list of non-empty strings ([] = none)')
        section, date = record.get("section"), record.get("date")
        if section is not None and not isinstance(section, str):
            raise EvalFileError(f'{where}: "section" must be a string or null')
        if date is not None:
            try:
                dt.date.fromisoformat(date)
            except (TypeError, ValueError):
                raise EvalFileError(f'{where}: "date" must be "YYYY-MM-DD" or null') from None
        kind = record.get("kind") or ("answerable" if gold else "unanswerable")
        cases.append(Case(question, tuple(gold), section, date, str(kind)))
    if not cases:
        raise EvalFileError(f"{path}: no questions in the file")
    return QuestionSet(path, name, corpus, tuple(cases))
