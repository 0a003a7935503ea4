"""The search service: built once from the settings, owns the index and the model.

The CLI and the bot hold one ``SearchService`` and call ``ask``; they never touch the
chunker, FAISS or the model directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from qabot.chunker import ChunkingConfig
from qabot.corpus import CorpusFile, corpus_hash, discover
from qabot.embedder import Embedder, SentenceTransformerEmbedder
from qabot.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, QuestionError
from qabot.highlight import Highlighter
from qabot.index import FORMAT_VERSION, Index, IndexStore, Manifest
from qabot.indexing import IndexUpdate, file_warning, update
from qabot.retriever import Filters, Ranking, Retrieval, Retriever, abstains
from qabot.settings import Settings
from qabot.types import Answer, Passage

Notify = Callable[[str], None]
ProgressStart = Callable[[int], Callable[[int], None]]  # total → advance(n)
LOCK_FILE = ".index.lock"


def _quiet(_: str) -> None:
    """Default for ``notify``: the library itself prints nothing."""


@dataclass(frozen=True)
class _Live:
    """The index being answered from and its retriever, replaced as one object.

    A question reads ``SearchService._live`` once, so a hot reload that swaps in a new
    snapshot never mixes an old index with a new retriever mid-question.
    """

    index: Index
    retriever: Retriever
    highlighter: Highlighter


class SearchService:
    """Answers questions from the corpus; builds or refreshes the index when needed."""

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, *, notify: Notify = _quiet
    ) -> None:
        self.settings = settings
        self.embedder: Embedder = embedder or SentenceTransformerEmbedder(
            settings.model, batch_size=settings.batch_size
        )
        self.store = IndexStore(settings.embeddings_dir)
        self.notify = notify
        self._live: _Live | None = None
        self._reload_lock = threading.Lock()

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

    def _corpus(self) -> tuple[list[CorpusFile], str]:
        files = discover(self.settings.corpus_dir)
        return files, corpus_hash(files)

    def stale_reasons(self) -> list[str]:
        """Why the saved index cannot be used as it is (empty when it is fresh).

        Reads only the manifest and hashes the corpus files: no model, no lock, no write.
        """
        manifest = self.store.read_manifest()
        if manifest is None:
            return [f"no index in {self.settings.embeddings_dir} yet"]
        files, digest = self._corpus()
        return manifest.stale_reasons(
            model=self.embedder.identity,
            corpus_hash=digest,
            files={f.source: f.sha256 for f in files},
            chunking=self.chunking,
        )

    def _fresh_manifest(self) -> Manifest | None:
        """The live manifest when the index matches the corpus and settings, else None."""
        try:
            return None if self.stale_reasons() else self.store.read_manifest()
        except IndexCorruptError:
            return None

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
            live = self._live
            if live is not None and location is not None and live.index.location == location:
                return live.index
            manifest = self.store.read_manifest(location)
            if manifest is None or manifest.format != FORMAT_VERSION:
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
        from filelock import FileLock, Timeout

        started = time.perf_counter()
        if not force and (manifest := self._fresh_manifest()) is not None:
            return self._unchanged(manifest, started)
        self.settings.embeddings_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.settings.embeddings_dir / LOCK_FILE))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self.notify("Waiting for another qabot process to finish updating the index…")
            lock.acquire()
        try:
            if not force and (manifest := self._fresh_manifest()) is not None:
                return self._unchanged(manifest, started)  # the other process just did it
            previous = self._previous_index()
            files = discover(self.settings.corpus_dir)
            index, report = update(
                previous,
                files,
                self.embedder,
                self.chunking,
                max_bytes=int(self.settings.max_file_mb * 1_000_000),
                force=force,
                progress=progress,
            )
            location = self.store.save(index)
            self._install(index)
        finally:
            lock.release()
        return replace(report, location=str(location), seconds=time.perf_counter() - started)

    def failure_warnings(self, report: IndexUpdate) -> list[str]:
        """One line per corpus file that is not (fully) indexed, naming it and the fix."""
        live = self._live
        counts: dict[str, int] | None = None
        if live is not None and not report.up_to_date:
            counts = {}
            for passage in live.index.passages:
                counts[passage.source] = counts.get(passage.source, 0) + 1
        return [
            file_warning(source, reason, None if counts is None else counts.get(source, 0))
            for source, reason in report.failed.items()
        ]

    def ensure_index(
        self, *, build_if_needed: bool = True, progress: ProgressStart | None = None
    ) -> Index:
        """Load the saved index, updating it first when missing or stale."""
        reasons = self.stale_reasons()
        if reasons:
            if not build_if_needed:
                raise IndexMismatchError(
                    f"the index in {self.settings.embeddings_dir} is out of date: "
                    f"{'; '.join(reasons)}; run `qabot index`"
                )
            self.notify(f"Updating the index ({'; '.join(reasons)})…")
            report = self.update_index(progress=progress)
            for warning in self.failure_warnings(report):
                self.notify(f"warning: {warning}")
            self.notify(report.summary().splitlines()[0])
        if self._live is None:
            self._install(self.store.load())
        assert self._live is not None
        return self._live.index

    def reload_if_changed(self) -> bool:
        """Swap in the saved index if another process replaced it; True when it did.

        Questions being answered keep the snapshot they started with. If the new index
        cannot be loaded the error propagates and the current one stays live.
        """
        with self._reload_lock:
            location = self.store.current_dir()
            live = self._live
            if location is None or (live is not None and live.index.location == location):
                return False
            self._install(self.store.load())
            return True

    def warm_up(self) -> None:
        """Load the index and the model now, so the first question is as fast as the rest."""
        self.ensure_index()
        self.embedder.embed(["warm up"])

    def _install(self, index: Index) -> None:
        retriever = Retriever(index, self.embedder, self.ranking)
        self._live = _Live(index, retriever, Highlighter(index, self.embedder, retriever.terms))

    @property
    def ranking(self) -> Ranking:
        """The configured ranking (retrieval mode, fusion and its parameters)."""
        settings = self.settings
        return Ranking(
            mode=settings.retrieval,
            fusion=settings.fusion,
            rrf_k=settings.rrf_k,
            weights=settings.mix_weights,
        )

    def _snapshot(self) -> _Live:
        live = self._live
        if live is None:
            self.ensure_index()
            live = self._live
        assert live is not None
        return live

    @property
    def index(self) -> Index:
        return self._snapshot().index

    # ------------------------------------------------------------------ questions

    def validate(self, question: str) -> str:
        """The question, trimmed; QuestionError when empty or too long."""
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty; ask something about the text")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"the question is {len(question)} characters long; the limit is {limit}"
            )
        return question

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        ranking: Ranking | None = None,
    ) -> Retrieval:
        """Ranked hits without highlights (``ranking`` overrides the configured one)."""
        return self._retrieve(self._snapshot(), question, k, filters, ranking)

    def _retrieve(
        self,
        live: _Live,
        question: str,
        k: int | None,
        filters: Filters | None,
        ranking: Ranking | None = None,
    ) -> Retrieval:
        question = self.validate(question)
        k = k or self.settings.top_k
        if k < 1:
            raise QuestionError(f"the number of results must be at least 1 (got {k})")
        retriever = live.retriever
        if ranking is not None and ranking != retriever.ranking:
            retriever = retriever.with_ranking(**asdict(ranking))
        return retriever.search(question, k, filters)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        """The top ``k`` passages for ``question``; abstains when none seems to answer it."""
        question = self.validate(question)
        live = self._snapshot()  # one snapshot for the whole question (hot reload)
        retrieval = self._retrieve(live, question, k, filters)
        hits = retrieval.hits
        if hits and self.settings.highlight:
            hits = live.highlighter.highlight(question, hits, retrieval.query_vector)
        return Answer(
            question=question,
            hits=tuple(hits),
            abstained=self.should_abstain(retrieval, filters),
            notes=tuple(retrieval.notes),
        )

    def should_abstain(
        self,
        retrieval: Retrieval,
        filters: Filters | None = None,
        *,
        min_score: float | None = None,
        unknown_names: bool | None = None,
    ) -> bool:
        """Whether the text seems not to answer: the rule fitted with `qabot eval`.

        ``min_score`` and ``unknown_names`` override the settings (for the trade-off table).
        """
        settings = self.settings
        return abstains(
            retrieval,
            filtered=bool(filters and (filters.date or filters.section)),
            min_score=settings.min_score if min_score is None else min_score,
            unknown_names=(
                settings.abstain_on_unknown_names if unknown_names is None else unknown_names
            ),
        )

    def passages(self) -> list[Passage]:
        """Every passage of the live index, in corpus order."""
        return list(self.index.passages)
