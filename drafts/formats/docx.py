"""Read a Word .docx with python-docx by turning it into the line structure the Markdown parser
already understands: "Title"/"Heading N" styles become "#" headings, automatically numbered
paragraphs get the number Word would print ("1.", "a)", "(i)", from the numbering definitions)
indented by their list level, bullets become "- " items, table rows become "| a | b |" lines.
Everything else is a paragraph, so "Article 5. Purpose" typed in Normal style is still found.
"""
from __future__ import annotations

import io
import re
import time
import zipfile
from collections import defaultdict

# python-docx loads in ~70 ms: drafts.load imports this module only when a .docx comes in
import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from drafts.document import Document
from drafts.errors import ParseError
from drafts.parse import parse
from drafts.patterns import ATX_RE, RULE_RE
from drafts.text import escape_inline

MAX_UNZIPPED_BYTES = 50_000_000
#: a law of 10,000 articles has fewer paragraphs; more is not a law, and would tie up a worker
MAX_PARAGRAPHS = 50_000
#: seconds a conversion may take before it is given up (checked every few hundred paragraphs)
MAX_SECONDS = 20.0
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING = re.compile(r"(?:heading|überschrift|заголовок)\s*(\d)", re.IGNORECASE)
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """Word's number formats: decimal, lowerLetter, upperLetter, lowerRoman, upperRoman."""
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    return str(n)


def _open(data: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED_BYTES:
                raise ParseError("the .docx file unpacks to more than 50 MB")
        return docx.Document(io.BytesIO(data))
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds (zip, key, XML)
        raise ParseError(f"not a valid .docx file ({type(exc).__name__})") from None


def _levels(document) -> dict[tuple[str, int], tuple[str, str]]:
    """(numId, ilvl) -> (numFmt, lvlText) from the numbering part, if there is one."""
    try:
        numbering = document.part.numbering_part.element
    except Exception:  # noqa: BLE001 - no numbering part: NotImplementedError, KeyError ...
        return {}
    abstract = {}
    for a in numbering.iter(_W + "abstractNum"):
        for lvl in a.iter(_W + "lvl"):
            fmt, text = lvl.find(_W + "numFmt"), lvl.find(_W + "lvlText")
            abstract[(a.get(_W + "abstractNumId"), int(lvl.get(_W + "ilvl") or 0))] = (
                fmt.get(_W + "val") if fmt is not None else "decimal",
                text.get(_W + "val") if text is not None else "%1.")
    out = {}
    for num in numbering.iter(_W + "num"):
        ref = num.find(_W + "abstractNumId")
        if ref is not None:
            for (aid, ilvl), value in abstract.items():
                if aid == ref.get(_W + "val"):
                    out[(num.get(_W + "numId"), ilvl)] = value
    return out


def _num_pr(p_element, style) -> tuple[str, int] | None:
    """(numId, ilvl) of an automatically numbered paragraph, from it or from its style."""
    for el in (p_element, style.element if style is not None else None):
        ppr = el.find(_W + "pPr") if el is not None else None
        num_pr = ppr.find(_W + "numPr") if ppr is not None else None
        if num_pr is not None:
            num_id, ilvl = num_pr.find(_W + "numId"), num_pr.find(_W + "ilvl")
            if num_id is not None and num_id.get(_W + "val") != "0":
                return num_id.get(_W + "val"), int(ilvl.get(_W + "val")) if ilvl is not None else 0
    return None


def _plain(text: str) -> str:
    """Inline-escape a Word paragraph (it is text, not Markdown); keep its line start readable
    as structure, except for what would be Markdown-only syntax ("# ...", "---")."""
    s = escape_inline(" ".join(text.split()))
    if s and (ATX_RE.match(s) or RULE_RE.match(s) or s[0] in ">|"):
        s = "\\" + s
    return s


def to_lines(document) -> list[str]:
    """The document body as Markdown-ish blocks (see the module docstring)."""
    levels = _levels(document)
    counters: dict[str, list[int]] = defaultdict(lambda: [0] * 9)
    out: list[str] = []
    body = document.element.body
    # python-docx finds a paragraph's style by searching all styles each time: look each id up once
    styles: dict[str | None, object] = {}
    started, seen = time.monotonic(), 0
    for child in body.iterchildren():
        seen += child.tag in (_W + "p", _W + "tbl")
        if seen > MAX_PARAGRAPHS:
            raise ParseError(f"the .docx file has more than {MAX_PARAGRAPHS:,} paragraphs")
        if seen % 500 == 0 and time.monotonic() - started > MAX_SECONDS:
            raise ParseError("the .docx file takes too long to read")
        if child.tag == _W + "tbl":
            for row in Table(child, document).rows:
                out.append("| " + " | ".join(_plain(c.text) for c in row.cells) + " |")
            continue
        if child.tag != _W + "p":
            continue
        p = Paragraph(child, document)
        text = _plain(p.text)
        if not text:
            continue
        ppr = child.find(_W + "pPr")
        style_ref = ppr.find(_W + "pStyle") if ppr is not None else None
        style_id = style_ref.get(_W + "val") if style_ref is not None else None
        if style_id not in styles:
            styles[style_id] = p.style
        style_obj = styles[style_id]
        style = (style_obj.name if style_obj is not None else "") or ""
        m = _HEADING.search(style)
        if style.lower() == "title" or m:
            out.append("#" * (int(m.group(1)) + 1 if m else 1) + " " + text)
            continue
        num = _num_pr(child, style_obj)
        if num is None and "list" in style.lower():
            num = ("style:" + style, max(0, int(style[-1]) - 1) if style[-1].isdigit() else 0)
        if num is None:
            out.append(text)
            continue
        num_id, ilvl = num
        fmt, pattern = levels.get((num_id, ilvl), ("bullet" if "bullet" in style.lower() else
                                                   "decimal", "%1."))
        if fmt == "bullet":
            out.append("    " * ilvl + "- " + text)
            continue
        count = counters[num_id]
        count[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            count[deeper] = 0
        out.append("    " * ilvl + _label(pattern, count, ilvl, fmt) + " " + text)
    return out


def _label(pattern: str, count: list[int], ilvl: int, fmt: str) -> str:
    """Word's level text ("%1.", "(%2)", "%1.%2.") filled with the current counters."""
    def one(g: re.Match) -> str:
        level = int(g.group(1)) - 1
        return format_number(max(count[level], 1), fmt if level == ilvl else "decimal")

    return re.sub(r"%(\d)", one, pattern)


def read_docx(data: bytes) -> Document:
    """Read a .docx upload into a Document."""
    document = _open(data)
    lines = to_lines(document)
    if not lines:
        raise ParseError("the .docx document contains no text")
    doc = parse("\n\n".join(lines), "md")
    title = (document.core_properties.title or "").strip()
    if title:
        doc.title = title
    return doc
