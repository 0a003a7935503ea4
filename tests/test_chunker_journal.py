"""The chunker on the real journal, with the bundled model's own tokenizer."""

from __future__ import annotations

import itertools
import re

import pytest

from qabot.chunking import ABOUT_SECTION, EDITORS_NOTE, ChunkingConfig, chunk_document
from qabot.text.repair import normalize_whitespace

ABOUT = "about"

SOURCE = "trotsky-journal-1936-1937.txt"
SECTIONS = {
    "Departure from Norway": "1936-12-28",
    "An Instructive Episode": "1936-12-30",
    "Trotsky Anticipates Assassination": "1936-12-30",
    "Denials from Moscow": "1936-12-30",
    "In Mexico": "1937-01-09",
    "The Second Moscow Trial": "1937-01-09",
}
DATE_LINES = {"December 28, 1936.", "December 30", "January 9"}
BOILERPLATE = ("return return return return return", "Last updated on: 22.4.2007")


@pytest.fixture(scope="module")
def document(journal_text, real_tokenizer):
    config = ChunkingConfig(max_tokens=real_tokenizer.max_tokens, min_tokens=32)
    return chunk_document(journal_text, SOURCE, real_tokenizer.count_tokens, config)


@pytest.fixture(scope="module")
def body(document):
    """The passages of the text itself (the front-matter passage left out)."""
    return tuple(p for p in document.passages if p.role != ABOUT)


