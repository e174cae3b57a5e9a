"""A chapter inserted and the later ones renumbered: the sections inside them did not move.

"Moved" is for a clause whose place among the others changed, whose own number changed or which
now stands under another parent; an eid that changed only with its chapter's number is none of
those. Checked in the engine (``drafts.align``), on stored revisions (``drafts.lineage``) and on a
real act where this happens (skipped without the shared corpus)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import drafts
from drafts.align import align
from drafts.lineage import compare_by_key

REPO = Path(__file__).resolve().parents[2]
CORPUS = next((p for p in (Path(os.environ.get("MUHOKAMA_CORPUS") or "/nonexistent"),
                           REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus")
               if (p / "index.json").exists()), None)

OLD = """# Law on Transport

## Chapter 5. Roads

### Article 10. Roads

Roads are built and kept by the state.

## Chapter 5a. Bridges

### Article 11. Bridges

Bridges are inspected every year by an engineer.

### Article 12. Tolls

Tolls on bridges are set by the Cabinet of Ministers.

## Chapter 6. Final provisions

### Article 13. Entry into force

This law enters into force on the day of its publication.
"""

# Chapter "5a. Tunnels" inserted; Bridges becomes 5b.
NEW = OLD.replace("## Chapter 5a. Bridges", """## Chapter 5a. Tunnels

### Article 10a. Tunnels

Tunnels are ventilated and lit at all times.

## Chapter 5b. Bridges""")

# Article 12 leaves Chapter 5a for Chapter 6 and keeps its number and place in the order.
ELSEWHERE = OLD.replace("### Article 12. Tolls\n\nTolls on bridges are set by the Cabinet of Ministers.\n\n", "") \
    .replace("## Chapter 6. Final provisions\n", "## Chapter 6. Final provisions\n\n### Article 12. Tolls\n\n"
             "Tolls on bridges are set by the Cabinet of Ministers.\n")


def clauses(md: str):
    return drafts.parse(md).clauses()


def kinds(changes) -> dict[str, tuple[str, str]]:
    """new eid (old eid for a deletion) -> (kind, old eid)."""
    return {(c.new or c.old).eid: (c.kind, c.old.eid if c.old else "") for c in changes}


def rows(old_md: str, new_md: str):
    """Both revisions as stored (keys carried by align), compared by lineage key."""
    old = clauses(old_md)
    changes = align(old, clauses(new_md))
    new = [c.new for c in changes if c.new is not None]
    return compare_by_key([c.as_dict() | {"kind": c.kind, "num": c.num} for c in old],
                          [c.as_dict() | {"kind": c.kind, "num": c.num} for c in new])


def test_sections_of_a_renumbered_chapter_are_unchanged_and_the_chapter_is_renumbered():
    got = kinds(align(clauses(OLD), clauses(NEW)))
    assert got["chp_5b__art_11"] == ("unchanged", "chp_5a__art_11")
    assert got["chp_5b__art_12"] == ("unchanged", "chp_5a__art_12")
    assert got["chp_5b"] == ("moved", "chp_5a")  # its own number changed
    assert got["chp_5a"][0] == got["chp_5a__art_10a"][0] == "inserted"
    assert got["chp_6__art_13"] == ("unchanged", "chp_6__art_13")
    assert [k for k, _ in got.values()].count("moved") == 1


def test_stored_revisions_compare_the_same_way():
    by_eid = {(r.new or r.old)["eid"]: r for r in rows(OLD, NEW)}
    assert by_eid["chp_5b__art_11"].kind == by_eid["chp_5b__art_12"].kind == "unchanged"
    chapter = by_eid["chp_5b"]
    assert (chapter.kind, chapter.reordered, chapter.title) == ("moved", False, "Chapter 5a → Chapter 5b")
    assert sum(r.kind == "moved" for r in by_eid.values()) == 1


def test_a_section_under_another_chapter_is_moved_though_its_number_and_order_stayed():
    got = kinds(align(clauses(OLD), clauses(ELSEWHERE)))
    assert got["chp_6__art_12"] == ("moved", "chp_5a__art_12")
    assert got["chp_5a__art_11"] == ("unchanged", "chp_5a__art_11")
    moved = next(r for r in rows(OLD, ELSEWHERE) if r.new and r.new["eid"] == "chp_6__art_12")
    assert (moved.kind, moved.reordered) == ("moved", True)  # shown as "Moved", not "Renumbered"


def test_a_section_renumbered_in_place_is_still_renumbered():
    renumbered = OLD.replace("### Article 12. Tolls", "### Article 12a. Tolls")
    got = kinds(align(clauses(OLD), clauses(renumbered)))
    assert got["chp_5a__art_12a"] == ("moved", "chp_5a__art_12")
    row = next(r for r in rows(OLD, renumbered) if r.new and r.new["eid"] == "chp_5a__art_12a")
    assert (row.kind, row.reordered) == ("moved", False)


def test_a_chapter_wrapped_around_old_sections_leaves_them_in_place():
    wrapped = OLD.replace("### Article 11. Bridges", "### Subchapter 1. Inspection\n\n#### Article 11. Bridges")
    got = kinds(align(clauses(OLD), clauses(wrapped)))
    assert got["chp_5a__subchp_1"][0] == "inserted"
    assert got["chp_5a__subchp_1__art_11"] == ("unchanged", "chp_5a__art_11")


@pytest.mark.skipif(CORPUS is None, reason="the shared corpus is not here")
def test_real_act_a_title_inserted_and_the_later_ones_renumbered():
    """H.R. 2157 (116th Congress): the second version inserts Title V (General Services
    Administration); Titles V-XI become VI-XII. Their unnumbered headings kept their words, number
    and order: unchanged. Each renumbered title itself is "moved" (renumbered)."""
    act = CORPUS / "us-bill-116-hr2157"
    v1, v2 = (clauses((act / f"v{n}.md").read_text(encoding="utf-8")) for n in (1, 2))
    changes = align(v1, v2)
    got = kinds(changes)
    assert got["title_v"][0] == "inserted"
    assert got["title_vi"] == ("moved", "title_v")
    for eid in ("title_vi__hcontainer_1", "title_vi__hcontainer_1__hcontainer_1", "title_vii__hcontainer_9__hcontainer_1",
                "title_vii__hcontainer_10__hcontainer_1__hcontainer_1"):
        assert got[eid][0] == "unchanged", (eid, got[eid])
    assert len([c for c in changes if c.kind == "moved"]) < 40  # 95 before this rule
