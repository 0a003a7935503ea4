"""Where a cold `qabot ask` spends its time: run in a fresh process, prints one line each.

The steps run one after the other here (the CLI overlaps the model session with the
index load, so its total is less than the sum).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time

started = time.perf_counter()
import click  # noqa: E402,F401  the CLI's own import

from qabot.collector import collector_paused  # noqa: E402
from qabot.maintainer import IndexMaintainer  # noqa: E402
from qabot.settings import load_settings  # noqa: E402

imported = time.perf_counter()
settings = load_settings()
maintainer = IndexMaintainer(settings)
if maintainer.stale_reasons():
    sys.exit("the index is out of date: run `qabot index` first")
with collector_paused():  # as `qabot ask` does (qabot.cli._library)
    index = maintainer.store.load()
    loaded = time.perf_counter()
    embedder = maintainer.query_embedder()
    session = time.perf_counter()
    from qabot.library import Library

    library = Library(index, embedder, maintainer.answer_config(), top_k=settings.top_k)
    gc.freeze()
built = time.perf_counter()
library.ask(sys.argv[1], 3)
answered = time.perf_counter()

interpreter = time.perf_counter()
subprocess.run([sys.executable, "-c", "pass"], check=True)
interpreter = time.perf_counter() - interpreter

for label, seconds in (
    ("interpreter start", interpreter),
    ("imports (click, settings, service, numpy)", imported - started),
    ("index load (hashes, manifest, passages, arrays)", loaded - imported),
    ("model session (onnxruntime, tokenizer)", session - loaded),
    ("library (its imports and tables, built once)", built - session),
    ("the question (embed, retrieve, highlight)", answered - built),
):
    print(f"  {label:48} {seconds * 1000:6.0f} ms")
