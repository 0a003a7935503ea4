"""End to end with the real bundled model: the journal indexed, questions answered by content.

Each question names a snippet that must appear, verbatim, in a returned passage. The
questions marked ``hard`` (names and facts that dense retrieval alone ranked 4th–10th)
are in the top 3 since hybrid retrieval; the full quality gate is tests/test_evaluation.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

QUESTIONS = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "journal_questions.jsonl")
    .read_text()
    .splitlines()
    if line.strip()
]
OFF_TOPIC = [
    "What is the recipe for borscht?",
    "How do I reset my router password?",
    "Who won the 2018 football World Cup?",
]


def normalize(text: str) -> str:
    return " ".join(text.replace("’", "'").lower().split())


def rank_of(answer, snippet: str) -> int | None:
    return next(
        (h.rank for h in answer.hits if normalize(snippet) in normalize(h.passage.text)), None
    )


@pytest.mark.e2e
@pytest.mark.parametrize("case", QUESTIONS, ids=lambda q: q["question"][:50])
def test_answer_in_top_3(real_service, case):
    answer = real_service.library().ask(case["question"], 3)
    assert rank_of(answer, case["expect"]) is not None, [h.passage.text[:80] for h in answer.hits]
    assert not answer.abstained


@pytest.mark.e2e
def test_whole_question_set_floor(real_service):
    """All questions: the level reached (24 of 24 in the top 3, 22 first)."""
    ranks = [rank_of(real_service.library().ask(q["question"], 5), q["expect"]) for q in QUESTIONS]
    assert len(QUESTIONS) >= 20
    assert sum(r is not None and r <= 3 for r in ranks) == len(QUESTIONS)
    assert sum(r == 1 for r in ranks) >= 22


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("question", "section", "date"),
    [
        ("When did the second Moscow trial begin?", "The Second Moscow Trial", "1937-01-09"),
        (
            "What did Lenin say about Stalin as General Secretary?",
            "An Instructive Episode",
            "1936-12-30",
        ),
        (
            "Which ship carried them from Oslo, and who was aboard?",
            "Departure from Norway",
            "1936-12-28",
        ),
        ("Where did they embrace Diego Rivera?", "In Mexico", "1937-01-09"),
    ],
)
def test_top_hit_citation(real_service, question, section, date):
    # The first two hits: "aboard the ship" in the December 30 entry outranks the Oslo
    # passage for the third question (lexical sentence match); the eval set measures rank 1.
    hits = real_service.library().ask(question, 2).hits
    assert (section, date) in [(h.passage.section, h.passage.date) for h in hits]
    assert hits[0].passage.citation.title == "Pages From Trotsky’s Journal"


@pytest.mark.e2e
def test_answerable_questions_do_not_abstain(real_service):
    library = real_service.library()
    abstained = [q["question"] for q in QUESTIONS if library.ask(q["question"]).abstained]
    assert abstained == []


@pytest.mark.e2e
@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_abstain(real_service, question):
    answer = real_service.library().ask(question)
    assert answer.abstained
    assert len(answer.hits) == 3  # the closest passages are still shown


@pytest.mark.e2e
@pytest.mark.parametrize(
    "question", ["What breed was Trotsky's dog?", "what breed was trotsky's dog"]
)
def test_a_question_the_passages_answer_only_by_its_names_abstains(real_service, question):
    """The journal speaks of Trotsky throughout and never of a dog: the passages found
    match the name, not what is asked of him (``qabot.search.aspect``), however the
    question is typed."""
    answer = real_service.library().ask(question)
    assert answer.abstained
    assert answer.abstain_reason is not None
    assert answer.abstain_reason.lower().startswith(
        "the passages found speak of trotsky, not of what is asked (cosine 0."
    )


@pytest.mark.e2e
def test_index_matches_corpus(real_service, built_project):
    manifest = real_service.store.read_manifest()
    assert manifest.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest.dimension == 384
    assert manifest.passage_count == len(real_service.library().passages()) > 40
    assert real_service.stale_reasons() == []
    assert max(p.tokens for p in real_service.library().passages()) <= 256
