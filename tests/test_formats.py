"""Texts beyond the journal: Pepys's Diary (Standard Ebooks, public domain) as XHTML, as
an EPUB, and as a user's Markdown (html2text) and plain-text conversions."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qabot.chunking import ChunkingConfig, chunk_document, strip_markdown
from qabot.corpus import discover
from qabot.dates import leading_date, mentioned_dates
from qabot.maintainer import IndexMaintainer
from qabot.readers import read_source
from qabot.settings import load_settings
from tests.fakes import FakeEmbedder

SAMPLES = Path(__file__).resolve().parent / "data" / "pepys"  # public domain; see its README
CHAPTERS = ("pepys-diary-chapter-4.xhtml", "pepys-diary-chapter-7.xhtml")
BOOK = "pepys-diary-april-july-1660.epub"
EXPECTED = {
    (dt.date(1660, month, 1) + dt.timedelta(days=day)).isoformat()
    for month, days in ((4, 30), (7, 31))
    for day in range(days)
}
GLUED_NUMBER = re.compile(r"[A-Za-z][.,;:’”)]?\d{1,3}\b")  # "Hide Park.389"


class _Dump(HTMLParser):
    """What a user gets from Python's html.parser: the text, blank lines between blocks."""

    BLOCKS = frozenset({"p", "h1", "h2", "h3", "section", "article", "title", "blockquote"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.hidden += tag in ("head", "style", "script")
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("head", "style", "script")
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def converted(folder: Path, form: str) -> Path:
    """The two chapters in one form, in ``folder``/corpus (as a user would make them)."""
    import html2text

    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    if form == "epub":
        shutil.copy(SAMPLES / BOOK, corpus)
        return corpus
    for name in CHAPTERS:
        markup = (SAMPLES / name).read_text(encoding="utf-8")
        target = corpus / name
        if form == "xhtml":
            target.write_text(markup, encoding="utf-8")
        elif form == "md":
            target.with_suffix(".md").write_text(html2text.HTML2Text().handle(markup))
        else:
            dump = _Dump()
            dump.feed(markup)
            text = re.sub(r"\n\s*\n\s*", "\n\n", "".join(dump.parts)).strip() + "\n"
            target.with_suffix(".txt").write_text(text, encoding="utf-8")
    return corpus


def chunked(corpus: Path):
    embedder = FakeEmbedder()
    return [
        chunk_document(
            read_source(f.path, f.path.read_bytes()),
            f.source,
            embedder.count_tokens,
            ChunkingConfig(256, 32),
        )
        for f in discover(corpus)
    ]


def chunked_file(root: Path, name: str, text: str):
    """One file, alone in a corpus, chunked."""
    (root / "corpus").mkdir()
    (root / "corpus" / name).write_text(text)
    (document,) = chunked(root / "corpus")
    return document


@pytest.mark.parametrize("form", ["xhtml", "epub", "md", "txt"])
def test_every_entry_gets_its_date_in_every_format(tmp_path: Path, form: str):
    documents = chunked(converted(tmp_path, form))
    body = [p for d in documents for p in d.passages if p.role == "text"]
    assert all(p.date for p in body), [p.text[:60] for p in body if not p.date][:3]
    assert {p.date for p in body} == EXPECTED  # one entry per day of the diary, no other
    assert {p.section for p in body} == {"April 1660", "July 1660"}
    for passage in body:  # each passage's date is the day its entry opens with
        opening = leading_date(passage.text)
        if opening is not None:
            assert int(passage.date[-2:]) == opening[2], passage.text[:40]
    if form != "txt":  # a plain-text dump keeps what its maker left in it
        for passage in body:
            assert "<" not in passage.text and "](" not in passage.text, passage.text[:80]
            assert not re.search(r"(?<!\w)_\w|\w_(?!\w)", passage.text), passage.text[:80]
            assert not GLUED_NUMBER.search(passage.text), GLUED_NUMBER.search(passage.text)


def test_markup_files_are_cited_into_the_file_and_have_their_metadata(tmp_path: Path):
    (book,) = chunked(converted(tmp_path / "epub", "epub"))
    assert book.title == "The Diary of Samuel Pepys: April and July 1660"
    assert book.metadata["Author"] == "Samuel Pepys" and "CC0" in book.metadata["Rights"]
    about = [p for p in book.passages if p.role == "about"]
    assert len(about) == 1 and "author: Samuel Pepys" in about[0].text
    anchors = {p.anchor for p in book.passages if p.role == "text"}
    assert anchors == {"text/chapter-1.xhtml#chapter-4", "text/chapter-2.xhtml#chapter-7"}
    first = next(p for p in book.passages if p.role == "text")
    assert str(first.citation) == (
        "The Diary of Samuel Pepys: April and July 1660 — April 1660 — April 1, 1660 — ¶ 1 "
        "[text/chapter-1.xhtml#chapter-4]"
    )
    pages = chunked(converted(tmp_path / "xhtml", "xhtml"))
    assert {p.anchor for d in pages for p in d.passages} == {
        "pepys-diary-chapter-4.xhtml#chapter-4",
        "pepys-diary-chapter-7.xhtml#chapter-7",
    }


def test_html_chrome_and_notes_are_not_text(tmp_path: Path):
    page = (
        "<html><head><title>A Day</title><meta name='author' content='Ann Writer'>"
        "<style>p{}</style><script>var x=1</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/next'>Next</a></nav><header>Site header</header>"
        "<article id='e1'><h2>May 1660</h2>"
        "<p><time datetime='1660-05-02'>Wednesday</time>. We walked in Hide Park."
        "<a href='notes.html#note-12' epub:type='noteref'>12</a> Then home.</p>"
        "<blockquote><p>A letter, quoted.<sup>3</sup></p></blockquote>"
        "<p><a href='a.html'>Previous</a> | <a href='b.html'>Next</a></p></article>"
        "<footer>Last updated 2020</footer></body></html>"
    )
    document = chunked_file(tmp_path, "day.html", page)
    texts = [p.text for p in document.passages if p.role == "text"]
    assert texts == ["Wednesday. We walked in Hide Park. Then home.\n\nA letter, quoted."]
    body = [p for p in document.passages if p.role == "text"]
    # one <time> in a page that declares no diary is no entry: no date
    assert body[0].date is None and body[0].anchor == "day.html#e1"
    assert document.title == "A Day"
    assert document.metadata == {"Title": "A Day", "Author": "Ann Writer"}


def test_markdown_quotes_are_words_and_offsets_point_into_the_file(tmp_path: Path):
    text = (
        "# A Diary\n\n## May 1660\n\n"
        "May 1st. We went to _Hide Park_.[389](endnotes.xhtml#note-389) The **King** came, "
        "as [the paper](https://example.org/x) said.[^1]\n\n"
        "> 2nd. A quoted letter, *sent* to me.\n\n[^1]: A footnote.\n\n3rd. Home again."
    )
    document = chunked_file(tmp_path, "diary.md", text)
    first, second = [p for p in document.passages if p.role == "text"][:2]
    assert first.text == "May 1st. We went to Hide Park. The King came, as the paper said."
    assert text[first.start : first.end].startswith("May 1st. We went to _Hide Park_.[389]")
    assert (first.date, first.section) == ("1660-05-01", "May 1660")
    assert second.text == "2nd. A quoted letter, sent to me.\n\nA footnote."  # the note's text
    assert second.date == "1660-05-02"
    assert strip_markdown("[^2] and `code` and ![a map](m.png)") == " and code and a map"


def test_markdown_keeps_a_hard_line_break_and_joins_the_files_wrapping(tmp_path: Path):
    """Two spaces or a backslash at a line's end break the line, as verse is written in
    Markdown; any other line break is the file's wrapping."""
    text = (
        "# Verse\n\nA prose paragraph that the\nfile wraps at its width.\n\n"
        "Poor Isabella’s Dead, whose abdication  \nSet all tongues wagging in the Spanish "
        "nation.\\\nShe wisely left a throne\ntoo hot to hold her.\n"
    )
    (passage,) = chunked_file(tmp_path, "verse.md", text).passages
    assert passage.text == (
        "A prose paragraph that the file wraps at its width.\n\n"
        "Poor Isabella’s Dead, whose abdication\nSet all tongues wagging in the Spanish "
        "nation.\nShe wisely left a throne too hot to hold her."
    )
    assert "\n" not in passage.embed_text


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("May 1st. This morning", (None, 5, 1)),
        ("2nd. In the morning", (None, None, 2)),
        ("22nd.(Easter Sunday). Several", (None, None, 22)),
        ("Jan. 1st (Lord’s day). Up", (None, 1, 1)),
        ("Monday, 3 June 1940. We", (1940, 6, 3)),
        ("1937-01-09: The tanker", (1937, 1, 9)),
        ("2 men came to the door.", None),  # a sentence that starts with a number
        ("1926 was a hard year.", None),
        ("In 1926 when Zinoviev", None),
    ],
)
def test_a_paragraph_that_opens_with_a_date(paragraph, expected):
    assert leading_date(paragraph) == expected


