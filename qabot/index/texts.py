"""Passage texts left in the index's texts file until a question reads them.

A loaded index needs every passage's metadata (ids, dates, sections, parts), but a
question reads the text of a few hundred candidates at most: holding all of it would
cost the whole diary's 13 MB of strings in every process that answers. So a generation
keeps its passages' texts in ``texts.txt`` (UTF-8, one after the other), each record of
``passages.jsonl`` says where its text is, and a loaded passage is a ``StoredPassage``
that reads its text from the file whenever it is asked for (a positional read of
about ten microseconds; nothing is cached, so nothing is shared and written between
questions).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Mapping, Sequence
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from qabot.errors import IndexCorruptError
from qabot.index.contents import REBUILD
from qabot.index.files import OpenFile
from qabot.text.sentences import sentence_at
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np


class TextFile:
    """The texts file of one generation, read a text at a time (``qabot.index.files``)."""

    def __init__(self, path: Path) -> None:
        self._file = OpenFile(path)
        self.path = path

    def __len__(self) -> int:
        return self._file.size

    def read(self, start: int, end: int) -> str:
        """The text at ``start``:``end`` (IndexCorruptError when the file is damaged)."""
        try:
            return self.read_bytes(start, end - start).decode("utf-8")
        except UnicodeDecodeError as error:
            raise IndexCorruptError(f"{self.path} is damaged ({error}); {REBUILD}") from None

    def read_bytes(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset`` (IndexCorruptError when the file is damaged)."""
        try:
            return self._file.read(offset, size)
        except OSError as error:
            raise IndexCorruptError(f"{self.path} is damaged ({error}); {REBUILD}") from None


def write_texts(path: Path, passages: Sequence[Passage]) -> list[dict[str, list[int]]]:
    """Write the passages' texts to ``path``; for each passage, where its texts are
    (``text_at``, and ``embed_at`` when the text embedded differs from the text)."""
    places: list[dict[str, list[int]]] = []
    offset = 0
    with path.open("wb") as handle:
        for passage in passages:
            text = passage.text.encode("utf-8")
            handle.write(text)
            place = {"text_at": [offset, offset + len(text)]}
            offset += len(text)
            if passage.embed_text != passage.text:
                embedded = passage.embed_text.encode("utf-8")
                handle.write(embedded)
                place["embed_at"] = [offset, offset + len(embedded)]
                offset += len(embedded)
            places.append(place)
    return places


_STORED_FIELDS = {
    f.name: f for f in dataclasses.fields(Passage) if f.name not in ("text", "embed_text")
}  # what passages.jsonl holds of a passage
_TEXT_SLOT: Any = Passage.__dict__["text"]  # the slots of a Passage's texts
_EMBED_SLOT: Any = Passage.__dict__["embed_text"]


class StoredPassage(Passage):
    """A passage of a stored index: ``text`` and ``embed_text`` are read from the texts
    file when asked for, their slots left empty. Everything else about it is a
    ``Passage`` (its other fields are plain slots, read at full speed); a copy made with
    ``dataclasses.replace`` holds its texts in those slots."""

    __slots__ = ("_embed_at", "_file", "_text_at")

    _file: TextFile
    _text_at: tuple[int, int]
    _embed_at: tuple[int, int] | None

    @classmethod
    def of(
        cls,
        file: TextFile,
        text_at: tuple[int, int],
        embed_at: tuple[int, int] | None,
        fields: dict[str, Any],
    ) -> StoredPassage:
        """The passage of ``fields`` (every field but its texts) whose texts are at
        ``text_at`` (and ``embed_at``, when its text embedded differs) in ``file``."""
        start, end = text_at
        if not 0 <= start <= end <= len(file) or (
            embed_at is not None and not 0 <= embed_at[0] <= embed_at[1] <= len(file)
        ):
            raise ValueError(f"passage {fields.get('id')}: its text is not in {file.path.name}")
        passage = cls.__new__(cls)
        unknown = set(fields) - _STORED_FIELDS.keys()
        if unknown:
            raise ValueError(f"passage {fields.get('id')}: unknown fields {sorted(unknown)}")
        for name, field in _STORED_FIELDS.items():
            if name in fields:
                value = fields[name]
            elif field.default is not dataclasses.MISSING:
                value = field.default
            else:
                raise ValueError(f"passage {fields.get('id')}: no {name}")
            object.__setattr__(passage, name, value)
        object.__setattr__(passage, "_file", file)
        object.__setattr__(passage, "_text_at", (start, end))
        object.__setattr__(passage, "_embed_at", embed_at)
        return passage

    @classmethod
    def many(
        cls, file: TextFile, columns: Mapping[str, Sequence[Any]], count: int
    ) -> list[StoredPassage]:
        """``count`` passages at once (a whole index), from ``columns``: each stored
        field's values and ``text_at``/``embed_at`` as (start, end) tuples, already
        checked, one value per passage. Each column goes into its slot in one C-level
        loop; a stored field not among ``columns`` gets its default."""
        made = list(map(cls.__new__, repeat(cls, count)))
        places = {"text_at": cls.__dict__["_text_at"], "embed_at": cls.__dict__["_embed_at"]}
        unset: dict[str, Any] = {name: f.default for name, f in _STORED_FIELDS.items()}
        unset["embed_at"] = None  # the text embedded is the text
        for name, values in columns.items():
            if len(values) != count:
                raise ValueError(f"{len(values)} values of {name} for {count} passages")
            slot = places.get(name) or Passage.__dict__[name]
            deque(map(slot.__set__, made, values), maxlen=0)
            unset.pop(name, None)
        for name, default in unset.items():
            if default is dataclasses.MISSING:
                raise ValueError(f"no {name}")
            slot = places.get(name) or Passage.__dict__[name]
            deque(map(slot.__set__, made, repeat(default, count)), maxlen=0)
        deque(map(cls.__dict__["_file"].__set__, made, repeat(file, count)), maxlen=0)
        return made

    @property
    def text(self) -> str:
        try:
            return str(_TEXT_SLOT.__get__(self))  # a copy made by ``replace``
        except AttributeError:
            return self._file.read(*self._text_at)

    @text.setter
    def text(self, value: str) -> None:
        _TEXT_SLOT.__set__(self, value)

    @property
    def embed_text(self) -> str:
        try:
            return str(_EMBED_SLOT.__get__(self))
        except AttributeError:
            return self._file.read(*(self._embed_at or self._text_at))

    @embed_text.setter
    def embed_text(self, value: str) -> None:
        _EMBED_SLOT.__set__(self, value)


