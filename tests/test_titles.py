"""A part of the corpus named by its title: which titles count, and the ranking."""

from __future__ import annotations

from pathlib import Path

from qabot.search.titles import TitleTable, title_words
from qabot.types import Role
from tests.fakes import fake_service, numbered_passage


def _passage(row: int, section: str | None, title: str = "Stories", role: Role = "text"):
    return numbered_passage(row, section, role, f"{title}.txt", title)


def _rows(table: TitleTable, question: str) -> list[int] | None:
    part = table.named(question)
    return None if part is None else part.mask.nonzero()[0].tolist()


def test_a_title_counts_with_two_content_words_and_its_words_in_order():
    passages = [
        _passage(0, "A Scandal in Bohemia — I"),
        _passage(1, "A Scandal in Bohemia — II"),
        _passage(2, "The Red-Headed League"),
        _passage(3, "In Mexico"),  # one content word: too little to tell from the question
        _passage(4, "B"),
        _passage(5, "The Red-Headed League Again", role="about"),  # not a part of the text
    ]
    table = TitleTable.build(passages)
    assert _rows(table, "In “A Scandal in Bohemia”, who is the woman?") == [0, 1]
    assert _rows(table, "What did the red-headed league pay?") == [2]
    assert _rows(table, "What did Trotsky see in Mexico?") is None
    assert _rows(table, "Who wrote B?") is None
    assert _rows(table, "What league was red-headed?") is None  # not in order
    assert title_words("The Red-Headed League") == ("red", "headed", "league")


def test_the_longest_title_wins_and_a_book_is_named_only_among_several():
    passages = [
        _passage(0, "The Great Fire", title="London Diary"),
        _passage(1, "The Great Fire of London", title="London Diary"),
        _passage(2, "The Plague Year", title="Another Chronicle"),
    ]
    table = TitleTable.build(passages)
    assert _rows(table, "What burned in the Great Fire of London?") == [1]
    assert _rows(table, "What burned in the great fire?") == [0]
    assert _rows(table, "What does the London Diary say of ships?") == [0, 1]
    alone = TitleTable.build(passages[:2])  # one book: its title names everything
    assert _rows(alone, "What does the London Diary say of ships?") is None


STORIES = """# The Lantern Keeper

Tom carried the lantern to the barn and fed the hens. The rent was paid on time.

# The Storm at Sea

Tom carried the lantern to the boat when the storm broke. The hens were left behind.
"""


def test_a_question_naming_a_story_gets_that_story_first(tmp_path: Path):
    library = fake_service(tmp_path, {"stories.md": STORIES}).library()
    plain = library.ask("Who carried the lantern to the barn?", 2)
    assert plain.hits[0].passage.section == "The Lantern Keeper" and not plain.notes
    named = library.ask("In The Storm at Sea, who carried the lantern to the barn?", 2)
    assert [h.passage.section for h in named.hits] == ["The Storm at Sea", "The Lantern Keeper"]
    assert named.notes == ()  # the citations name the part
    assert named.order == "relevance"


def test_a_question_asking_only_for_a_part_reads_it_from_its_opening(tmp_path: Path):
    """A question that names the part and asks nothing else: its passages in the
    text's own order, from its opening, without abstaining (as "How does it end?")."""
    opening = "The sea was calm when the boat left the harbour at dawn. " * 12
    middle = "Gulls followed the boat for an hour, and the nets came up empty. " * 12
    storm = "The storm broke at sea; the storm at sea tore the sail in two. " * 12
    text = f"{STORIES}\n{opening}\n\n{middle}\n\n{storm}\n"
    library = fake_service(tmp_path, {"stories.md": text}).library()
    table = TitleTable.build(library.passages())
    question = "What happens in The Storm at Sea?"
    part = table.named(question)
    assert part is not None and question[slice(*part.span)] == "The Storm at Sea"
    answer = library.ask(question, 3)
    assert answer.order == "part" and not answer.abstained
    assert [h.passage.section for h in answer.hits] == ["The Storm at Sea"] * 3
    starts = [h.passage.start for h in answer.hits]
    assert starts == sorted(starts) and answer.hits[0].passage.text.startswith("Tom carried")
    asked = library.ask("In The Storm at Sea, what tore the sail?", 3)
    assert asked.order == "relevance"  # it asks for something in the part


def test_a_question_asking_how_a_part_ends_reads_it_from_its_end(tmp_path: Path):
    """A question that asks how a part ends gets the part's last passages, in the text's
    own order, as "How does the story end?" gets the book's."""
    opening = "The sea was calm when the boat left the harbour at dawn. " * 12
    middle = "Gulls followed the boat for an hour, and the nets came up empty. " * 12
    ending = "At last the boat came home, and Tom hung the lantern by the door. " * 12
    text = f"{STORIES}\n{opening}\n\n{middle}\n\n{ending}\n"
    library = fake_service(tmp_path, {"stories.md": text}).library()
    for question in (
        "What are the last lines of The Storm at Sea?",
        "What is the last paragraph of The Storm at Sea?",
        "What is on the final page of The Storm at Sea?",
    ):
        answer = library.ask(question, 2)
        assert answer.order == "part_end" and not answer.abstained, question
        assert [h.passage.section for h in answer.hits] == ["The Storm at Sea"] * 2
        starts = [h.passage.start for h in answer.hits]
        assert starts == sorted(starts) and answer.hits[-1].passage.text.startswith("At last")
    opening_words = library.ask("What are the first words of The Storm at Sea?", 2)
    assert opening_words.order == "part"
    assert opening_words.hits[0].passage.text.startswith("Tom carried the lantern to the boat")
    asked = library.ask("In the last lines of The Storm at Sea, where is the lantern hung?", 2)
    assert asked.order == "relevance"  # it asks for something at the part's end
    event = library.ask("How did The Storm at Sea end?", 2)  # a title may name an event
    assert event.order == "relevance"


