"""Whole books as their makers built them: parts, notes, headers, entries and dates.

Small EPUB and HTML files are made for each structure (``tests.books``); the whole
sample books (``tests/data/books``) are read for their figures; slices of the diary are
indexed (fake embedder, real FAISS and BM25) to answer from.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest

from qabot.chunking import ChunkingConfig, chunk_document
from qabot.dates import day_of
from qabot.library import Library
from qabot.readers import read_source
from qabot.search.query import Filters
from qabot.types import Passage
from tests.books import make_epub, page, slice_of_the_diary
from tests.fakes import FakeEmbedder, fake_service

BOOKS = Path(__file__).resolve().parent / "data" / "books"


def chunked(path: Path) -> list[Passage]:
    source = read_source(path, path.read_bytes())
    count = FakeEmbedder().count_tokens
    return list(chunk_document(source, path.name, count, ChunkingConfig(256, 32)).passages)


def text_of(passages: list[Passage]) -> list[Passage]:
    return [p for p in passages if p.role == "text"]


# ---------------------------------------------------------------------------- structures

DIARY = page(
    '<section id="chapter-1" epub:type="chapter z3998:diary">'
    '<h2 epub:type="title">January 1659–60<a href="endnotes.xhtml#note-1" id="noteref-1" '
    'epub:type="noteref">1</a></h2>'
    '<article id="entry-1" epub:type="z3998:diary-entry"><p><time datetime="1660-01-11">'
    "Jan. 1st (Lord’s day)</time>. This morning I rose and went to Mr. Gunning’s chapel."
    '<a href="endnotes.xhtml#note-2" id="noteref-2" epub:type="noteref">2</a> Dined at home.'
    "</p></article>"
    '<article id="entry-2" epub:type="z3998:diary-entry"><p><time datetime="1660-01-12">2nd'
    "</time>. Old East brought me a dozen bottles of sack.</p></article>"
    '<article id="entry-3" epub:type="z3998:diary-entry"><header><p><b>Coronation Day.</b>'
    '</p></header><p><time datetime="1660-02-02">23rd</time>. About four I rose and got to '
    "the Abbey.</p><p>And so to bed, with great joy.</p></article>"
    '<article id="entry-4" epub:type="z3998:diary-entry"><header><p><time datetime="1660-02-'
    '10">31st</time>. The King’s going from the Tower to Whitehall.</p></header>'
    "<p>Up early and made myself fine, and saw the show from a window.</p></article>"
    "</section>",
    body_type="bodymatter z3998:non-fiction",
)
ENDNOTES = page(
    '<section id="endnotes" epub:type="endnotes"><h2 epub:type="title">Endnotes</h2><ol>'
    '<li id="note-1"><p>The year began on March 25th. <a href="chapter-1.xhtml#noteref-1" '
    'epub:type="backlink">↩</a></p></li>'
    '<li id="note-2"><p>Peter Gunning, master of St. John’s College, November 7, 1660. '
    '<cite>—B.</cite> <a href="chapter-1.xhtml#noteref-2" epub:type="backlink">↩</a></p></li>'
    "</ol></section>",
    body_type="backmatter",
)
INTRODUCTION = page(
    '<section id="introduction" epub:type="introduction"><h2 epub:type="title">Particulars '
    "of the Life</h2><p>Pepys was born on February 23, 1633, and on October 1, 1700 he "
    "wrote his will.</p></section>",
    body_type="frontmatter",
)
COLOPHON = page(
    '<section id="colophon" epub:type="colophon"><header><h2 epub:type="title">Colophon</h2>'
    "</header><p>This ebook was released on <time>August 21, 2019</time>.</p></section>",
    body_type="backmatter",
)


@pytest.fixture
def diary(tmp_path: Path) -> Path:
    return make_epub(
        tmp_path / "diary.epub",
        [
            ("introduction.xhtml", INTRODUCTION),
            ("chapter-1.xhtml", DIARY),
            ("endnotes.xhtml", ENDNOTES),
            ("colophon.xhtml", COLOPHON),
        ],
        title="The Diary",
    )


def test_every_passage_has_its_part_and_only_entries_have_dates(diary: Path):
    passages = chunked(diary)
    roles = {p.role for p in passages}
    assert roles == {"text", "about", "notes", "editorial"}
    editorial = [p for p in passages if p.role == "editorial"]
    assert editorial[0].citation.label == "Introduction"
    assert str(editorial[0].citation).startswith("The Diary — Introduction — Particulars")
    # dates in the introduction, the notes and the colophon are no entries
    assert all(p.date is None for p in passages if p.role != "text")
    dates = [p.date for p in text_of(passages)]
    assert list(dict.fromkeys(dates)) == ["1660-01-01", "1660-01-02", "1660-01-23", "1660-01-31"]
    assert not any(re.search(r"\d\.? Dined|↩|noteref|<", p.text) for p in passages)


def test_dates_as_written_the_machine_date_beside(diary: Path):
    """The written day ("Jan. 1st", dual year "1659–60" → 1660) is the date; the edition's
    <time datetime> (10 days later, New Style) is kept beside, never instead."""
    first = text_of(chunked(diary))[0]
    assert first.date == "1660-01-01" and first.date_machine == "1660-01-11"
    assert str(first.citation).startswith("The Diary — January 1659–60 — January 1, 1660")


def test_headers_are_read_date_lines_titles_and_all(diary: Path):
    texts = {p.date: p.text for p in text_of(chunked(diary))}
    assert texts["1660-01-23"].startswith("Coronation Day.")
    assert texts["1660-01-31"].startswith("31st. The King’s going from the Tower to Whitehall.")


def test_notes_belong_to_the_passage_that_refers_to_them(diary: Path):
    passages = chunked(diary)
    by_id = {p.id: p for p in passages}
    first = text_of(passages)[0]
    (_, note_id), *_ = [n for n in first.notes if n[0] == "2"]
    note = by_id[note_id]
    assert note.role == "notes" and note.note_label == "2" and note.note_of == first.id
    assert str(note.citation) == "The Diary — note 2 — January 1, 1660 [text/endnotes.xhtml#note-2]"
    assert note.text == "Peter Gunning, master of St. John’s College, November 7, 1660. —B."
    # the heading's note belongs to the first passage of its section
    assert "1" in [label for label, _ in first.notes]


def test_the_library_ranks_the_text_and_shows_notes(tmp_path: Path, diary: Path):
    maintainer = fake_service(tmp_path / "p", {})
    (tmp_path / "p" / "corpus" / "diary.epub").write_bytes(diary.read_bytes())
    library = maintainer.library()
    answer = library.ask("Who was Gunning, master of St. John’s College?", 3)
    assert answer.hits[0].passage.role == "text"  # the author's text first
    notes = library.ask("Gunning St. John’s College", 3, Filters(part="notes"))
    assert {h.passage.role for h in notes.hits} == {"notes"}
    asked = library.ask("What does the note say about Gunning of St. John’s College?", 3)
    assert asked.hits[0].passage.role == "notes"  # the question asks for a note
    everything = library.ask("Gunning St. John’s College", 5, Filters(part="all"))
    assert everything.hits[0].passage.role == "notes"  # ranked alike: the note says most
    window = library.show(answer.hits[0].passage.id)
    assert [n.label for n in window.passages[0].notes] == ["1", "2"]
    assert window.passages[0].notes[1].passage.text.startswith("Peter Gunning")
    assert library.entry("1660-01-23").passages[0].passage.text.startswith("Coronation Day.")
    assert [e.date for e in library.timeline()[0].entries] == [
        "1660-01-01",
        "1660-01-02",
        "1660-01-23",
        "1660-01-31",
    ]


def test_who_someone_was_is_answered_where_the_text_first_names_them(tmp_path: Path, diary: Path):
    """ "Who was Gunning?": the entry that first names him and the note it refers to
    that names him too (an annotated edition identifies a person at the first mention),
    ranked together, the note not after the text (it says who he was as the text does),
    before the other entries; the answer does not abstain."""
    maintainer = fake_service(tmp_path / "p", {})
    (tmp_path / "p" / "corpus" / "diary.epub").write_bytes(diary.read_bytes())
    answer = maintainer.library().ask("Who was Gunning?", 3)
    first_two = {hit.passage.role: hit.passage.text for hit in answer.hits[:2]}
    assert "Mr. Gunning’s chapel" in first_two["text"]
    assert first_two["notes"].startswith("Peter Gunning, master")
    assert not answer.abstained


def annotated(tmp_path: Path, chapter: str, endnotes: str) -> Library:
    """The library of a one-chapter EPUB diary with its endnotes (fake embedder)."""
    book = make_epub(
        tmp_path / "annotated.epub",
        [("chapter-1.xhtml", chapter), ("endnotes.xhtml", endnotes)],
        title="The Diary",
    )
    maintainer = fake_service(tmp_path / "p", {})
    (tmp_path / "p" / "corpus" / "annotated.epub").write_bytes(book.read_bytes())
    return maintainer.library()


def _entry(day: int, text: str) -> str:
    return (
        f'<article id="entry-{day}" epub:type="z3998:diary-entry"><p><time datetime="1660-03-'
        f'{day:02}">{day}th</time>. {text}</p></article>'
    )


GLOSSED_LATER = page(
    '<section id="chapter-1" epub:type="chapter z3998:diary"><h2 epub:type="title">March '
    "1660</h2>"
    + _entry(3, "A letter from my uncle, inviting my father to Brampton.")
    + _entry(5, "Dined with Mr. Moore, and talked of the fleet and the Parliament.")
    + _entry(
        7,
        "My father set out for Brampton"
        '<a href="endnotes.xhtml#note-1" id="noteref-1" epub:type="noteref">1</a>, and my '
        'wife with him<a href="endnotes.xhtml#note-2" id="noteref-2" epub:type="noteref">2</a>.',
    )
    + _entry(9, "Letters from Brampton: all well at Brampton, and the Brampton house mended.")
    + "</section>",
    body_type="bodymatter z3998:non-fiction",
)
GLOSSES = page(
    '<section id="endnotes" epub:type="endnotes"><h2 epub:type="title">Endnotes</h2><ol>'
    '<li id="note-1"><p>Brampton, in Huntingdonshire, where his father afterwards retired. '
    '<a href="chapter-1.xhtml#noteref-1" epub:type="backlink">↩</a></p></li>'
    '<li id="note-2"><p>Brampton’s church registers do not begin until 1654. '
    '<a href="chapter-1.xhtml#noteref-2" epub:type="backlink">↩</a></p></li>'
    "</ol></section>",
    body_type="backmatter",
)


def test_a_note_glossing_a_name_is_preferred_wherever_it_is_referred_to(tmp_path: Path):
    """An editor glosses a name at a mention that is not always the first: "Where is
    Brampton?" prefers the note that opens with the name ("Brampton, in
    Huntingdonshire, …"), hung on its second mention, beside the first mention, and
    ranks it with the text, not after it (here first: it says where); a note opening
    with the name's possessive is about something else."""
    answer = annotated(tmp_path, GLOSSED_LATER, GLOSSES).ask("Where is Brampton?", 3)
    first_two = [hit.passage.text for hit in answer.hits[:2]]
    assert first_two[0].startswith("Brampton, in Huntingdonshire"), first_two
    assert first_two[1].startswith("3th. A letter from my uncle"), first_two
    assert not answer.abstained
    from qabot.search.introduction import opens_with, written

    name = [written("Brampton")]
    assert opens_with(name, "“Brampton in Huntingdonshire,” says the register.")
    assert not opens_with(name, "Brampton’s church registers do not begin until 1654.")
    assert not opens_with(name, "His father retired to Brampton.")


