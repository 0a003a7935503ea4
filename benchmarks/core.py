"""Figures for the core pipeline: passage sizes, build time, query latency, retrieval hits.

Run from the project folder:  .venv/bin/python benchmarks/core.py
Builds a fresh index in a temporary folder with the configured (default: bundled) model.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "journal_questions.jsonl"


def normalize(text: str) -> str:
    return " ".join(text.replace("’", "'").lower().split())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="qabot-bench-"))
    try:
        shutil.copytree(ROOT / "corpus", work / "corpus")
        settings = load_settings(corpus_dir=work / "corpus", embeddings_dir=work / "embeddings")
        service = IndexMaintainer(settings)

        service.embedder.embed(["warm up"])  # load the model outside the build timing
        report = service.update(force=True)
        tokens = sorted(p.tokens for p in service.passages())
        print(f"passages: {report.passages} from {report.files} file(s)")
        print(
            f"tokens per passage: min {tokens[0]}, median {statistics.median(tokens):g}, "
            f"max {tokens[-1]} (limit {service.chunking.max_tokens})"
        )
        print(f"index build (chunk + embed + save, model already loaded): {report.seconds:.2f} s")

        questions = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line]
        latencies, ranks = [], []
        for _ in range(3):
            for case in questions:
                started = time.perf_counter()
                answer = service.library().ask(case["question"], 5)
                latencies.append((time.perf_counter() - started) * 1000)
                if len(ranks) < len(questions):
                    ranks.append(
                        next(
                            (
                                h.rank
                                for h in answer.hits
                                if normalize(case["expect"]) in normalize(h.passage.text)
                            ),
                            None,
                        )
                    )
        print(
            f"warm query latency over {len(latencies)} asks: "
            f"median {statistics.median(latencies):.1f} ms, "
            f"p95 {sorted(latencies)[int(len(latencies) * 0.95)]:.1f} ms"
        )
        for k in (1, 3, 5):
            hits = sum(r is not None and r <= k for r in ranks)
            print(f"hit@{k}: {hits}/{len(ranks)} = {hits / len(ranks):.2f}")
        missed = [
            q["question"] for q, r in zip(questions, ranks, strict=True) if r is None or r > 3
        ]
        print("not in top 3:", *missed, sep="\n  ")

        cold = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qabot", "ask", "--no-build", questions[0]["question"]],
                check=True,
                capture_output=True,
                cwd=work,
            )
            cold.append(time.perf_counter() - started)
        print(
            "cold `qabot ask` wall time (new process, index built): "
            f"median {statistics.median(cold):.2f} s"
        )
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qabot", "--help"], check=True, capture_output=True)
        print(f"`qabot --help` wall time: {time.perf_counter() - started:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