def test_bare_days_follow_the_month_and_never_go_back():
    text = "## May 1660\n\n1st. One.\n\n2nd. Two.\n\n1st. Not an entry: the diary moved on.\n\n"
    text += "## June 1660\n\n3rd. Three.\n\nA text without dates stays undated."
    document = chunk_document(text, "d.md", FakeEmbedder().count_tokens, ChunkingConfig(256, 0))
    dates = [(p.text[:5], p.date) for p in document.passages]
    assert dates == [
        ("1st. ", "1660-05-01"),
        ("2nd. ", "1660-05-02"),
        ("1st. ", "1660-05-02"),  # joins the entry it is in
        ("3rd. ", "1660-06-03"),
        ("A tex", "1660-06-03"),
    ]
    plain = chunk_document(
        "No dates here.\n\nNor here.", "p.txt", FakeEmbedder().count_tokens, ChunkingConfig(256, 0)
    )
    assert [p.date for p in plain.passages] == [None, None]


def test_the_days_a_passage_tells_of():
    text = "On the 19th came a dispatch. On the 23rd, the trial began. On March 2 it ended."
    assert mentioned_dates(text, "1937-01-09") == ("1937-01-19", "1937-01-23", "1937-03-02")
    assert mentioned_dates("On January 4, 1932, I wrote.", None) == ("1932-01-04",)
    assert mentioned_dates("On the 9th we landed.", "1937-01-09") == ()  # its own day


