"""Incremental index updates: re-chunk changed files, re-embed only the passages that changed.

``update`` is the core step behind `qabot index`, `qabot watch` and the maintainer's
``library()``. It is pure apart from reading corpus files: the caller holds the lock
and saves the result. A file that cannot be read (not UTF-8, binary, too large, empty)
is reported and keeps the passages it had in the previous index, so one bad save never
empties the index or touches other files.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from qabot.chunking import ChunkingConfig, chunk_document
from qabot.corpus import CorpusFile, corpus_hash, read_bytes
from qabot.embedding import BuildEmbedder
from qabot.errors import CorpusError
from qabot.index.contents import Index, Lexicon, Units, build, content_hash
from qabot.index.manifest import FORMAT_VERSION, REUSABLE_FORMATS
from qabot.readers import read_source
from qabot.text.repair import repair_text
from qabot.text.sentences import split_sentences
from qabot.text.terms import distinct_content_words
from qabot.types import Passage

if TYPE_CHECKING:
    import numpy as np

Progress = Callable[[int], None]  # called with the tokens just embedded


@dataclass(frozen=True)
class IndexUpdate:
    """What one `qabot index` run changed, for its report line."""

    files: int  # files indexed (including those kept from before after a failure)
    passages: int
    files_added: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()
    files_removed: tuple[str, ...] = ()
    passages_added: int = 0
    passages_changed: int = 0
    passages_removed: int = 0
    embedded: int = 0  # texts (passages and sentences) sent to the model this run
    reused: int = 0  # texts whose stored vector was kept
    full_rebuild: tuple[str, ...] = ()  # why every passage was re-embedded, when it was
    failed: dict[str, str] = field(default_factory=dict)  # source → one-line reason
    skipped_blocks: int = 0  # boilerplate blocks left out of the re-chunked files
    token_min: int = 0
    token_median: float = 0.0
    token_max: int = 0
    seconds: float = 0.0
    location: str | None = None  # the new generation; None when nothing was written

    @property
    def up_to_date(self) -> bool:
        return self.location is None

    def summary(self) -> str:
        """One line: what changed, how much was embedded, how long it took."""
        if self.up_to_date:
            return (
                f"Index is up to date: {self.passages} passages from {self.files} file(s); "
                f"nothing to do ({self.seconds:.2f} s)."
            )
        files = ", ".join(
            f"{len(names)} {label}"
            for label, names in (
                ("added", self.files_added),
                ("changed", self.files_changed),
                ("removed", self.files_removed),
            )
            if names
        )
        lines = [
            f"Indexed {self.passages} passages from {self.files} file(s) in {self.seconds:.1f} s "
            f"→ {self.location}",
            f"  files: {files or 'no change'}; passages: {self.passages_added} added, "
            f"{self.passages_changed} changed, {self.passages_removed} removed; "
            f"embedded {self.embedded}, reused {self.reused}",
        ]
        if self.full_rebuild:
            lines.append(f"  full rebuild: {'; '.join(self.full_rebuild)}")
        if self.failed:
            lines.append(f"  not indexed (see the warnings): {', '.join(sorted(self.failed))}")
        if self.embedded or self.skipped_blocks:
            lines.append(
                f"  tokens per passage: min {self.token_min}, median {self.token_median:g}, "
                f"max {self.token_max}; {self.skipped_blocks} boilerplate block(s) skipped"
            )
        return "\n".join(lines)


def file_warning(source: str, reason: str, kept: int | None) -> str:
    """The warning printed for a corpus file that could not be indexed.

    ``kept`` is how many of its passages the index still holds from an earlier version
    (None when unknown, e.g. a no-change run that loaded nothing).
    """
    if kept is None:
        kept_text = "fix the file or delete it"
    elif kept:
        kept_text = (
            f"its {kept} passage(s) from the previous version are kept "
            "until the file is fixed (delete the file to drop them)"
        )
    else:
        kept_text = "it has no passages in the index until it is fixed"
    return f"{source} not indexed: {reason}; {kept_text}"


def update(
    previous: Index | None,
    files: Sequence[CorpusFile],
    embedder: BuildEmbedder,
    chunking: ChunkingConfig,
    *,
    max_bytes: int | None = None,
    force: bool = False,
    progress: Callable[[int], Progress] | None = None,
) -> tuple[Index, IndexUpdate]:
    """A new index for ``files``, reusing ``previous``'s passages and vectors where valid.

    Passages of files whose bytes and chunking settings are unchanged are reused as they
    are; changed and new files are re-chunked; a passage is embedded only when no
    previous passage had the same embedded text under the same model.
    """
    started = time.perf_counter()
    old = previous.manifest if previous is not None else None
    full_reasons: list[str] = []
    if force:
        full_reasons.append("--force")
    if old is None:
        full_reasons.append("no previous index")
    else:
        if old.model != embedder.identity:
            full_reasons.append(f"model changed from {old.model} to {embedder.identity}")
        if old.format not in REUSABLE_FORMATS:
            full_reasons.append(f"index format {old.format} → {FORMAT_VERSION}")
    reuse_vectors = not full_reasons
    same_chunking = old is not None and old.chunking == asdict(chunking) and not force

    old_by_source: dict[str, list[Passage]] = {}
    if previous is not None:
        for passage in previous.passages:
            old_by_source.setdefault(passage.source, []).append(passage)

    passages: list[Passage] = []
    failed: dict[str, str] = {}
    added: list[str] = []
    changed: list[str] = []
    rechunked: list[Passage] = []
    skipped_blocks = 0
    counts = {"added": 0, "changed": 0, "removed": 0}
    for file in files:
        before = old_by_source.get(file.source, [])
        known = old is not None and file.source in old.files
        unchanged = known and old.files[file.source] == file.sha256  # type: ignore[union-attr]
        if unchanged and old is not None and file.source in old.failed:
            failed[file.source] = old.failed[file.source]  # same bytes: same failure
            passages.extend(before)
            continue
        if unchanged and same_chunking:
            passages.extend(before)
            continue
        try:
            document = chunk_document(
                read_source(file.path, read_bytes(file, max_bytes=max_bytes)),
                file.source,
                embedder.count_tokens,
                chunking,
            )
            if not document.passages:
                raise CorpusError(f"{file.path}: no text to index (empty file?)")
        except CorpusError as error:
            reason = str(error)
            failed[file.source] = reason.removeprefix(f"{file.path}: ")  # named by source
            passages.extend(before)
            continue
        skipped_blocks += len(document.skipped)
        if known and not unchanged:
            changed.append(file.source)
        elif not known:
            added.append(file.source)
        new_ids = {p.id for p in document.passages}
        old_ids = {p.id for p in before}
        plus, minus = len(new_ids - old_ids), len(old_ids - new_ids)
        edited = min(plus, minus)
        counts["changed"] += edited
        counts["added"] += plus - edited
        counts["removed"] += minus - edited
        passages.extend(document.passages)
        rechunked.extend(document.passages)
    current = {f.source for f in files}
    removed = sorted((set(old_by_source) | set(old.files if old else ())) - current)
    counts["removed"] += sum(len(old_by_source.get(source, [])) for source in removed)

    vectors, units, lexicon, embedded = _vectors(
        previous, passages, embedder, reuse_vectors, progress
    )
    index = build(
        passages,
        vectors,
        retired=_retired(previous, passages),
        model=embedder.identity,
        corpus_hash=corpus_hash(files),
        files={f.source: f.sha256 for f in files},
        chunking=chunking,
        build_seconds=time.perf_counter() - started,
        failed=failed,
        units=units,
        lexicon=lexicon,
    )
    tokens = [p.tokens for p in rechunked] or [0]
    report = IndexUpdate(
        files=len({p.source for p in passages}),
        passages=len(passages),
        files_added=tuple(added),
        files_changed=tuple(changed),
        files_removed=tuple(removed),
        passages_added=counts["added"],
        passages_changed=counts["changed"],
        passages_removed=counts["removed"],
        embedded=embedded,
        reused=len(passages) + len(units) + len(lexicon) - embedded,
        full_rebuild=tuple(full_reasons),
        failed=failed,
        skipped_blocks=skipped_blocks,
        token_min=min(tokens),
        token_median=statistics.median(tokens),
        token_max=max(tokens),
        seconds=time.perf_counter() - started,
    )
    return index, report


RETIRED_KEPT = 50_000  # retired passage places remembered, the newest first


def _retired(previous: Index | None, passages: Sequence[Passage]) -> dict[str, list[object]]:
    """Where the passages that are gone were: the previous index's memory, plus the
    passages this update removed (a passage back in the index is no longer retired)."""
    if previous is None:
        return {}
    live = {str(p.id) for p in passages}
    gone = {
        str(p.id): [p.source, p.start, p.end] for p in previous.passages if str(p.id) not in live
    }
    kept = {k: v for k, v in previous.manifest.retired.items() if k not in live and k not in gone}
    merged = {**gone, **kept}
    return dict(list(merged.items())[:RETIRED_KEPT])


def sentence_units(passages: Sequence[Passage]) -> tuple[list[int], list[str]]:
    """(passage id, sentence) for every sentence of every multi-sentence passage."""
    owners: list[int] = []
    texts: list[str] = []
    for passage in passages:
        sentences = split_sentences(passage.text)
        if len(sentences) > 1:
            owners.extend([passage.id] * len(sentences))
            texts.extend(sentences)
    return owners, texts


def embed_steadily(
    embedder: BuildEmbedder, texts: Sequence[str], progress: Callable[[int], Progress] | None
) -> np.ndarray:
    """Embed ``texts`` longest first, in batches of similar length, reporting tokens done.

    Batches of similar length waste little on padding, so the time per token is steady
    and a progress bar counting tokens gives an honest estimate of what is left.
    """
    import numpy as np

    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    limit = embedder.max_tokens
    tokens = [min(embedder.count_tokens(texts[i]), limit) for i in order]
    advance = progress(sum(tokens)) if progress else None
    size = max(1, embedder.batch_size)
    vectors: np.ndarray | None = None
    for start in range(0, len(order), size):
        rows = order[start : start + size]
        batch = embedder.embed([texts[i] for i in rows])
        if vectors is None:
            vectors = np.zeros((len(texts), batch.shape[1]), dtype=np.float32)
        vectors[rows] = batch
        if advance:
            advance(sum(tokens[start : start + size]))
    assert vectors is not None
    return vectors


def _vectors(
    previous: Index | None,
    passages: Sequence[Passage],
    embedder: BuildEmbedder,
    reuse: bool,
    progress: Callable[[int], Progress] | None,
) -> tuple[np.ndarray, Units, Lexicon, int]:
    """Passage, sentence and word vectors: reused by content hash when allowed, else embedded.

    Returns the passage vectors, the sentence units, the lexicon and how many texts
    were embedded.
    """
    import numpy as np

    owners, sentences = sentence_units(passages)
    words = distinct_content_words(p.embed_text for p in passages)
    texts = [p.embed_text for p in passages] + [repair_text(s) for s in sentences] + words
    stored: dict[str, tuple[str, int]] = {}  # content hash → ("p" | "u", row)
    if reuse and previous is not None and len(previous):
        hashes = previous.manifest.content_hashes
        for row, passage in enumerate(previous.passages):
            digest = hashes.get(str(passage.id)) or content_hash(passage.embed_text)
            stored.setdefault(digest, ("p", row))
        for row, text in enumerate(previous.units.texts):
            stored.setdefault(content_hash(repair_text(text)), ("u", row))
        for row, word in enumerate(previous.lexicon.words):
            stored.setdefault(content_hash(word), ("w", row))
    wanted = [content_hash(t) for t in texts]
    missing: dict[str, str] = {}
    for digest, text in zip(wanted, texts, strict=True):
        if digest not in stored:
            missing.setdefault(digest, text)
    fresh = embed_steadily(embedder, list(missing.values()), progress) if missing else None
    fresh_row = {digest: row for row, digest in enumerate(missing)}
    old: dict[str, np.ndarray] = {}
    if previous is not None and stored:
        old = {"p": previous.vectors(), "u": previous.units.vectors, "w": previous.lexicon.vectors}
    dimension = next(
        (int(m.shape[1]) for m in (fresh, old.get("p")) if m is not None and len(m)), 0
    )
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    for i, digest in enumerate(wanted):
        if digest in fresh_row:
            assert fresh is not None
            vectors[i] = fresh[fresh_row[digest]]
        else:
            kind, row = stored[digest]
            vectors[i] = old[kind][row]
    first_word = len(passages) + len(sentences)
    units = Units(tuple(owners), tuple(sentences), vectors[len(passages) : first_word])
    lexicon = Lexicon(tuple(words), vectors[first_word:])
    return vectors[: len(passages)], units, lexicon, len(missing)
