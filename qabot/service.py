"""The search service: built once from the settings, owns the index and the model.

The CLI and the bot hold one ``SearchService`` and call ``ask``; they never touch the
chunker, FAISS or the model directly.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from qabot.chunker import ChunkingConfig
from qabot.corpus import CorpusFile, corpus_hash, discover, load_documents
from qabot.embedder import Embedder, SentenceTransformerEmbedder
from qabot.errors import IndexMismatchError, QuestionError
from qabot.index import Index, IndexStore, build
from qabot.retriever import DenseRetriever
from qabot.settings import Settings
from qabot.types import Answer, Passage

Notify = Callable[[str], None]
ProgressStart = Callable[[int], Callable[[int], None]]  # total → advance(n)


@dataclass(frozen=True)
class BuildReport:
    """What `qabot index` did, for its summary line."""

    files: int
    passages: int
    seconds: float
    token_min: int
    token_median: float
    token_max: int
    location: str
    skipped_blocks: int


def _quiet(_: str) -> None:
    """Default for ``notify``: the library itself prints nothing."""


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
        self._index: Index | None = None
        self._retriever: DenseRetriever | None = None

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
        """Why the saved index cannot be used as it is (empty when it is fresh)."""
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

    def build_index(self, progress: ProgressStart | None = None) -> BuildReport:
        """Chunk and embed the whole corpus, save it atomically and make it live."""
        started = time.perf_counter()
        files, digest = self._corpus()
        documents = load_documents(files, self.embedder.count_tokens, self.chunking)
        passages: list[Passage] = [p for d in documents for p in d.passages]
        advance = progress(len(passages)) if progress else None
        vectors = self.embedder.embed([p.embed_text for p in passages], progress=advance)
        index = build(
            passages,
            vectors,
            model=self.embedder.identity,
            corpus_hash=digest,
            files={f.source: f.sha256 for f in files},
            chunking=self.chunking,
            build_seconds=time.perf_counter() - started,
        )
        location = self.store.save(index)
        self._set_index(index)
        tokens = [p.tokens for p in passages] or [0]
        return BuildReport(
            files=len(files),
            passages=len(passages),
            seconds=time.perf_counter() - started,
            token_min=min(tokens),
            token_median=statistics.median(tokens),
            token_max=max(tokens),
            location=str(location),
            skipped_blocks=sum(len(d.skipped) for d in documents),
        )

    def ensure_index(
        self, *, build_if_needed: bool = True, progress: ProgressStart | None = None
    ) -> Index:
        """Load the saved index, rebuilding it first when missing or stale."""
        reasons = self.stale_reasons()
        if reasons:
            if not build_if_needed:
                raise IndexMismatchError(
                    f"the index in {self.settings.embeddings_dir} is out of date: "
                    f"{'; '.join(reasons)}; run `qabot index`"
                )
            self.notify(f"Building the index ({'; '.join(reasons)})…")
            report = self.build_index(progress)
            self.notify(
                f"Indexed {report.passages} passages from {report.files} file(s) "
                f"in {report.seconds:.1f} s."
            )
        elif self._index is None:
            self._set_index(self.store.load())
        assert self._index is not None
        return self._index

    def warm_up(self) -> None:
        """Load the index and the model now, so the first question is as fast as the rest."""
        self.ensure_index()
        self.embedder.embed(["warm up"])

    def _set_index(self, index: Index) -> None:
        self._index = index
        self._retriever = DenseRetriever(index, self.embedder)

    @property
    def index(self) -> Index:
        return self._index if self._index is not None else self.ensure_index()

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

    def ask(self, question: str, k: int | None = None) -> Answer:
        """The top ``k`` passages for ``question``; abstains when none scores high enough."""
        question = self.validate(question)
        k = k or self.settings.top_k
        if k < 1:
            raise QuestionError(f"the number of results must be at least 1 (got {k})")
        if self._retriever is None:
            self.ensure_index()
        assert self._retriever is not None
        hits = self._retriever.search(question, k)
        abstained = not hits or hits[0].score < self.settings.min_score
        return Answer(question=question, hits=tuple(hits), abstained=abstained)

    def passages(self) -> list[Passage]:
        """Every passage of the live index, in corpus order."""
        return list(self.index.passages)
