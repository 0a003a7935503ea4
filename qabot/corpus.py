"""The corpus folder: which files are texts, their decoded content and content hashes."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qabot.errors import CorpusError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub")  # see readers


@dataclass(frozen=True)
class CorpusFile:
    """One text in the corpus: its path relative to the corpus folder and content hash."""

    path: Path
    source: str  # POSIX path relative to the corpus folder: the name used in citations
    sha256: str
    size: int = 0  # bytes


def discover(corpus_dir: Path) -> list[CorpusFile]:
    """All readable files under ``corpus_dir`` (hidden ones excluded), sorted by name."""
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
        if path.suffix.lower() not in TEXT_SUFFIXES:
            log.warning("skipped %s: not a text qabot reads (%s)", path, ", ".join(TEXT_SUFFIXES))
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


def read_text(file: CorpusFile, *, max_bytes: int | None = None) -> str:
    """Decode a corpus file as UTF-8 (a BOM is dropped); anything else is a named error.

    Raises CorpusError for a file over ``max_bytes``, a binary file and non-UTF-8 text.
    """
    check_size(file, max_bytes)
    data = file.path.read_bytes()
    if b"\0" in data:
        raise CorpusError(f"{file.path}: looks like a binary file; remove it from the corpus")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{file.path}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
