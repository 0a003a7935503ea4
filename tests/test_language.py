"""The note on questions in another language: the bundled model reads English only."""

from __future__ import annotations

import pytest

from qabot.text.language import NOT_ENGLISH_NOTE, looks_english


@pytest.mark.parametrize(
    "question",
    [
        "Who met Trotsky when the tanker reached Tampico?",
        "What did Pepys think of Milton's Paradise Lost?",
        "Tampico?",
        "Define the word cynic.",
    ],
)
def test_english_questions_pass(question):
    assert looks_english(question)


@pytest.mark.parametrize(
    "question",
    [
        "Qui a rencontré Trotsky quand le pétrolier est arrivé à Tampico ?",
        "Wer hat Trotzki getroffen, als der Tanker Tampico erreichte?",
        "Кто встретил Троцкого в Тампико?",
    ],
)
def test_other_languages_are_told(question):
    assert not looks_english(question)


@pytest.mark.e2e
def test_an_answer_to_a_french_question_says_the_model_reads_english(real_service):
    library = real_service.library()
    french = library.ask("Quelle est la couleur préférée de Staline ?")
    assert french.notes[-1] == NOT_ENGLISH_NOTE
    assert NOT_ENGLISH_NOTE not in library.ask("Who met Trotsky at Tampico?").notes