NAMES_EXPLAINED = page(
    '<section id="chapter-1" epub:type="chapter z3998:diary"><h2 epub:type="title">March '
    "1660</h2>"
    + _entry(
        3,
        "To the play, and there saw the old Roxalana in the chief box"
        '<a href="endnotes.xhtml#note-1" id="noteref-1" epub:type="noteref">1</a>.',
    )
    + _entry(5, "Roxalana again, and Roxalana fine; all the talk of Roxalana and her gown.")
    + _entry(
        7,
        "By water to Foxhall"
        '<a href="endnotes.xhtml#note-2" id="noteref-2" epub:type="noteref">2</a>, and walked.',
    )
    + "</section>",
    body_type="bodymatter z3998:non-fiction",
)
EXPLAINING_NOTES = page(
    '<section id="endnotes" epub:type="endnotes"><h2 epub:type="title">Endnotes</h2><ol>'
    '<li id="note-1"><p>This actress, so called from the character she played in the '
    'Siege of Rhodes, was Frances Davenport. <a href="chapter-1.xhtml#noteref-1" '
    'epub:type="backlink">↩</a></p></li>'
    '<li id="note-2"><p>Foxhall, or Vauxhall, a manor in Surrey, properly Fulke’s. Hall, '
    "and so called from Fulke de Breaute, a follower of King John. "
    '<a href="chapter-1.xhtml#noteref-2" epub:type="backlink">↩</a></p></li>'
    "</ol></section>",
    body_type="backmatter",
)


