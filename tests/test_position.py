"""A place in the book named by the question: the phrases, the edges, the ranking."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from qabot.maintainer import IndexMaintainer
from qabot.search.position import EdgeTable, asked_position
from qabot.search.query import Filters
from tests.fakes import fake_service, numbered_passage


@pytest.mark.parametrize(
    ("question", "edge", "words"),
    [
        ("What does he dream up at the very end?", "closing", "at the very end"),
        ("Where was Pepys living when the diary begins?", "opening", "when the diary begins"),
        ("How does the story end?", "closing", "How does the story end"),
        ("What happens at the end of the book?", "closing", "at the end of the book"),
        ("In the end, whom did Garnet marry?", "closing", "In the end"),
        ("What does the diary's last entry say?", "closing", "the diary's last entry"),
        ("What is in the first chapter?", "opening", "the first chapter"),
        ("Who comes in at the start?", "opening", "at the start"),
        ("Why does the diary end?", "closing", "Why does the diary end"),
        ("How does it end?", "closing", "How does it end"),
        ("how did it all begin", "opening", "how did it all begin"),
        ("What is the first chapter about?", "opening", "the first chapter"),
        ("How did Pepys's diary end?", "closing", "How did Pepys's diary end"),
        ("Where was he living when his journal begins?", "opening", "when his journal begins"),
        ("What happens at the end of Pepys’s diary?", "closing", "at the end of Pepys’s diary"),
        ("What is the last word in the dictionary?", "closing", "the last word in the dictionary"),
        (
            "When the diary of Samuel Pepys begins, where does he live?",
            "opening",
            "When the diary of Samuel Pepys begins",
        ),
    ],
)
def test_a_place_in_the_book_is_read_from_the_question(question: str, edge: str, words: str):
    asked = asked_position(question)
    assert asked is not None and asked.edge == edge
    assert question[asked.span[0] : asked.span[1]] == words


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("What does Pepys pray for in the diary's last lines?", "passage"),
        ("What is in the novel's very first line?", "passage"),
        ("Whom does he thank in the last paragraph?", "passage"),
        ("What was the weather in the diary's first entry?", "entry"),
        ("What happens in the last chapter?", "sections"),
        ("What does he see in the last pages?", "sections"),
        ("What does he dream up at the very end?", "sections"),
        ("What did the king say with the last words he spoke?", "sections"),  # the king's
        ("Which book did he read in the first pages he wrote?", "sections"),
        ("What is the last word in the dictionary?", "passage"),
        ("What is the last entry about?", "entry"),
    ],
)
def test_the_unit_of_text_named_narrows_the_edge(question: str, unit: str):
    asked = asked_position(question)
    assert asked is not None and asked.unit == unit


@pytest.mark.parametrize(
    "question",
    [
        "What did Pepys do at the end of the war?",  # the end of something else
        "What did Trotsky write at the end of December 1936?",
        "What did the king say at the close of the session?",
        "When did Pepys make the last entry about the plague?",
        "What are the last words of Pepys?",
        "What are the last lines of A Council of War?",  # of a part: its own edge
        "What is in the first paragraphs of the letter?",
        "Who was the first person to arrive?",
        "Did the tanker reach the port in the end of January?",
        "Who had the last word in the argument?",  # the argument's
        "How did the king's reign end?",  # a reign is no book
        "What is the last chapter about the storm?",  # the chapter that tells of it
    ],
)
def test_an_edge_of_something_else_is_no_place_in_the_book(question: str):
    assert asked_position(question) is None


def test_an_edge_is_whole_sections_past_a_first_short_one():
    # 100 passages of text in 10 sections of 10, after a one-passage dedication, and a
    # colophon that is not the author's text.
    passages = [numbered_passage(0, "Dedication")]
    passages += [numbered_passage(1 + i, f"Chapter {i // 10 + 1}") for i in range(100)]
    passages += [numbered_passage(101, None, role="about")]
    masks = EdgeTable.build(passages).masks
    assert masks["opening"].nonzero()[0].tolist() == list(range(0, 11))  # dedication + ch. 1
    assert masks["closing"].nonzero()[0].tolist() == list(range(81, 101))  # ch. 9 and 10
    assert not masks["closing"][101]


def test_each_document_of_a_corpus_has_its_own_edges():
    passages = [numbered_passage(i, f"Part {i // 2}", source="a.txt") for i in range(6)]
    passages += [numbered_passage(6 + i, f"Letter {i}", source="b.txt") for i in range(4)]
    edges = EdgeTable.build(passages)
    assert edges.masks["closing"].nonzero()[0].tolist() == [2, 3, 4, 5, 8, 9]
    assert edges.masks["opening"].nonzero()[0].tolist() == [0, 1, 2, 3, 6, 7]
    assert edges.notes["closing"] == "Passages from the end of each text come first."
    assert edges.place.tolist() == [0, 1, 2, 3, 4, 5, 0, 1, 2, 3]


def test_the_first_or_last_entry_is_a_dated_entry_and_the_lines_a_passage():
    # An undated opening passage, then three days of two passages each; then notes.
    passages = [numbered_passage(0, "January")]
    days = ["1660-01-01", "1660-01-01", "1660-01-02", "1660-01-02", "1660-01-03", "1660-01-03"]
    passages += [replace(numbered_passage(1 + i, "January"), date=d) for i, d in enumerate(days)]
    passages += [numbered_passage(7, None, role="notes")]
    edges = EdgeTable.build(passages)
    entry, note = edges.edge("closing", "entry")
    assert entry.nonzero()[0].tolist() == [5, 6]
    assert note == "The last entry of the text comes first (January 3, 1660)."
    assert edges.edge("opening", "entry")[0].nonzero()[0].tolist() == [1, 2]  # dated
    lines, note = edges.edge("closing", "passage")
    assert lines.nonzero()[0].tolist() == [6]
    assert note == "The last lines of the text come first (January)."
    assert edges.edge("opening", "passage")[0].nonzero()[0].tolist() == [0]


def test_the_first_lines_reach_past_sections_of_one_passage():
    # A one-passage dedication and a one-passage epigraph before the first chapter.
    passages = [numbered_passage(0, "Dedication"), numbered_passage(1, "Epigraph")]
    passages += [numbered_passage(2 + i, "Chapter 1") for i in range(3)]
    lines, note = EdgeTable.build(passages).edge("opening", "passage")
    assert lines.nonzero()[0].tolist() == [0, 1, 2]
    assert note == "The first lines of the text come first."  # three sections: none named


def test_a_text_without_dates_has_no_entries_to_narrow_to():
    passages = [numbered_passage(i, f"Chapter {i // 10 + 1}") for i in range(100)]
    edges = EdgeTable.build(passages)
    entry, note = edges.edge("closing", "entry")
    assert (entry == edges.masks["closing"]).all() and note == edges.notes["closing"]


BOOK = """One

