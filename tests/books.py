"""Small EPUB and HTML books for tests, made the way Standard Ebooks makes them."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

XHTML = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
    "<head><title>{title}</title></head><body{body_type}>{body}</body></html>"
)


def page(body: str, *, title: str = "Page", body_type: str = "") -> str:
    kind = f' epub:type="{body_type}"' if body_type else ""
    return XHTML.format(title=title, body=body, body_type=kind)


def make_epub(
    path: Path,
    pages: Sequence[tuple[str, str]],
    *,
    title: str = "A Book",
    creator: str = "An Author",
    date: str | None = "2019-08-21T18:40:45Z",
    linear_no: Sequence[str] = (),
    landmarks: Mapping[str, str] | None = None,
) -> Path:
    """An EPUB 3 of ``pages`` ((name under text/, XHTML)), in that spine order."""
    items = "".join(
        f'<item id="p{n}" href="text/{name}" media-type="application/xhtml+xml"/>'
        for n, (name, _) in enumerate(pages)
    )
    auxiliary = ' linear="no"'
    spine = "".join(
        f'<itemref idref="p{n}"{auxiliary if name in linear_no else ""}/>'
        for n, (name, _) in enumerate(pages)
    )
    nav_links = "".join(
        f'<li><a href="text/{name}" epub:type="{kind}">{kind}</a></li>'
        for name, kind in (landmarks or {}).items()
    )
    nav = page(f'<nav epub:type="toc"><ol><li><a href="text/x.xhtml">Contents</a></li></ol></nav>'
               f'<nav epub:type="landmarks"><ol>{nav_links}</ol></nav>')  # fmt: skip
    stamp = f"<dc:date>{date}</dc:date>" if date else ""
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:identifier id='uid'>x</dc:identifier><dc:title>{title}</dc:title>"
        f"<dc:creator>{creator}</dc:creator>{stamp}<dc:language>en</dc:language></metadata>"
        f'<manifest><item id="nav" href="toc.xhtml" media-type="application/xhtml+xml" '
        f'properties="nav"/>{items}</manifest><spine>{spine}</spine></package>'
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip")
        book.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="epub/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        book.writestr("epub/content.opf", opf)
        book.writestr("epub/toc.xhtml", nav)
        for name, markup in pages:
            book.writestr(f"epub/text/{name}", markup)
    return path


def slice_of_the_diary(source: Path, target: Path, chapters: Sequence[int]) -> Path:
    """A small EPUB of some months of the whole diary, with the endnotes they refer to
    (and only those), its introduction's first paragraphs, and its colophon."""
    import re

    with zipfile.ZipFile(source) as book:
        read = {name: book.read(name).decode() for name in book.namelist()}
    months = [(f"chapter-{n}.xhtml", read[f"epub/text/chapter-{n}.xhtml"]) for n in chapters]
    wanted = {m for _, markup in months for m in re.findall(r'endnotes\.xhtml#(note-\d+)"', markup)}
    notes = read["epub/text/endnotes.xhtml"]
    kept = [
        item
        for item in re.findall(r"<li id=\"note-\d+\">.*?</li>", notes, flags=re.S)
        if re.match(r'<li id="(note-\d+)"', item)[1] in wanted  # type: ignore[index]
    ]
    head, _, rest = notes.partition("<ol>")
    endnotes = head + "<ol>" + "".join(kept) + "</ol>" + rest.rpartition("</ol>")[2]
    introduction = read["epub/text/introduction.xhtml"]
    introduction = re.sub(r"(</p>.*?){3}.*(?=</section>)", r"\1", introduction, count=1, flags=re.S)
    pages = [
        ("introduction.xhtml", introduction),
        *months,
        ("endnotes.xhtml", endnotes),
        ("colophon.xhtml", read["epub/text/colophon.xhtml"]),
    ]
    return make_epub(target, pages, title="The Diary", creator="Samuel Pepys")