def fake_service(root: Path, corpus: Path) -> IndexMaintainer:
    settings = load_settings(corpus_dir=corpus, embeddings_dir=root / "emb", chunk_min_tokens=0)
    return IndexMaintainer(settings, FakeEmbedder())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("not a zip", "not an EPUB (not a zip archive"),
        ("no container", "no META-INF/container.xml in the book"),
        ("missing chapter", "page text/chapter-2.xhtml listed in the spine is missing"),
    ],
)
def test_a_damaged_book_is_named_and_the_rest_indexed(tmp_path: Path, damage: str, message):
    corpus = converted(tmp_path, "xhtml")
    service = fake_service(tmp_path, corpus)
    book = corpus / "book.epub"
    shutil.copy(SAMPLES / BOOK, book)
    service.update()
    kept = len(service.library())
    with zipfile.ZipFile(SAMPLES / BOOK) as original:
        members = {name: original.read(name) for name in original.namelist()}
    if damage == "not a zip":
        book.write_bytes(b"PK but not really a zip")
    else:
        gone = "META-INF/container.xml" if damage == "no container" else "epub/text/chapter-2.xhtml"
        with zipfile.ZipFile(book, "w") as rebuilt:
            for name, data in members.items():
                if name != gone:
                    rebuilt.writestr(name, data)
    report = service.update()
    assert (
        message in report.failed["book.epub"]
        and "re-export or re-download" in (report.failed["book.epub"])
    )
    assert len(service.library()) == kept  # its previous passages are kept, the rest indexed
    (warning,) = service.failure_warnings(report)
    assert warning.startswith("book.epub not indexed: ")


