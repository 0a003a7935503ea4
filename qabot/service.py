"""The search service: the index's lifecycle, and the current answerer.

Built once from the settings. It keeps the saved index fresh (hashes the corpus once per
check, takes the lock, updates incrementally, hot-reloads what another process saved)
and hands out the ``Answerer`` of the live index; answering itself is ``qabot.search``.
The CLI and the bot hold one ``SearchService``; they never touch the chunker, FAISS or
the model directly. ``qabot index``, ``watch`` and ``passages`` never build the answerer.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from qabot.chunker import ChunkingConfig
from qabot.corpus import CorpusFile, corpus_hash, discover
from qabot.embedder import Embedder, SentenceTransformerEmbedder
from qabot.errors import CorpusError, IndexCorruptError, IndexMismatchError, IndexMissingError
from qabot.index import REUSABLE_FORMATS, Index, IndexStore, Manifest, without_fix
from qabot.indexing import IndexUpdate, file_warning, update
from qabot.settings import Settings
from qabot.types import Answer, Passage

if TYPE_CHECKING:
    from qabot.search.answerer import Answerer
    from qabot.search.fusion import Ranking
    from qabot.search.query import Filters
    from qabot.search.reading import Reader

Notify = Callable[[str], None]
ProgressStart = Callable[[int], Callable[[int], None]]  # total → advance(n)
LOCK_FILE = ".index.lock"


def _quiet(_: str) -> None:
    """Default for ``notify``: the library itself prints nothing."""


class _Prefetch:
    """An ONNX embedder being loaded in a worker thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._value: Embedder | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, name="qabot-onnx", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        from qabot.onnx_embedder import OnnxEmbedder

        try:
            self._value = OnnxEmbedder(self.directory)
        except BaseException as error:  # re-raised in the caller's thread
            self._error = error

    def result(self) -> Embedder:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


