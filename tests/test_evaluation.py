"""`qabot eval`: the question file, the figures, the cross-validation, the quality gate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qabot.cli import cli
from qabot.evaluation import EvalFileError, evaluate, load_cases
from qabot.evaluation.books import BOOK_SIGNALS
from qabot.evaluation.cases import normalize
from qabot.evaluation.crossval import (
    SubsetScores,
    cost,
    cross_validate,
    cross_validated_fusion,
    stratified_folds,
)
from qabot.evaluation.run import abstention_figures, rank_figures, run
from qabot.search.abstention import FITTED, Evidence, fit_logistic
from tests.fakes import fake_service
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


def test_figures_on_a_small_set(tmp_path: Path):
    service = fake_service(tmp_path, {"journal.txt": JOURNAL})
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
    cases = load_cases(path)
    results = run(service.library(), cases)
    assert [r.rank for r in results] == [1, 1, None, None]
    answerable = [r for r in results if r.case.answerable]
    figures = rank_figures([r.rank for r in answerable], [r.citation_ok for r in answerable])
    assert figures.hit_at == {1: 2 / 3, 3: 2 / 3, 5: 2 / 3}
    assert figures.mrr == pytest.approx(2 / 3)
    assert figures.citation_accuracy == 0.5  # right section for the first, wrong for the second
    abstentions = abstention_figures(cases, [False, False, True, True])
    assert abstentions.unanswerable_abstained == 1.0
    assert abstentions.answerable_abstained == pytest.approx(1 / 3)  # the Sistine Chapel
    assert results[2].evidence.unknown_names == ("Peru",)
    assert results[0].evidence.asked_type == "name"


def test_a_set_without_unanswerable_questions_shows_the_shipped_rule(tmp_path: Path):
    """A set of answerable questions only (or of exempt ones) gives no rule to fit: the
    report says so and shows the shipped rule, `--json` has no held-out decision, and
    nothing fails (it had failed inside the logistic fit)."""
    from qabot.evaluation import records
    from qabot.evaluation.crossval import fittable

    service = fake_service(tmp_path, {"journal.txt": JOURNAL})
    path = write(
        tmp_path / "q.jsonl",
        {"question": "Who met the tanker at Tampico?", "gold": ["FRIDA  met the tanker"]},
        {"question": "What did the oil derricks remind them of?", "gold": ["reminded us of Baku"]},
    )
    evaluation = evaluate(service.library(), load_cases(path))
    assert evaluation.held_out is None and evaluation.in_sample is None
    assert "No rule fitted" in evaluation.report and "Shipped in" in evaluation.report
    assert "Chosen in each outer fold" not in evaluation.report
    assert [r["abstained_held_out"] for r in records(evaluation)] == [None, None]
    assert not fittable([evidence(0.5)] * 9 + [evidence(0.1)] * 4, [True] * 9 + [False] * 4, 5)
    assert fittable([evidence(0.5)] * 5 + [evidence(0.1)] * 5, [True] * 5 + [False] * 5, 5)


def evidence(cosine: float, unknown: bool = False) -> Evidence:
    names = ("Dewey",) if unknown else ()
    return Evidence(
        cosine=cosine,
        excess=0.0,
        top_cosine=cosine,
        bm25=1.0,
        unknown_names=names,
        asked_type=None,
        type_found=True,
        coverage=0.5,
    )


def test_logistic_fit_and_folds():
    weights, bias = fit_logistic([[0.1], [0.2], [0.3], [0.6], [0.7], [0.8]], [0, 0, 0, 1, 1, 1])
    assert weights[0] > 0 and 0.3 < -bias / weights[0] < 0.6  # the boundary lies between
    folds = stratified_folds([True] * 10 + [False] * 5, 5)
    assert sorted(folds[:10]) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]  # each class spread evenly
    assert sorted(folds[10:]) == [0, 1, 2, 3, 4]
    assert folds == stratified_folds([True] * 10 + [False] * 5, 5)  # deterministic


def test_cost_allows_a_small_refusal_budget():
    labels = [True] * 50 + [False] * 10
    assert cost([False] * 60, labels) == 1.0  # every unanswerable question answered
    assert cost([False] * 50 + [True] * 10, labels) == 0.0
    assert cost([True] * 2 + [False] * 48 + [True] * 10, labels) == 0.0  # 4 %: free
    assert cost([True] * 5 + [False] * 45 + [True] * 10, labels) > 0.5  # 10 %: not


def test_cross_validation_holds_out_and_keeps_only_helpful_signals():
    # Unanswerable questions have low cosines; the unknown-name flag is noise here.
    cosines = [0.2, 0.25, 0.3, 0.32, 0.35, 0.38] * 2 + [0.5 + 0.02 * i for i in range(24)]
    labels = [False] * 12 + [True] * 24
    found = [evidence(c, unknown=i % 2 == 0) for i, c in enumerate(cosines)]
    result = cross_validate(found, labels, k=5)
    assert len(result.fold_models) == 5
    assert all("cosine" in m.weights or "top_cosine" in m.weights for m in result.fold_models)
    assert "unknown_name" not in result.model.weights  # no help held out: not kept
    figures = abstention_figures(
        [type("C", (), {"answerable": a, "kind": "k"})() for a in labels], result.held_out
    )
    assert figures.unanswerable_abstained >= 0.8 and figures.answerable_abstained <= 0.05
    # An exempt question never abstains and takes no part in the fitting.
    narrowed = Evidence(0.0, 0.0, 0.0, 0.0, (), None, True, 0.0, exempt="narrowed")
    exempt = [*found, narrowed]
    assert not cross_validate(exempt, [*labels, False], k=5).held_out[-1]


def test_scores_shared_between_searches_change_no_choice():
    cosines = [0.2, 0.3, 0.45, 0.35, 0.55, 0.38] * 2 + [0.4 + 0.02 * i for i in range(24)]
    labels = [False] * 12 + [True] * 24
    found = [evidence(c, unknown=i % 3 == 0) for i, c in enumerate(cosines)]
    pool = ("cosine", "unknown_name", "coverage")
    scores = SubsetScores()
    first = cross_validate(found, labels, 5, pool, scores)
    again = cross_validate(found, labels, 5, pool, scores)  # every subset looked up
    assert first == again == cross_validate(found, labels, 5, pool)
    # A training set differing in one question is scored anew, not looked up.
    moved = [*found[:-1], evidence(0.1)]
    assert cross_validate(moved, labels, 5, pool, scores) == cross_validate(moved, labels, 5, pool)


@pytest.mark.e2e
def test_the_question_set_covers_what_the_issue_asks():
    cases = load_cases(QUESTIONS)
    kinds = [c.kind for c in cases]
    assert len(cases) >= 140
    assert kinds.count("paraphrase") >= 20 and kinds.count("date") >= 10
    assert kinds.count("renamed") >= 20 and kinds.count("about") >= 5
    unanswerable = [c for c in cases if not c.answerable]
    assert len(unanswerable) >= 40
    assert sum(c.kind in ("unanswerable-close", "unanswerable-dated") for c in cases) >= 30
    assert all(c.kind.startswith("unanswerable") for c in unanswerable)
    sections = {c.section for c in cases if c.section}
    assert sections == {
        "About this text",
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
    """The README's Quality section, held out; this fails when a change makes answers worse."""
    evaluation = evaluate(real_service.library(), load_cases(QUESTIONS))
    report = evaluation.report
    figures = {
        name: float(value)
        for name, value in re.findall(r"^(hit@[15]|citation accuracy)\s+.*?(\S+)$", report, re.M)
    }
    # CV fusion, held out: the floors issue 18 sets for the journal (reached: 0.755 / 0.925)
    assert figures["hit@1"] >= 0.70 and figures["hit@5"] >= 0.90
    assert figures["citation accuracy"] == 1.0
    held = abstention_figures([r.case for r in evaluation.results], evaluation.held_out)
    assert held.answerable_abstained <= 0.06  # the level reached: 3.8 %
    assert held.unanswerable_abstained >= 0.37  # the level reached: 39 %; the target is 50 %
    # The shipped rule is fitted across books (`qabot eval` of every book's questions),
    # on signals whose scale does not grow with a book.
    assert "Shipped in qabot/search/abstention.py" in report
    assert {"cosine", "top_cosine", "aspect"} & set(FITTED.weights)
    assert set(FITTED.weights) <= set(BOOK_SIGNALS)


