"""The index maintainer: keeps the index fresh and hands out the current library.

Built once from the settings. It finds the corpus's texts, tells whether the saved
index still matches them, takes the lock, updates the index incrementally, keeps the
model's light export for answering, and hot-reloads what another process saved. It
hands out the ``Library`` of the live index: the CLI and the bot hold one maintainer
and ask its library; they never touch the chunker, FAISS or the model.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from qabot.chunking import ChunkingConfig
from qabot.corpus import CorpusFile, corpus_hash, discover
from qabot.embedding import BuildEmbedder, Embedder, Progress
from qabot.errors import (
    CorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IndexReadOnlyError,
    ModelError,
)
from qabot.index import FORMAT_VERSION, REUSABLE_FORMATS, Index, IndexStore, Manifest, without_fix
from qabot.index.update import IndexUpdate, file_warning, update
from qabot.readers import READABLE_SUFFIXES
from qabot.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from qabot.embedding.export import ModelExport
    from qabot.library import Library
    from qabot.search.answerer import AnswerConfig

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
        from qabot.embedding.onnx import OnnxEmbedder

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


class _QueryEmbedder:
    """The embedder for questions, chosen on the first embedding (not when a library is
    made): `qabot entry`, `show`, `timeline` and `passages` never load a model."""

    def __init__(self, maintainer: IndexMaintainer) -> None:
        self._maintainer = maintainer
        self._lock = threading.Lock()
        self._chosen: Embedder | None = None

    def _get(self) -> Embedder:
        with self._lock:
            if self._chosen is None:
                self._chosen = self._maintainer.query_embedder()
            return self._chosen

    @property
    def identity(self) -> str:
        return self._maintainer.embedder.identity

    @property
    def dimension(self) -> int:
        return self._get().dimension

    @property
    def max_tokens(self) -> int:
        return self._maintainer.embedder.max_tokens

    def count_tokens(self, text: str) -> int:
        return self._maintainer.embedder.count_tokens(text)

    def embed(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        return self._get().embed(texts, progress=progress)


class IndexMaintainer:
    """Keeps the saved index fresh and hands out the library of the live index."""

    def __init__(
        self,
        settings: Settings,
        embedder: BuildEmbedder | None = None,
        *,
        notify: Notify = _quiet,
        models_home: Path | None = None,
    ) -> None:
        """``models_home``: the folder whose ``models/`` keeps the model's export (the
        embeddings folder by default; `qabot eval` shares the main one between books)."""
        from qabot.embedding.transformer import SentenceTransformerEmbedder

        self.settings = settings
        self.embedder: BuildEmbedder = embedder or SentenceTransformerEmbedder(
            settings.model,
            batch_size=settings.batch_size,
            allow_download=settings.allow_download,
        )
        self.store = IndexStore(settings.embeddings_dir)
        self.models_home = models_home or settings.embeddings_dir
        self.notify = notify
        self._live: tuple[Index, Library | None] | None = None  # the index and its library
        self._live_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._query_embedder: Embedder | None = None
        self._query_lock = threading.Lock()
        self.dropped_update = False  # an update was interrupted (Ctrl-C) and dropped
        self.skipped: tuple[Path, ...] = ()  # corpus files of kinds qabot does not read
        self._prefetch: _Prefetch | None = None

    # ------------------------------------------------------------------ the corpus

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
        skipped: list[Path] = []
        files = discover(folder, skipped)
        self.skipped = tuple(skipped)
        if not files:
            raise CorpusError(
                f"the corpus folder {folder} holds no texts ({', '.join(READABLE_SUFFIXES)}); "
                f"put one there (e.g. cp mytext.txt {folder}/) and run `qabot index`"
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
            files=len(set(manifest.files) - set(manifest.failed)),
            passages=manifest.passage_count,
            failed=dict(manifest.failed),
            seconds=time.perf_counter() - started,
        )

    # ------------------------------------------------------------------ updates

    def _previous_index(self) -> Index | None:
        """The index to update from: the one in memory if it is the live one, else disk."""
        try:
            location = self.store.current_dir()
            live = self._live[0] if self._live is not None else None
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

    def update(self, *, force: bool = False, progress: ProgressStart | None = None) -> IndexUpdate:
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
                export = self.export
                if export is not None and (not export.present() or export.problem()):
                    with self._locked():
                        repaired = self._repair_export()
                    return replace(self._unchanged(manifest, started), repaired=repaired)
                return self._unchanged(manifest, started)
        if damaged is not None:
            self.notify(f"warning: {without_fix(damaged)}; rebuilding the index")
        with self._locked():
            if not force and damaged is None and (fresh := self._fresh_manifest(files)):
                return self._unchanged(fresh, started)  # the other process just did it
            previous = None if damaged is not None else self._previous_index()
            rebuild = ["--force"] if force else []
            if damaged is not None:
                rebuild.append(without_fix(damaged))
            elif previous is None:
                old = self._readable_manifest()
                if old is not None and old.format != FORMAT_VERSION:  # nothing to reuse
                    rebuild.append(f"index format {old.format} → {FORMAT_VERSION}")
            first_build = previous is None and self._readable_manifest() is None
            repaired = self._repair_export(first_build=first_build)
            index, report = update(
                previous,
                files,
                self._build_embedder(),
                self.chunking,
                max_bytes=int(self.settings.max_file_mb * 1_000_000),
                rebuild=rebuild,
                progress=progress,
            )
            location = self.store.save(index)
            self._install(index, None)
        seconds = time.perf_counter() - started
        return replace(report, location=str(location), seconds=seconds, repaired=repaired)

    def _readable_manifest(self) -> Manifest | None:
        try:
            return self.store.read_manifest()
        except IndexCorruptError:
            return None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time in the embeddings folder (a file lock), waiting politely.

        IndexReadOnlyError, naming the folder, when it cannot be written at all."""
        from filelock import FileLock, Timeout

        self.writable_or_raise()
        lock = FileLock(str(self.settings.embeddings_dir / LOCK_FILE))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self.notify("Waiting for another qabot process to finish updating the index…")
            lock.acquire()
        except OSError as error:
            raise self._read_only(error) from None
        try:
            yield
        except KeyboardInterrupt:
            self.dropped_update = True  # what Ctrl-C cost: said by the shell
            raise
        finally:
            lock.release()

    def writable_or_raise(self) -> None:
        """IndexReadOnlyError when the embeddings folder cannot be made or written."""
        folder = self.settings.embeddings_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".write-test-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError as error:
            raise self._read_only(error) from None

    def _read_only(self, error: OSError) -> IndexReadOnlyError:
        folder = self.settings.embeddings_dir
        why = error.strerror or type(error).__name__
        return IndexReadOnlyError(
            f"cannot write the index in {folder} ({why}); make the folder writable, or set "
            "QABOT_EMBEDDINGS_DIR to one that is"
        )

    def failure_warnings(self, report: IndexUpdate) -> list[str]:
        """One line per corpus file that is not (fully) indexed, naming it and the fix
        (files of other kinds too: said when the index is updated, not on every ask)."""
        live = self._live[0] if self._live is not None else None
        counts: dict[str, int] | None = None
        if live is not None and not report.up_to_date:
            counts = {}
            for passage in live.passages:
                counts[passage.source] = counts.get(passage.source, 0) + 1
        readable = ", ".join(READABLE_SUFFIXES)
        return [
            *(f"skipped {path}: not a text qabot reads ({readable})" for path in self.skipped),
            *(
                file_warning(source, reason, None if counts is None else counts.get(source, 0))
                for source, reason in report.failed.items()
            ),
        ]

    # ------------------------------------------------------------------ the model export

    @property
    def export(self) -> ModelExport | None:
        """The model's light export, when answering and building use it (the default)."""
        from qabot.embedding.export import ModelExport
        from qabot.embedding.transformer import SentenceTransformerEmbedder

        if self.settings.query_runtime != "onnx":
            return None
        if not isinstance(self.embedder, SentenceTransformerEmbedder):
            return None
        return ModelExport(self.embedder.source, self.models_home)

    def _make_export(self, why: str | None) -> bool:
        """Make the export (under the lock, which the caller holds); True when made."""
        export = self.export
        if export is None:
            return False
        if why is not None:
            action = "making the model export again" if export.present() else "making it"
            self.notify(f"warning: {why}; {action}")
        try:
            return export.make() is not None
        except ModelError as error:
            self.notify(f"warning: {error}; answering will use sentence-transformers")
            return False

    def _build_embedder(self) -> BuildEmbedder:
        """What embeds the passages: the export (run by onnxruntime: faster, and no torch
        in this process), made first when missing or damaged; else the model itself."""
        export = self.export
        if export is None:
            return self.embedder
        if not export.present():
            self._make_export(None)
        try:
            return export.load()
        except ModelError as error:
            if self._make_export(str(error)):
                with contextlib.suppress(ModelError):
                    return export.load()
        return self.embedder

    def _repair_export(self, *, first_build: bool = False) -> str | None:
        """Check every byte of the export; make it again when missing or damaged (the
        caller holds the lock). What was repaired and why (for the report), or None: a
        first build makes the export as a part of building, no repair."""
        export = self.export
        if export is None:
            return None
        present = export.present()
        missing = f"no ONNX export of the model in {export.directory.parent}"
        problem = export.problem() if present else missing
        if problem is None:
            return None
        self._make_export(None)  # said once, in the report
        return None if first_build and not present else problem

    def prefetch_query_embedder(self) -> None:
        """Start loading the ONNX export in a worker thread (onnxruntime releases the GIL),
        so that it overlaps loading the index: a cold `qabot ask` waits for the longer of
        the two, not for both. ``query_embedder`` picks the result up."""
        export = self.export
        idle = self._prefetch is None and self._query_embedder is None
        if idle and export is not None and export.present():
            import numpy  # noqa: F401  imported here first: the two threads would wait on it

            self._prefetch = _Prefetch(export.directory)

    def query_embedder(self) -> Embedder:
        """The embedder for questions: the ONNX export when there is one, else the model.

        A missing or damaged export is made again (once, under the lock); when it cannot
        be, answering falls back to sentence-transformers and says so once.
        """
        with self._query_lock:
            if self._query_embedder is None:
                self._query_embedder = self._choose_query_embedder()
            return self._query_embedder

    def _choose_query_embedder(self) -> Embedder:
        export = self.export
        if export is None:
            return self.embedder
        prefetched, self._prefetch = self._prefetch, None
        try:
            if prefetched is not None and prefetched.directory == export.directory:
                return prefetched.result()
            return export.load()
        except ModelError as error:
            where = export.directory.parent
            problem = str(error) if export.present() else f"no ONNX export of the model in {where}"
        try:
            with self._locked():
                made = self._make_export(problem)
            if made:
                return export.load()
            return self.embedder  # _make_export said why
        except (ModelError, OSError, IndexReadOnlyError) as error:
            problem = str(error)
        self.notify(f"note: {problem}; answering with sentence-transformers (slower start)")
        return self.embedder

    # ------------------------------------------------------------------ the library

    def library(
        self, *, build_if_needed: bool = True, progress: ProgressStart | None = None
    ) -> Library:
        """The library of the live index; the index is updated first when missing, stale
        or damaged (unless ``build_if_needed`` is False: then that is an error)."""
        live = self._live
        if live is not None and live[1] is not None:
            return live[1]
        index = self._loaded_index(build_if_needed=build_if_needed, progress=progress)
        with self._live_lock:
            live = self._live
            if live is not None and live[0] is index and live[1] is not None:
                return live[1]
            library = self._make_library(index)
            self._live = (index, library)
            return library

    @property
    def current(self) -> Library | None:
        """The library already loaded, if any (nothing is loaded or built)."""
        live = self._live
        return live[1] if live is not None else None

    def _loaded_index(self, *, build_if_needed: bool, progress: ProgressStart | None) -> Index:
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
            try:
                self.writable_or_raise()
            except IndexReadOnlyError as error:
                if self.store.current_dir() is None:
                    raise
                # A read-only deployment: answer from the last whole index, and say so.
                self.notify(
                    f"note: answering from the last index, which is out of date "
                    f"({'; '.join(reasons)}): {error}"
                )
            else:
                self._update_saying_why(reasons, progress)
        if self._live is None:
            try:
                self._install(self.store.load(), None)
            except IndexCorruptError as error:
                if not build_if_needed:
                    raise
                try:
                    self.writable_or_raise()
                except IndexReadOnlyError as read_only:
                    raise IndexCorruptError(
                        f"{without_fix(error)}, and it cannot be rebuilt: {read_only}"
                    ) from None
                self._update_saying_why([without_fix(error)], progress)
        assert self._live is not None
        return self._live[0]

    def _update_saying_why(self, reasons: list[str], progress: ProgressStart | None) -> None:
        self.notify(f"Updating the index ({'; '.join(reasons)})…")
        report = self.update(progress=progress)
        for warning in self.failure_warnings(report):
            self.notify(f"warning: {warning}")
        self.notify(report.summary().splitlines()[0])

    def reload_if_changed(self) -> bool:
        """Swap in the saved index if another process replaced it; True when it did.

        The new library is built here (in the caller's thread: the bot's worker thread),
        then swapped in as one reference, so questions being answered keep the library
        they started with. If the new index cannot be loaded the error propagates and
        the current one stays live.
        """
        with self._reload_lock:
            location = self.store.current_dir()
            live = self._live[0] if self._live is not None else None
            if location is None or (live is not None and live.location == location):
                return False
            index = self.store.load()
            self._install(index, self._make_library(index))
            return True

    def warm_up(self) -> None:
        """Load the index, its library and the model now, so the first question is fast."""
        self.library().ask("warm up")

    def _install(self, index: Index, library: Library | None) -> None:
        with self._live_lock:
            self._live = (index, library)

    def answer_config(self) -> AnswerConfig:
        """How the settings say questions are answered (ranking, abstention, highlights)."""
        from qabot.search.abstention import FITTED
        from qabot.search.answerer import AnswerConfig
        from qabot.search.fusion import Ranking

        settings = self.settings
        abstention = FITTED
        if settings.abstain_threshold is not None:
            abstention = replace(FITTED, threshold=settings.abstain_threshold)
        ranking = Ranking(mode=settings.retrieval, fusion=settings.fusion, rrf_k=settings.rrf_k)
        if settings.mix_weights is not None:
            ranking = replace(ranking, weights=settings.mix_weights)
        return AnswerConfig(ranking=ranking, abstention=abstention, highlight=settings.highlight)

    def _make_library(self, index: Index) -> Library:
        from qabot.library import Library

        return Library(
            index,
            _QueryEmbedder(self),
            self.answer_config(),
            top_k=self.settings.top_k,
            max_question_chars=self.settings.max_question_chars,
        )
