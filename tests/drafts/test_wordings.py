"""A consolidated text that prints one section twice (German consolidated laws: the wording in force,
then the one that will replace it) parses both, tells them apart, and dropping one reads as a
change to that section, not as a renumbering of an unrelated clause."""
from __future__ import annotations

import pytest

import drafts
from drafts.align import align
from tests.drafts.test_renumbered import CORPUS

TWICE = """# Gesetz über Beispiele

### § 1 Zweck

Dieses Gesetz regelt die Beispiele.

### § 2 Anzeigepflicht

Wer ein Beispiel gibt, muss es der Behörde anzeigen.

### § 2 Anzeigepflicht

Wer ein Beispiel gibt, muss es der Behörde elektronisch und binnen einer Woche anzeigen.

### § 3 Inkrafttreten

Dieses Gesetz tritt am Tag nach der Verkündung in Kraft.
"""
IN_FORCE = TWICE.replace("""### § 2 Anzeigepflicht

Wer ein Beispiel gibt, muss es der Behörde anzeigen.

""", "")
CANCELLED = TWICE.replace("""### § 2 Anzeigepflicht

Wer ein Beispiel gibt, muss es der Behörde elektronisch und binnen einer Woche anzeigen.

""", "")


def by_eid(md: str):
    return {c.eid: c for c in drafts.parse(md).clauses()}


def test_both_wordings_are_parsed_with_their_own_eids_and_labels():
    got = by_eid(TWICE)
    assert got["sec_2"].label == "§ 2 (geltende Fassung)" and "binnen" not in got["sec_2"].text
    assert got["sec_2_2"].label == "§ 2 (künftige Fassung)" and "binnen einer Woche" in got["sec_2_2"].text
    assert got["sec_1"].label == "§ 1" and got["sec_3"].label == "§ 3"


def test_an_english_text_printed_twice_says_current_and_future_wording():
    got = by_eid("# Act\n\n### Section 4. Fees\n\nFees are 5.\n\n### Section 4. Fees\n\nFees are 6.\n")
    assert [got["sec_4"].label, got["sec_4_2"].label] == ["Section 4 (current wording)", "Section 4 (future wording)"]


def test_a_list_that_restarts_its_numbers_is_not_a_second_wording():
    got = by_eid("# Act\n\n### Article 1. Terms\n\n1. one;\n2. two.\n\nAnd:\n\n1. three;\n2. four.\n")
    assert all("wording" not in c.label for c in got.values())


@pytest.mark.parametrize("newer, kept, dropped", [
    (IN_FORCE, "sec_2_2", "sec_2"),     # the future wording came into force
    (CANCELLED, "sec_2", "sec_2_2"),    # the change was called off
])
def test_dropping_one_wording_reads_as_a_change_to_that_section(newer, kept, dropped):
    old = drafts.parse(TWICE).clauses()
    changes = align(old, drafts.parse(newer).clauses())
    kinds = {(c.old.eid if c.old else None, c.new.eid if c.new else None): c.kind for c in changes}
    assert kinds[(dropped, None)] == "deleted"
    assert kinds[(kept, "sec_2")] == "unchanged"  # the surviving wording is § 2 now, same words
    assert "moved" not in kinds.values() and "inserted" not in kinds.values()
    gone = next(c for c in changes if c.kind == "deleted")
    assert gone.old.label.startswith("§ 2 (")


@pytest.mark.skipif(CORPUS is None, reason="the shared corpus is not here")
def test_real_consolidated_text_with_a_section_printed_twice():
    """MoselSchPEV as of version 8 prints Art 1a twice: "(weggefallen)", then the new wording."""
    act = CORPUS / "de-moselschpev"
    v7, v8 = (drafts.parse((act / f"v{n}.md").read_text(encoding="utf-8")).clauses() for n in (7, 8))
    twice = {c.eid: c for c in v8 if c.eid.startswith("art_1a")}
    assert {e: c.label for e, c in twice.items()} == {"art_1a": "Art 1a (geltende Fassung)",
                                                     "art_1a_2": "Art 1a (künftige Fassung)"}
    changes = {(c.new or c.old).eid: c.kind for c in align(v7, v8)}
    assert changes["art_1a"] == "unchanged" and changes["art_1a_2"] == "inserted"
    # and once the new wording replaces the old, dropping the old one is a change to Art 1a
    v9 = [c for c in v8 if c.eid != "art_1a"]
    after = align(v8, v9)
    assert [c.kind for c in after if c.kind != "unchanged"] == ["deleted"]
    assert next(c for c in after if c.kind == "deleted").old.eid == "art_1a"
