"""Clause alignment: what a reader of the "changes since the last revision" page would notice."""
from __future__ import annotations

import importlib
import itertools

import pytest

from drafts.align import align, clause_body, longest_increasing, normalize_text
from drafts.document import Clause

# the module, not the function that drafts/__init__.py re-exports under the same name
align_mod = importlib.import_module("drafts.align")

TEXTS = [
    "The Ministry publishes every draft regulation on the consultation portal.",
    "Any person may submit comments within thirty calendar days of publication.",
    "Comments are published unless they contain insults or personal data.",
    "The Ministry answers every group of similar comments in a public summary.",
    "The final regulation states which proposals were accepted and why.",
    "This regulation enters into force on the day after its publication.",
]


def art(n: int, text: str, heading: str = "", key: str | None = None) -> Clause:
    eid = f"art_{n}"
    return Clause(key or eid, eid, f"Article {n}", heading, text)


def articles(texts: list[str], first: int = 1) -> list[Clause]:
    return [art(n, t) for n, t in enumerate(texts, first)]


def summary(changes) -> list[tuple[str, str | None, str | None, str]]:
    """(kind, old eid, new eid, lineage key) per change."""
    return [(c.kind, c.old.eid if c.old else None, c.new.eid if c.new else None, c.key)
            for c in changes]


def test_identical_revisions_are_all_unchanged_and_keep_their_keys():
    old = articles(TEXTS)
    assert summary(align(old, articles(TEXTS))) == [
        ("unchanged", f"art_{n}", f"art_{n}", f"art_{n}") for n in range(1, 7)]


def test_edited_article_is_modified_and_keeps_its_key():
    new_texts = TEXTS[:]
    new_texts[1] = TEXTS[1].replace("thirty calendar", "fifteen working")
    changes = align(articles(TEXTS), articles(new_texts))
    assert [c.kind for c in changes] == ["unchanged", "modified"] + ["unchanged"] * 4
    assert changes[1].new.text == new_texts[1] and changes[1].key == "art_2"
    assert 0.5 < changes[1].similarity < 1


def test_renumbered_chapter_is_one_insertion_not_a_rewrite():
    """A new Article 1 pushes every number up by one: the old articles are *renumbered*
    (kind "moved", same words, key carried), nothing is deleted."""
    old = articles(TEXTS)
    new = articles(["Definitions used in this regulation are those of the Consultation Act."]
                   + TEXTS)
    assert summary(align(old, new)) == [("inserted", None, "art_1", "art_1~2")] + [
        ("moved", f"art_{n}", f"art_{n + 1}", f"art_{n}") for n in range(1, 7)]


def test_renumbered_and_edited_keeps_lineage_rather_than_the_number():
    """Article 3 (old 2) was also edited: it must continue old Article 2, not old Article 3
    whose number it now has."""
    edited = TEXTS[1].replace("thirty", "forty-five")
    new = articles(["A new first article about the scope of this regulation."]
                   + [TEXTS[0], edited] + TEXTS[2:])
    changes = align(articles(TEXTS), new)
    moved = changes[2]
    assert (moved.kind, moved.old.eid, moved.new.eid, moved.key) == ("moved", "art_2", "art_3", "art_2")
    assert moved.new.text == edited
    assert [c.kind for c in changes].count("deleted") == 0


def test_article_moved_out_of_order_is_moved_and_the_rest_unchanged():
    old = articles(TEXTS)
    moved_last = [art(6, TEXTS[5])] + [art(n, t) for n, t in enumerate(TEXTS[:5], 1)]
    changes = align(old, moved_last)
    assert changes[0].kind == "moved" and changes[0].key == "art_6"
    assert [c.kind for c in changes[1:]] == ["unchanged"] * 5


def test_deletions_are_placed_where_they_stood():
    new = [art(1, TEXTS[0]), art(2, TEXTS[1]), art(4, TEXTS[3]), art(5, TEXTS[4]), art(6, TEXTS[5])]
    assert summary(align(articles(TEXTS), new)) == [
        ("unchanged", "art_1", "art_1", "art_1"),
        ("unchanged", "art_2", "art_2", "art_2"),
        ("deleted", "art_3", None, "art_3"),
        ("unchanged", "art_4", "art_4", "art_4"),
        ("unchanged", "art_5", "art_5", "art_5"),
        ("unchanged", "art_6", "art_6", "art_6"),
    ]


def test_deletion_at_the_start_and_at_the_end():
    changes = align(articles(TEXTS), [art(n, TEXTS[n - 1]) for n in range(2, 6)])
    assert [c.kind for c in changes] == ["deleted"] + ["unchanged"] * 4 + ["deleted"]
    assert changes[0].old.eid == "art_1" and changes[-1].old.eid == "art_6"


