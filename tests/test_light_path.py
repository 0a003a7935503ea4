"""The light query path: the ONNX export answers exactly as sentence-transformers does,
`qabot ask` imports no torch, and a missing or damaged export falls back (real model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qabot.embedding.onnx import EXPORT_FILE, OnnxEmbedder, export_dir
from qabot.embedding.transformer import SentenceTransformerEmbedder
from qabot.evaluation import load_cases
from qabot.library import Library

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "sentence_transformers", "discord", "bm25s", "scipy")
# faiss (0.1 s) is the dense search and is loaded by every question; `passages` needs none.
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def exported(built_project: Path) -> Path:
    directory = export_dir(built_project / "embeddings", "sentence-transformers/all-MiniLM-L6-v2")
    assert (directory / EXPORT_FILE).is_file(), "the build exports the model once"
    return directory


@pytest.fixture(scope="module")
def both(real_service, exported: Path):
    """The same index answered by the ONNX export and by sentence-transformers."""
    torch_embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    onnx_embedder = OnnxEmbedder(exported)
    index = real_service.store.load()
    return (
        onnx_embedder,
        torch_embedder,
        Library(index, onnx_embedder),
        Library(index, torch_embedder),
    )


def test_cosine_parity_on_every_passage_sentence_and_100_questions(real_service, both):
    onnx_embedder, torch_embedder, _, _ = both
    index = real_service.store.load()
    cases = load_cases(REPO / "tests" / "eval" / "questions.jsonl")
    texts = [p.embed_text for p in index.passages] + list(index.units.texts)
    texts += [c.question for c in cases][:100]
    assert len(texts) > 400 and len(cases) >= 100
    onnx_vectors = onnx_embedder.embed(texts)
    torch_vectors = torch_embedder.embed(texts)
    cosines = (onnx_vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= 0.9999, texts[int(np.argmin(cosines))]
    assert onnx_embedder.count_tokens("a " * 600) == torch_embedder.count_tokens("a " * 600)


def test_identical_top_5_for_every_question_of_the_eval_set(both):
    _, _, onnx_answerer, torch_answerer = both
    cases = load_cases(REPO / "tests" / "eval" / "questions.jsonl")
    differ = []
    for case in cases:
        light = onnx_answerer.ask(case.question, 5)
        heavy = torch_answerer.ask(case.question, 5)
        if [h.passage.id for h in light.hits] != [h.passage.id for h in heavy.hits] or (
            light.abstained != heavy.abstained
        ):
            differ.append(case.question)
    assert differ == []


def run_qabot(
    project: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        input=stdin,
        capture_output=True,
        text=True,
        env={**environment, **(env or {})},
        timeout=300,
    )


def test_ask_json_is_the_same_on_both_paths(built_project: Path):
    question = "Who met Trotsky when the tanker reached Tampico?"
    args = ("-m", "qabot", "ask", "--no-build", "--json", "-k", "5", question)
    light = run_qabot(built_project, *args)
    heavy = run_qabot(built_project, *args, env={"QABOT_QUERY_RUNTIME": "sentence-transformers"})
    assert light.returncode == heavy.returncode == 0, light.stderr + heavy.stderr
    assert light.stderr == heavy.stderr == ""
    one, other = json.loads(light.stdout), json.loads(heavy.stdout)
    for record in (one, other):
        for result in record["results"]:
            result["score"] = round(result["score"], 3)
            result["cosine"] = round(result["cosine"], 3)
    assert one == other


@pytest.mark.parametrize(
    "command", [("ask", "--no-build", "Who met Trotsky?"), ("passages",), ("--help",)]
)
def test_the_light_commands_import_no_torch(built_project: Path, command: tuple[str, ...]):
    result = run_qabot(built_project, "-X", "importtime", "-m", "qabot", *command)
    assert result.returncode == 0, result.stderr
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "qabot" in imported
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    if command[0] != "ask":
        assert "faiss" not in imported


def test_a_missing_or_damaged_export_is_made_again_and_said_once(
    built_project: Path, tmp_path: Path, exported: Path
):
    """A question never runs on a damaged export, nor falls back question after question:
    the first ask makes the export again (saying so once); later asks use it silently."""
    from qabot.embedding.onnx import check_export

    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    copy = project / "embeddings" / exported.relative_to(built_project / "embeddings")
    questions = "Who met Trotsky?\nWho was Turkul?\n"
    ask = ("-m", "qabot", "ask", "--no-build", "--json", "-")
    (copy / "model.onnx").write_bytes(b"not a model")
    damaged = run_qabot(project, *ask, stdin=questions)
    assert damaged.returncode == 0, damaged.stderr
    assert damaged.stderr.count("making the model export again") == 1, damaged.stderr
    assert "has the wrong size" in damaged.stderr
    assert len(damaged.stdout.splitlines()) == 2
    assert check_export(copy) is None
    again = run_qabot(project, *ask, stdin=questions)
    assert again.returncode == 0 and again.stderr == "", again.stderr
    assert again.stdout == damaged.stdout
    shutil.rmtree(copy)
    missing = run_qabot(project, *ask, stdin=questions)
    assert missing.returncode == 0, missing.stderr
    assert missing.stderr.count("no ONNX export of the model") == 1, missing.stderr
    assert check_export(copy) is None and missing.stdout == damaged.stdout


def test_a_first_build_makes_the_export_and_calls_it_no_repair(built_project: Path):
    """The export is a part of building an index from nothing: the report says "no
    previous index", not "repaired: no ONNX export" (a later loss of it is a repair)."""
    summary = (built_project / "first-build.txt").read_text()
    assert "full rebuild: no previous index" in summary
    assert "repaired" not in summary, summary


def test_index_finds_an_export_damaged_in_place_and_mends_it(
    built_project: Path, tmp_path: Path, exported: Path
):
    """Bytes overwritten at the same size pass the size check; `qabot index` reads every
    byte against the checksum, makes the export again and says so, index untouched."""
    from qabot.embedding.onnx import check_export

    project = tmp_path / "project"
    shutil.copytree(built_project, project)
    copy = project / "embeddings" / exported.relative_to(built_project / "embeddings")
    for name in ("words.f32", "model.data"):  # the token table; the weights of the graph
        part = copy / name
        assert part.stat().st_size > 10 * (copy / "model.onnx").stat().st_size
        size = part.stat().st_size
        with part.open("r+b") as handle:
            handle.seek(size // 2)
            handle.write(b"\0" * 4096)
        assert f"{name} is damaged (checksum" in (check_export(copy) or "")
    before = (project / "embeddings" / "CURRENT").read_text()
    indexed = run_qabot(project, "-m", "qabot", "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "repaired" in indexed.stdout + indexed.stderr, indexed.stdout + indexed.stderr
    assert check_export(copy) is None
    assert (project / "embeddings" / "CURRENT").read_text() == before


def test_the_benchmark_runs_on_a_tiny_corpus():
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench.py"), "--tiny"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for label in (
        "cold ask, wall",
        "cold ask, wall, qabot's modules compiled from source each time",
        "cold ask, peak RSS",
        "warm question p50",
        "build from scratch",
    ):
        assert f"| {label}" in out, label
    assert "(stand-in embedder)" in out and "where the time goes" in out