def test_a_note_on_a_name_that_says_so_called_explains_it(tmp_path: Path):
    """A note is about one thing: its "so called" explains the name it hangs on even when
    it does not write the name ("This actress, so called from …", on "the old
    Roxalana"), or writes it a sentence away ("… Vauxhall, … properly Fulke's. Hall, and
    so called from Fulke de Breaute")."""
    library = annotated(tmp_path, NAMES_EXPLAINED, EXPLAINING_NOTES)
    for question, note in (
        ("Why was Roxalana so called?", "This actress, so called"),
        ("After whom is Vauxhall named?", "Foxhall, or Vauxhall"),
    ):
        answer = library.ask(question, 3)
        first_two = [hit.passage.text for hit in answer.hits[:2]]
        assert any(text.startswith(note) for text in first_two), (question, first_two)
        assert not answer.abstained, question


GLOSSARY = page(
    '<section id="m" epub:type="chapter"><h2 epub:type="title">M</h2><dl>'
    "<dt>Love</dt><dd><p>A temporary insanity curable by marriage.</p></dd>"
    "<dt>Marriage</dt><dd><p>A household of a master, a mistress and two slaves.</p></dd>"
    "<dt>Mistress</dt><dd><p>One who rules, as in a marriage of two.</p></dd>"
    "<dt>Monday</dt><dd><p>In Christian countries, the day after the baseball game.</p></dd>"
    "</dl><p>Marriage, love and Monday are treated at length in the appendix.</p></section>",
    body_type="bodymatter",
)


