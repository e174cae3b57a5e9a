"""The flat list of commentable clauses, derived from the provision tree.

A clause is an article or section ("§ 433", "Статья 5", "Sec. 101"), with its paragraphs and
points rendered into its text one per line with their numbers ("(a) ...\\n(b) ..."). When the
whole article is longer than ``SPLIT_CHARS`` and has numbered paragraphs, each paragraph becomes
a clause of its own ("Article 5 (2)"), and the same rule applies again inside a long paragraph
("§ 2-1401.02 (a)(5A)"): one comment thread per screenful. Headings of parts and chapters, the
front matter and the preamble are clauses too (their own words only), so that every word of
the document belongs to exactly one clause, in order.

The clause's own designation ("§ 5", "(2)") is in its ``label``, not in its ``text``, so that a
renumbered clause still has the same text and ``drafts.align`` can recognise it.
"""
from __future__ import annotations

import re

from drafts.model import Clause, Provision
from drafts.patterns import ARTICLE_KINDS, GROUP_KINDS
from drafts.text import words

TYPE_CHECKING = False  # not typing's: importing typing costs a few ms per run
if TYPE_CHECKING:  # for annotations only: drafts.document imports this module
    from drafts.document import Document

SPLIT_CHARS = 1500  #: an article longer than this is commented paragraph by paragraph
STRUCTURAL = GROUP_KINDS | ARTICLE_KINDS | {"heading"}
_SEPARATORS = " .:-–—"
_FIXED_LABELS = {"preamble": "Preamble", "frontmatter": "Front matter"}


def clauses(doc: Document) -> list[Clause]:
    """The clauses of ``doc`` in document order; ``key == eid`` (a first revision)."""
    out: list[dict[str, str]] = []
    _emit_children(doc.provisions, "", out)
    return [Clause(key=c["eid"], **c) for c in out]


def _emit_children(children: list[Provision], label: str, out: list[dict[str, str]]) -> None:
    i = 0
    while i < len(children):
        c = children[i]
        if c.kind in STRUCTURAL:
            _emit(c, label, out)
        elif c.kind == "text" and out:
            out[-1]["text"] = _join(out[-1]["text"], _lines(c))
        else:
            _unit(c, list(c.children), label, out)
        i += 1


def _emit(p: Provision, parent_label: str, out: list[dict[str, str]]) -> None:
    """A heading: one clause if nothing structural is below it, else its own words + recursion."""
    first = next((i for i, c in enumerate(p.children) if c.kind in STRUCTURAL), None)
    if first is None:
        _unit(p, list(p.children), parent_label, out)
        return
    _unit(p, p.children[:first], parent_label, out)
    _emit_children(p.children[first:], label_of(p, parent_label), out)


def _unit(p: Provision, kids: list[Provision], parent_label: str, out: list[dict[str, str]],
          nested: bool = False) -> None:
    label = label_of(p, parent_label, nested)
    own = [line for line in p.text.split("\n") if line.strip()]
    body = own + [line for k in kids for line in render(k)]
    if sum(len(line) + 1 for line in body) > SPLIT_CHARS and any(k.num for k in kids):
        out.append(_clause(p, label, own))
        for k in kids:
            if k.num:
                _unit(k, list(k.children), label, out, nested=p.kind in ("paragraph", "point"))
            else:
                out[-1]["text"] = _join(out[-1]["text"], render(k))
        return
    out.append(_clause(p, label, body))


def _clause(p: Provision, label: str, lines: list[str]) -> dict[str, str]:
    return {"eid": p.eid, "label": label, "heading": p.heading, "text": "\n".join(lines),
            "kind": p.kind, "num": p.num}


def _join(text: str, lines: list[str]) -> str:
    return "\n".join(([text] if text else []) + lines)


def _lines(p: Provision) -> list[str]:
    return [line for line in p.text.split("\n") if line.strip()]


def render(p: Provision) -> list[str]:
    """A provision and everything below it as lines of plain text, numbers included."""
    own = _lines(p)
    head = " ".join(x for x in (p.marker, p.heading) if x)
    if head and own and not p.heading:
        own[0] = f"{head} {own[0]}"
    elif head:
        own.insert(0, head)
    for c in p.children:
        own.extend(render(c))
    return own


def label_of(p: Provision, parent_label: str = "", nested: bool = False) -> str:
    """A human label: "§ 2-501", "Статья 5", "Article 5 (2)", "§ 2-1401.02 (a)(5A)";
    ``nested``: the parent is itself a numbered paragraph, so the numbers run together."""
    if p.kind in ("paragraph", "point"):
        own = f"({p.num})" if p.num else ""
        if not parent_label:
            return own
        return parent_label + ("" if nested else " ") + own
    if p.kind in _FIXED_LABELS:
        return _FIXED_LABELS[p.kind]
    if p.marker and p.marker != p.num:
        return _wording(p, p.marker.rstrip(_SEPARATORS) or p.marker)
    if p.num:
        return _wording(p, f"{'§' if p.kind == 'section' else p.kind.capitalize()} {p.num}")
    if p.heading:
        return p.heading if len(p.heading) <= 80 else p.heading[:79].rstrip() + "…"
    return parent_label or p.kind.capitalize()


#: German consolidated texts print the wording in force first, then the one that will replace it
_WORDINGS = {"de": ("geltende Fassung", "künftige Fassung", "Fassung {n}"),
             "": ("current wording", "future wording", "wording {n}")}
_GERMAN = re.compile(r"(?i)\b(?:der|die|das|und|des|dem|den|nach|von|weggefallen|aufgehoben)\b|[äöüß]")


def _wording(p: Provision, label: str) -> str:
    """``label`` plus which wording this is, when the provision is printed more than once."""
    if not p.wording:
        return label
    names = _WORDINGS["de" if _GERMAN.search(f"{p.heading} {p.text[:300]}") else ""]
    name = names[p.wording - 1] if p.wording <= 2 else names[2].format(n=p.wording)
    return f"{label} ({name})"


def document_words(doc: Document) -> list[str]:
    """The words of the tree: each provision's designation, heading and text, in order."""
    out: list[str] = []
    for p in doc.walk():
        out += words(p.marker) + words(p.heading) + words(p.text)
    return out


def clause_words(doc: Document, items: list[Clause]) -> list[str]:
    """The words of a clause list: each clause's own designation (from the tree, as the label
    also carries its ancestors' numbers), heading and text. Equals ``document_words(doc)``."""
    markers = {p.eid: p.marker for p in doc.walk()}
    out: list[str] = []
    for c in items:
        out += words(markers.get(c.eid, "")) + words(c.heading) + words(c.text)
    return out