class SearchService:
    """Keeps the index fresh and hands out the answerer of the live index."""

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, *, notify: Notify = _quiet
    ) -> None:
        self.settings = settings
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder(
            settings.model,
            batch_size=settings.batch_size,
            allow_download=settings.allow_download,
        )
        self.store = IndexStore(settings.embeddings_dir)
        self.notify = notify
        self._index: Index | None = None
        self._answerer: Answerer | None = None  # built on first use, for self._index
        self._reload_lock = threading.Lock()
        self._answerer_lock = threading.Lock()
        self._query_embedder: Embedder | None = None
        self._prefetch: _Prefetch | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, notify: Notify = _quiet, embedder: Embedder | None = None
    ) -> SearchService:
        return cls(settings, embedder, notify=notify)

    # ------------------------------------------------------------------ index lifecycle

    @property
    def chunking(self) -> ChunkingConfig:
        model_max = self.embedder.max_tokens
        wanted = self.settings.chunk_max_tokens or model_max
        return ChunkingConfig(
            max_tokens=min(wanted, model_max), min_tokens=self.settings.chunk_min_tokens
        )

    def corpus_files(self) -> list[CorpusFile]:
        """The corpus's texts; CorpusError when the folder is missing or holds none.

        Checked before anything is written, so a run from the wrong folder leaves nothing.
        """
        folder = self.settings.corpus_dir
        files = discover(folder)
        if not files:
            raise CorpusError(
                f"the corpus folder {folder} holds no texts (.txt or .md files); put one "
                f"there (e.g. cp mytext.txt {folder}/) and run `qabot index`"
            )
        return files

    def stale_reasons(self, files: list[CorpusFile] | None = None) -> list[str]:
        """Why the saved index cannot be used as it is (empty when it is fresh).

        Reads only the manifest and hashes the corpus files: no model, no lock, no write.
        """
        manifest = self.store.read_manifest()
        if manifest is None:
            return [f"no index in {self.settings.embeddings_dir} yet"]
        files = self.corpus_files() if files is None else files
        return manifest.stale_reasons(
            model=self.embedder.identity,
            corpus_hash=corpus_hash(files),
            files={f.source: f.sha256 for f in files},
            chunking=self.chunking,
        )

    def _fresh_manifest(self, files: list[CorpusFile], *, verify: bool = False) -> Manifest | None:
        """The live manifest when the index matches the corpus and settings, else None.

        With ``verify``, every file of the live index is checked against the manifest's
        checksums too: IndexCorruptError when one is damaged.
        """
        try:
            if self.stale_reasons(files):
                return None
        except IndexCorruptError:
            if verify:
                raise
            return None
        manifest = self.store.read_manifest()
        location = self.store.current_dir()
        if verify and manifest is not None and location is not None:
            self.store.check(location, manifest, verify=True)
        return manifest

    def _unchanged(self, manifest: Manifest, started: float) -> IndexUpdate:
        return IndexUpdate(
            files=len(manifest.files),
            passages=manifest.passage_count,
            failed=dict(manifest.failed),
            seconds=time.perf_counter() - started,
        )

    def _previous_index(self) -> Index | None:
        """The index to update from: the one in memory if it is the live one, else disk."""
        try:
            location = self.store.current_dir()
            live = self._index
            if live is not None and location is not None and live.location == location:
                return live
            manifest = self.store.read_manifest(location)
            if manifest is None or manifest.format not in REUSABLE_FORMATS:
                return None  # another layout: everything is rebuilt, nothing to reuse
            return self.store.load()
        except IndexMissingError:
            return None
        except IndexCorruptError as error:
            self.notify(f"warning: {error}; re-embedding everything")
            return None

    def update_index(
        self, *, force: bool = False, progress: ProgressStart | None = None
    ) -> IndexUpdate:
        """Bring the saved index up to date with the corpus, embedding only what changed.

        An up-to-date index is left untouched (no lock taken, no file written). Otherwise
        one process at a time (a file lock in the embeddings folder) re-chunks the changed
        files, embeds the changed passages, writes a new generation and swaps it in.
        """
        started = time.perf_counter()
        files = self.corpus_files()  # before anything is written
        damaged: IndexCorruptError | None = None
        if not force:
            try:
                manifest = self._fresh_manifest(files, verify=True)
            except IndexCorruptError as error:
                damaged, manifest = error, None
            if manifest is not None:
                if self._export_missing():  # an index built before exports existed
                    with self._locked():
                        self.ensure_export()
                return self._unchanged(manifest, started)
        if damaged is not None:
            self.notify(f"warning: {without_fix(damaged)}; rebuilding the index")
        with self._locked():
            if not force and damaged is None and (fresh := self._fresh_manifest(files)):
                return self._unchanged(fresh, started)  # the other process just did it
            previous = None if damaged is not None else self._previous_index()
            index, report = update(
                previous,
                files,
                self.embedder,
                self.chunking,
                max_bytes=int(self.settings.max_file_mb * 1_000_000),
                force=force or damaged is not None,
                progress=progress,
            )
            location = self.store.save(index)
            self._install(index)
            self.ensure_export()
        return replace(report, location=str(location), seconds=time.perf_counter() - started)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time in the embeddings folder (a file lock), waiting politely."""
        from filelock import FileLock, Timeout

        self.settings.embeddings_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.settings.embeddings_dir / LOCK_FILE))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self.notify("Waiting for another qabot process to finish updating the index…")
            lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def _export_missing(self) -> bool:
        from qabot.onnx_embedder import EXPORT_FILE, export_dir

        target = export_dir(self.settings.embeddings_dir, self.embedder.identity)
        return hasattr(self.embedder, "export_onnx") and not (target / EXPORT_FILE).is_file()

    def ensure_export(self) -> Path | None:
        """Export the model for the light query path once (kept per model identity).

        Only a sentence-transformers embedder can be exported; an export that fails is
        reported and answering falls back to sentence-transformers.
        """
        if not self._export_missing():
            return None
        try:
            return self.embedder.export_onnx(self.settings.embeddings_dir)  # type: ignore[attr-defined]
        except Exception as error:  # torch's exporter raises many types
            self.notify(f"warning: could not export the model for fast answers: {error}")
            return None

    def prefetch_query_embedder(self) -> None:
        """Start loading the ONNX export in a worker thread (onnxruntime releases the GIL),
        so that it overlaps loading the index: a cold `qabot ask` waits for the longer of
        the two, not for both. ``query_embedder`` picks the result up."""
        if self._prefetch is None and self._query_embedder is None and self._onnx_wanted():
            directory = self._export_directory()
            if directory is not None:
                import numpy  # noqa: F401  imported here first: the two threads would wait on it

                self._prefetch = _Prefetch(directory)

    def _onnx_wanted(self) -> bool:
        return self.settings.query_runtime == "onnx" and hasattr(self.embedder, "export_onnx")

    def _export_directory(self) -> Path | None:
        from qabot.onnx_embedder import EXPORT_FILE, export_dir

        directory = export_dir(self.settings.embeddings_dir, self.embedder.identity)
        return directory if (directory / EXPORT_FILE).is_file() else None

    def query_embedder(self) -> Embedder:
        """The embedder for questions: the ONNX export when there is one, else the model.

        Falling back is said once (through ``notify``): answers are the same, the start
        is slower because torch and sentence-transformers load.
        """
        if self._query_embedder is not None:
            return self._query_embedder
        from qabot.errors import ModelError
        from qabot.onnx_embedder import OnnxEmbedder, export_dir

        chosen: Embedder = self.embedder
        if self._onnx_wanted():
            directory = self._export_directory()
            prefetched, self._prefetch = self._prefetch, None
            try:
                if directory is None:
                    where = export_dir(self.settings.embeddings_dir, self.embedder.identity)
                    self.notify(
                        f"note: no ONNX export of the model in {where.parent}; answering with "
                        "sentence-transformers (slower start); `qabot index` makes one"
                    )
                elif prefetched is not None and prefetched.directory == directory:
                    chosen = prefetched.result()
                else:
                    chosen = OnnxEmbedder(directory)
            except ModelError as error:
                self.notify(f"note: {error}; answering with sentence-transformers")
        self._query_embedder = chosen
        return chosen

    def failure_warnings(self, report: IndexUpdate) -> list[str]:
        """One line per corpus file that is not (fully) indexed, naming it and the fix."""
        live = self._index
        counts: dict[str, int] | None = None
        if live is not None and not report.up_to_date:
            counts = {}
            for passage in live.passages:
                counts[passage.source] = counts.get(passage.source, 0) + 1
        return [
            file_warning(source, reason, None if counts is None else counts.get(source, 0))
            for source, reason in report.failed.items()
        ]

    def ensure_index(
        self, *, build_if_needed: bool = True, progress: ProgressStart | None = None
    ) -> Index:
        """Load the saved index, updating it first when missing, stale or damaged."""
        files = self.corpus_files()  # a missing or empty corpus fails before any write
        try:
            reasons = self.stale_reasons(files)
        except IndexCorruptError as error:
            if not build_if_needed:
                raise
            reasons = [without_fix(error)]
        if reasons:
            if not build_if_needed:
                raise IndexMismatchError(
                    f"the index in {self.settings.embeddings_dir} is out of date: "
                    f"{'; '.join(reasons)}; run `qabot index`"
                )
            self._update_saying_why(reasons, progress)
        if self._index is None:
            try:
                self._install(self.store.load())
            except IndexCorruptError as error:
                if not build_if_needed:
                    raise
                self._update_saying_why([without_fix(error)], progress, force=True)
        assert self._index is not None
        return self._index

    def _update_saying_why(
        self, reasons: list[str], progress: ProgressStart | None, *, force: bool = False
    ) -> None:
        self.notify(f"Updating the index ({'; '.join(reasons)})…")
        report = self.update_index(force=force, progress=progress)
        for warning in self.failure_warnings(report):
            self.notify(f"warning: {warning}")
        self.notify(report.summary().splitlines()[0])

    def reload_if_changed(self) -> bool:
        """Swap in the saved index if another process replaced it; True when it did.

        The new answerer is built here (in the caller's thread: the bot's worker thread),
        then swapped in as one object, so questions being answered keep the one they
        started with. If the new index cannot be loaded the error propagates and the
        current one stays live.
        """
        with self._reload_lock:
            location = self.store.current_dir()
            live = self._index
            if location is None or (live is not None and live.location == location):
                return False
            index = self.store.load()
            self._install(index, self._build_answerer(index))
            return True

    def warm_up(self) -> None:
        """Load the index, the answerer and the model now, so the first question is fast."""
        self.ensure_index()
        self.answerer().embedder.embed(["warm up"])

    def _install(self, index: Index, answerer: Answerer | None = None) -> None:
        with self._answerer_lock:
            self._index, self._answerer = index, answerer

    @property
    def ranking(self) -> Ranking:
        """The configured ranking (retrieval mode, fusion and its parameters)."""
        from qabot.search.fusion import Ranking

        settings = self.settings
        return Ranking(
            mode=settings.retrieval,
            fusion=settings.fusion,
            rrf_k=settings.rrf_k,
            weights=settings.mix_weights,
        )

    def _build_answerer(self, index: Index) -> Answerer:
        from qabot.search.abstention import FITTED
        from qabot.search.answerer import Answerer

        settings = self.settings
        abstention = FITTED
        if settings.abstain_threshold is not None:
            abstention = replace(FITTED, threshold=settings.abstain_threshold)
        return Answerer(
            index,
            self.query_embedder(),
            ranking=self.ranking,
            abstention=abstention,
            highlight=settings.highlight,
            max_question_chars=settings.max_question_chars,
        )

    @property
    def index(self) -> Index:
        """The live index (loaded, and updated first if stale, on first use)."""
        if self._index is None:
            self.ensure_index()
        assert self._index is not None
        return self._index

    def answerer(self) -> Answerer:
        """The answerer of the live index, built on first use (once per index)."""
        index = self.index
        with self._answerer_lock:
            if self._answerer is None or self._answerer.index is not self._index:
                self._answerer = self._build_answerer(index)
            return self._answerer

    # ------------------------------------------------------------------ questions

    def validate(self, question: str) -> str:
        """The question, trimmed; QuestionError when empty or too long (nothing loaded)."""
        from qabot.search.query import Query

        return Query.make(question, 1, max_chars=self.settings.max_question_chars).text

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        """The top ``k`` passages for ``question`` (see ``qabot.search.answerer``)."""
        return self.answerer().ask(question, k or self.settings.top_k, filters)

    def reader(self) -> Reader:
        """The reader of the live index (no model needed): the answerer's, if built."""
        from qabot.search.reading import Reader
        from qabot.search.snapshot import Snapshot

        index = self.index
        answerer = self._answerer
        if answerer is not None and answerer.index is index:
            return answerer.reader
        return Reader(Snapshot(index), index.manifest.retired)

    def passages(self) -> list[Passage]:
        """Every passage of the live index, in corpus order."""
        return list(self.index.passages)