@pytest.mark.parametrize(
    "question",
    ["What is marriage?", "Define marriage.", "How does the author define marriage?",
     "What does 'marriage' mean?", "What is marriage, according to the author?",
     "Define: marriage", "meaning of marriage", "marriage definition", "Marriage?",
     "marriage", "What does the author say about marriage?", "Tell me about marriage",
     "Explain marriage.", "Look up marriage"],
)  # fmt: skip
def test_what_a_word_means_is_answered_by_its_definition(tmp_path: Path, question: str):
    """A definition list's term and definition are one paragraph, "Marriage — A
    household …"; a question that asks only what the word means prefers it to the
    passages that merely use the word, and does not abstain."""
    maintainer = fake_service(tmp_path / "p", {})
    book = make_epub(tmp_path / "glossary.epub", [("m.xhtml", GLOSSARY)], title="Glossary")
    (tmp_path / "p" / "corpus" / "glossary.epub").write_bytes(book.read_bytes())
    library = maintainer.library()
    explained = library.explain(library.query(question, 3))
    assert explained.answer.hits[0].passage.text.startswith("Marriage — A household"), question
    assert explained.retrieval.scope is not None
    assert (explained.retrieval.scope.defined or "").lower() == "marriage"
    assert not explained.answer.abstained
    assert (
        explained.evidence.exempt == "asks what a word the text defines means: its definition says"
    )
    # Neither a question asking something else, nor a word the text only uses, nor one it
    # does not have, is read this way: they are ranked as any question.
    for other in (
        "Who rules in a marriage of two?",
        "What is a game?",
        "What is a sonnet?",
        "rules of marriage",  # more than the word: ranked
        "game",  # a word alone the text only uses
    ):
        scope = library.explain(library.query(other, 3)).retrieval.scope
        assert scope is not None and scope.defined is None, other


