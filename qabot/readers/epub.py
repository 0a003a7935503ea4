"""EPUB books → their chapters in reading order, with the book's Dublin Core metadata.

Read with the EPUB's own files: ``META-INF/container.xml`` names the OPF package, whose
``<metadata>`` gives title, creator, date, rights and publisher, whose ``<manifest>``
and ``<spine>`` give the chapters in order. Each chapter is read like an HTML page
(``qabot.readers.html``); its headings become sections, and its blocks' anchors are
the chapter's path in the book plus the nearest element id (``text/chapter-1.xhtml#x``).
A damaged book (not a zip, no OPF, a chapter missing) is a CorpusError naming it.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from qabot.errors import CorpusError
from qabot.readers.html import decode, parse, source_text
from qabot.readers.source import SourceText

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DUBLIN_CORE = {
    "creator": "Author",
    "date": "Date",
    "rights": "Rights",
    "publisher": "Publisher",
    "contributor": "Contributor",
}
_FIX = "re-export or re-download the book"


def read_epub(path: Path, data: bytes) -> SourceText:
    """The chapters of an EPUB, in spine order, as one text (see the module doc)."""
    name = str(path)
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise CorpusError(f"{name}: not an EPUB (not a zip archive: {error}); {_FIX}") from None
    with book:
        package = _package_path(book, name)
        opf = _xml(book, package, name)
        metadata = opf.find(f"{_OPF}metadata")
        title, found = None, {}
        if metadata is not None:
            title_node = metadata.find(f"{_DC}title")
            title = (title_node.text or "").strip() if title_node is not None else None
            for tag, key in _DUBLIN_CORE.items():
                node = metadata.find(f"{_DC}{tag}")
                if node is not None and (node.text or "").strip():
                    found[key] = " ".join((node.text or "").split())
        items = {item.get("id"): item for item in opf.iter(f"{_OPF}item") if item.get("id")}
        spine = opf.find(f"{_OPF}spine")
        if spine is None:
            raise CorpusError(f"{name}: the OPF package has no spine (no reading order); {_FIX}")
        base = posixpath.dirname(package)
        parts = []
        for reference in spine.iter(f"{_OPF}itemref"):
            item = items.get(reference.get("idref"))
            if item is None or reference.get("linear") == "no":
                continue
            if "nav" in (item.get("properties") or "").split():
                continue
            href = item.get("href") or ""
            member = posixpath.normpath(posixpath.join(base, href))
            try:
                chapter = book.read(member)
            except KeyError:
                raise CorpusError(
                    f"{name}: chapter {href} listed in the spine is missing from the book; {_FIX}"
                ) from None
            blocks, _, _ = parse(decode(chapter, f"{name}!/{member}"))
            parts.append((href, blocks))
    if not any(blocks for _, blocks in parts):
        raise CorpusError(f"{name}: no text found in the book's chapters (empty book?)")
    return source_text(parts, found, title)


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
