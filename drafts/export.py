"""Export a provision tree to Markdown, HTML and Akoma Ntoso 3.0.

Markdown: headings by depth ("#" ... "######"), numbered paragraphs and points as lines
starting with their printed number, indented four spaces per level below the first; text that
would otherwise read as structure ("1. Juni", "(a) ...", "Article 5 The ...") is escaped, so
that parsing the export gives the same clauses. HTML: every string escaped, nothing from the
source passes through as markup. Akoma Ntoso: read back by ``drafts.formats.xml``.
"""
from __future__ import annotations

import html

from lxml import etree

from drafts.clauses import STRUCTURAL
from drafts.document import Document, Provision
from drafts.patterns import (
    ATX_RE,
    BULLET_RE,
    RULE_RE,
    SETEXT_RE,
    match_heading,
    match_marker,
    plausible_heading_line,
)
from drafts.text import entity, escape_inline
from drafts.tree import Builder

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
AKN_TAGS = {"book", "part", "title", "subtitle", "chapter", "subchapter", "division",
            "subdivision", "section", "article", "paragraph", "point"}


# -- Markdown ----------------------------------------------------------------------------------
def to_markdown(doc: Document) -> str:
    """The tree as Markdown that ``drafts.parse`` reads back to the same clauses."""
    out: list[str] = []
    levels = _Levels(doc)
    _md_children(doc.provisions, levels, out, 0, 0, None)
    return "\n\n".join(out) + "\n"


class _Levels:
    """The "#" count of every heading, chosen so that the parser nests each back under its
    parent: one deeper than the parent, and deeper than its next sibling where the parser's
    same-level rule (``Builder.holds``) would otherwise make that sibling its child."""

    def __init__(self, doc: Document) -> None:
        kinds = [p.kind for p in doc.walk() if p.kind in STRUCTURAL and p.kind != "heading"]
        self.rules = Builder(kinds)
        self.levels: dict[int, int] = {}
        self._assign(doc.provisions, 0)

    def _assign(self, children: list[Provision], base: int) -> None:
        heads = [c for c in children if c.kind in STRUCTURAL]
        levels = [base + 1] * len(heads)
        for i in range(len(heads) - 2, -1, -1):
            # never shallower than the next sibling (it would nest); deeper if it would adopt it
            levels[i] = levels[i + 1] + (1 if self.rules.holds(heads[i], heads[i + 1]) else 0)
        for h, level in zip(heads, levels):
            self.levels[id(h)] = level
            self._assign(h.children, level)

    def level(self, p: Provision, parent: Provision | None = None) -> int:
        return min(self.levels.get(id(p), 1), 6)


def _md(p: Provision, levels: _Levels, out: list[str], col: int = 0, text_col: int = 0,
        parent: Provision | None = None) -> None:
    """``col``: column of a numbered item's marker; ``text_col``: column of unnumbered text,
    which must reach the enclosing item's text column to stay inside it when read back."""
    if p.kind == "frontmatter":
        out.append("---\n" + p.text + "\n---")
        return
    paras = [x for x in p.text.split("\n\n") if x.strip()]
    if p.kind in STRUCTURAL:
        title = " ".join(x for x in (p.marker or _synthetic(p), escape_inline(p.heading)) if x)
        if title.endswith("#"):
            title = title[:-1] + "\\#"
        out.append("#" * levels.level(p, parent) + " " + title)
        out.extend(defuse(x) for x in paras)
        _md_children(p.children, levels, out, 0, 0, p)
        return
    if p.num or p.marker:
        m = p.marker if p.marker and match_marker(p.marker + " x") else f"({p.num})"
        inner = col + len(m) + 1 if col else 0
        first = escape_inline(paras.pop(0)) if paras else ""
        out.append(" " * col + m + (" " + first if first else ""))
        out.extend(" " * inner + defuse(x) for x in paras)
        _md_children(p.children, levels, out, col + 4, inner, p)
        return
    out.extend(" " * text_col + defuse(x) for x in paras)
    _md_children(p.children, levels, out, col, text_col, p)


def _md_children(children: list[Provision], levels: _Levels, out: list[str], col: int,
                 text_col: int, parent: Provision | None) -> None:
    """Numbered siblings of different styles ("(1)" then "1.") would read back as parent and
    child; indenting the earlier one deeper makes the parser close it instead."""
    cols = [col] * len(children)
    classes = _list_classes(children)
    for i in range(len(children) - 2, -1, -1):
        a, b = _marker_of(children[i]), _marker_of(children[i + 1])
        if a is None:
            continue
        if b is None:  # unnumbered text follows: it must fall outside this item's text column
            cols[i] = col + 4 if children[i + 1].kind not in STRUCTURAL else col
            continue
        differs = not (a.form == b.form and classes[i] in b.classes)
        cols[i] = cols[i + 1] + (4 if differs else 0)
    for c, c_col in zip(children, cols):
        _md(c, levels, out, c_col, text_col, parent)