def test_a_question_asking_how_a_chapter_ends_reads_it_from_its_end(tmp_path: Path):
    library = fake_service(tmp_path, {"tale.txt": NUMBERED}).library()
    answer = library.ask("How does chapter 2 end?", 1)
    assert answer.order == "part_end" and not answer.abstained
    assert answer.hits[0].passage.text.startswith("The king gave her a golden ring")
    opening = library.ask("How does chapter two begin?", 1)
    assert opening.order == "part"
    assert opening.hits[0].passage.text.startswith("The miller's daughter")


def test_a_numbered_division_is_named_by_its_number_in_figures_numerals_or_words():
    from qabot.text.numbering import number_value

    assert [number_value(t) for t in ("14", "XIV", "xiv", "fourteen", "second", "IIII")] == [
        14,
        14,
        14,
        14,
        2,
        None,
    ]
    novel = [
        _passage(0, "Dedication", "Novel"),
        _passage(1, "I — A Letter with a Postscript", "Novel"),
        _passage(2, "XIV — A Council of War", "Novel"),
        _passage(3, "XIV — A Council of War", "Novel"),
    ]
    table = TitleTable.build(novel)
    for question in ("What happens in chapter 14?", "In Chapter XIV, who pays?", "part xiv"):
        assert _rows(table, question) == [2, 3], question
    assert _rows(table, "In chapter one, who writes?") == [1]
    assert _rows(table, "In Book I, who writes?") == [1]  # a bare number is any division
    assert _rows(table, "What is the book I liked?") is None  # the pronoun
    assert _rows(table, "What happens in chapter 15?") is None
    named = [_passage(0, "Chapter 12: The Storm", "Tale"), _passage(1, "Part II", "Tale")]
    assert _rows(TitleTable.build(named), "How does chapter twelve end?") == [0]
    assert _rows(TitleTable.build(named), "What happens in part 2?") == [1]
    # A dictionary's letters are no chapters: "C", "D", "I" read as numbers only among numbers.
    letters = [_passage(n, letter, "Dictionary") for n, letter in enumerate("ABCDI")]
    assert _rows(TitleTable.build(letters), "What is in chapter 1?") is None


NUMBERED = """A Plain Tale

CHAPTER I.

The miller ground the corn at dawn and sold the flour at the market in town.

CHAPTER II.

The miller's daughter rode to the castle and spoke with the king about the mill.

The king gave her a golden ring and a letter for the miller.
"""


def test_a_question_about_a_chapter_by_its_number_reads_that_chapter(tmp_path: Path):
    library = fake_service(tmp_path, {"tale.txt": NUMBERED}).library()
    answer = library.ask("What happens in chapter 2?", 2)
    assert answer.order == "part" and not answer.abstained
    assert [h.passage.section for h in answer.hits] == ["CHAPTER II"] * len(answer.hits)
    assert answer.hits[0].passage.text.startswith("The miller's daughter")
    asked = library.ask("In chapter one, what did the miller sell?", 2)
    assert asked.hits[0].passage.section == "CHAPTER I" and asked.order == "relevance"


def test_a_question_asking_what_a_chapter_is_called_reads_that_chapter(tmp_path: Path):
    """ "What is chapter 2 called?": the chapter from its opening, whose citation names
    it, without abstaining; "Who is named in chapter 2?" still asks for a person."""
    library = fake_service(tmp_path, {"tale.txt": NUMBERED}).library()
    for question in ("What is chapter 2 called?", "What's the title of chapter two?"):
        answer = library.ask(question, 2)
        assert answer.order == "part" and not answer.abstained, question
        assert answer.hits[0].passage.section == "CHAPTER II", question
        assert answer.hits[0].passage.text.startswith("The miller's daughter"), question
    assert library.ask("Who is named in chapter 2?", 2).order == "relevance"


def test_the_first_or_last_chapter_of_a_numbered_book_is_its_lowest_or_highest(
    tmp_path: Path,
):
    """ "What happens in the first chapter?" of a novel whose chapters are numbered reads
    chapter I (the edge would begin with its dedication); "the last chapter", the last."""
    dedicated = NUMBERED.replace(
        "CHAPTER I.", "Dedication\n\nTo my brother, who milled.\n\nCHAPTER I."
    )
    library = fake_service(tmp_path, {"tale.txt": dedicated}).library()
    first = library.ask("What happens in the first chapter?", 2)
    assert first.order == "part" and not first.abstained
    assert first.hits[0].passage.section == "CHAPTER I"  # not the dedication
    last = library.ask("What is the last chapter about?", 2)
    assert last.order == "part" and last.hits[0].passage.section == "CHAPTER II"
    asked = library.ask("In the first chapter, what did the miller sell?", 2)
    assert asked.order == "relevance" and asked.hits[0].passage.section == "CHAPTER I"
