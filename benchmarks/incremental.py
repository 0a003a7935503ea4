"""Incremental indexing on a big generated corpus: full build vs. one edit vs. no change.

Makes 50 copies of the journal, each with a distinct title, then times (model loaded
once, outside the timings):

  * a full build (`update_index(force=True)`: every passage embedded),
  * an incremental build after one paragraph of one copy was edited,
  * a no-change run, in process and as a whole `qabot index` process.

Identical texts are embedded once per run (vectors are keyed by content), so 50 copies
with identical bodies cost little more than one. ``--unique`` appends a copy tag to every
long paragraph, so every passage is new text and must be embedded (sentences other than
the tagged last one still repeat across copies and are embedded once).

Run: .venv/bin/python benchmarks/incremental.py [COPIES] [--unique]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
JOURNAL = ROOT / "corpus" / "trotsky-journal-1936-1937.txt"
TITLE = "Pages From Trotsky’s Journal"
EDIT_FROM = "our tanker entered the harbor of Tampico"


def make_copy(text: str, n: int, unique: bool) -> str:
    """The journal with a distinct title; with ``unique``, every paragraph tagged too."""
    copy = text.replace(TITLE, f"{TITLE} (copy {n:02d})", 1)
    if not unique:
        return copy
    paragraphs = copy.split("\n\n")
    return "\n\n".join(
        f"{p.rstrip()} [copy-{n:02d}-{i}]" if len(p) > 200 else p for i, p in enumerate(paragraphs)
    )


def main(copies: int = 50, unique: bool = False) -> None:
    text = JOURNAL.read_text(encoding="utf-8")
    assert TITLE in text and EDIT_FROM in text, "the journal changed; update the benchmark"
    work = Path(tempfile.mkdtemp(prefix="qabot-incremental-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        for n in range(1, copies + 1):
            (corpus / f"journal-{n:02d}.txt").write_text(
                make_copy(text, n, unique), encoding="utf-8"
            )
        settings = load_settings(corpus_dir=corpus, embeddings_dir=work / "embeddings")
        service = IndexMaintainer(settings)
        service.embedder.embed(["warm up"])  # load the model outside the timings

        full = service.update(force=True)
        print(
            f"corpus: {copies} copies{' (every paragraph unique)' if unique else ''}, "
            f"{full.passages} passages, {full.files} files"
        )
        print(f"full build (--force): {full.seconds:6.2f} s, embedded {full.embedded}")

        victim = corpus / f"journal-{copies // 2:02d}.txt"
        victim.write_text(
            victim.read_text(encoding="utf-8").replace(
                EDIT_FROM, "our oil tanker slowly entered the harbor of Tampico", 1
            ),
            encoding="utf-8",
        )
        edit = service.update()
        print(
            f"one paragraph edited: {edit.seconds:6.2f} s, embedded {edit.embedded}, "
            f"reused {edit.reused} ({edit.passages_changed} changed)"
        )

        same = service.update()
        assert same.up_to_date
        print(f"no change (in process): {same.seconds * 1000:6.1f} ms")

        questions = ["Who met Trotsky when the tanker reached Tampico?", "Who was Turkul?"]
        service.library().ask(questions[0])  # load the BM25 tables and the sentence vectors
        latencies = []
        for _ in range(10):
            for question in questions:
                started = time.perf_counter()
                service.library().ask(question, 5)
                latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        print(
            f"warm question over {full.passages} passages: median "
            f"{latencies[len(latencies) // 2]:.0f} ms, worst {latencies[-1]:.0f} ms"
        )

        env = {
            **os.environ,
            "QABOT_CORPUS_DIR": str(corpus),
            "QABOT_EMBEDDINGS_DIR": str(work / "embeddings"),
        }
        qabot = [sys.executable, "-m", "qabot"]
        for label, args in (("qabot --help", ["--help"]), ("qabot index (no change)", ["index"])):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run([*qabot, *args], env=env, check=True, capture_output=True)
                runs.append(time.perf_counter() - started)
            print(f"{label}: best of 3 {min(runs):.2f} s (whole process)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 50, unique="--unique" in sys.argv)
