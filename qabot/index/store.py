"""Index generations on disk: plain files and a manifest, swapped in atomically.

Layout of the embeddings folder::

    embeddings/
      CURRENT                 name of the live generation (replaced atomically)
      gen-<time>-<rand>/
        manifest.json         model, dimension, counts, corpus hash, checksums, build time
        passages.jsonl        one passage per line, in order: its fields, where its texts are
                              (rows under a header of columns: ``passage_file``)
        texts.txt             the passages' texts, UTF-8, read when asked for (``texts``)
        passages.faiss        their vectors (FAISS, exact or HNSW: ``qabot.index.vectors``)
        units.json            the sentences of multi-sentence passages: their passage ids
                              and where each is in its passage's text (flat arrays)
        units.faiss           the sentences' vectors (flat at any size)
        lexicon.json          the corpus's words (query expansion), one array
        lexicon.faiss         their vectors
        bm25.npz              BM25 postings of the passages and of their sentences
        bm25.json             the terms of those postings, and each sentence's passage
      models/<name>-<hash>/   the model's light export for answering (``qabot.embedding.onnx``)

Every vector is stored once, in a FAISS file read memory-mapped.
A new generation is written completely, then CURRENT is replaced, so a crash at any
moment leaves the previous index loadable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from qabot.collector import collector_paused
from qabot.errors import IndexCorruptError, IndexMissingError
from qabot.index.contents import (
    REBUILD,
    Bm25Tables,
    Index,
    Lexicon,
    Units,
)
from qabot.index.files import npz_arrays
from qabot.index.manifest import Manifest
from qabot.index.passage_file import read_passages, write_passages
from qabot.index.texts import (
    PassageTexts,
    SentenceTexts,
    TextFile,
    write_texts,
)
from qabot.index.vectors import VectorIndex
from qabot.text.bm25 import Bm25Table
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
PASSAGES_FILE = "passages.jsonl"
TEXTS_FILE = "texts.txt"
VECTORS_FILE = "passages.faiss"
UNITS_FILE = "units.json"
UNIT_VECTORS_FILE = "units.faiss"
LEXICON_FILE = "lexicon.json"
LEXICON_VECTORS_FILE = "lexicon.faiss"
BM25_ARRAYS_FILE = "bm25.npz"
BM25_TERMS_FILE = "bm25.json"
_KEEP_GENERATIONS = 2  # the live one and its predecessor (a reader may still hold it)


def without_fix(error: IndexCorruptError) -> str:
    """What is damaged, without the advice to rebuild (for when qabot rebuilds by itself)."""
    return str(error).removesuffix(f"; {REBUILD}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _units_record(units: Units) -> dict[str, Any]:
    """units.json: the sentences' passage ids and their spans in the passage's text (the
    sentences themselves when their spans are not known)."""
    record: dict[str, Any] = {"passage_ids": units.passage_ids.tolist()}
    if units.spans is not None:
        record["spans"] = units.spans.reshape(-1).tolist()
    else:
        record["texts"] = list(units.texts)
    return record


class IndexStore:
    """Reads and writes index generations in the embeddings folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # The last manifest read, by its file's path, size and time: a cold `qabot ask`
        # reads it to know the index is fresh, then again to load it (0.8 MB on the
        # whole diary, about 7 ms a read). A generation is never rewritten in place.
        self._manifest_read: tuple[tuple[Path, int, int], Manifest] | None = None

    def current_dir(self) -> Path | None:
        pointer = self.directory / CURRENT
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise IndexCorruptError(f"{pointer}: cannot be read ({error})") from None
        if not name or "/" in name or name.startswith("."):
            raise IndexCorruptError(f"{pointer} is damaged; run `qabot index --force` to rebuild")
        return self.directory / name

    def read_manifest(self, location: Path | None = None) -> Manifest | None:
        """The manifest of ``location`` (default: the live one); None when nothing is built."""
        location = location or self.current_dir()
        if location is None:
            return None
        path = location / MANIFEST
        try:
            stat = path.stat()
            key = (path, stat.st_size, stat.st_mtime_ns)
            last = self._manifest_read
            if last is not None and last[0] == key:
                return last[1]
            manifest = Manifest.from_json(orjson.loads(path.read_bytes()))
            self._manifest_read = (key, manifest)
            return manifest
        except FileNotFoundError:
            raise IndexCorruptError(
                f"{path} is missing; run `qabot index --force` to rebuild"
            ) from None
        except (ValueError, TypeError) as error:
            raise IndexCorruptError(
                f"{path} is damaged ({error}); run `qabot index --force` to rebuild"
            ) from None

    def load(self, *, verify: bool = False) -> Index:
        """The live index, checked against its manifest.

        Always: every file present with the size the manifest recorded, counts agreeing.
        With ``verify`` (`qabot index`): every file's SHA-256 too.
        """
        location = self.current_dir()
        if location is None:
            raise IndexMissingError(f"no index in {self.directory}; run `qabot index` to build it")
        with collector_paused():  # thousands of passages made at once (qabot.collector)
            try:
                return self._load(location, verify)
            except IndexCorruptError:
                # A writer may have swapped CURRENT and pruned this generation meanwhile.
                newer = self.current_dir()
                if newer is None or newer == location:
                    raise
                return self._load(newer, verify)

    def check(self, location: Path, manifest: Manifest, *, verify: bool) -> None:
        """Raise IndexCorruptError naming the first missing, truncated or altered file."""
        fix = REBUILD
        for name, expected in manifest.checksums.items():
            path = location / name
            if not path.is_file():
                raise IndexCorruptError(f"{path} is missing; {fix}")
            size = manifest.sizes.get(name)
            if size is not None and path.stat().st_size != size:
                raise IndexCorruptError(
                    f"{path} is damaged ({path.stat().st_size} bytes, {size} expected); {fix}"
                )
            if verify and _sha256(path) != expected:
                raise IndexCorruptError(f"{path} is damaged (checksum mismatch); {fix}")

    def _load(self, location: Path, verify: bool) -> Index:

        manifest = self.read_manifest(location)
        assert manifest is not None
        fix = REBUILD
        self.check(location, manifest, verify=verify)
        try:
            texts = TextFile(location / TEXTS_FILE) if (location / TEXTS_FILE).is_file() else None
            passages = read_passages(location / PASSAGES_FILE, texts)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise IndexCorruptError(
                f"{location / PASSAGES_FILE} is damaged ({error}); {fix}"
            ) from None
        vectors = self._vectors(
            location / VECTORS_FILE, manifest.dimension, manifest.passage_count, fix
        )
        if not (len(vectors) == len(passages) == manifest.passage_count):
            raise IndexCorruptError(
                f"{location}: {len(vectors)} vectors, {len(passages)} passages, "
                f"manifest says {manifest.passage_count}; {fix}"
            )
        units = self._load_units(location, manifest, passages, fix)
        lexicon = self._load_lexicon(location, manifest, fix)
        bm25 = self._load_bm25(location, len(passages), fix)
        return Index(passages, vectors, manifest, location, units, lexicon, bm25)

    @staticmethod
    def _vectors(path: Path, dimension: int, count: int, fix: str) -> VectorIndex:
        return VectorIndex.open(path, dimension, count, fix)

    def _load_bm25(self, location: Path, passage_count: int, fix: str) -> Bm25Tables:
        import numpy as np

        try:
            loaded = npz_arrays(location / BM25_ARRAYS_FILE)
            terms = orjson.loads((location / BM25_TERMS_FILE).read_bytes())
            tables = []
            strings: dict[str, str] = {}  # a term of both tables is held once
            for part in ("passages", "sentences"):
                vocabulary = {strings.setdefault(t, t): row for row, t in enumerate(terms[part])}
                indptr = np.asarray(loaded[f"{part}_indptr"])  # read whole: small
                if len(indptr) != len(vocabulary) + 1:
                    raise ValueError(f"{part}: {len(indptr) - 1} postings, {len(vocabulary)} terms")
                tables.append(
                    Bm25Table(
                        vocabulary,
                        indptr,
                        loaded[f"{part}_indices"],
                        loaded[f"{part}_weights"],
                        int(terms[f"{part}_size"]),
                    )
                )
            owner = np.asarray(loaded["sentence_owner"])
        except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as error:
            raise IndexCorruptError(
                f"{location}: the BM25 tables are damaged ({error}); {fix}"
            ) from None
        if tables[0].size != passage_count or len(owner) != tables[1].size:
            raise IndexCorruptError(f"{location}: the BM25 tables do not match the passages; {fix}")
        return Bm25Tables(tables[0], tables[1], owner)

    def _load_lexicon(self, location: Path, manifest: Manifest, fix: str) -> Lexicon:
        try:
            words = tuple(
                str(word) for word in orjson.loads((location / LEXICON_FILE).read_bytes())
            )
        except (OSError, ValueError, TypeError) as error:
            raise IndexCorruptError(
                f"{location / LEXICON_FILE} is damaged ({error}); {fix}"
            ) from None
        vectors = self._vectors(
            location / LEXICON_VECTORS_FILE, manifest.dimension, manifest.lexicon_count, fix
        )
        if not len(vectors) == len(words) == manifest.lexicon_count:
            raise IndexCorruptError(
                f"{location}: {len(vectors)} word vectors, {len(words)} words, manifest says "
                f"{manifest.lexicon_count}; {fix}"
            )
        return Lexicon(words, vectors)

    def _load_units(
        self, location: Path, manifest: Manifest, passages: Sequence[Passage], fix: str
    ) -> Units:
        import numpy as np

        try:
            stored = orjson.loads((location / UNITS_FILE).read_bytes())
            owners = np.asarray(stored["passage_ids"], dtype=np.int64).reshape(-1)
            ids = np.fromiter((p.id for p in passages), np.int64, len(passages))
            by_id = np.argsort(ids, kind="stable")
            found = np.searchsorted(ids[by_id], owners).clip(0, max(len(ids) - 1, 0))
            if len(owners) and (not len(ids) or (ids[by_id][found] != owners).any()):
                raise ValueError("a sentence belongs to no passage")
            texts: Sequence[str]
            spans = None
            if "spans" in stored:  # where each sentence is in its passage's text
                spans = np.asarray(stored["spans"], dtype=np.int32).reshape(-1, 2)
                rows = by_id[found] if len(owners) else owners  # each sentence's passage row
                texts = SentenceTexts(PassageTexts(passages), rows, spans)
            else:  # an index written before: the sentences themselves
                texts = tuple(str(text) for text in stored["texts"])
            if len(owners) != len(texts):
                raise ValueError(f"{len(owners)} passage ids for {len(texts)} sentences")
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise IndexCorruptError(
                f"{location / UNITS_FILE} is damaged ({error}); {fix}"
            ) from None
        vectors = self._vectors(
            location / UNIT_VECTORS_FILE, manifest.dimension, manifest.unit_count, fix
        )
        if not (len(vectors) == len(texts) == manifest.unit_count):
            raise IndexCorruptError(
                f"{location}: {len(vectors)} unit vectors, {len(texts)} units, manifest says "
                f"{manifest.unit_count}; {fix}"
            )
        return Units(owners, texts, vectors, spans)

    def save(self, index: Index) -> Path:
        """Write ``index`` as a new generation and make it live atomically."""

        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        name = f"gen-{stamp}-{secrets.token_hex(3)}"
        staging = self.directory / f".staging-{name}"
        staging.mkdir()
        try:
            index.passage_vectors.write(staging / VECTORS_FILE)
            places = write_texts(staging / TEXTS_FILE, index.passages)
            write_passages(staging / PASSAGES_FILE, index.passages, places)
            index.units.vectors.write(staging / UNIT_VECTORS_FILE)
            (staging / UNITS_FILE).write_bytes(orjson.dumps(_units_record(index.units)))
            index.lexicon.vectors.write(staging / LEXICON_VECTORS_FILE)
            (staging / LEXICON_FILE).write_bytes(orjson.dumps(list(index.lexicon.words)))
            self._save_bm25(index.bm25, staging)
            names = (
                VECTORS_FILE,
                PASSAGES_FILE,
                TEXTS_FILE,
                UNIT_VECTORS_FILE,
                UNITS_FILE,
                LEXICON_VECTORS_FILE,
                LEXICON_FILE,
                BM25_ARRAYS_FILE,
                BM25_TERMS_FILE,
            )
            checksums = {n: _sha256(staging / n) for n in names}
            sizes = {n: (staging / n).stat().st_size for n in names}
            manifest = Manifest(
                **{**asdict(index.manifest), "checksums": checksums, "sizes": sizes}
            )
            (staging / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
            for child in staging.iterdir():
                _fsync(child)
            final = self.directory / name
            staging.rename(final)
            pointer_tmp = self.directory / f".{CURRENT}.{name}"
            pointer_tmp.write_text(name + "\n", encoding="utf-8")
            _fsync(pointer_tmp)
            os.replace(pointer_tmp, self.directory / CURRENT)
            _fsync(self.directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        index.manifest = manifest
        index.location = final
        self._prune(keep=name)
        return final

    @staticmethod
    def _save_bm25(bm25: Bm25Tables, staging: Path) -> None:
        import numpy as np

        arrays: dict[str, np.ndarray] = {"sentence_owner": bm25.sentence_owner}
        terms: dict[str, object] = {}
        for part, table in (("passages", bm25.passages), ("sentences", bm25.sentences)):
            arrays[f"{part}_indptr"] = table.indptr
            arrays[f"{part}_indices"] = np.asarray(table.indices)
            arrays[f"{part}_weights"] = np.asarray(table.weights)
            terms[part] = sorted(table.vocabulary, key=table.vocabulary.__getitem__)
            terms[f"{part}_size"] = table.size
        with (staging / BM25_ARRAYS_FILE).open("wb") as handle:
            np.savez(handle, **cast("dict[str, Any]", arrays))
        (staging / BM25_TERMS_FILE).write_text(json.dumps(terms, ensure_ascii=False), "utf-8")

    def _prune(self, keep: str) -> None:
        """Remove stale staging folders and all but the newest generations."""
        generations = sorted(
            (p for p in self.directory.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime
        )
        survivors = {keep, *(p.name for p in generations[-_KEEP_GENERATIONS:])}
        for path in generations:
            if path.name not in survivors:
                shutil.rmtree(path, ignore_errors=True)
        for path in self.directory.glob(".staging-*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.directory.glob(f".{CURRENT}.*"):
            with contextlib.suppress(OSError):
                path.unlink()