def test_rewritten_article_with_the_same_number_is_deleted_and_inserted_with_a_new_key():
    """Nothing in common but the number: comments on the old words must not move to the new."""
    new = articles(TEXTS)
    new[2] = art(3, "Fees for copies of the file are set by the Cabinet of Ministers annually.")
    changes = align(articles(TEXTS), new)
    assert summary(changes)[2:4] == [("deleted", "art_3", None, "art_3"),
                                     ("inserted", None, "art_3", "art_3~2")]


def test_inserted_key_avoids_all_taken_keys():
    old = [art(1, TEXTS[0]), art(2, TEXTS[1], key="art_2~2")]
    new = [art(1, TEXTS[0]), art(2, "Completely new words about an unrelated topic of fees."),
           art(3, TEXTS[1])]
    assert [c.key for c in align(old, new)] == ["art_1", "art_2", "art_2~2"]
    # keys of clauses deleted in earlier revisions are not reused either
    reserved = align(old, new, reserved_keys={"art_2", "art_2~3"})
    assert [c.key for c in reserved] == ["art_1", "art_2~4", "art_2~2"]


def test_reflowed_article_is_unchanged():
    wrapped = "Any person may submit comments\nwithin thirty calendar days\n  of publication."
    changes = align([art(2, TEXTS[1])], [art(2, wrapped)])
    assert [c.kind for c in changes] == ["unchanged"]


def test_heading_change_is_a_modification():
    changes = align([art(1, TEXTS[0], heading="Publication")],
                    [art(1, TEXTS[0], heading="Publication of drafts")])
    assert changes[0].kind == "modified"


def test_repeated_placeholders_stay_with_their_numbers():
    """Many laws keep "(repealed)" articles; identical texts pair by eid, not by first come."""
    old = [art(1, "(repealed)"), art(2, TEXTS[0]), art(3, "(repealed)"), art(4, TEXTS[1])]
    new = [art(1, "(repealed)"), art(2, "(repealed)"), art(3, "(repealed)"), art(4, TEXTS[1])]
    assert summary(align(old, new)) == [
        ("unchanged", "art_1", "art_1", "art_1"),
        ("deleted", "art_2", None, "art_2"),
        ("inserted", None, "art_2", "art_2~2"),
        ("unchanged", "art_3", "art_3", "art_3"),
        ("unchanged", "art_4", "art_4", "art_4"),
    ]


def test_empty_sides():
    assert align([], []) == []
    assert [c.kind for c in align([], articles(TEXTS[:2]))] == ["inserted", "inserted"]
    assert [c.kind for c in align(articles(TEXTS[:2]), [])] == ["deleted", "deleted"]


def test_few_changes_in_5000_clauses_cost_few_similarity_computations(monkeypatch):
    """Near-linear: the similarity passes only look at the handful of unmatched clauses."""
    calls = []
    real = align_mod.similarity
    monkeypatch.setattr(align_mod, "similarity", lambda a, b: calls.append(1) or real(a, b))
    old = [art(n, f"Clause number {n} regulates matter {n * 7919 % 10007} in detail.")
           for n in range(1, 5001)]
    new = list(old)
    for n in (10, 1000, 2500, 4000, 4999):  # five edited clauses
        new[n] = art(n + 1, old[n].text.replace("in detail", "in some more detail"))
    del new[3000]  # one deleted, one inserted
    new.insert(200, art(9999, "A brand new clause on digital signatures of comments."))
    changes = align(old, new)
    kinds = [c.kind for c in changes]
    assert kinds.count("modified") == 5 and kinds.count("deleted") == 1
    assert kinds.count("inserted") == 1 and kinds.count("unchanged") == 4994 - 1 + 1
    assert len(calls) < 100


@pytest.mark.parametrize(("text", "expected"), [
    ("one\ntwo   three", "one two three"),  # hard wrap and runs of spaces
    ("para one\n\n\n  para two\n", "para one\n\npara two"),  # blank lines = one break
    ("As used here:\n- **(1)** first\n  - **(A)** second", "As used here:\n- **(1)** first\n- **(A)** second"),  # bullets keep their line
    ("The term:\n(5) “Employee” means\nany individual.\n(5A) “Gender”", "The term:\n(5) “Employee” means any individual.\n(5A) “Gender”"),  # so do numbered points
    ("wer\n1. eine Auflage oder\n2. eine Erlaubnis\nnicht", "wer\n1. eine Auflage oder\n2. eine Erlaubnis nicht"),
    ("§\u00a05 applies", "§ 5 applies"),  # no-break space
    ("", ""),
])
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_clause_body_joins_heading_and_text():
    assert clause_body(art(1, "Text\nwrapped.", heading="  Scope ")) == "Scope\n\nText wrapped."


@pytest.mark.parametrize(("seq", "length"), [
    ([], 0), ([3, 1, 2], 2), ([0, 1, 2, 3], 4), ([5, 4, 3], 1), ([1, 5, 2, 6, 3, 7], 4),
])
def test_longest_increasing(seq, length):
    keep = sorted(longest_increasing(seq))
    assert len(keep) == length
    assert all(seq[a] < seq[b] for a, b in itertools.pairwise(keep))
