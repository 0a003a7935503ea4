"""The storage layer: an index of passages, its files on disk, and how it is kept fresh.

==============  ====================================================================
``manifest``    what a generation was built from (model, corpus hash, checksums …)
``contents``    the in-memory index: passages, vectors, sentence units, lexicon, BM25
``store``       generations on disk, checked on load, swapped in atomically
``update``      the incremental update: re-chunk changed files, re-embed what changed
==============  ====================================================================

Nothing here imports the question path (``qabot.search``) or a shell.
"""

from qabot.index.contents import (
    REBUILD,
    Bm25Tables,
    Index,
    Lexicon,
    UnitParts,
    Units,
    build,
    content_hash,
)
from qabot.index.manifest import FORMAT_VERSION, REUSABLE_FORMATS, Manifest
from qabot.index.store import IndexStore, without_fix

__all__ = [
    "FORMAT_VERSION",
    "REBUILD",
    "REUSABLE_FORMATS",
    "Bm25Tables",
    "Index",
    "IndexStore",
    "Lexicon",
    "Manifest",
    "UnitParts",
    "Units",
    "build",
    "content_hash",
    "without_fix",
]