def body_blocks(journal_text: str) -> list[str]:
    """An independent oracle: the body is everything from the editors' note on, without
    the headings, the date lines and the web boilerplate."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", journal_text) if b.strip()]
    start = next(i for i, b in enumerate(blocks) if b.startswith("NOTE:"))
    skip = set(SECTIONS) | DATE_LINES | set(BOILERPLATE)
    return [b for b in blocks[start:] if b not in skip]


def test_front_matter_is_metadata_and_one_about_passage(document, body, journal_text):
    assert document.title == "Pages From Trotsky’s Journal"
    assert document.metadata["Author"] == "Leon Trotsky"
    assert document.metadata["Written"] == "December 1936-January 1937"
    assert document.metadata["Translated"] == "By Fourth International."
    assert "First Published" in document.metadata and "Copyleft" in document.metadata
    about = document.passages[0]
    assert [p for p in document.passages if p.role == ABOUT] == [about]
    assert (about.section, about.date, about.paragraphs) == (ABOUT_SECTION, None, ())
    assert about.text.split("\n\n") == [
        line.strip() for line in journal_text[about.start : about.end].splitlines() if line.strip()
    ]
    assert "Translated: By Fourth International." in about.text
    assert str(about.citation) == "Pages From Trotsky’s Journal — About this text"
    for passage in body:
        for marker in ("First Published:", "Copyleft:", "Transcription/HTML Markup", "Written:"):
            assert marker not in passage.text


def test_editors_note_is_its_own_section_without_date(body):
    note = [p for p in body if p.section == EDITORS_NOTE]
    assert note, "the editors' note must be a passage"
    assert note[0].text.startswith("NOTE: The following pages consist of excerpts")
    assert any("—The Editors." in p.text for p in note)
    assert all(p.date is None for p in note)
    assert body[: len(note)] == tuple(note)


def test_six_sections_with_inferred_dates(body):
    found: dict[str, set[str | None]] = {}
    for passage in body:
        if passage.section != EDITORS_NOTE:
            found.setdefault(passage.section, set()).add(passage.date)
    assert list(found) == list(SECTIONS)
    assert {section: dates for section, dates in found.items()} == {
        section: {date} for section, date in SECTIONS.items()
    }


def test_dialogue_line_is_not_a_heading(document):
    stockmann = [p for p in document.passages if "Do you imply that I am Stockmann?" in p.text]
    assert len(stockmann) == 1
    assert stockmann[0].section == "Departure from Norway"
    assert "Do you imply that I am Stockmann?" not in {p.section for p in document.passages}


def test_boilerplate_never_becomes_a_passage(document):
    for passage in document.passages:
        assert "return return" not in passage.text
        assert "Last updated" not in passage.text
    assert set(document.skipped) == set(BOILERPLATE)


def test_paragraph_broken_mid_sentence_is_joined(document):
    joined = "when they came over to the Opposition, and furthermore, under such circumstances"
    assert any(joined in p.text for p in document.passages)


def test_hyphenation_repaired_in_embedded_text_only(document):
    passage = next(p for p in document.passages if "frank- ness" in p.text)
    assert "repaying frankness with frankness" in passage.embed_text
    assert "like your predecessors, the German" in passage.embed_text
    assert "hands of Burgomaster Stockmann" in passage.embed_text
    assert "frank- ness" in passage.text  # the quote stays as the source has it
    # a real hyphenated word is not touched
    assert any("Sultan-Galiev" in p.embed_text for p in document.passages)


def test_offsets_point_at_the_quoted_text(document, journal_text):
    for passage in document.passages:
        span = journal_text[passage.start : passage.end]
        assert normalize_whitespace(span) == normalize_whitespace(passage.text)


def test_token_budget_with_the_real_tokenizer(document, real_tokenizer, journal_text):
    assert real_tokenizer.max_tokens == 256
    for passage in document.passages:
        assert passage.tokens == real_tokenizer.count_tokens(passage.embed_text)
        assert passage.tokens <= 256
    # the journal has paragraphs over the limit, so some paragraph had to be split
    longest = max(
        real_tokenizer.count_tokens(normalize_whitespace(b)) for b in body_blocks(journal_text)
    )
    assert longest > 256
    numbers = [n for p in document.passages for n in p.paragraphs]
    assert len(numbers) > len(set(numbers))


def test_tiny_fragments_are_merged_within_their_section(document):
    assert min(p.tokens for p in document.passages) >= 32
    stockmann = next(p for p in document.passages if "Recall the Burgomaster Stockmann" in p.text)
    assert len(stockmann.paragraphs) > 1
    assert "\n\n" in stockmann.text  # merged paragraphs stay visibly separate


def test_every_passage_is_fully_cited(document, body):
    ids = [p.id for p in document.passages]
    assert len(set(ids)) == len(ids)
    for passage in body:
        assert 0 < passage.id < 2**63
        assert passage.source == SOURCE
        assert passage.title == "Pages From Trotsky’s Journal"
        assert passage.section
        assert passage.paragraphs and list(passage.paragraphs) == sorted(passage.paragraphs)
        assert 0 <= passage.start < passage.end
    citation = str(document.passages[-1].citation)
    assert citation.startswith("Pages From Trotsky’s Journal — The Second Moscow Trial — ")
    assert "January 9, 1937" in citation and "¶" in citation


def test_nothing_of_the_body_is_lost(body, journal_text):
    """Passages, in order, are exactly the body; and every body sentence is in a passage."""
    passages = body
    body = body_blocks(journal_text)
    quoted = normalize_whitespace(" ".join(p.text for p in passages))
    assert quoted == normalize_whitespace(" ".join(body))

    texts = [normalize_whitespace(p.text) for p in passages]
    pairs = [a + " " + b for a, b in itertools.pairwise(texts)]
    sentences = [
        s
        for block in body
        for s in re.split(r"(?<=[.!?…”])\s+(?=[“\"A-Z])", normalize_whitespace(block))
    ]
    assert len(sentences) > 300
    missing = [
        s for s in sentences if not any(s in t for t in texts) and not any(s in p for p in pairs)
    ]
    assert missing == []


def test_ids_are_stable_and_local_to_the_edit(journal_text, real_tokenizer):
    config = ChunkingConfig(max_tokens=256, min_tokens=32)
    first = chunk_document(journal_text, SOURCE, real_tokenizer.count_tokens, config)
    again = chunk_document(journal_text, SOURCE, real_tokenizer.count_tokens, config)
    assert [p.id for p in first.passages] == [p.id for p in again.passages]

    edited_text = journal_text.replace("The oil derricks of Tampico", "The oil wells of Tampico")
    edited = chunk_document(edited_text, SOURCE, real_tokenizer.count_tokens, config)
    before, after = {p.id for p in first.passages}, {p.id for p in edited.passages}
    assert len(before - after) == 1 and len(after - before) == 1
