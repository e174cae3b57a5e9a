"""Comparing real consecutive revisions of laws from the shared corpus (de, en, ru).

Skips cleanly when /work/shared/corpus (../shared/corpus from the repository) is absent or the
parser is not importable. Each document is parsed once per session; the whole module takes a
few seconds, most of it parsing the BGB (1.5 MB per version).
"""
from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest

from drafts.align import clause_body
from drafts.diff import compare, comparison_json

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

pytestmark = pytest.mark.corpus
if not CORPUS.is_dir():
    pytest.skip(f"the shared corpus is not at {CORPUS}", allow_module_level=True)
try:
    from drafts.parse import parse
except ImportError as exc:  # the parser is written in parallel
    pytest.skip(f"drafts.parse is not importable: {exc}", allow_module_level=True)


@functools.cache
def clauses(act: str, version: int) -> tuple:
    text = (CORPUS / act / f"v{version}.md").read_text(encoding="utf-8")
    return tuple(parse(text).clauses())


def check_consistent(old, new, changes) -> None:
    """Every clause accounted for exactly once, new order kept, keys unique, ops exact."""
    assert [c.new for c in changes if c.new is not None] == [
        n.with_key(c.new.key) for n, c in zip(new, (c for c in changes if c.new is not None))]
    assert sorted(id(c.old) for c in changes if c.old is not None) == sorted(map(id, old))
    keys = Counter(c.key for c in changes if c.new is not None)
    assert max(keys.values(), default=1) == 1
    for c in changes:
        a = clause_body(c.old) if c.old is not None else ""
        b = clause_body(c.new) if c.new is not None else ""
        if c.ops:
            assert "".join(t for op, t in c.ops if op != 1) == a
            assert "".join(t for op, t in c.ops if op != -1) == b
        else:
            assert a == b


PAIRS = [("de-moselschpev", v) for v in range(1, 8)] + [
    ("de-btmg", v) for v in range(1, 7)] + [("us-dc-code-t2-ch5", v) for v in range(1, 7)]


@pytest.mark.parametrize(("act", "version"), PAIRS)
def test_consecutive_revisions_are_accounted_for(act, version):
    old, new = clauses(act, version), clauses(act, version + 1)
    changes = compare(old, new)
    check_consistent(old, new, changes)
    totals = comparison_json(changes)["totals"]
    # real amendments touch a minority of clauses: never "everything deleted and re-inserted"
    assert totals["inserted"] + totals["deleted"] < 0.3 * len(new)


def test_identical_revision_is_all_unchanged():
    old = clauses("de-btmg", 7)
    assert {c.kind for c in compare(old, clauses("de-btmg", 7))} == {"unchanged"}


def test_bgb_2013_to_2018_is_a_clause_level_word_diff_not_a_rewrite():
    """The pair on which whole-document diff-match-patch gives "delete all, insert all"."""
    old, new = clauses("de-bgb", 4), clauses("de-bgb", 5)
    changes = compare(old, new)
    check_consistent(old, new, changes)
    totals = comparison_json(changes)["totals"]
    assert totals["unchanged"] > 0.7 * len(old)
    assert totals["deleted"] < 0.1 * len(old)
    modified = [c for c in changes if c.kind == "modified"]
    assert modified and all(any(op == 0 for op, _ in c.ops) for c in modified)


def test_bgb_312g_renamed_312i_keeps_its_lineage():
    """2014 consumer-rights reform: § 312g "Pflichten im elektronischen Geschäftsverkehr"
    became § 312i "Allgemeine Pflichten ..." with edits; comments on it must follow it."""
    changes = compare(clauses("de-bgb", 4), clauses("de-bgb", 5))
    (change,) = [c for c in changes if c.old is not None and c.old.label == "§ 312g (1)"]
    assert change.kind == "moved"
    assert change.new.label.startswith("§ 312i")
    assert change.key == change.old.key
    assert (-1, "246 § 3") in change.ops and (1, "246c") in change.ops  # word level
    assert (-1, "Nr.") in change.ops and (1, "Nummer") in change.ops


def test_russian_tax_code_amendment_is_word_level():
    old, new = clauses("ru-nk-part1", 1), clauses("ru-nk-part1", 2)
    changes = compare(old, new)
    check_consistent(old, new, changes)
    totals = comparison_json(changes)["totals"]
    assert totals["unchanged"] > 0.9 * len(old)
    assert totals["modified"] > 0