def test_an_undecodable_page_is_named(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("A fine text about the sea.")
    (corpus / "bad.html").write_bytes(b"<html><meta charset='utf-8'><p>caf\xe9</p></html>")
    report = fake_service(tmp_path, corpus).update()
    assert report.failed["bad.html"].startswith("not valid UTF-8 (byte 0xe9")
    assert report.passages == 1


def test_a_page_nested_too_deep_is_named_and_the_rest_indexed(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.txt").write_text("A fine text about the sea.")
    nested = "<div>" * 3000 + "<p>Deep text.</p>" + "</div>" * 3000
    (corpus / "deep.html").write_text(f"<html><body>{nested}</body></html>")
    report = fake_service(tmp_path, corpus).update()
    assert report.failed["deep.html"].startswith("its markup is nested too deep to read (over ")
    assert report.failed["deep.html"].endswith("levels); save it flatter, or as plain text")
    assert report.passages == 1


# ---------------------------------------------------------------------------- real model

QUESTIONS = [
    ("Who was chosen Speaker of the House of Lords?", "1660-04-26"),
    ("Which surgeon nearly drowned trying to come on board in a high sea?", "1660-04-14"),
    ("When did Pepys first wear the fine cloth suit made from a cloak?", "1660-04-29"),
    ("Who brought letters back from London about the meeting of Parliament?", "1660-04-26"),
    ("For whom did Pepys write an order for a ship to Flushing?", "1660-04-20"),
    ("What did Pepys call the greatest guides for ships?", "1660-04-08"),
    ("To how much was Pepys's salary raised per year?", "1660-07-07"),
    ("When did Pepys first put on a new silk suit?", "1660-07-10"),
    ("Which prints after Rubens did Pepys buy at the Change?", "1660-07-07"),
    ("What did Poet Fisher ask Pepys for in his letter?", "1660-07-28"),
    ("When did Pepys's brother Tom first come to see him?", "1660-07-22"),
    ("What was discussed at White Hall about money for the Navy?", "1660-07-31"),
    ("What did Pepys write on April 2, 1660?", "1660-04-02"),
    ("What happened on July 13, 1660?", "1660-07-13"),
]


@pytest.fixture(scope="module")
def pepys(tmp_path_factory: pytest.TempPathFactory) -> IndexMaintainer:
    root = tmp_path_factory.mktemp("pepys")
    corpus = converted(root, "xhtml")
    settings = load_settings(corpus_dir=corpus, embeddings_dir=root / "embeddings")
    service = IndexMaintainer(settings)
    service.update()
    return service


@pytest.mark.e2e
def test_questions_about_the_diary_find_their_entry(pepys: IndexMaintainer):
    found = []
    for question, day in QUESTIONS:
        hits = pepys.library().ask(question, 3).hits
        if any(h.passage.date == day for h in hits):
            found.append(question)
    print(f"{len(found)} of {len(QUESTIONS)} in the top 3 with the right date")
    assert len(found) >= 12, sorted(set(q for q, _ in QUESTIONS) - set(found))


@pytest.mark.e2e
def test_a_day_the_journal_tells_of_comes_first(real_service):
    answer = real_service.library().ask("What happened on January 23?", 3)
    top = answer.hits[0]
    assert "On the 23rd, the trial began in Moscow." in top.passage.text
    assert top.tells_of == "1937-01-23" and top.passage.date == "1937-01-09"
    assert answer.notes == (
        "The text has no entry for January 23; the passages that tell of that day come first.",
    )
    dated = real_service.library().ask("What did he write on January 9?", 2)  # the entry itself
    assert dated.hits[0].tells_of is None and dated.hits[0].passage.date == "1937-01-09"