class _TextsByPosition(Sequence[str]):
    """A sequence of texts each read when asked for (a slice: a list of them)."""

    def _text(self, position: int) -> str:
        raise NotImplementedError

    @overload
    def __getitem__(self, position: int) -> str: ...

    @overload
    def __getitem__(self, position: slice) -> list[str]: ...

    def __getitem__(self, position: int | slice) -> str | list[str]:
        if isinstance(position, slice):
            return [self._text(i) for i in range(*position.indices(len(self)))]
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        return self._text(position % len(self))


class PassageTexts(_TextsByPosition):
    """The texts of a sequence of passages, by position (a list of them would hold every
    text of a stored index at once)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages

    def __len__(self) -> int:
        return len(self._passages)

    def _text(self, position: int) -> str:
        return self._passages[position].text


class SentenceTexts(_TextsByPosition):
    """The sentences of a stored index's units, read from their passages' text: a
    string for each of the diary's 40,000 sentences would hold its text twice."""

    def __init__(self, texts: Sequence[str], owners: np.ndarray, spans: np.ndarray) -> None:
        self._texts = texts  # passage texts, by position
        self._owners = owners  # passage position of each sentence
        self._spans = spans  # (start, end) of each sentence in its passage's text

    def __len__(self) -> int:
        return len(self._owners)

    def _text(self, position: int) -> str:
        start, end = self._spans[position]
        return sentence_at(self._texts[int(self._owners[position])], int(start), int(end))


_SEARCHED_AT_ONCE = 1 << 23  # bytes of the texts file read per search step (8 MiB)


def rows_holding(passages: Sequence[Passage], needle: str) -> frozenset[int]:
    """The positions of the passages whose text holds ``needle``. A stored index's texts
    file is searched in a few large reads, not a read per passage: the diary's 13,316
    texts in about 25 ms (most of it gathering where each text is), where reading each
    one costs about 50 ms."""
    import numpy as np

    # A stored passage's text is in the file; a copy made by ``replace`` has no file.
    files = {id(getattr(p, "_file", None)) for p in passages}
    if not passages or len(files) != 1 or id(None) in files:  # texts held in memory
        return frozenset(row for row, p in enumerate(passages) if needle in p.text)
    file: TextFile = getattr(passages[0], "_file")  # noqa: B009
    bounds = np.array([getattr(p, "_text_at") for p in passages], dtype=np.int64)  # noqa: B009
    wanted = needle.encode("utf-8")
    found: list[int] = []  # offsets of every occurrence in the file
    for offset in range(0, len(file), _SEARCHED_AT_ONCE):
        size = min(_SEARCHED_AT_ONCE + len(wanted) - 1, len(file) - offset)
        data = file.read_bytes(offset, size)
        at = data.find(wanted)
        while at != -1:
            if at < _SEARCHED_AT_ONCE:  # the overlap is the next step's
                found.append(offset + at)
            at = data.find(wanted, at + 1)
    if not found:
        return frozenset()
    order = np.argsort(bounds[:, 0], kind="stable")
    starts, ends = bounds[order, 0], bounds[order, 1]
    occurrences = np.array(found, dtype=np.int64)
    owner = np.searchsorted(starts, occurrences, side="right") - 1
    inside = (owner >= 0) & (occurrences + len(wanted) <= ends[np.clip(owner, 0, None)])
    return frozenset(int(order[o]) for o in owner[inside])
