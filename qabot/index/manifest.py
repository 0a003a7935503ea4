"""The manifest of an index generation: what it was built from, checked before use."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from qabot import __version__

if TYPE_CHECKING:
    from qabot.chunking import ChunkingConfig

# 2: units, lexicon; 3: BM25 tables; 4: vectors in FAISS only, pooled sentence vectors;
# 5: units and lexicon as one JSON document each; 6: passages as rows under a header
FORMAT_VERSION = 6
REUSABLE_FORMATS = (5, 6)  # whose vectors an update may reuse


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; compared with the corpus and settings before use."""

    model: str
    dimension: int
    passage_count: int
    corpus_hash: str
    files: dict[str, str]
    chunking: dict[str, int]
    built_at: str
    build_seconds: float
    checksums: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes per file, checked every load
    unit_count: int = 0
    lexicon_count: int = 0
    # passage id (as a string: JSON keys) → hash of the text the model embedded
    content_hashes: dict[str, str] = field(default_factory=dict)
    # corpus files that could not be indexed → why (their previous passages, if any, kept)
    failed: dict[str, str] = field(default_factory=dict)
    # ids of passages no longer in the index → [source, start, end]: where they were, so
    # that a citation copied earlier can be followed (see qabot.search.reading)
    retired: dict[str, list[Any]] = field(default_factory=dict)
    qabot_version: str = __version__
    format: int = FORMAT_VERSION

    def stale_reasons(
        self, *, model: str, corpus_hash: str, files: dict[str, str], chunking: ChunkingConfig
    ) -> list[str]:
        """Why this index no longer matches the corpus and settings (empty when it does)."""
        reasons = []
        if self.format != FORMAT_VERSION:
            reasons.append(f"index format {self.format} is not the current {FORMAT_VERSION}")
        if self.model != model:
            reasons.append(f"built with model {self.model}, configured model is {model}")
        reasons += self.chunking_reasons(chunking)
        if self.corpus_hash != corpus_hash:
            added = sorted(set(files) - set(self.files))
            removed = sorted(set(self.files) - set(files))
            edited = sorted(k for k in set(files) & set(self.files) if files[k] != self.files[k])
            changes = [
                f"{label}: {', '.join(names)}"
                for label, names in (("added", added), ("edited", edited), ("removed", removed))
                if names
            ]
            reasons.append("corpus changed (" + "; ".join(changes) + ")")
        return reasons

    def chunking_reasons(self, chunking: ChunkingConfig) -> list[str]:
        """Why every file must be read again: a qabot whose readers or chunker changed
        (the chunker's version), or other chunking settings. Empty when neither."""
        reasons = []
        wanted = asdict(chunking)
        if self.chunking.get("version") != wanted["version"]:
            reasons.append(
                f"this qabot reads texts anew: chunker {self.chunking.get('version')} → "
                f"{wanted['version']}"
            )
        if {k: v for k, v in self.chunking.items() if k != "version"} != {
            k: v for k, v in wanted.items() if k != "version"
        }:
            reasons.append("chunking settings changed")
        return reasons

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})