def test_the_word_asked_about_is_a_word_not_a_question():
    """The term of "How is patience defined?" is "patience"; "Where is Axminster?",
    "Whose dog is Bob?" and "What is the book about?" are questions of their own, not
    words looked up."""
    from qabot.search.definitions import asked_term

    assert asked_term("How is patience defined?") == "patience"
    assert asked_term("patience defined") == "patience"
    assert asked_term("What did Pepys think of potatoes?") == "potatoes"
    for question in ("Where is Axminster?", "Whose dog is Bob?", "How do volcanoes form?",
                     "What is the book about?", "What was his life like?"):  # fmt: skip
        assert asked_term(question) is None, question


NOVEL = [
    (
        "chapter-1.xhtml",
        page(
            '<section id="chapter-1" epub:type="chapter"><hgroup><h2><span epub:type="label">'
            'Chapter</span> <span epub:type="ordinal z3998:roman">I</span></h2>'
            '<p epub:type="title">Jonathan Harker’s Journal</p></hgroup>'
            '<p><time datetime="05-03">3 May</time>. Bistritz.—Left Munich at 8:35 P.M.</p>'
            "<p>The impression I had was that we were leaving the West.</p>"
            '<p><time datetime="05-04">4 May</time>.—I found that my landlord had a letter.</p>'
            "<p><i>5 May. The Castle.</i>—The gray of the morning has passed.</p>"
            "<p>“We shall meet on Friday, June 19th,” said the Count.</p>"
            '<blockquote epub:type="z3998:letter"><header><p epub:type="se:letter.dateline">'
            '<time datetime="05-09">9 May</time>.</p></header><p>My dearest Lucy, forgive '
            "my long delay.</p></blockquote>"
            "<p><time>7 May</time>.—It is again early morning.</p></section>",
            body_type="bodymatter z3998:fiction",
        ),
    )
]


def test_a_diary_whose_year_is_never_given_keeps_its_days_without_one(tmp_path: Path):
    book = make_epub(tmp_path / "novel.epub", NOVEL, title="Dracula", date="2014-01-01")
    passages = text_of(chunked(book))
    assert {p.section for p in passages} == {"Chapter I — Jonathan Harker’s Journal"}
    dates = [p.date for p in passages]
    assert "--05-03" in dates and "--05-05" in dates and "--05-09" in dates
    assert all(d is None or d.startswith("--") for d in dates)  # no year invented
    first = passages[0]
    assert str(first.citation).startswith("Dracula — Chapter I — Jonathan Harker’s Journal — 3 May")
    maintainer = fake_service(tmp_path / "p", {})
    (tmp_path / "p" / "corpus" / "novel.epub").write_bytes(book.read_bytes())
    library = maintainer.library()
    answer = library.ask("What did Jonathan write on 5 May?", 2)
    assert answer.hits[0].passage.date == "--05-05"  # the entry of that day first
    assert library.entry("5 May").dates == ("--05-05",)
    assert library.entry("05-04").passages[0].passage.text.startswith("4 May")
    assert library.timeline()[0].entries[0].date == "--05-03"


