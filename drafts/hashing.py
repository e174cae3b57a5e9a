"""Content and chain hashes, so anyone can verify that a published history was not rewritten.

Canonical form (version ``muhokama/1``): UTF-8 JSON with sorted keys, no insignificant
whitespace (``separators=(",", ":")``), non-ASCII characters written as themselves, every string
in Unicode NFC. A document is ``{"format", "title", "lang", "provisions"}``; a provision is
``{"kind", "num", "marker", "heading", "text", "eid", "children"}``; a clause list is
``{"format", "clauses": [{"key", "eid", "label", "heading", "text", "kind", "num"}, ...]}``.
Nothing in it depends on the Python run (no hash randomisation, no floats, no dict order).

``chain_hash(parent, content) = sha256("muhokama-chain/1\\n" + parent + "\\n" + content)``, where
a first revision's parent is ``GENESIS`` (64 zeros), like a Git commit naming its parent.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable

from drafts.document import Clause, Document, Provision

FORMAT = "muhokama/1"
GENESIS = "0" * 64
_CLAUSE_FIELDS = ("key", "eid", "label", "heading", "text", "kind", "num")


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _provision(p: Provision) -> dict:
    return {"kind": _nfc(p.kind), "num": _nfc(p.num), "marker": _nfc(p.marker),
            "heading": _nfc(p.heading), "text": _nfc(p.text), "eid": _nfc(p.eid),
            "children": [_provision(c) for c in p.children]}


def _dump(obj: dict) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical(doc: Document) -> bytes:
    """The canonical serialisation of the tree (see the module docstring)."""
    return _dump({"format": FORMAT, "title": _nfc(doc.title), "lang": _nfc(doc.lang),
                  "provisions": [_provision(p) for p in doc.provisions]})


def content_hash(doc: Document) -> str:
    """sha256 hex of ``canonical(doc)``."""
    return hashlib.sha256(canonical(doc)).hexdigest()


def canonical_clauses(clauses: Iterable[Clause]) -> bytes:
    """The canonical serialisation of a clause list, as the web app stores a revision."""
    return _dump({"format": FORMAT,
                  "clauses": [{f: _nfc(getattr(c, f)) for f in _CLAUSE_FIELDS} for c in clauses]})


def clauses_content_hash(clauses: Iterable[Clause]) -> str:
    """sha256 hex of ``canonical_clauses(clauses)``; lineage keys are part of the content."""
    return hashlib.sha256(canonical_clauses(clauses)).hexdigest()


def chain_hash(parent_chain_hash: str | None, content_hash: str) -> str:
    """sha256 hex over the parent's chain hash (``GENESIS`` for a first revision) and this
    revision's content hash."""
    parent = GENESIS if parent_chain_hash is None else parent_chain_hash
    for name, value in (("parent_chain_hash", parent), ("content_hash", content_hash)):
        if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
            raise ValueError(f"{name} must be 64 lower-case hex digits, got {value!r}")
    return hashlib.sha256(f"muhokama-chain/1\n{parent}\n{content_hash}".encode("ascii")).hexdigest()
