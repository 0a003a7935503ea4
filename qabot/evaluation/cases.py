"""The labeled question file of `qabot eval`.

File format (JSON Lines), one question per line::

    {"question": str, "gold": [verbatim snippets], "section": str | null,
     "date": "YYYY-MM-DD" | null, "kind": str (optional, e.g. "paraphrase")}

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
    """Read a question file; a bad line is an error naming the file, line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"{path}: cannot be read ({error})") from None
    cases = []
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
    return cases