STORIES = page(
    '<article id="a-scandal" epub:type="se:short-story"><h2 epub:type="title">A Scandal in '
    'Bohemia</h2><section id="a-scandal-1" epub:type="z3998:subchapter"><h3 epub:type="z3998:'
    'roman">I</h3><p>To Sherlock Holmes she is always the woman.</p><p>“It was on Friday, '
    "June 19th, that I married,” said he.</p><p>Friday, June 19th. That is what the note said."
    '</p></section><section id="a-scandal-2" epub:type="z3998:subchapter"><h3 epub:type="'
    'z3998:roman">II</h3><p>At three o’clock precisely I was at Baker Street.</p></section>'
    '</article><article id="league" epub:type="se:short-story"><h2 epub:type="title">The '
    'Red-Headed League</h2><p>I had called upon my friend.</p><p><time datetime="1890-10-09">'
    "October 9, 1890</time>. The Red-headed League is dissolved.</p></article>",
    body_type="bodymatter z3998:fiction",
)


def test_a_book_that_is_no_diary_gets_no_entry_dates(tmp_path: Path):
    book = make_epub(tmp_path / "stories.epub", [("stories.xhtml", STORIES)])
    passages = text_of(chunked(book))
    assert {p.date for p in passages} == {None}
    sections = [p.section for p in passages]
    assert sections[0] == "A Scandal in Bohemia — I"
    assert "A Scandal in Bohemia — II" in sections and "The Red-Headed League" in sections


def test_html_roles_and_landmarks_and_auxiliary_pages(tmp_path: Path):
    """DPUB-ARIA roles in HTML; landmarks and linear="no" in an EPUB give undeclared
    pages their part."""
    html = tmp_path / "page.html"
    html.write_text(
        "<html><body><header>Site</header><main><h1>Letters</h1><p>I wrote to her"
        '<a href="#fn1" role="doc-noteref">1</a> at once.</p></main>'
        '<section role="doc-endnotes"><ol><li id="fn1"><p>His sister Paulina.</p></li></ol>'
        '</section><section role="doc-afterword"><h2>Afterword</h2><p>Written later.</p>'
        "</section></body></html>"
    )
    roles = {p.text: (p.role, p.note_label) for p in chunked(html)}
    assert roles["I wrote to her at once."] == ("text", None)
    assert roles["His sister Paulina."] == ("notes", "1")
    assert roles["Written later."][0] == "editorial"
    book = make_epub(
        tmp_path / "book.epub",
        [
            ("one.xhtml", page("<p>The story itself, told plainly.</p>")),
            ("extra.xhtml", page("<p>A note on the text, kept aside.</p>")),
            ("after.xhtml", page("<p>What the editor thought of it.</p>")),
        ],
        linear_no=["extra.xhtml"],
        landmarks={"after.xhtml": "backmatter afterword"},
    )
    assert [p.role for p in chunked(book) if p.role != "about"] == ["text", "notes", "editorial"]


VERSE = page(
    "<section><h2>Abdication<br/> and after</h2><p>Abdication — An act of a sovereign.</p>"
    '<blockquote epub:type="z3998:poem"><p><span>Poor Isabella’s Dead, whose abdication'
    '</span><br/>\n  <span class="i1">Set all tongues wagging in the Spanish nation.</span>'
    "<br/> <br/><span>She wisely left a throne too hot to hold her.</span><br/></p>"
    "</blockquote><p>Your servant,<br/>G. J.</p></section>",
    title="Abdication",
)


