"""Muhokama's document engine: parse laws into clause trees, align and compare revisions,
anchor quotes, merge proposals and hash revisions.

This package is pure Python. It must never import Flask, SQLAlchemy, Whoosh or ``app``
(tests/test_architecture.py checks), so it can be used from the command line, from tests
and from any other program.

The parsing core is imported eagerly; the rest (exports with lxml, hashing, quotes, merging,
word diffs) on first use, so that ``python -m drafts diff a.md b.md`` does not pay for lxml.
"""
from __future__ import annotations

import importlib

# Eager on purpose: these names are also submodule names (drafts/align.py, parse.py, ...).
# Importing the submodules here, before binding the functions, keeps ``drafts.parse`` the
# function even after something imports ``drafts.parse`` the module.
from drafts.align import Change, align
from drafts.clauses import clauses
from drafts.document import Clause, Document, Provision
from drafts.errors import ParseError
from drafts.load import load
from drafts.parse import parse
from drafts.text import words

TYPE_CHECKING = False  # not typing's: importing typing costs a few ms per run
if TYPE_CHECKING:
    from typing import Any

    from drafts.anchor import Anchor, Quote, find_quote, make_quote, quote_from_exact
    from drafts.diff import (
        compare,
        comparison_html,
        comparison_json,
        comparison_text,
        diff_html,
        word_diff,
    )
    from drafts.export import to_akn, to_html, to_markdown
    from drafts.hashing import (
        GENESIS,
        canonical,
        chain_hash,
        clauses_content_hash,
        content_hash,
    )
    from drafts.merge import (
        Conflict,
        Hunk,
        MergeConflict,
        MergeResult,
        merge_proposal,
        merge_proposals,
    )

_LAZY = {
    **dict.fromkeys(("Anchor", "Quote", "find_quote", "make_quote", "quote_from_exact"), "anchor"),
    **dict.fromkeys(("compare", "comparison_html", "comparison_json", "comparison_text",
                     "diff_html", "word_diff"), "diff"),
    **dict.fromkeys(("to_akn", "to_html", "to_markdown"), "export"),
    **dict.fromkeys(("GENESIS", "canonical", "chain_hash", "clauses_content_hash",
                     "content_hash"), "hashing"),
    **dict.fromkeys(("Conflict", "Hunk", "MergeConflict", "MergeResult", "merge_proposal",
                     "merge_proposals"), "merge"),
}
_SUBMODULES = frozenset(("anchor", "diff", "export", "formats", "hashing", "merge"))


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"drafts.{_LAZY[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"drafts.{name}")
    else:
        raise AttributeError(f"module 'drafts' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


__all__ = [
    "GENESIS",
    "Anchor",
    "Change",
    "Clause",
    "Conflict",
    "Document",
    "Hunk",
    "MergeConflict",
    "MergeResult",
    "ParseError",
    "Provision",
    "Quote",
    "align",
    "canonical",
    "chain_hash",
    "clauses",
    "clauses_content_hash",
    "compare",
    "comparison_html",
    "comparison_json",
    "comparison_text",
    "content_hash",
    "diff_html",
    "find_quote",
    "load",
    "make_quote",
    "merge_proposal",
    "merge_proposals",
    "parse",
    "quote_from_exact",
    "to_akn",
    "to_html",
    "to_markdown",
    "word_diff",
    "words",
]
