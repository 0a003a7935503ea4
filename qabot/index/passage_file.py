"""passages.jsonl: every passage's fields but its texts, one passage per line.

The file opens with a header naming its columns (``{"columns": ["id", "source", …]}``);
each line after it is one passage's values in that order, ``text_at`` and ``embed_at``
saying where its texts are in texts.txt (``qabot.index.texts``). Rows rather than one
object per line because a cold `qabot ask` reads every passage's metadata before its
first answer: on the whole Pepys diary (13,316 passages) rows are read and made into
passages in about 85 ms (turned into columns, ``_RowReader``), one object per line with
its keys took about 240 ms, and the file is 3.1 MB rather than 5.5. An index written
before (format 5 and older) holds one object per line, with or without its texts: it is
still read (``passage_from_record``), so that an update can reuse its vectors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from qabot.index.texts import StoredPassage, TextFile
from qabot.types import Passage

TEXT_PLACES = ("text_at", "embed_at")  # where a passage's texts are in texts.txt
STORED_FIELDS = tuple(
    f for f in dataclasses.fields(Passage) if f.name not in ("text", "embed_text")
)
COLUMNS = (*(f.name for f in STORED_FIELDS), *TEXT_PLACES)  # the order written
_SHARED_FIELDS = (
    "source",
    "title",
    "section",
    "date",
    "date_machine",
    "role",
    "anchor",
    "part_label",
    "note_label",
    "note_place",
)  # a few values repeated by thousands of passages (a book's title, an entry's date)
_TUPLES = ("paragraphs", "mentions")  # JSON arrays held as tuples


def write_passages(
    path: Path, passages: Iterable[Passage], places: Iterable[dict[str, list[int]]]
) -> None:
    """Write the header, then one row per passage (``places``: where its texts are,
    as ``write_texts`` returns them)."""
    names = COLUMNS[: -len(TEXT_PLACES)]
    with path.open("wb") as handle:
        handle.write(orjson.dumps({"columns": list(COLUMNS)}) + b"\n")
        for passage, place in zip(passages, places, strict=True):
            row = [getattr(passage, name) for name in names]
            row += [place.get(name) for name in TEXT_PLACES]
            handle.write(orjson.dumps(row) + b"\n")


def read_passages(path: Path, texts: TextFile | None) -> list[Passage]:
    """The passages of ``path``, in order, their texts read from ``texts`` when asked for.

    OSError or ValueError (TypeError, KeyError) when the file is damaged: the caller
    names the file and says to rebuild.
    """
    strings: dict[Any, Any] = {}  # one copy of each repeated value (4 MB on the diary)
    lines = _json_lines(path)
    first = next(lines, None)
    if first is None:
        return []
    if isinstance(first, dict) and set(first) == {"columns"}:
        if texts is None:
            raise ValueError("texts.txt is missing")
        return _RowReader(first["columns"], texts, strings).read(lines)
    records = [first, *lines]  # an index written before: one object per line
    return [passage_from_record(record, strings, texts) for record in records]


def _json_lines(path: Path) -> Iterator[Any]:
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


class _RowReader:
    """Makes passages of rows under one header, a column at a time: the header is
    checked once, the rows turned into columns, and each column's values set into the
    passages' slots by one C-level loop (``StoredPassage.many``). On the whole diary
    that is about 30 ms less than a Python loop over rows setting each value."""

    def __init__(self, columns: Any, texts: TextFile, strings: dict[Any, Any]) -> None:
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ValueError("its header names no columns")
        unknown = set(columns) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        required = [f.name for f in STORED_FIELDS if f.default is dataclasses.MISSING]
        missing = [name for name in (*required, "text_at") if name not in columns]
        if missing:
            raise ValueError(f"no column {missing[0]}")
        self.columns: list[str] = columns
        self.texts = texts
        self.strings = strings

    def read(self, lines: Iterable[Any]) -> list[Passage]:
        rows = list(lines)
        width = len(self.columns)
        if set(map(type, rows)) - {list} or set(map(len, rows)) - {width}:
            number = next(
                n for n, row in enumerate(rows, 1) if not isinstance(row, list) or len(row) != width
            )
            raise ValueError(f"row {number} does not have the header's {width} columns")
        by_column = map(list, zip(*rows, strict=True)) if rows else ([] for _ in self.columns)
        values = dict(zip(self.columns, by_column, strict=True))
        intern = self.strings.setdefault  # None is kept as a key too: it is its own value
        for name in _SHARED_FIELDS:
            if name in values:
                values[name] = list(map(intern, values[name], values[name]))
        for name in _TUPLES:
            if name in values:
                values[name] = list(map(tuple, values[name]))
        if "notes" in values:
            values["notes"] = [_notes(value) if value else () for value in values["notes"]]
        size = len(self.texts)
        for name in TEXT_PLACES:
            if name in values:
                values[name] = _places(values[name], size, optional=name != "text_at")
        return list(StoredPassage.many(self.texts, values, len(rows)))


def _notes(value: Any) -> tuple[tuple[str, int], ...]:
    """A passage's notes as (number, note's passage id) pairs."""
    return tuple((str(label), int(note)) for label, note in value)


def _places(column: list[Any], size: int, *, optional: bool) -> list[tuple[int, int] | None]:
    """A column of places in texts.txt as (start, end) pairs, each checked to lie in it."""
    places: list[tuple[int, int] | None] = []
    for row, value in enumerate(column, start=1):
        if value is None:
            if not optional:
                raise ValueError(f"row {row}: no text_at")
            places.append(None)
            continue
        start, end = int(value[0]), int(value[1])
        if not 0 <= start <= end <= size:
            raise ValueError(f"row {row}: its text is not in texts.txt")
        places.append((start, end))
    return places


def passage_from_record(
    record: dict[str, Any], strings: dict[str, str], texts: TextFile | None
) -> Passage:
    """The passage of one line of an index written before rows (format 5 and older):
    a ``StoredPassage`` reading its texts from ``texts``, or, in older ones still, a
    passage holding them (one string when its embedded text is its text)."""
    for name in _SHARED_FIELDS:
        value = record.get(name)
        if isinstance(value, str):
            record[name] = strings.setdefault(value, value)
    values = {
        **record,
        "paragraphs": tuple(record["paragraphs"]),
        "mentions": tuple(record.get("mentions") or ()),
        "notes": _notes(record.get("notes") or ()),
    }
    if "text_at" in record:
        if texts is None:
            raise ValueError("texts.txt is missing")
        text_at, embed_at = values.pop("text_at"), values.pop("embed_at", None)
        return StoredPassage.of(
            texts,
            (int(text_at[0]), int(text_at[1])),
            None if embed_at is None else (int(embed_at[0]), int(embed_at[1])),
            values,
        )
    text, embed_text = record["text"], record["embed_text"]
    return Passage(**{**values, "embed_text": text if embed_text == text else embed_text})


__all__ = ["COLUMNS", "passage_from_record", "read_passages", "write_passages"]