def test_verse_is_quoted_line_by_line(tmp_path: Path):
    """A line the page breaks inside a paragraph (``<br>``: verse, a letter's close) is a
    newline of the quote, shown as a line in the terminal and as " / " in Discord; it is
    a space to everything that reads the words (sentences, the model, the title)."""
    from qabot.formatting.discord import discord_quote
    from qabot.formatting.terminal import render_answer
    from qabot.text.sentences import split_sentences

    book = make_epub(tmp_path / "verse.epub", [("a.xhtml", VERSE)])
    (passage,) = text_of(chunked(book))
    poem = (
        "Poor Isabella’s Dead, whose abdication\nSet all tongues wagging in the Spanish "
        "nation.\nShe wisely left a throne too hot to hold her."
    )
    assert passage.text == (
        f"Abdication — An act of a sovereign.\n\n{poem}\n\nYour servant,\nG. J."
    )
    assert passage.section == "Abdication and after"
    assert "\n" not in passage.embed_text
    couplet = poem.split("\nShe")[0].replace("\n", " ")  # a sentence over two lines
    assert couplet in split_sentences(passage.text)

    maintainer = fake_service(tmp_path / "p", {})
    (tmp_path / "p" / "corpus" / "verse.epub").write_bytes(book.read_bytes())
    answer = maintainer.library().ask("whose abdication set all tongues wagging?", 1)
    (hit,) = answer.hits
    assert hit.highlight == couplet
    shown = render_answer(answer, width=60)
    assert (
        "    **Poor Isabella’s Dead, whose abdication\n"
        "    Set all tongues wagging in the Spanish nation.**\n"
        "    She wisely left a throne too hot to hold her.\n"
    ) in shown
    assert discord_quote(passage.text, couplet, 1024) == (
        "Abdication — An act of a sovereign. **Poor Isabella’s Dead, whose abdication / "
        "Set all tongues wagging in the Spanish nation.** / She wisely left a throne too "
        "hot to hold her. Your servant, / G. J."
    )


PLAY = page(
    '<section id="act-1" epub:type="chapter z3998:scene"><h2>Act I</h2>'
    '<p epub:type="z3998:stage-direction">Elsinore. A platform before the Castle.</p>'
    '<table><tbody><tr><td epub:type="z3998:persona">Bernardo</td><td>Who’s there?</td></tr>'
    '<tr><td epub:type="z3998:persona">Francisco</td><td><p>For this relief much thanks:'
    " ’tis bitter cold,</p><p>And I am sick at heart.</p></td></tr>"
    '<tr><td/><td><i epub:type="z3998:stage-direction">Exit.</i></td></tr></tbody></table>'
    "</section>",
    title="Act I",
)


def test_words_are_read_as_the_page_shows_them(tmp_path: Path):
    """Markup inside a word adds no space (a drop cap, an italic name before its
    possessive, an abbreviation of shillings); an apostrophe that opens a word keeps the
    space before it ("the ’Change", "’tis"); a line break is kept as a line."""
    html = tmp_path / "page.html"
    html.write_text(
        "<html><body><p><span class='dropcap'>T</span>he <i>Ruth</i>’s captain paid 20"
        "<abbr>s.</abbr> at the ’Change, and ’tis said<br/>he wept <i>“loudly”</i>.</p>"
        "</body></html>"
    )
    (passage,) = chunked(html)
    assert passage.text == (
        "The Ruth’s captain paid 20s. at the ’Change, and ’tis said\nhe wept “loudly”."
    )
    deep = "<span>" * 5000 + "Nested past Python's recursion limit." + "</span>" * 5000
    html.write_text(f"<html><body><p>{deep}</p></body></html>")
    assert [p.text for p in chunked(html)] == ["Nested past Python's recursion limit."]


def test_a_play_reads_each_speech_as_one_paragraph_with_its_speaker(tmp_path: Path):
    """A table row of cells that hold text (a speaker and the speech) is one paragraph;
    a page laid out in a table (a heading and paragraphs in one cell) is read block by
    block; a page titled as its first heading is cited once."""
    book = make_epub(tmp_path / "hamlet.epub", [("act-1.xhtml", PLAY)], title="Hamlet")
    (passage,) = text_of(chunked(book))
    assert passage.text.split("\n\n") == [
        "Elsinore. A platform before the Castle.",
        "Bernardo Who’s there?",
        "Francisco For this relief much thanks: ’tis bitter cold, And I am sick at heart.",
        "Exit.",
    ]
    assert str(passage.citation).startswith("Hamlet — Act I — ¶¶ 1–4")
    layout = tmp_path / "act-1.xhtml"
    layout_cell = "<td><h3>Scene I</h3><p>Enter Bernardo.</p></td>"
    layout.write_text(PLAY.replace("<tr><td epub", f"<tr>{layout_cell}<td epub", 1))
    passages = chunked(layout)
    assert [p.section for p in passages] == ["Act I", "Act I — Scene I"]
    assert [str(p.citation).split(" [")[0] for p in passages] == [
        "Act I — ¶ 1",
        "Act I — Scene I — ¶¶ 2–6",
    ]
    assert passages[1].text.startswith("Enter Bernardo.\n\nBernardo\n\nWho’s there?")


