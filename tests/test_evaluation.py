"""`qabot eval`: the question file format, the metrics, and the quality gate on the journal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from qabot.cli import cli
from qabot.evaluation import EvalFileError, evaluate, load_cases, metrics, normalize
from qabot.service import SearchService
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder
from tests.test_retrieval import JOURNAL

QUESTIONS = Path(__file__).parent / "eval" / "questions.jsonl"


def write(path: Path, *records: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"q\.jsonl:2: not valid JSON"),
        ('["a list"]', r"q\.jsonl:2: each line must be a JSON object"),
        ('{"question": "", "gold": []}', r'q\.jsonl:2: "question" must be a non-empty string'),
        ('{"question": "Who?"}', r'q\.jsonl:2: "gold" must be a list of non-empty strings'),
        ('{"question": "Who?", "gold": [""]}', r'"gold" must be a list of non-empty strings'),
        ('{"question": "Who?", "gold": [], "date": "May 5"}', r'"date" must be "YYYY-MM-DD"'),
        ('{"question": "Who?", "gold": [], "section": 3}', r'"section" must be a string or null'),
    ],
)
def test_bad_lines_name_the_file_line_and_field(tmp_path: Path, line: str, message: str):
    path = write(tmp_path / "q.jsonl", {"question": "Fine?", "gold": []}, line)
    with pytest.raises(EvalFileError, match=message) as caught:
        load_cases(path)
    assert caught.value.exit_code == 2


def test_missing_and_empty_files(tmp_path: Path):
    with pytest.raises(EvalFileError, match=r"nothing\.jsonl: no such file"):
        load_cases(tmp_path / "nothing.jsonl")
    with pytest.raises(EvalFileError, match="no questions in the file"):
        load_cases(write(tmp_path / "empty.jsonl", ""))


def test_matching_ignores_case_spacing_and_quote_style():
    assert normalize("An  ENEMY of the\n“People”’s") == normalize('an enemy of the "people"\'s')


def test_metrics_on_a_small_set(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "journal.txt").write_text(JOURNAL)
    settings = load_settings(
        corpus_dir=tmp_path / "corpus", embeddings_dir=tmp_path / "emb", chunk_min_tokens=0
    )
    service = SearchService.from_settings(settings, embedder=FakeEmbedder())
    path = write(
        tmp_path / "q.jsonl",
        {
            "question": "Who met the tanker at Tampico?",
            "gold": ["FRIDA  met the tanker"],
            "section": "Arrival",
            "date": "1930-05-05",
        },
        {
            "question": "What did the oil derricks remind them of?",
            "gold": ["reminded us of Baku"],
            "section": "Voyage Out",
            "date": None,
        },  # a wrong section on purpose
        {"question": "What is the capital of Peru?", "gold": []},
        {"question": "Who painted the Sistine Chapel?", "gold": ["Michelangelo"]},
    )
    results = evaluate(service, load_cases(path))
    figures = metrics(results)
    assert [r.rank for r in results] == [1, 1, None, None]
    assert figures.answerable == 3 and figures.unanswerable == 1
    assert figures.hit_at == {1: 2 / 3, 3: 2 / 3, 5: 2 / 3}
    assert figures.mrr == pytest.approx(2 / 3)
    assert figures.citation_accuracy == 0.5  # right section for the first, wrong for the second
    assert figures.unanswerable_abstained == 1.0  # "Peru" is not in the text
    assert results[3].abstained  # so is "Sistine Chapel": counted as a wrong abstention
    assert figures.answerable_abstained == pytest.approx(1 / 3)


@pytest.mark.e2e
def test_the_question_set_covers_what_the_issue_asks():
    cases = load_cases(QUESTIONS)
    kinds = [c.kind for c in cases]
    assert len(cases) >= 60
    assert kinds.count("paraphrase") >= 20 and kinds.count("date") >= 10
    assert kinds.count("unanswerable") >= 10 and all(
        not c.gold for c in cases if c.kind == "unanswerable"
    )
    sections = {c.section for c in cases if c.section}
    assert sections == {
        "Editors’ note",
        "Departure from Norway",
        "An Instructive Episode",
        "Trotsky Anticipates Assassination",
        "Denials from Moscow",
        "In Mexico",
        "The Second Moscow Trial",
    }


@pytest.mark.e2e
def test_quality_does_not_fall_below_the_level_reached(real_service):
    """The README's Quality table; this fails when a change makes answers worse."""
    figures = metrics(evaluate(real_service, load_cases(QUESTIONS)))
    assert figures.hit_at[5] >= 0.92
    assert figures.hit_at[1] >= 0.76
    assert figures.citation_accuracy == 1.0
    assert figures.unanswerable_abstained >= 0.80
    assert figures.answerable_abstained <= 0.05


@pytest.mark.e2e
def test_eval_command_prints_the_comparison(built_project: Path, tmp_path: Path):
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    sample = write(tmp_path / "sample.jsonl", *lines[:4], *lines[-2:])
    environment = {
        "QABOT_CORPUS_DIR": str(built_project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(built_project / "embeddings"),
    }
    result = CliRunner().invoke(cli, ["eval", str(sample)], env=environment)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("4 answerable + 2 unanswerable questions; mean passage length ")
    assert re.search(r"^\s+dense\s+bm25\s+hybrid rrf\s+hybrid mix\*$", out, re.M)
    for row in ("hit@1", "hit@3", "hit@5", "MRR@5", "citation accuracy", "abstention accuracy"):
        assert re.search(rf"^{re.escape(row)}\s+(\d\.\d{{3}}\s+){{3}}\d\.\d{{3}}$", out, re.M), row
    assert "abstention trade-off: min_score" in out and "← configured" in out

    result = CliRunner().invoke(cli, ["eval", str(sample), "--json"], env=environment)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 6 and records[0]["top_match"] in {"lexical", "semantic", "both"}

    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "none.jsonl")], env=environment)
    assert result.exit_code == 2 and "none.jsonl: no such file" in result.stderr