@pytest.mark.e2e
def test_eval_command_prints_the_comparison(built_project: Path, tmp_path: Path):
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    sample = write(tmp_path / "sample.jsonl", *lines[1:13], *lines[-12:])  # after the header
    environment = {
        "QABOT_CORPUS_DIR": str(built_project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(built_project / "embeddings"),
    }
    result = CliRunner().invoke(cli, ["eval", str(sample)], env=environment)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("12 answerable + 12 unanswerable questions; mean passage length ")
    assert re.search(r"^\s+dense\s+bm25\s+hybrid rrf\s+hybrid mix\*\s+CV fusion$", out, re.M)
    for row in ("hit@1", "hit@3", "hit@5", "MRR@5", "citation accuracy"):
        assert re.search(rf"^{re.escape(row)}\s+(\d\.\d{{3}}\s+){{4}}\d\.\d{{3}}$", out, re.M), row
    assert re.search(r"held out, all signals\s+held out, kept signals\s+in-sample", out)
    assert "Chosen in each outer fold:" in out and "Misses, held out" in out

    result = CliRunner().invoke(cli, ["eval", str(sample), "--json"], env=environment)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 24 and records[0]["top_match"] in {"lexical", "semantic", "both"}
    assert set(records[0]["signals"]) >= {"cosine", "unknown_name", "type_missing"}

    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "none.jsonl")], env=environment)
    assert result.exit_code == 2 and "none.jsonl: no such file" in result.stderr