def _list_classes(children: list[Provision]) -> list[str | None]:
    """The numbering class the parser gives each numbered sibling: the class of the list it
    continues, else the marker's likeliest ("(i)" opens a Roman list, so "(a)" after it starts
    another list, not the next item)."""
    out: list[str | None] = []
    prev = None
    for c in children:
        m = _marker_of(c)
        if m is None:
            out.append(None)
            prev = None
            continue
        cls = prev[1] if prev and prev[0].form == m.form and prev[1] in m.classes else m.classes[0]
        out.append(cls)
        prev = (m, cls)
    return out


def _marker_of(p: Provision):
    if p.kind in STRUCTURAL or not (p.num or p.marker):
        return None
    return match_marker((p.marker if p.marker and match_marker(p.marker + " x") else f"({p.num})")
                        + " x")


def _synthetic(p: Provision) -> str:
    if not p.num:
        return ""
    return f"§ {p.num}" if p.kind == "section" else f"{p.kind.capitalize()} {p.num}"


def defuse(line: str) -> str:
    """Escape one paragraph of plain text; if it would read as structure at the start of a
    Markdown block, escape its first character too."""
    s = escape_inline(line)
    if not s:
        return s
    risky = (ATX_RE.match(s) or RULE_RE.match(s) or SETEXT_RE.match(s) or s[0] in ">|+•–—"
             or match_marker(s) or (s[0] in "-*" and not s.startswith("- "))
             or (s.startswith("- ") and match_marker(s)))
    h = None if risky else match_heading(s)
    if risky or (h is not None and plausible_heading_line(h)) or (s[0] == "-" and BULLET_RE.match(s)
                                                                   and not s.startswith("- ")):
        return ("\\" + s) if s[0].isascii() and not s[0].isalnum() else entity(s[0]) + s[1:]
    return s


# -- HTML --------------------------------------------------------------------------------------
def to_html(doc: Document) -> str:
    """The tree as an HTML fragment; every piece of text is escaped."""
    out = [f'<article class="draft"><h1>{html.escape(doc.title)}</h1>']
    for p in doc.provisions:
        _html(p, 2, out)
    out.append("</article>")
    return "\n".join(out)


def _html(p: Provision, level: int, out: list[str]) -> None:
    e = html.escape
    out.append(f'<section id="{e(p.eid)}" class="{e(p.kind)}">')
    head = " ".join(x for x in (p.marker, p.heading) if x)
    paras = [x for x in p.text.split("\n\n") if x.strip()]
    if p.kind in STRUCTURAL and head:
        out.append(f"<h{min(level, 6)}>{e(head)}</h{min(level, 6)}>")
    elif head and paras:
        paras[0] = f"{head} {paras[0]}"
    elif head:
        paras.insert(0, head)
    for para in paras:
        out.append("<p>" + "<br>".join(e(x) for x in para.split("\n")) + "</p>")
    for c in p.children:
        _html(c, level + 1, out)
    out.append("</section>")


# -- Akoma Ntoso -------------------------------------------------------------------------------
def _a(tag: str) -> str:
    return f"{{{AKN_NS}}}{tag}"


def to_akn(doc: Document) -> str:
    """The tree as an Akoma Ntoso 3.0 ``act`` (UTF-8 XML text with declaration)."""
    root = etree.Element(_a("akomaNtoso"), nsmap={None: AKN_NS})
    act = etree.SubElement(root, _a("act"), name="act")
    meta = etree.SubElement(act, _a("meta"))
    ident = etree.SubElement(meta, _a("identification"), source="#muhokama")
    work = etree.SubElement(ident, _a("FRBRWork"))
    etree.SubElement(work, _a("FRBRthis"), value="/akn/act/muhokama/main")
    etree.SubElement(work, _a("FRBRname"), value=doc.title)
    if doc.lang:
        etree.SubElement(meta, _a("FRBRlanguage"), language=doc.lang)
    body = None
    for p in doc.provisions:
        if p.kind in ("frontmatter", "preamble") and body is None:
            el = etree.SubElement(act, _a("preface" if p.kind == "frontmatter" else "preamble"),
                                  eId=p.eid)
            _paras(el, p.text.split("\n") if p.kind == "frontmatter" else p.text.split("\n\n"))
            continue
        if body is None:
            body = etree.SubElement(act, _a("body"))
        _akn(body, p)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def _paras(parent: etree._Element, paras: list[str]) -> None:
    for para in paras:
        if para.strip():
            etree.SubElement(parent, _a("p")).text = para


def _akn(parent: etree._Element, p: Provision) -> None:
    if p.kind in AKN_TAGS:
        el = etree.SubElement(parent, _a(p.kind), eId=p.eid)
    else:
        el = etree.SubElement(parent, _a("hcontainer"), eId=p.eid, name=p.kind)
    if p.marker or p.num:
        etree.SubElement(el, _a("num")).text = p.marker or p.num
    if p.heading:
        etree.SubElement(el, _a("heading")).text = p.heading
    paras = p.text.split("\n\n") if p.text else []
    if paras:
        _paras(etree.SubElement(el, _a("intro" if p.children else "content")), paras)
    for c in p.children:
        _akn(el, c)
