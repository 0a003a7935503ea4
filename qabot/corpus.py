"""The corpus folder: which files are texts, their decoded content and content hashes."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qabot.errors import CorpusError
from qabot.readers import READABLE_SUFFIXES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorpusFile:
    """One text in the corpus: its path relative to the corpus folder and content hash."""

    path: Path
    source: str  # POSIX path relative to the corpus folder: the name used in citations
    sha256: str
    size: int = 0  # bytes


def discover(corpus_dir: Path, skipped: list[Path] | None = None) -> list[CorpusFile]:
    """All readable files under ``corpus_dir`` (hidden ones excluded), sorted by name; a
    corpus may also be one file (a book). Files of other kinds are added to ``skipped``
    (`qabot index` names them; answering does not repeat it on every question)."""
    if corpus_dir.is_file():
        with corpus_dir.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        return [CorpusFile(corpus_dir, corpus_dir.name, digest, corpus_dir.stat().st_size)]
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} not found (cwd {Path.cwd()}); "
            "set QABOT_CORPUS_DIR or run qabot from the project folder"
        )
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() not in READABLE_SUFFIXES:
            log.debug("skipped %s: not a text qabot reads", path)
            if skipped is not None:
                skipped.append(path)
            continue
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        files.append(CorpusFile(path, relative.as_posix(), digest, path.stat().st_size))
    return files


def corpus_hash(files: Iterable[CorpusFile]) -> str:
    """One hash over every file's name and content: any edit, addition or removal changes it."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.source):
        digest.update(f"{file.source}\0{file.sha256}\n".encode())
    return digest.hexdigest()


def check_size(file: CorpusFile, max_bytes: int | None) -> None:
    """CorpusError for a file over ``max_bytes`` (its size is known without reading it)."""
    if max_bytes is not None and file.size > max_bytes:
        raise CorpusError(
            f"{file.path}: {file.size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit; "
            "split it into smaller files or raise QABOT_MAX_FILE_MB"
        )


def read_bytes(file: CorpusFile, *, max_bytes: int | None = None) -> bytes:
    """The file's bytes; CorpusError for a file over ``max_bytes`` (checked before reading)."""
    check_size(file, max_bytes)
    try:
        return file.path.read_bytes()
    except OSError as error:
        raise CorpusError(
            f"{file.path}: cannot be read ({error.strerror}); check its permissions"
        ) from None