def test_cv_fusion_names_the_fusion_each_question_is_judged_under():
    """Each question is judged under the fusion the other folds chose, so its citation is
    that fusion's, not the configured one's."""
    count = 20
    ranks: dict[str, list[int | None]] = {
        "better": [1] * count,  # finds every answer
        "worse": [None] * count,
    }
    chosen, picks = cross_validated_fusion(ranks, k=5)
    assert chosen == ["better"] * count and picks == ["better"] * 5


HENS = """Chapter One

Ukridge bought fifty hens at Axminster and put them in the run behind the house at Combe
Regis. The hens cost him nothing, for he never paid the dealer.

Chapter Two

There was one hen, sardonic and disagreeable, which Ukridge, for a likeness of profile to
his wife's aunt, had christened Aunt Elizabeth. She laid no eggs at all.

Chapter Three

The professor's boatman was a man named Jimmy, who rowed Garnet out to fish for mackerel
in the bay on the morning after the dance.

Chapter Four

Mrs. Ukridge kept a Persian cat called Edwin, who killed two of the ducks and a chicken.
"""


@pytest.mark.e2e
def test_eval_of_several_books_holds_each_book_out(built_project: Path, tmp_path: Path):
    """Several question files: the journal's (the configured corpus) and a book of its own
    (indexed under the embeddings folder). The report gives each book's figures held out
    leaving it out, beside each retriever alone and the plain bm25s script."""
    (tmp_path / "hens.txt").write_text(HENS, encoding="utf-8")
    hens = write(
        tmp_path / "hens.jsonl",
        json.dumps({"corpus": "hens.txt", "name": "Hens"}),
        *(
            json.dumps({"question": q, "gold": [g] if g else []})
            for q, g in (
                ("Where did Ukridge buy his hens?", "Axminster"),
                ("Why was one hen called Aunt Elizabeth?", "had christened Aunt Elizabeth"),
                ("Who was the professor's boatman?", "a man named Jimmy"),
                ("What did the Persian cat kill?", "killed two of the ducks"),
                ("What fish did Garnet catch in the bay?", "mackerel"),
                ("How much did the hens cost?", "The hens cost him nothing"),
                ("What breed of dog was Bob?", None),
                ("Who won the Derby that year?", None),
                ("What is the capital of Australia?", None),
            )
        ),
    )
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    journal = write(tmp_path / "journal.jsonl", *lines[:13], *lines[-12:])
    environment = {
        "QABOT_CORPUS_DIR": str(built_project / "corpus"),
        "QABOT_EMBEDDINGS_DIR": str(tmp_path / "embeddings"),
    }
    shutil.copytree(built_project / "embeddings", tmp_path / "embeddings")
    result = CliRunner().invoke(cli, ["eval", str(journal), str(hens)], env=environment)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert re.search(r"held out\s+dense\s+bm25\s+rrf\s+shipped\s+plain bm25s$", out, re.M)
    for book, count in (("Pages From Trotsky's Jou", 12), ("Hens", 6)):
        cells = r"\s+\d\.\d\d / \d\.\d\d" * 6
        assert re.search(rf"^{re.escape(book)} \({count}\){cells}$", out, re.M), book
    assert "without Hens:" in out and "without Pages From Trotsky's Journal:" in out
    assert (tmp_path / "embeddings" / "eval").is_dir()  # the book's own index


def test_the_plain_bm25s_baseline_ranks_by_the_texts_alone(tmp_path: Path):
    """The plain script's ranks: bm25s over the passages' texts, the gold's first place;
    a question of stop words only finds nothing."""
    from qabot.evaluation.cases import Case
    from qabot.evaluation.plain import plain_bm25_ranks

    index = fake_service(tmp_path, {"hens.txt": HENS}).library().passages()
    cases = [
        Case("Who was the boatman?", ("a man named Jimmy",), None, None),
        Case("Which cat killed the ducks?", ("Persian cat called Edwin",), None, None),
        Case("Is it that?", ("christened Aunt Elizabeth",), None, None),
        Case("Who rowed to the moon?", ("not in any passage",), None, None),
    ]
    assert plain_bm25_ranks(cases, index, 5) == [1, 1, None, None]
