"""Plain text and Markdown files: bytes → text, with a clear error for anything else."""

from __future__ import annotations

import codecs

from qabot.errors import CorpusError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file: UTF-8, or UTF-16/32 when a byte-order mark says so.

    Raises CorpusError naming the file for a binary file and for text in another
    encoding (with the command that converts it).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise CorpusError(
                    f"{name}: starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} (offset {error.start}); save it again as UTF-8"
                ) from None
    if b"\0" in data:
        raise CorpusError(f"{name}: looks like a binary file; remove it from the corpus")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{name}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
