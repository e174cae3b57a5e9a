"""``load(bytes)``: decode an upload, detect its format and hand it to the right reader.

Every failure a user can cause (binary data, wrong encoding, empty file, broken XML or .docx,
a format we do not read) becomes a ``ParseError`` with a one-line message they can act on.
"""
from __future__ import annotations

import codecs

from drafts.document import Document
from drafts.errors import ParseError
from drafts.parse import parse

FORMATS = ("md", "text", "akn", "uslm", "docx")
_EXTENSIONS = {"md": "md", "markdown": "md", "txt": "text", "text": "text", "docx": "docx",
               "akn": "xml", "xml": "xml"}
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def detect(data: bytes, filename: str | None = None) -> str:
    """The format of ``data``: from the file name's extension, else from the content."""
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[1].lower()
        if ext in _EXTENSIONS and _EXTENSIONS[ext] != "xml":
            return _EXTENSIONS[ext]
    head = data[:512].lstrip(codecs.BOM_UTF8).lstrip()
    if data[:4] == b"PK\x03\x04":
        return "docx"
    if head.startswith(b"<"):
        from drafts.formats.xml import sniff

        return sniff(data)
    if filename and filename.lower().endswith((".xml", ".akn")):
        raise ParseError("the file is named .xml but does not start with an XML tag")
    return "md"


def decode(data: bytes) -> str:
    """UTF-8 (or UTF-16 with a byte order mark) text; binary data is refused."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError(f"the file is not valid UTF-16: {exc.reason}") from None
    sample = data[:8192]
    if b"\x00" in sample or sum(b in _CONTROL for b in sample) > len(sample) // 100 + 1:
        raise ParseError("this looks like a binary file, not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}); save it as UTF-8 and try again") from None


def load(data: bytes, fmt: str | None = None, filename: str | None = None) -> Document:
    """Read a law from bytes. ``fmt`` is md | text | akn | uslm | docx, or None to detect it
    from ``filename`` and the content."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError("load() takes bytes; use parse() for text")
    data = bytes(data)
    if not data.strip():
        raise ParseError("the document is empty")
    if fmt is None:
        fmt = detect(data, filename)
    elif fmt not in FORMATS:
        raise ParseError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "docx":
        from drafts.formats.docx import read_docx

        return read_docx(data)
    if fmt in ("akn", "uslm", "dc"):
        from drafts.formats.xml import read_xml

        return read_xml(data, expect=fmt)
    return parse(decode(data), fmt)
