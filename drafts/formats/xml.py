"""Read Akoma Ntoso 3.0, USLM (U.S. bills and code) and D.C. Code XML into a provision tree.

All three share one shape: hierarchical elements (chapter, section, paragraph ...) with a
``num``, a ``heading`` and blocks of text, so one walker serves them, configured per dialect.
What is not law text is skipped: ``meta`` everywhere, D.C. ``annotations`` (history notes).
Text that follows a nested provision stays after it (as a "text" provision, like ``wrapUp``).

The parser is configured for untrusted uploads: no DTD loading, no entity resolution, no
network, no huge-tree mode (libxml2's limits stay on), and documents that declare entities are
refused outright, which also rules out "billion laughs".
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from drafts.document import Document, Provision
from drafts.errors import ParseError
from drafts.patterns import KEYWORDS, match_heading
from drafts.text import squash
from drafts.tree import add_text, assign_eids

MAX_XML_BYTES = 50_000_000
_APART = frozenset({"num", "heading", "prefix", "br", "eol", "subheading"})
AKN_NS = ("http://docs.oasis-open.org/legaldocml/ns/akn/3.0", "http://www.akomantoso.org/2.0")
USLM_NS = "http://schemas.gpo.gov/xml/uslm"
DC_NS = "https://code.dccouncil.us/schemas/dc-library"
_GROUPS = {"book": "book", "tome": "book", "part": "part", "title": "title", "subtitle": "subtitle",
           "chapter": "chapter", "subchapter": "subchapter", "division": "division",
           "subdivision": "subdivision", "subpart": "subdivision", "article": "article",
           "section": "section"}


@dataclass(frozen=True)
class Dialect:
    name: str
    hierarchy: frozenset[str]  #: elements that become provisions
    blocks: frozenset[str]  #: elements whose text is a paragraph of its own
    skip: frozenset[str]  #: elements that are not law text
    special: dict[str, str]  #: element -> fixed provision kind (preface, preamble ...)


_COMMON_BLOCKS = frozenset({"p", "content", "text", "chapeau", "continuation", "intro", "wrapUp",
                            "block", "longTitle", "enactingFormula", "docTitle", "officialTitle",
                            "formula", "signature", "subheading", "tblock", "proviso", "num_",
                            "quotedContent", "quotedStructure", "li", "tr"})
DIALECTS = {
    "akn": Dialect("akn", frozenset(_GROUPS) | {
        "subsection", "paragraph", "subparagraph", "point", "indent", "alinea", "clause",
        "subclause", "rule", "subrule", "hcontainer", "level", "transitional", "crossHeading"},
        _COMMON_BLOCKS, frozenset({"meta", "authorialNote"}),
        {"preface": "frontmatter", "preamble": "preamble", "conclusions": "text",
         "attachment": "annex"}),
    "uslm": Dialect("uslm", frozenset(_GROUPS) | {
        "subsection", "paragraph", "subparagraph", "clause", "subclause", "item", "subitem",
        "subsubitem", "appropriations", "level"},
        _COMMON_BLOCKS, frozenset({"meta"}), {"preface": "frontmatter"}),
    "dc": Dialect("dc", frozenset({"container", "section", "para"}), _COMMON_BLOCKS,
                  frozenset({"meta", "annotations", "history"}), {}),
}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML safely (see the module docstring)."""
    if len(data) > MAX_XML_BYTES:
        raise ParseError(f"the XML file is larger than {MAX_XML_BYTES // 1_000_000} MB")
    if b"<!ENTITY" in data:
        raise ParseError("XML that declares entities is refused (it could expand without end)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"invalid XML: {exc.msg or exc} (line {exc.lineno})") from None
    if root is None:
        raise ParseError("invalid XML: no root element")
    return root


def dialect_of(root: etree._Element) -> str | None:
    ns = etree.QName(root).namespace or ""
    if ns in AKN_NS:
        return "akn"
    if ns == USLM_NS:
        return "uslm"
    if ns == DC_NS:
        return "dc"
    return None


def sniff(data: bytes) -> str:
    """"akn", "uslm" or "dc" for XML data (raises ParseError for anything else)."""
    d = dialect_of(parse_xml(data))
    if d is None:
        raise ParseError("the XML is neither Akoma Ntoso, USLM nor D.C. Code XML")
    return d


def read_xml(data: bytes, expect: str | None = None) -> Document:
    """Read AKN/USLM/D.C. XML; ``expect`` ("akn" or "uslm") is checked against the content."""
    root = parse_xml(data)
    d = dialect_of(root)
    if d is None:
        raise ParseError("the XML is neither Akoma Ntoso, USLM nor D.C. Code XML")
    if expect == "akn" and d != "akn":
        raise ParseError(f"expected Akoma Ntoso XML, but this is {d.upper()} XML")
    if expect == "uslm" and d == "akn":
        raise ParseError("expected USLM XML, but this is Akoma Ntoso")
    doc = Document(title=_title(root, d), provisions=convert(root, DIALECTS[d]))
    if not any(p.text or p.heading or p.marker for p in doc.walk()):
        raise ParseError("the XML document contains no text")
    return doc


def source_text(root: etree._Element, dialect: str) -> str:
    """All text of the document that the reader keeps (for the "nothing is lost" check)."""
    return "".join(_texts(root, DIALECTS[dialect]))


def _texts(el: etree._Element, d: Dialect):
    """The text of ``el`` in order; a space between structural pieces (num, heading, blocks,
    provisions), none around inline markup (``in <cite>§ 2-504</cite>,`` stays "§ 2-504,")."""
    if el.text:
        yield el.text
    for ch in el:
        name = _local(ch.tag)
        if name not in d.skip:
            apart = name in d.hierarchy or name in d.blocks or name in d.special or name in _APART
            if apart:
                yield " "
            yield from _texts(ch, d)
            if apart:
                yield " "
        if ch.tail:
            yield ch.tail


def convert(root: etree._Element, d: Dialect) -> list[Provision]:
    """The provisions of a document element; text outside any provision becomes a preamble."""
    wrapper = etree.Element("document")  # so that a root that is itself a provision is one
    wrapper.append(root)
    marked = _with_hierarchy(wrapper, d)
    top = Provision("preamble")
    _walk(wrapper, top, [], d, marked)
    roots = top.children
    if top.text:
        roots.insert(0, Provision("preamble", text=top.text))
    for p in roots:
        if p.kind == "frontmatter":
            p.text = p.text.replace("\n\n", "\n")
    assign_eids(roots)
    return roots


def _with_hierarchy(root: etree._Element, d: Dialect) -> set[etree._Element]:
    """Elements that contain a provision: they are walked into, not flattened. (The set holds
    the element proxies themselves, which keeps them alive and their identity stable.)"""
    marked: set[etree._Element] = set()
    for el in root.iter():
        name = _local(el.tag)
        if name in d.hierarchy or name in d.special:
            for anc in el.iterancestors():
                if anc in marked:
                    break
                marked.add(anc)
    return marked


def _walk(el: etree._Element, p: Provision, buf: list[str], d: Dialect,
          marked: set[etree._Element]) -> None:
    """Add the content of ``el`` (not its own num/heading) to provision ``p``."""
    if el.text:
        buf.append(el.text)
    for ch in el:
        name = _local(ch.tag)
        if name in d.skip:
            pass
        elif name == "num" and not (p.num or p.text or p.children or "".join(buf).strip()):
            _flush(p, buf)
            _set_num(p, ch, d)
        elif name in ("heading", "prefix") and not (p.heading or p.text or p.children
                                                     or "".join(buf).strip()):
            _flush(p, buf)
            value = squash("".join(_texts(ch, d)))
            if name == "prefix":
                p.marker = value
            else:
                p.heading = value
        elif name in d.hierarchy or name in d.special:
            _flush(p, buf)
            child = Provision(_kind(ch, name, p, d))
            _walk(ch, child, [], d, marked)
            _finish(child, d)
            p.children.append(child)
        elif ch in marked or (name in d.blocks and any(_local(g.tag) in d.blocks for g in ch)):
            if name in d.blocks:  # a block of blocks (<content><p/><p/></content>): walk in
                _flush(p, buf)
            _walk(ch, p, buf, d, marked)
        elif name in d.blocks:
            _flush(p, buf)
            buf.extend(_texts(ch, d))
            _flush(p, buf)
        else:
            buf.extend(_texts(ch, d))
        if ch.tail:
            buf.append(ch.tail)
    _flush(p, buf)


def _flush(p: Provision, buf: list[str]) -> None:
    text = squash("".join(buf))
    buf.clear()
    if text:
        add_text(p, text)


def _set_num(p: Provision, el: etree._Element, d: Dialect) -> None:
    printed = squash("".join(_texts(el, d)))
    value = el.get("value") or ""
    if d.name == "dc" and p.marker and p.kind != "section":  # <prefix>Chapter</prefix><num>5</num>
        p.marker, p.num = f"{p.marker} {printed}", value or printed
        return
    h = match_heading(printed)
    p.num = value or (h.num if h else printed.strip("()[]. §"))
    p.marker = printed


def _kind(el: etree._Element, name: str, parent: Provision, d: Dialect) -> str:
    if name in d.special:
        return d.special[name]
    if name in ("hcontainer", "level", "crossHeading", "transitional"):
        wanted = el.get("name") or ""
        return wanted if wanted in ("annex", "text", "heading") or wanted in _GROUPS else "heading"
    if name == "appropriations":
        return "heading"
    if name in _GROUPS:
        return _GROUPS[name]
    if name == "container":
        return "heading"  # the kind comes from <prefix> once it is read (_finish)
    return "point" if parent.kind in ("paragraph", "point") else "paragraph"


def _finish(p: Provision, d: Dialect) -> None:
    if d.name == "dc" and p.kind == "heading" and p.marker:
        p.kind = KEYWORDS.get(p.marker.split()[0].lower(), "heading")
    if p.kind == "section" and d.name == "dc" and not p.num:
        p.kind = "heading"


def _title(root: etree._Element, d: str) -> str:
    if d == "akn":
        for el in root.iter():
            name = _local(el.tag)
            if name == "FRBRname" and el.get("value"):
                return el.get("value") or ""
            if name in ("docTitle", "shortTitle"):
                return squash("".join(el.itertext()))
    if d == "uslm":
        for el in root.iter():
            if _local(el.tag) in ("title",) and etree.QName(el).namespace != USLM_NS:
                return squash("".join(el.itertext()))
    parts = [squash("".join(ch.itertext())) for ch in root if _local(ch.tag) in ("prefix", "num", "heading")]
    return " ".join(x for x in parts if x)