# ---------------------------------------------------------------------------- the samples


def _entry_figures(passages: list[Passage]) -> dict[str, float]:
    text = text_of(passages)
    with_machine = [p for p in text if p.date and p.date_machine]
    right = [
        p
        for p in with_machine
        if (dt.date.fromisoformat(p.date_machine or "") - day_of(p.date or "")).days == 10
    ]
    entries: list[str] = []
    for passage in text:
        if passage.date and (not entries or entries[-1] != passage.date):
            entries.append(passage.date)
    steps = [day_of(b) > day_of(a) for a, b in itertools.pairwise(entries)]
    return {
        "dated": sum(1 for p in text if p.date) / len(text),
        "right": len(right) / len(with_machine),
        "outside": sum(1 for p in passages if p.role != "text" and p.date) / len(passages),
        "distinct": len({p.date for p in text if p.date}),
        "entries": len(entries),
        "in_order": sum(steps) / len(steps),
    }


@pytest.mark.e2e
def test_the_whole_diary_is_dated_as_pepys_wrote_it():
    """The targets: ≥ 99 % of passages in entries carry the written date (checked against
    the edition's machine dates, 10 days later), ≤ 1 % outside carry one, ≥ 3,300
    distinct dates, the timeline in order; the apparatus told apart."""
    passages = chunked(BOOKS / "pepys-the-diary.epub")
    figures = _entry_figures(passages)
    print(figures)
    assert figures["dated"] >= 0.99 and figures["right"] >= 0.99
    assert figures["outside"] <= 0.01
    assert figures["distinct"] >= 3300 and figures["entries"] == 3413
    assert figures["in_order"] >= 0.99
    roles = {role: sum(p.role == role for p in passages) for role in ("notes", "editorial")}
    assert roles["notes"] > 4000 and roles["editorial"] > 100
    fire = [p for p in passages if p.date == "1666-09-02"]
    assert fire and "fire" in fire[0].text.lower()
    assert not any(re.search(r"<[a-z/]|↩", p.text) for p in passages)


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["love-among-the-chickens.epub", "the-devils-dictionary.epub"])
def test_books_that_are_no_diary_have_no_entries(name: str):
    passages = chunked(BOOKS / name)
    assert sum(1 for p in passages if p.date) <= 0.01 * len(passages)
    assert not any(re.search(r"<[a-z/]|↩", p.text) for p in passages)
    if name.startswith("the-devils"):
        abacot = next(p for p in passages if "Abacot" in p.text)
        assert abacot.text.startswith("Abacot — A cap of state")  # the term with its definition


@pytest.mark.e2e
def test_a_slice_of_the_diary_answers_from_its_text_and_reads_by_the_day(tmp_path: Path):
    book = slice_of_the_diary(BOOKS / "pepys-the-diary.epub", tmp_path / "slice.epub", [40, 81])
    maintainer = fake_service(tmp_path / "p", {})
    (tmp_path / "p" / "corpus" / "diary.epub").write_bytes(book.read_bytes())
    library = maintainer.library()
    fire = library.entry("1666-09-02")
    assert fire.exact and fire.passages[0].passage.text.startswith("2nd (Lord’s day)")
    assert "fire" in fire.passages[0].passage.text.lower()
    answer = library.ask("Who was Pembleton, who taught my wife to dance?", 3)
    assert answer.hits[0].passage.role == "text"
    notes = library.ask("Pembleton the dancing-master", 2, Filters(part="notes"))
    assert notes.hits[0].passage.citation.label == f"note {notes.hits[0].passage.note_label}"
