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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from qabot.chunking import ChunkingConfig, chunk_document
from qabot.corpus import CorpusFile, corpus_hash, read_bytes
from qabot.embedding import BuildEmbedder
from qabot.errors import CorpusError
from qabot.index.contents import Index, UnitParts, build, content_hash
from qabot.index.manifest import FORMAT_VERSION, REUSABLE_FORMATS
from qabot.readers import read_source
from qabot.text.repair import repair_text
from qabot.text.sentences import sentence_at, sentence_offsets
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
    read_again: tuple[str, ...] = ()  # why every file was re-chunked (vectors reused)
    failed: dict[str, str] = field(default_factory=dict)  # source → one-line reason
    skipped_blocks: int = 0  # boilerplate blocks left out of the re-chunked files
    token_min: int = 0
    token_median: float = 0.0
    token_max: int = 0
    seconds: float = 0.0
    location: str | None = None  # the new generation; None when nothing was written
    repaired: str | None = None  # a damaged model export that was made again, and why

    @property
    def up_to_date(self) -> bool:
        return self.location is None

    def summary(self) -> str:
        """One line: what changed, how much was embedded, how long it took."""
        repaired = [f"  repaired: {self.repaired}; made the model export again"]
        if self.up_to_date:
            line = f"Index is up to date: {self.passages} passages from {self.files} file(s); "
            if self.repaired is None:
                return line + f"nothing to do ({self.seconds:.2f} s)."
            return "\n".join([line + f"done in {self.seconds:.2f} s.", *repaired])
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
        elif self.read_again:
            lines.append(f"  every file read again: {'; '.join(self.read_again)}")
        if self.repaired is not None:
            lines += repaired
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
    rebuild: Sequence[str] = (),
    progress: Callable[[int], Progress] | None = None,
) -> tuple[Index, IndexUpdate]:
    """A new index for ``files``, reusing ``previous``'s passages and vectors where valid.

    Passages of files whose bytes and chunking settings are unchanged are reused as they
    are; changed and new files are re-chunked; a passage is embedded only when no
    previous passage had the same embedded text under the same model. ``rebuild`` says
    why everything must be re-chunked and re-embedded ("--force", a damaged file).
    """
    started = time.perf_counter()
    old = previous.manifest if previous is not None else None
    full_reasons: list[str] = list(rebuild)
    force = bool(rebuild)
    if old is None:
        if not full_reasons:
            full_reasons.append("no previous index")
    else:
        if old.model != embedder.identity:
            full_reasons.append(f"model changed from {old.model} to {embedder.identity}")
        if old.format not in REUSABLE_FORMATS:
            full_reasons.append(f"index format {old.format} → {FORMAT_VERSION}")
    reuse_vectors = not full_reasons
    read_again = old.chunking_reasons(chunking) if old is not None and not force else []
    same_chunking = old is not None and not read_again and not force

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
        reused=len(passages) + len(lexicon[0]) - embedded,
        full_rebuild=tuple(full_reasons),
        read_again=tuple(read_again),
        failed=failed,
        skipped_blocks=skipped_blocks,
        token_min=min(tokens),
        token_median=statistics.median(tokens),
        token_max=max(tokens),
        seconds=time.perf_counter() - started,
    )
    return index, report


TOKENS_PER_BATCH = 1024  # padded tokens per forward pass (see _batches)
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


Spans = Sequence[tuple[int, int]]  # character ranges of a text


class SentencePlan(NamedTuple):
    """The sentences of a multi-sentence passage (none for one sentence): their text,
    where each is in the passage's text, and where in the text the model embeds (None
    when one cannot be found there)."""

    sentences: list[str]
    in_text: list[tuple[int, int]]
    in_model_text: list[tuple[int, int]] | None


