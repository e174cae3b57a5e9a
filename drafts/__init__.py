"""Muhokama's document engine: parse laws into clause trees, align and compare revisions,
anchor quotes, merge proposals and hash revisions.

This package is pure Python. It must never import Flask, SQLAlchemy, Whoosh or ``app``
(tests/test_architecture.py checks), so it can be used from the command line, from tests
and from any other program.
"""
from drafts.align import Change, align
from drafts.anchor import Anchor, Quote, find_quote, make_quote, quote_from_exact
from drafts.clauses import clauses
from drafts.diff import compare, comparison_html, comparison_json, comparison_text, diff_html, word_diff
from drafts.document import Clause, Document, Provision
from drafts.errors import ParseError
from drafts.export import to_akn, to_html, to_markdown
from drafts.hashing import (
    GENESIS,
    canonical,
    chain_hash,
    clauses_content_hash,
    content_hash,
)
from drafts.load import load
from drafts.merge import Conflict, Hunk, MergeConflict, MergeResult, merge_proposal, merge_proposals
from drafts.parse import parse
from drafts.text import words

__all__ = [
    "GENESIS",
    "Conflict",
    "Hunk",
    "MergeConflict",
    "MergeResult",
    "compare",
    "comparison_html",
    "comparison_json",
    "comparison_text",
    "diff_html",
    "merge_proposal",
    "merge_proposals",
    "word_diff",
    "Anchor",
    "Change",
    "Clause",
    "Document",
    "ParseError",
    "Provision",
    "Quote",
    "align",
    "canonical",
    "chain_hash",
    "clauses",
    "clauses_content_hash",
    "content_hash",
    "find_quote",
    "load",
    "make_quote",
    "parse",
    "quote_from_exact",
    "to_akn",
    "to_html",
    "to_markdown",
    "words",
]
