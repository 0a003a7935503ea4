"""EPUB books → their pages in reading order, with the book's Dublin Core metadata.

Read with the EPUB's own files: ``META-INF/container.xml`` names the OPF package, whose
``<metadata>`` gives title, creator, rights, publisher and description, whose
``<manifest>`` and ``<spine>`` give the pages in order. The navigation document is not
read (it is the table of contents); its landmarks give a page its part when the page
itself declares none, and a spine item marked ``linear="no"`` (auxiliary content, such
as notes) is read as notes unless it declares otherwise. Each page is read like an HTML
page (``qabot.readers.html``), its anchors and note keys relative to the book.
A damaged book (not a zip, no OPF, a page missing) is a CorpusError naming it.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from qabot.errors import CorpusError
from qabot.readers.html import decode, parse_pages, source_text
from qabot.readers.source import SourceText

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DUBLIN_CORE = {
    "creator": "Author",
    "contributor": "Contributor",
    "publisher": "Publisher",
    "rights": "Rights",
    "description": "Description",
    "source": "Source",
}
_FIX = "re-export or re-download the book"


def read_epub(path: Path, data: bytes) -> SourceText:
    """The pages of an EPUB, in spine order, as one text (see the module doc)."""
    name = str(path)
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise CorpusError(f"{name}: not an EPUB (not a zip archive: {error}); {_FIX}") from None
    with book:
        package = _package_path(book, name)
        opf = _xml(book, package, name)
        title, metadata = _metadata(opf)
        items = {item.get("id"): item for item in opf.iter(f"{_OPF}item") if item.get("id")}
        spine = opf.find(f"{_OPF}spine")
        if spine is None:
            raise CorpusError(f"{name}: the OPF package has no spine (no reading order); {_FIX}")
        base = posixpath.dirname(package)
        landmarks = _landmarks(book, items, base)
        pages = []
        for reference in spine.iter(f"{_OPF}itemref"):
            item = items.get(reference.get("idref"))
            if item is None or "nav" in (item.get("properties") or "").split():
                continue
            member = posixpath.normpath(posixpath.join(base, item.get("href") or ""))
            try:
                chapter = book.read(member)
            except KeyError:
                raise CorpusError(
                    f"{name}: page {item.get('href')} listed in the spine is missing from the "
                    f"book; {_FIX}"
                ) from None
            inherited = landmarks.get(member, frozenset())
            if reference.get("linear") == "no":
                inherited = inherited | {"footnotes"}
            relative = posixpath.relpath(member, base) if base else member
            pages.append((relative, decode(chapter, f"{name}!/{member}"), inherited))
        parsed, declares = parse_pages(iter(pages))
    if not any(b.kind != "heading" for page in parsed for b in page.blocks):
        raise CorpusError(f"{name}: no text found in the book's pages (empty book?)")
    return source_text(parsed, metadata, title, declares)


def _metadata(opf: ElementTree.Element) -> tuple[str | None, dict[str, str]]:
    """The book's title and the metadata of its "About this text" card.

    ``dc:date`` is the date of this edition (an ebook's release), not of the text: it is
    named so, and never taken for the year of the text's dates.
    """
    metadata = opf.find(f"{_OPF}metadata")
    found: dict[str, str] = {}
    if metadata is None:
        return None, found
    title_node = metadata.find(f"{_DC}title")
    title = " ".join((title_node.text or "").split()) if title_node is not None else None
    for tag, key in _DUBLIN_CORE.items():
        node = metadata.find(f"{_DC}{tag}")
        if node is not None and (node.text or "").strip():
            found[key] = " ".join((node.text or "").split())
    date = metadata.find(f"{_DC}date")
    if date is not None and (date.text or "").strip():
        found["Edition date"] = (date.text or "").strip()[:10]
    return title or None, found


def _landmarks(
    book: zipfile.ZipFile, items: dict[str | None, ElementTree.Element], base: str
) -> dict[str, frozenset[str]]:
    """Each page the navigation document's landmarks name → the types they give it."""
    from selectolax.lexbor import LexborHTMLParser

    found: dict[str, frozenset[str]] = {}
    for item in items.values():
        if "nav" not in (item.get("properties") or "").split():
            continue
        member = posixpath.normpath(posixpath.join(base, item.get("href") or ""))
        try:
            tree = LexborHTMLParser(decode(book.read(member), member))
        except (KeyError, CorpusError):
            continue
        for nav in tree.css("nav"):
            if "landmarks" not in (nav.attributes.get("epub:type") or "").split():
                continue
            for link in nav.css("a[href]"):
                href = (link.attributes.get("href") or "").split("#")[0]
                target = posixpath.normpath(posixpath.join(posixpath.dirname(member), href))
                types = frozenset((link.attributes.get("epub:type") or "").lower().split())
                found[target] = found.get(target, frozenset()) | types
    return found


def _package_path(book: zipfile.ZipFile, name: str) -> str:
    container = _xml(book, "META-INF/container.xml", name)
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    path = rootfile.get("full-path") if rootfile is not None else None
    if not path:
        raise CorpusError(f"{name}: META-INF/container.xml names no OPF package file; {_FIX}")
    return path


def _xml(book: zipfile.ZipFile, path: str, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(book.read(path))
    except KeyError:
        raise CorpusError(f"{name}: no {path} in the book (not an EPUB?); {_FIX}") from None
    except ElementTree.ParseError as error:
        raise CorpusError(f"{name}: {path} is damaged ({error}); {_FIX}") from None
