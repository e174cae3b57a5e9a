"""Merging proposals into a clause that staff may have edited meanwhile: nothing is lost silently."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafts.merge import Hunk, MergeConflict, merge_proposal, merge_proposals

BASE = ("Заявление рассматривается в течение тридцати календарных дней со дня его регистрации. "
        "Решение направляется заявителю в письменной форме.")
PROPOSED = BASE.replace("тридцати календарных", "пятнадцати рабочих")


def test_clean_when_the_clause_is_unchanged_since_the_proposal():
    result = merge_proposal(BASE, PROPOSED, BASE)
    assert (result.status, result.text, result.conflict) == ("clean", PROPOSED, None)


def test_staff_edit_of_a_neighbouring_sentence_is_kept_and_the_proposal_applied():
    current = BASE.replace("в письменной форме", "в электронной форме")
    result = merge_proposal(BASE, PROPOSED, current)
    assert result.status == "merged"
    assert result.text == ("Заявление рассматривается в течение пятнадцати рабочих дней со дня "
                           "его регистрации. Решение направляется заявителю в электронной форме.")


def test_staff_edit_of_neighbouring_words_is_kept():
    """ECOSYSTEM.md case C: "регистрации" -> "поступления" next to the proposal's words."""
    current = BASE.replace("регистрации", "поступления")
    assert merge_proposal(BASE, PROPOSED, current).text == PROPOSED.replace(
        "регистрации", "поступления")


def test_case_d_staff_changed_the_same_words_is_a_conflict_with_all_three_texts():
    """ECOSYSTEM.md case D: patch_apply reports success and overwrites "двадцати"; we don't."""
    current = BASE.replace("тридцати", "двадцати")
    result = merge_proposal(BASE, PROPOSED, current)
    assert (result.status, result.text) == ("conflict", None)
    conflict = result.conflict
    assert (conflict.base, conflict.current, conflict.proposed) == (BASE, current, PROPOSED)
    assert conflict.hunks == (Hunk(36, 56, "тридцати календарных", "двадцати календарных",
                                   "пятнадцати рабочих"),)
    with pytest.raises(MergeConflict) as raised:
        result.unwrap()
    assert raised.value.conflict is conflict


@pytest.mark.parametrize(("base", "current", "proposed"), [
    # both insert at the same place: which order is a human decision
    ("The fee is ten euros.", "The fee is ten euros, payable monthly.",
     "The fee is ten euros, payable in advance."),
    # an insertion right where the other side replaced a character touches it
    ("The fee is ten euros.", "The fee is ten euros!", "The fee is ten euros per page."),
    # staff deleted the sentence the proposal edits
    ("The fee is ten euros. Refunds are due within thirty days.", "The fee is ten euros.",
     "The fee is ten euros. Refunds are due within a month."),
])
def test_touching_or_overlapping_edits_conflict(base, current, proposed):
    assert merge_proposal(base, proposed, current).status == "conflict"


def test_edits_of_different_words_in_one_sentence_merge():
    result = merge_proposal("The fee is ten euros.", "The fee is ten euros per page.",
                            "The fee is twelve euros.")
    assert (result.status, result.text) == ("merged", "The fee is twelve euros per page.")


def test_identical_changes_on_both_sides_are_not_a_conflict():
    result = merge_proposal(BASE, PROPOSED, PROPOSED)
    assert (result.status, result.text) == ("noop", PROPOSED)


def test_proposal_already_contained_in_a_larger_staff_edit_is_noop():
    current = PROPOSED.replace("в письменной форме", "в электронной форме")
    result = merge_proposal(BASE, PROPOSED, current)
    assert (result.status, result.text) == ("noop", current)


def test_proposal_that_changes_nothing_is_noop():
    current = BASE.replace("регистрации", "поступления")
    assert merge_proposal(BASE, BASE, current).text == current


def test_crlf_from_a_web_form_is_not_a_change():
    base = "First line.\nSecond line."
    proposed = "First line.\r\nSecond line, amended."
    assert merge_proposal(base, proposed, base).text == "First line.\nSecond line, amended."


def test_two_proposals_on_different_words_are_both_applied():
    other = BASE.replace("в письменной форме", "в электронной форме")
    result = merge_proposals(BASE, [(BASE, PROPOSED), (BASE, other)])
    assert result.status == "merged"
    assert result.text == PROPOSED.replace("в письменной форме", "в электронной форме")


def test_two_proposals_on_the_same_words_conflict_instead_of_overwriting():
    rival = BASE.replace("тридцати", "десяти")
    result = merge_proposals(BASE, [(BASE, PROPOSED), (BASE, rival)])
    assert result.status == "conflict"
    assert result.conflict.current == PROPOSED  # the text the second one was merged into
    assert result.conflict.proposed == rival


@pytest.mark.parametrize(("proposals", "status"), [
    ([], "noop"),
    ([(BASE, BASE)], "noop"),
    ([(BASE, PROPOSED)], "clean"),
    ([(BASE, PROPOSED), (BASE, PROPOSED)], "clean"),  # the same proposal twice
])
def test_merge_proposals_status(proposals, status):
    assert merge_proposals(BASE, proposals).status == status


_words = st.sampled_from(["срок", "тридцати", "дней", "fee", "Frist", ",", ".", " ", "\n", "§"])
_texts = st.lists(_words, max_size=25).map("".join)


@given(_texts, _texts)
def test_unchanged_clause_takes_the_proposal(base, proposed):
    result = merge_proposal(base, proposed, base)
    assert result.status in {"clean", "noop"} and result.text == proposed


@given(_texts, _texts)
def test_empty_proposal_keeps_the_current_text(base, current):
    result = merge_proposal(base, base, current)
    assert result.status in {"clean", "noop"} and result.text == current


@given(_texts, _texts, _texts)
def test_merge_never_loses_an_edit_silently(base, proposed, current):
    """Whatever the inputs: a conflict, or a text; and a clean/merged text differs from the
    current one only if the proposal changed something."""
    result = merge_proposal(base, proposed, current)
    if result.status == "conflict":
        assert result.text is None and result.conflict.hunks
    else:
        assert result.text is not None
        if proposed == base:
            assert result.text == current
        if current == base:
            assert result.text == proposed