Tom carried the lantern to the barn and fed the hens.

Two

The hens laid well all spring. The rent was paid on time.

Three

A storm flattened the fences. The neighbours helped to mend them.

Four

The hens stopped laying when the dog chased them.

Five

At last Ann carried the lantern home and the farm was sold.
"""


@pytest.fixture
def book(tmp_path: Path) -> IndexMaintainer:
    service = fake_service(tmp_path, {"book.txt": BOOK})
    service.library()
    return service


def test_a_question_about_the_end_prefers_the_closing_sections(book: IndexMaintainer):
    library = book.library()
    plain = library.ask("Who carried the lantern to the barn?", 2)
    assert plain.hits[0].passage.section == "One"
    closing = library.ask("Who carried the lantern to the barn at the very end?", 2)
    assert closing.hits[0].passage.section == "Five"
    assert closing.notes == ("Passages from the end of the text come first (Four to Five).",)
    assert closing.order == "relevance"  # it asks for something at the end: ranked


def test_a_question_about_the_last_lines_prefers_the_last_passage(book: IndexMaintainer):
    answer = book.library().ask("Who carried the lantern in the book's last lines?", 2)
    assert answer.hits[0].passage.section == "Five"
    assert answer.notes == ("The last lines of the text come first (Five).",)
    assert not answer.abstained  # the book has last lines: they are what was asked for
    assert answer.order == "relevance"
    plain = book.library().ask("Who carried the lantern?", 2)
    assert plain.hits[0].passage.section == "One"


def test_a_filter_that_leaves_out_the_last_lines_leaves_the_edge(book: IndexMaintainer):
    answer = book.library().ask(
        "Who stopped laying in the book's last lines?", 2, Filters(section="Four")
    )
    assert answer.hits[0].passage.section == "Four"
    assert answer.notes == ("Passages from the end of the text come first (Four to Five).",)


def test_asking_for_the_end_itself_reads_the_last_passages_in_order(book: IndexMaintainer):
    answer = book.library().ask("How does the story end?", 2)
    assert [h.passage.section for h in answer.hits] == ["Four", "Five"]
    assert answer.order == "text" and [h.score for h in answer.hits] == [None, None]
    assert not answer.abstained  # it asks for the book's close, which the book has
    opening = book.library().ask("How does the story begin?", 2)
    assert [h.passage.section for h in opening.hits] == ["One", "Two"]
    alone = book.library().ask("How does it end?", 2)  # "it": the book, asked nothing else
    assert [h.passage.section for h in alone.hits] == ["Four", "Five"] and not alone.abstained
    assert asked_position("How does it end for the hens?") is None  # asks more than the end


def test_asking_for_the_end_of_one_of_several_books_reads_that_book(tmp_path: Path):
    sea = "One\n\nThe ship sailed at dawn.\n\nTwo\n\nThe sailors sang of the sea and the ship.\n"
    service = fake_service(tmp_path, {"farm.txt": BOOK, "sea.txt": sea})
    answer = service.library().ask("How does the story of the farm end?", 2)
    assert [h.passage.source for h in answer.hits] == ["farm.txt", "farm.txt"]
    assert [h.passage.section for h in answer.hits] == ["Four", "Five"]
    assert answer.notes == ("Passages from the end of each text come first.",)