def sentence_plan(passage: Passage) -> SentencePlan:
    offsets = sentence_offsets(passage.text)
    if len(offsets) < 2:
        return SentencePlan([], [], [])
    sentences = [sentence_at(passage.text, start, end) for start, end in offsets]
    text = passage.embed_text
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in sentences:
        repaired = repair_text(sentence)
        at = text.find(repaired, cursor)
        if at < 0:
            return SentencePlan(sentences, offsets, None)
        spans.append((at, at + len(repaired)))
        cursor = at + len(repaired)
    return SentencePlan(sentences, offsets, spans)


def sentence_units(passages: Sequence[Passage]) -> tuple[list[int], list[str]]:
    """(passage id, sentence) for every sentence of every multi-sentence passage."""
    owners: list[int] = []
    texts: list[str] = []
    for passage in passages:
        sentences = sentence_plan(passage).sentences
        owners.extend([passage.id] * len(sentences))
        texts.extend(sentences)
    return owners, texts


def _batches(
    embedder: BuildEmbedder, texts: Sequence[str], progress: Callable[[int], Progress] | None
) -> tuple[list[list[int]], Progress | None, list[int]]:
    """Texts longest first in batches of similar length, and a progress counting tokens.

    Batches of similar length waste little on padding, so the time per token is steady
    and a progress bar counting tokens gives an honest estimate of what is left. A batch
    holds at most ``TOKENS_PER_BATCH`` padded tokens (and ``batch_size`` texts): long
    passages go a few at a time, words many at a time. Attention's memory grows with the
    square of the length, and on a CPU small batches of long texts are no slower.
    """
    limit = embedder.max_tokens
    counted = [min(embedder.count_tokens(text), limit) for text in texts]
    order = sorted(range(len(texts)), key=lambda i: -counted[i])
    tokens = [counted[i] for i in order]
    advance = progress(sum(tokens)) if progress and texts else None
    most = max(1, embedder.batch_size)
    batches: list[list[int]] = []
    done: list[int] = []
    start = 0
    while start < len(order):
        longest = max(tokens[start], 1)  # longest first: the batch's padded length
        size = max(1, min(most, TOKENS_PER_BATCH // longest))
        batches.append(order[start : start + size])
        done.append(sum(tokens[start : start + size]))
        start += size
    return batches, advance, done


def embed_steadily(
    embedder: BuildEmbedder, texts: Sequence[str], progress: Callable[[int], Progress] | None
) -> np.ndarray:
    """Embed ``texts`` longest first, in batches of similar length (see ``_batches``)."""
    import numpy as np

    vectors = np.zeros((len(texts), embedder.dimension if texts else 0), dtype=np.float32)
    batches, advance, done = _batches(embedder, texts, progress)
    for rows, tokens in zip(batches, done, strict=True):
        vectors[rows] = embedder.embed([texts[i] for i in rows])
        if advance:
            advance(tokens)
    return vectors


def embed_passages_steadily(
    embedder: BuildEmbedder,
    texts: Sequence[str],
    spans: Sequence[Spans],
    progress: Callable[[int], Progress] | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Passage vectors and their sentences' vectors, one forward pass per passage."""
    import numpy as np

    vectors = np.zeros((len(texts), embedder.dimension if texts else 0), dtype=np.float32)
    pooled: list[np.ndarray] = [np.zeros((0, vectors.shape[1]), dtype=np.float32)] * len(texts)
    batches, advance, done = _batches(embedder, texts, progress)
    for rows, tokens in zip(batches, done, strict=True):
        batch, parts = embedder.embed_passages([texts[i] for i in rows], [spans[i] for i in rows])
        vectors[rows] = batch
        for row, part in zip(rows, parts, strict=True):
            pooled[row] = part
        if advance:
            advance(tokens)
    return vectors, pooled


def _vectors(
    previous: Index | None,
    passages: Sequence[Passage],
    embedder: BuildEmbedder,
    reuse: bool,
    progress: Callable[[int], Progress] | None,
) -> tuple[np.ndarray, UnitParts, tuple[list[str], np.ndarray], int]:
    """Passage, sentence and word vectors: reused by content hash when allowed, else
    embedded (a passage and its sentences in one forward pass).

    Returns the passage vectors, the sentence units (owners, texts, spans, vectors), the
    lexicon (words, vectors) and how many texts were embedded.
    """
    import numpy as np

    plans = [sentence_plan(p) for p in passages]
    digests = [content_hash(p.embed_text) for p in passages]
    stored: dict[str, tuple[int, list[int]]] = {}  # content hash → (row, its unit rows)
    if reuse and previous is not None and len(previous):
        hashes = previous.manifest.content_hashes
        unit_rows: dict[int, list[int]] = {}
        for row, owner in enumerate(previous.units.passage_ids.tolist()):
            unit_rows.setdefault(owner, []).append(row)
        for row, passage in enumerate(previous.passages):
            digest = hashes.get(str(passage.id)) or content_hash(passage.embed_text)
            stored.setdefault(digest, (row, unit_rows.get(passage.id, [])))
    todo: dict[str, int] = {}  # content hash → the first passage to embed for it
    for position, digest in enumerate(digests):
        kept = stored.get(digest)
        if kept is None or len(kept[1]) != len(plans[position].sentences):
            todo.setdefault(digest, position)
    fresh_texts = [passages[i].embed_text for i in todo.values()]
    fresh_spans = [plans[i].in_model_text or [] for i in todo.values()]
    fresh, fresh_units = embed_passages_steadily(embedder, fresh_texts, fresh_spans, progress)
    # A sentence the model's text does not hold as written is embedded on its own.
    loose = [
        (n, sentence)
        for n, position in enumerate(todo.values())
        if plans[position].in_model_text is None
        for sentence in plans[position].sentences
    ]
    if loose:
        alone = embed_steadily(embedder, [repair_text(s) for _, s in loose], None)
        for n in dict.fromkeys(n for n, _ in loose):
            fresh_units[n] = alone[[i for i, (m, _) in enumerate(loose) if m == n]]
    fresh_row = {digest: n for n, digest in enumerate(todo)}
    dimension = embedder.dimension if len(passages) else 0
    if previous is not None and len(previous):
        dimension = previous.dimension if not fresh_texts else dimension
    vectors = np.zeros((len(passages), dimension), dtype=np.float32)
    owners: list[int] = []
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    unit_parts: list[np.ndarray] = []
    old_vectors = previous.vectors() if previous is not None and stored else None
    old_units = previous.units.vectors.matrix if previous is not None and stored else None
    for position, (passage, digest) in enumerate(zip(passages, digests, strict=True)):
        sentences = plans[position].sentences
        if digest in fresh_row:
            vectors[position] = fresh[fresh_row[digest]]
            part = fresh_units[fresh_row[digest]]
        else:
            row, rows = stored[digest]
            assert old_vectors is not None and old_units is not None
            vectors[position] = old_vectors[row]
            part = old_units[rows] if rows else np.zeros((0, dimension), dtype=np.float32)
        if sentences:
            owners.extend([passage.id] * len(sentences))
            texts.extend(sentences)
            spans.extend(plans[position].in_text)
            unit_parts.append(part)
    unit_vectors = (
        np.vstack(unit_parts) if unit_parts else np.zeros((0, dimension), dtype=np.float32)
    )
    words = distinct_content_words(p.embed_text for p in passages)
    known: dict[str, np.ndarray] = {}
    if reuse and previous is not None and len(previous.lexicon):
        matrix = previous.lexicon.vectors.matrix
        known = {w: matrix[row] for row, w in enumerate(previous.lexicon.words)}
    missing = [w for w in words if w not in known]
    new_words = embed_steadily(embedder, missing, progress) if missing else None
    word_vectors = np.zeros((len(words), dimension), dtype=np.float32)
    new_row = {w: n for n, w in enumerate(missing)}
    for row, word in enumerate(words):
        word_vectors[row] = new_words[new_row[word]] if word in new_row else known[word]  # type: ignore[index]
    embedded = len(todo) + len(missing)
    return vectors, UnitParts(owners, texts, unit_vectors, spans), (words, word_vectors), embedded
