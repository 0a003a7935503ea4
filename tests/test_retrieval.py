"""Hybrid retrieval over a small journal with the fake embedder: filters, dates,
duplicates, highlights and abstention. FAISS, BM25 and the index files are real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qabot.errors import QuestionError
from qabot.retriever import Filters, Ranking
from qabot.service import SearchService
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder

JOURNAL = """Voyage Out

May 2, 1930.

The ship left the harbor at dawn. We read Ibsen on deck while the sailors painted the rails.

A storm kept everyone below for two days. The captain showed us charts of the Gulf.

Arrival

May 5

Frida met the tanker at Tampico. A special train carried the party to the capital.

The oil derricks reminded us of Baku. We stayed in the blue house with the orange tree.
"""


@pytest.fixture
def service(tmp_path: Path) -> SearchService:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "journal.txt").write_text(JOURNAL)
    settings = load_settings(
        corpus_dir=tmp_path / "corpus", embeddings_dir=tmp_path / "emb", chunk_min_tokens=0
    )
    service = SearchService.from_settings(settings, embedder=FakeEmbedder())
    service.ensure_index()
    return service


def test_the_index_holds_sentences_and_words(service: SearchService):
    index = service.index
    assert len(index) == 4
    assert "Frida met the tanker at Tampico." in index.units.texts  # a sentence unit
    assert len(index.units) == 8 and index.units.vectors.shape == (8, 64)
    assert {"tanker", "derricks", "harbor"} <= set(index.lexicon.words)


def test_highlight_is_the_answering_sentence(service: SearchService):
    answer = service.ask("Who met the tanker at Tampico?")
    top = answer.hits[0]
    assert top.passage.text.startswith("Frida met the tanker")
    assert top.highlight == "Frida met the tanker at Tampico."
    assert all(hit.highlight and hit.highlight in hit.passage.text for hit in answer.hits)
    assert top.match == "both" and not answer.abstained


def test_section_filter_matches_case_and_quotes_loosely(service: SearchService):
    answer = service.ask("ship harbor", 4, Filters(section="  arrival "))
    assert answer.hits and {h.passage.section for h in answer.hits} == {"Arrival"}
    assert not answer.abstained  # the asker chose where to look


def test_unknown_section_lists_the_sections(service: SearchService):
    with pytest.raises(
        QuestionError, match=r"no section named 'Departure'; sections: Arrival, Voyage Out"
    ):
        service.ask("ship", filters=Filters(section="Departure"))


def test_date_filter_exact_nearest_and_far(service: SearchService):
    exact = service.ask("ship", 4, Filters(date="1930-05-05"))
    assert {h.passage.date for h in exact.hits} == {"1930-05-05"} and exact.notes == ()
    nearest = service.ask("ship", 4, Filters(date="1930-05-03"))
    assert {h.passage.date for h in nearest.hits} == {"1930-05-02", "1930-05-05"}
    assert nearest.notes == (
        "The text has no entry for May 3, 1930; showing the nearest entries "
        "(May 2, 1930 and May 5, 1930).",
    )
    with pytest.raises(QuestionError, match="no entries near 1932-01-01; its entries run from"):
        service.ask("ship", filters=Filters(date="1932-01-01"))
    with pytest.raises(QuestionError, match="not a date; use YYYY-MM-DD"):
        Filters(date="May 5")


def test_a_date_in_the_question_prefers_that_entry(service: SearchService):
    plain = service.ask("What about the ship and the harbor?", 4)
    assert plain.hits[0].passage.date == "1930-05-02"
    dated = service.ask("What about the ship and the harbor on May 5?", 4)
    assert [h.passage.date for h in dated.hits[:2]] == ["1930-05-05"] * 2
    assert not dated.abstained and dated.notes == ()
    missing = service.ask("What about the ship on May 4, 1930?", 4)
    assert missing.notes and "no entry for May 4, 1930" in missing.notes[0]


def test_a_generic_date_question_shows_the_entry_from_its_beginning(service: SearchService):
    answer = service.ask("What did he write on May 5?", 2)
    assert [h.passage.text[:10] for h in answer.hits] == ["Frida met ", "The oil de"]


def test_copies_of_a_text_are_not_returned_twice(service: SearchService, tmp_path: Path):
    shutil.copy(tmp_path / "corpus" / "journal.txt", tmp_path / "corpus" / "journal-copy.txt")
    service.update_index()
    assert len(service.index) == 8
    answer = service.ask("Who met the tanker at Tampico?", 8)
    texts = [h.passage.text for h in answer.hits]
    assert len(texts) == len(set(texts)) == 4  # each passage once, from one of the files


def test_unknown_names_and_years_make_it_abstain(service: SearchService):
    for question in ("What did Dewey say about the ship?", "What happened to the ship in 1940?"):
        answer = service.ask(question)
        assert answer.abstained and answer.hits  # the closest passages are still shown
    assert not service.ask("What did Frida do at Tampico?").abstained
    assert not service.ask("What did he write on May 5?").abstained  # a date of the text


def test_rankings_can_be_compared(service: SearchService):
    question = "Who met the tanker at Tampico?"
    for mode in ("dense", "bm25"):
        retrieval = service.retrieve(question, 2, ranking=Ranking(mode=mode))
        assert retrieval.hits[0].passage.text.startswith("Frida met the tanker")
    rrf = service.retrieve(question, 4, ranking=Ranking(fusion="rrf", rrf_k=1))
    scores = [h.score for h in rrf.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] <= 3 / 2  # three lists


def test_mix_score_is_a_weighted_mean(service: SearchService):
    hits = service.ask("Who met the tanker at Tampico?", 4).hits
    assert all(-1.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
