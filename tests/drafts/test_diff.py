"""Word diffs and whole comparisons as a reader sees them (JSON, HTML, terminal)."""
from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafts.diff import (
    compare,
    comparison_html,
    comparison_json,
    comparison_text,
    diff_html,
    tokenize,
    word_diff,
)
from drafts.document import Clause


@pytest.mark.parametrize(("a", "b", "ops"), [
    ("", "", []),
    ("same", "same", [(0, "same")]),
    ("", "new words", [(1, "new words")]),
    ("old words", "", [(-1, "old words")]),
    ("The fee is ten euros.", "The fee is twelve euros.",
     [(0, "The fee is "), (-1, "ten"), (1, "twelve"), (0, " euros.")]),
    # ECOSYSTEM.md: dmp's own cleanup shows "три|пятна|дцати"; whole words here
    ("в течение тридцати дней", "в течение пятнадцати дней",
     [(0, "в течение "), (-1, "тридцати"), (1, "пятнадцати"), (0, " дней")]),
    # the case-D proposal: two words replaced by two words
    ("в течение тридцати календарных дней со дня регистрации",
     "в течение пятнадцати рабочих дней со дня регистрации",
     [(0, "в течение "), (-1, "тридцати календарных"), (1, "пятнадцати рабочих"),
      (0, " дней со дня регистрации")]),
    ("Die Frist beträgt einen Monat.", "Die Frist beträgt zwei Wochen.",
     [(0, "Die Frist beträgt "), (-1, "einen Monat"), (1, "zwei Wochen"), (0, ".")]),
    # punctuation is a token of its own: only the comma is inserted
    ("if the Minister agrees", "if, the Minister agrees",
     [(0, "if"), (1, ","), (0, " the Minister agrees")]),
    # two separate one-word edits stay separate
    ("a b c", "x b y", [(-1, "a"), (1, "x"), (0, " b "), (-1, "c"), (1, "y")]),
    # a one-space equality between two edits is folded into one readable replacement
    ("the old fee", "a new fee", [(-1, "the old"), (1, "a new"), (0, " fee")]),
])
def test_word_diff_examples(a, b, ops):
    assert word_diff(a, b) == ops


def test_word_diff_of_a_long_text_aligns_paragraphs_first():
    """Above COARSE_CHARS the pair goes paragraph -> sentence -> word; still exact and local."""
    paras = [f"Paragraph {n} says that rule {n} applies to case {n * 3} of the act." * 5
             for n in range(200)]
    changed = list(paras)
    changed[50] = changed[50].replace("rule 50 applies", "rule 50 never applies", 1)
    del changed[120]
    a, b = "\n".join(paras), "\n".join(changed)
    ops = word_diff(a, b)
    assert "".join(t for op, t in ops if op != 1) == a
    assert "".join(t for op, t in ops if op != -1) == b
    assert [t for op, t in ops if op == 1] == ["never "]
    assert [t for op, t in ops if op == -1] == [paras[120] + "\n"]


# Letters from three scripts, a combining accent, punctuation and all sorts of whitespace.
_pieces = st.sampled_from(["fee", "Frist", "срок", "дней", "\u0435\u0301", "5", "§", ".", ",",
                           " ", "  ", "\n", "\n\n", "\t", "(1)", "-", "ß"])
_texts = st.lists(_pieces, max_size=30).map("".join)


@given(_texts, _texts)
def test_word_diff_ops_rebuild_both_texts(a, b):
    ops = word_diff(a, b)
    assert "".join(t for op, t in ops if op != 1) == a
    assert "".join(t for op, t in ops if op != -1) == b
    assert all(t for _, t in ops)  # no empty ops
    assert all(x[0] != y[0] for x, y in itertools.pairwise(ops))  # neighbours are merged


@given(_texts, _texts)
def test_word_diff_never_splits_a_word(a, b):
    """Within each side, every op boundary falls between two tokens, never inside a word."""
    word = re.compile(r"[\w\u0301]")
    ops = word_diff(a, b)
    for text, skip in ((a, 1), (b, -1)):
        pieces = [t for op, t in ops if op != skip]
        pos = 0
        for piece in pieces[:-1]:
            pos += len(piece)
            assert not (word.match(text[pos - 1]) and word.match(text[pos])), ops


def test_tokenize_keeps_everything():
    assert tokenize("§ 5 (1) Die  Frist\nläuft.") == [
        "§", " ", "5", " ", "(", "1", ")", " ", "Die", "  ", "Frist", "\n", "läuft", "."]


