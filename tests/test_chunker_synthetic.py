"""The chunker on small made-up texts: exact expectations, fake token counter."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot.chunking import ChunkingConfig, chunk_document
from qabot.corpus import discover
from qabot.dates import parse_date_line
from qabot.errors import CorpusError
from qabot.readers.plain import decode_text
from qabot.text.repair import normalize_whitespace
from tests.fakes import FakeEmbedder

COUNT = FakeEmbedder().count_tokens
SMALL = ChunkingConfig(max_tokens=40, min_tokens=0)


def chunk(text: str, source: str = "t.txt", config: ChunkingConfig = SMALL):
    return chunk_document(text, source, COUNT, config)


def test_markdown_headings_and_title():
    text = (
        "# The Book\n\nIntro paragraph before any section.\n\n"
        "## Part One\n\nFirst part text.\n\n### Details\n\nDetail text.\n\n## Part Two\n\nSecond."
    )
    document = chunk(text, "book.md")
    assert document.title == "The Book"
    assert [(p.section, p.text) for p in document.passages] == [
        (None, "Intro paragraph before any section."),
        ("Part One", "First part text."),
        ("Details", "Detail text."),
        ("Part Two", "Second."),
    ]
    assert all(p.date is None for p in document.passages)


def test_markdown_front_matter_gives_title_and_metadata():
    text = "---\ntitle: Letters\nauthor: N. Sedova\n---\n\n## One\n\nDear friend, hello."
    document = chunk(text, "letters.md")
    assert document.title == "Letters"
    assert document.metadata["Author"] == "N. Sedova"
    about, body = document.passages
    assert (about.section, about.role, about.date) == ("About this text", "about", None)
    assert about.text == "title: Letters\n\nauthor: N. Sedova"
    assert text[about.start : about.end] == "title: Letters\nauthor: N. Sedova"
    assert (body.text, body.role) == ("Dear friend, hello.", "text")


def test_plain_text_without_dates_or_front_matter():
    document = chunk("Just a paragraph.\n\nAnother one here.", "notes/plain-notes.txt")
    assert document.title == "Plain Notes"
    assert [p.date for p in document.passages] == [None, None]
    assert [p.section for p in document.passages] == [None, None]
    assert [p.paragraphs for p in document.passages] == [(1,), (2,)]


WRAPPED = (
    "The Project Gutenberg eBook of The Little Journal, by Jane Doe\n\n"
    "This eBook is for the use of anyone anywhere at no cost.\n\n"
    "Title: The Little Journal\n\nAuthor: Jane Doe\n\nRelease Date: March 3, 2004\n\n"
    "*** START OF THE PROJECT GUTENBERG EBOOK THE LITTLE JOURNAL ***\n\n\n\n"
    "CHAPTER I\n\nWe came to the farm in the spring.\n\n"
    "CHAPTER II\n\nIn October a great storm took the roof from the barn.\n\n"
    "*** END OF THE PROJECT GUTENBERG EBOOK THE LITTLE JOURNAL ***\n\n"
    "Updated editions will replace the previous one.\n\n"
    "THE FULL PROJECT GUTENBERG LICENSE\n\nSection 1. General Terms of Use."
)


def test_a_distributed_ebook_is_the_work_between_its_markers():
    document = chunk(WRAPPED, "little-journal.txt")
    assert document.title == "The Little Journal"
    assert document.metadata["Author"] == "Jane Doe"
    about, *work = document.passages
    assert (about.role, about.text) == (
        "about",
        "Title: The Little Journal\n\nAuthor: Jane Doe\n\nRelease Date: March 3, 2004",
    )
    assert WRAPPED[about.start : about.end].startswith("Title: The Little Journal")
    assert [(p.section, p.text, p.role) for p in work] == [
        ("CHAPTER I", "We came to the farm in the spring.", "text"),
        ("CHAPTER II", "In October a great storm took the roof from the barn.", "text"),
    ]
    assert [WRAPPED[p.start : p.end] for p in work] == [p.text for p in work]
    # nothing dropped silently: every block left out is reported
    assert document.skipped == (
        "The Project Gutenberg eBook of The Little Journal, by Jane Doe",
        "This eBook is for the use of anyone anywhere at no cost.",
        "*** START OF THE PROJECT GUTENBERG EBOOK THE LITTLE JOURNAL ***",
        "*** END OF THE PROJECT GUTENBERG EBOOK THE LITTLE JOURNAL ***",
        "Updated editions will replace the previous one.",
        "THE FULL PROJECT GUTENBERG LICENSE",
        "Section 1. General Terms of Use.",
    )


def test_one_marker_alone_still_bounds_the_work():
    head = WRAPPED.partition("*** END OF")[0]
    only_start = chunk(head, "a.txt")
    assert [p.text for p in only_start.passages if p.role == "text"][-1].startswith("In October")
    only_end = chunk(WRAPPED[WRAPPED.index("CHAPTER I") :], "b.txt")
    assert not any("LICENSE" in p.text or "Updated" in p.text for p in only_end.passages)
    assert "Section 1. General Terms of Use." in only_end.skipped


def test_a_header_value_wrapped_onto_an_indented_line_is_one_value():
    text = WRAPPED.replace(
        "Title: The Little Journal\n",
        "Title: The Little Journal\n       Being the Notes of a Farm Year\n",
    )
    document = chunk(text, "d.txt")
    assert document.title == "The Little Journal Being the Notes of a Farm Year"
    about = document.passages[0]
    assert about.text.startswith("Title: The Little Journal Being the Notes of a Farm Year")
    assert text[about.start : about.end].startswith("Title: The Little Journal\n       Being")
    assert "Title: The Little Journal" not in " ".join(document.skipped)
    dated = chunk(
        WRAPPED.replace("March 3, 2004\n", "March 3, 2004\n[Most recently updated: May 1, 2021]\n"),
        "e.txt",
    )
    assert dated.metadata["Release Date"] == "March 3, 2004 [Most recently updated: May 1, 2021]"


def test_a_marker_like_line_inside_a_paragraph_is_text():
    text = "He wrote *** START OF THE DAY *** on the wall.\n\nThen he slept."
    document = chunk(text, "c.txt")
    assert [p.text for p in document.passages] == [
        "He wrote *** START OF THE DAY *** on the wall.",
        "Then he slept.",
    ]
    assert document.skipped == ()


@pytest.mark.parametrize("text", ["", "   \n\n  \n", "\n"])
def test_empty_text_gives_no_passages(text):
    assert chunk(text).passages == ()


def test_year_is_inferred_across_new_year():
    text = (
        "December 30, 1999.\n\nA cold day.\n\nDecember 31\n\nLast entry of the year."
        "\n\nJanuary 1\n\nFirst entry of the next."
    )
    assert [p.date for p in chunk(text).passages] == ["1999-12-30", "1999-12-31", "2000-01-01"]


DAYS = "March 3\n\nSome entry text.\n\nMarch 5\n\nMore of it.\n\nMarch 9\n\nThe last."


def test_dates_without_any_year_stay_without_one_unless_written_seeds_it():
    assert [p.date for p in chunk(DAYS).passages] == ["--03-03", "--03-05", "--03-09"]
    seeded = "Author Name\n\nA Diary\n\nWritten: spring 1921\n\n" + DAYS
    document = chunk(seeded)
    assert document.title == "A Diary"
    assert [(p.role, p.date) for p in document.passages] == [
        ("about", None),
        ("text", "1921-03-03"),
        ("text", "1921-03-05"),
        ("text", "1921-03-09"),
    ]


def test_one_date_is_no_diary():
    """A date line, or dates opening paragraphs, alone: no entry (only a run is one)."""
    text = "A Story\n\nMarch 3, 1921.\n\nShe left.\n\nThen she came back.\n\nThe end."
    assert {p.date for p in chunk(text).passages} == {None}
    spoken = (
        "Chapter One\n\nFriday, June 19th. That was the day, she said.\n\nNothing else.\n\n"
        "June 20th. Still nothing.\n\n"
        + "\n\n".join(f"Line {n} of the story." for n in range(300))
        + "\n\nJuly 2nd. A note, much later."
    )
    assert {p.date for p in chunk(spoken).passages} == {None}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("December 28, 1936.", (1936, 12, 28)),
        ("December 30", (None, 12, 30)),
        ("Jan. 9", (None, 1, 9)),
        ("9 January 1937", (1937, 1, 9)),
        ("Monday, March 1st, 1937", (1937, 3, 1)),
        ("1937-02-14", (1937, 2, 14)),
        ("February 30", None),
        ("December is cold", None),
        ("On December 30 we sailed.", None),
    ],
)
def test_date_lines(line, expected):
    assert parse_date_line(line) == expected


def test_dialogue_and_sentences_are_not_headings():
    text = (
        "The Voyage\n\nMay 2, 1930.\n\nWe sailed at dawn and the sea was calm.\n\n"
        "“Do you imply that I am Stockmann?”\n\nHe did not answer me at all.\n\n"
        "Arrival in port\n\nMay 4\n\nWe landed."
    )
    document = chunk(text)
    sections = [p.section for p in document.passages]
    assert sections == ["The Voyage", "The Voyage", "The Voyage", "Arrival in port"]
    assert [p.date for p in document.passages][-1] == "1930-05-04"


def test_numbered_divisions_are_headings_with_their_period_and_title():
    """Plain-text books end "CHAPTER I." with a period; its title line, if any, joins it.
    A sentence that opens with such a word is still a sentence."""
    text = (
        "CHAPTER I.\n\nTHE START\n\nWe sailed at dawn.\n\n"
        "Chapter 3 of the log was lost at sea.\n\n"
        "CHAPTER II.\n\nThe ship anchored off Lisbon.\n\n"
        "BOOK THE SECOND.\n\nPart of the crew went ashore.\n\n"
        "Letter IV. To My Sister\n\nDear Margaret, we are safe."
    )
    document = chunk(text)
    assert [(p.section, p.text) for p in document.passages] == [
        ("CHAPTER I — THE START", "We sailed at dawn."),
        ("CHAPTER I — THE START", "Chapter 3 of the log was lost at sea."),
        ("CHAPTER II", "The ship anchored off Lisbon."),
        ("BOOK THE SECOND", "Part of the crew went ashore."),
        ("Letter IV. To My Sister", "Dear Margaret, we are safe."),
    ]


def test_long_sentence_is_split_by_words_without_loss():
    words = " ".join(f"word{i}" for i in range(200)) + "."
    document = chunk(f"Short start.\n\n{words}")
    assert all(p.tokens <= SMALL.max_tokens for p in document.passages)
    joined = normalize_whitespace(" ".join(p.text for p in document.passages))
    assert joined == normalize_whitespace(f"Short start. {words}")


def test_long_paragraph_splits_at_sentences_in_balanced_parts():
    sentences = " ".join(f"Sentence number {i} has six words." for i in range(12))
    document = chunk(sentences)
    assert len(document.passages) > 1
    assert all(p.text.endswith(".") for p in document.passages)
    sizes = [p.tokens for p in document.passages]
    assert max(sizes) <= SMALL.max_tokens and min(sizes) >= SMALL.max_tokens // 3


def test_tiny_paragraphs_merge_only_within_a_section():
    text = "One\n\nA.\n\nB is longer than the other one here.\n\nTwo\n\nC."
    config = ChunkingConfig(max_tokens=40, min_tokens=5)
    document = chunk(text, config=config)
    assert [(p.section, p.text) for p in document.passages] == [
        ("One", "A.\n\nB is longer than the other one here."),
        ("Two", "C."),
    ]


def test_crlf_text_keeps_offsets():
    text = "Title Here\r\n\r\nFirst line of a\r\nwrapped paragraph.\r\n\r\nNext."
    document = chunk(text)
    first = document.passages[0]
    assert first.text == "First line of a wrapped paragraph."
    assert normalize_whitespace(text[first.start : first.end]) == first.text


def test_non_utf8_file_is_a_clear_error_naming_it(tmp_path: Path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\xe9 society".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin\.txt: not valid UTF-8 .*iconv"):
        decode_text(path.read_bytes(), str(path))


def test_utf8_bom_is_dropped(tmp_path: Path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffHello there.".encode())
    assert decode_text(path.read_bytes(), str(path)) == "Hello there."


def test_binary_file_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CorpusError, match=r"image\.txt: looks like a binary file"):
        decode_text(path.read_bytes(), str(path))


def test_discover_lists_texts_and_names_the_others(tmp_path: Path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("B.")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("H.")
    skipped: list[Path] = []
    files = discover(tmp_path, skipped)
    assert [f.source for f in files] == ["a.txt", "sub/b.md"]
    assert skipped == [tmp_path / "c.pdf"]  # the maintainer's report names them


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(CorpusError, match=r"corpus folder .*nowhere not found.*QABOT_CORPUS_DIR"):
        discover(tmp_path / "nowhere")
