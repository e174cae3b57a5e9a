"""Content and chain hashes: stable, canonical, and sensitive to every change."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drafts import (
    GENESIS,
    canonical,
    chain_hash,
    clauses_content_hash,
    content_hash,
    parse,
)

LAW = "# Law\n\n## Article 1. Scope\n\n(1) Café rules apply.\n"


def test_canonical_is_sorted_compact_utf8_json_in_nfc():
    decomposed = parse(LAW.replace("é", "e\u0301"))
    data = canonical(decomposed)
    assert data == canonical(parse(LAW))  # NFC: the same text in another Unicode form
    assert "Café".encode() in data and b": " not in data
    tree = json.loads(data)
    assert list(tree) == sorted(tree) and tree["format"] == "muhokama/1"


def test_hashes_are_stable_across_python_runs():
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); import drafts; d = drafts.parse({LAW!r}); "
            "print(drafts.content_hash(d), drafts.clauses_content_hash(d.clauses()))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")}
    doc = parse(LAW)
    assert runs == {f"{content_hash(doc)} {clauses_content_hash(doc.clauses())}\n"}


def test_any_word_change_changes_the_hashes():
    a, b = parse(LAW), parse(LAW.replace("apply", "applies"))
    assert content_hash(a) != content_hash(b)
    assert clauses_content_hash(a.clauses()) != clauses_content_hash(b.clauses())


def test_lineage_keys_are_part_of_the_clause_hash():
    clauses = parse(LAW).clauses()
    renamed = [c.with_key("k-" + c.key) for c in clauses]
    assert clauses_content_hash(clauses) != clauses_content_hash(renamed)


def test_chain_hash_links_to_the_parent():
    first = chain_hash(None, "a" * 64)
    assert first == chain_hash(GENESIS, "a" * 64)
    second = chain_hash(first, "b" * 64)
    assert len({first, second, chain_hash(first, "c" * 64), chain_hash(GENESIS, "b" * 64)}) == 4


@pytest.mark.parametrize("parent, content", [("x", "a" * 64), (None, "A" * 64), (None, "a" * 63)])
def test_chain_hash_rejects_malformed_input(parent, content):
    with pytest.raises(ValueError):
        chain_hash(parent, content)