def art(n: int, text: str, heading: str = "") -> Clause:
    return Clause(f"art_{n}", f"art_{n}", f"Article {n}", heading, text)


OLD = [art(1, "Drafts are published on the portal."),
       art(2, "Comments may be sent within thirty days."),
       art(3, "The Ministry answers <every> comment."),
       art(4, "This act enters into force today.")]
NEW = [art(1, "Drafts are published\non the portal."),  # reflowed only
       art(2, "Comments may be sent within fifteen days."),
       art(3, "Fees & charges are waived."),  # unrelated text under the same number
       art(4, "This act enters into force today.")]


def test_compare_fills_word_ops_only_where_words_changed():
    changes = compare(OLD, NEW)
    assert [(c.kind, c.ops) for c in changes] == [
        ("unchanged", ()),
        ("modified", ((0, "Comments may be sent within "), (-1, "thirty"), (1, "fifteen"),
                      (0, " days."))),
        ("deleted", ((-1, "The Ministry answers <every> comment."),)),
        ("inserted", ((1, "Fees & charges are waived."),)),
        ("unchanged", ()),
    ]


def test_compare_diffs_the_heading_too():
    changes = compare([art(1, "Same text.", heading="Scope")],
                      [art(1, "Same text.", heading="Scope and purpose")])
    assert changes[0].ops == ((0, "Scope"), (1, " and purpose"), (0, "\n\nSame text."))


def test_comparison_json():
    data = comparison_json(compare(OLD, NEW))
    assert data["totals"] == {"unchanged": 2, "modified": 1, "moved": 0, "inserted": 1,
                              "deleted": 1}
    assert data["changes"][1] == {
        "kind": "modified", "old": "art_2", "new": "art_2", "key": "art_2",
        "old_label": "Article 2", "new_label": "Article 2",
        "ops": [[0, "Comments may be sent within "], [-1, "thirty"], [1, "fifteen"],
                [0, " days."]]}
    assert data["changes"][2]["new"] is None and data["changes"][2]["new_label"] is None
    assert data["changes"][3]["key"] == "art_3~2"


def test_comparison_json_of_a_renumbering_names_both_labels():
    old = [art(1, "First."), art(2, "Second.")]
    new = [art(1, "New first."), art(2, "First."), art(3, "Second.")]
    rows = comparison_json(compare(old, new))["changes"]
    assert [(r["kind"], r["old_label"], r["new_label"], r["key"]) for r in rows] == [
        ("inserted", None, "Article 1", "art_1~2"),
        ("moved", "Article 1", "Article 2", "art_1"),
        ("moved", "Article 2", "Article 3", "art_2")]


def test_comparison_html_escapes_marks_and_folds():
    out = comparison_html(compare(OLD, NEW))
    assert "<del>thirty</del><ins>fifteen</ins>" in out
    assert "&lt;every&gt;" in out and "<every>" not in out
    assert "Fees &amp; charges" in out
    assert out.count('<p class="unchanged-run">') == 2
    assert "1 unchanged clause (Article 1)" in out
    assert '<section class="change modified" data-key="art_2">' in out


def test_comparison_html_context_shows_neighbours_in_full():
    out = comparison_html(compare(OLD, NEW), context=1)
    assert "unchanged-run" not in out
    assert "Drafts are published on the portal." in out


def test_comparison_html_folds_long_unchanged_stretches():
    old = [art(n, f"Clause {n} text.") for n in range(1, 11)]
    new = old[:5] + [art(6, "Clause 6 text, amended.")] + old[6:]
    out = comparison_html(compare(old, new), context=1)
    assert "4 unchanged clauses (Article 1 – Article 4)" in out
    assert "3 unchanged clauses (Article 8 – Article 10)" in out
    assert "Clause 5 text." in out and "Clause 7 text." in out


def test_comparison_text_reads_like_git_word_diff():
    assert comparison_text(compare(OLD, NEW)) == (
        "2 unchanged, 1 modified, 0 moved, 1 inserted, 1 deleted\n"
        "… 1 unchanged clause (Article 1)\n"
        "@@ modified Article 2 [art_2]\n"
        "Comments may be sent within [-thirty-]{+fifteen+} days.\n"
        "@@ deleted Article 3 [art_3]\n"
        "[-The Ministry answers <every> comment.-]\n"
        "@@ inserted Article 3 [art_3~2]\n"
        "{+Fees & charges are waived.+}\n"
        "… 1 unchanged clause (Article 4)\n")


def test_diff_html_escapes():
    assert diff_html("a < b", "a > b") == "a <del>&lt;</del><ins>&gt;</ins> b"
