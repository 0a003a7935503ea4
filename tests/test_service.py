"""IndexMaintainer with a fake embedder: index lifecycle, validation, abstention."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot.errors import IndexMismatchError, QuestionError
from qabot.maintainer import IndexMaintainer
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder

JOURNAL = "Voyage\n\nMay 2, 1930.\n\nThe ship left the harbor at dawn.\n\nWe read Ibsen on deck."


def make_service(root: Path, embedder: FakeEmbedder | None = None, **overrides) -> tuple:
    (root / "corpus").mkdir(exist_ok=True)
    if not any((root / "corpus").iterdir()):
        (root / "corpus" / "j.txt").write_text(JOURNAL)
    settings = load_settings(
        corpus_dir=root / "corpus", embeddings_dir=root / "emb", chunk_min_tokens=0, **overrides
    )
    messages: list[str] = []
    embedder = embedder or FakeEmbedder()
    return IndexMaintainer(settings, embedder, notify=messages.append), messages


def test_builds_on_first_use_then_reuses(tmp_path: Path):
    service, messages = make_service(tmp_path)
    answer = service.library().ask("Who read Ibsen?")
    assert "Ibsen" in answer.hits[0].passage.text
    assert messages[0].startswith("Updating the index (no index in")
    assert messages[1].startswith("Indexed 2 passages from 1 file(s)")

    again, messages = make_service(tmp_path)
    again.library().ask("Who read Ibsen?")
    assert messages == []
    # Only the question, without its names (the abstention rule's ``aspect``), and its
    # words (for query expansion): no passage re-embedded.
    assert again.embedder.embedded[0] == "Who read Ibsen?"
    assert [t for t in again.embedder.embedded if " " in t] == ["Who read Ibsen?", "Who read?"]


def test_corpus_edit_or_model_change_rebuilds(tmp_path: Path):
    make_service(tmp_path)[0].library()
    (tmp_path / "corpus" / "j.txt").write_text(JOURNAL + "\n\nA new paragraph about Tampico.")
    service, messages = make_service(tmp_path)
    assert len(service.library()) == 3
    assert "corpus changed (edited: j.txt)" in messages[0]

    service, messages = make_service(tmp_path, FakeEmbedder(identity="another-model"))
    service.library()
    assert "configured model is another-model" in messages[0]


def test_no_build_mode_refuses_a_stale_index(tmp_path: Path):
    make_service(tmp_path)[0].library()
    service, _ = make_service(tmp_path, FakeEmbedder(identity="another-model"))
    with pytest.raises(
        IndexMismatchError, match=r"built with model fake-embedder.*run `qabot index`"
    ):
        service.library(build_if_needed=False)


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "x" * 1001])
def test_bad_questions_are_refused(tmp_path: Path, question: str):
    service, _ = make_service(tmp_path)
    with pytest.raises(QuestionError) as caught:
        service.library().ask(question)
    assert caught.value.exit_code == 2


def test_question_at_the_limit_is_fine(tmp_path: Path):
    service, _ = make_service(tmp_path)
    assert service.library().ask("ship " * 200).hits  # 1000 characters minus the trailing space


def test_abstains_below_threshold_but_still_shows_passages(tmp_path: Path):
    service, _ = make_service(tmp_path, abstain_threshold=0.99)
    answer = service.library().ask("What is the capital of Peru?")
    assert answer.abstained and len(answer.hits) == 2
    service, _ = make_service(tmp_path, abstain_threshold=0.0)
    assert not service.library().ask("Who read Ibsen on deck?").abstained


def test_bad_file_is_reported_and_the_rest_is_indexed(tmp_path: Path):
    service, _ = make_service(tmp_path)
    service.library()
    (tmp_path / "corpus" / "bad.txt").write_bytes(b"caf\xe9 \xff\xfe")
    (tmp_path / "corpus" / "good.txt").write_text("Frida Kahlo met the tanker at Tampico.")
    service, messages = make_service(tmp_path)
    service.library()
    assert any(
        "bad.txt not indexed:" in m and "not valid UTF-8" in m and "iconv" in m for m in messages
    )
    assert {p.source for p in service.store.load().passages} == {"j.txt", "good.txt"}
