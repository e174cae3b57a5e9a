"""Properties of parsing, checked on generated law-like documents (Hypothesis):

* nothing is lost: the words of the source, in order, are the words of the tree and of the
  clause list (``drafts.text.words`` defines a word);
* eids are unique; the Markdown and Akoma Ntoso exports read back to the same clauses;
* re-wrapping the paragraphs does not change any clause.
"""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drafts import ParseError, parse, to_akn, to_html, to_markdown
from drafts.clauses import clause_words, document_words
from drafts.export import _Levels
from drafts.formats.xml import read_xml
from drafts.text import words

WORDS = st.sampled_from(["law", "Mayor", "shall", "§", "5", "des", "налог", "Статья", "(a)",
                         "1.", "Article", "modda", "**bold**", "_x_", "a\\*b", "&amp;", "—", "-",
                         "#", "|", "Abs.", "2-1401.02", "qo'llaniladi", "<b>", "\"q\""])
SENTENCE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
NUM = st.sampled_from(["1", "2", "5A", "2-501", "12a", "I", "IV"])
HEADING = st.tuples(st.integers(1, 6), st.sampled_from(
    ["§ {n}", "Article {n}.", "Section {n}", "Статья {n}.", "{n}-modda.", "Глава {n}.", "{n}-bob.",
     "Chapter {n}", "Part {n} -", "Kapitel {n} -", "Buch {n}", "Раздел {n}", "General"]),
    NUM, SENTENCE).map(lambda t: "#" * t[0] + " " + t[1].format(n=t[2]) + " " + t[3])
TEXT_HEADING = st.tuples(st.sampled_from(["Статья {n}.", "Article {n}.", "§ {n}.", "{n}-modda."]),
                         NUM, st.sampled_from(["Purpose", "Сфера", "Maqsad", ""])).map(
    lambda t: (t[0].format(n=t[1]) + " " + t[2]).strip())
MARKER = st.tuples(st.sampled_from(["({n})", "{n}.", "{n})", "- **({n})**", "  - **({n})**",
                                    "    {n})", "1.  "]),
                   st.sampled_from(["1", "2", "a", "b", "i", "ii", "A", "5A", "а"]), SENTENCE).map(
    lambda t: t[0].format(n=t[1]) + " " + t[2])
GARBAGE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
LINE = st.one_of(HEADING, TEXT_HEADING, MARKER, SENTENCE, SENTENCE, GARBAGE,
                 st.sampled_from(["", "", "---", "===", "* * *", "- item", "> quote", "| a | b |"]))
DOC = st.lists(LINE, min_size=1, max_size=40).map("\n".join).filter(lambda s: words(s))
LAW_LINE = st.one_of(HEADING, TEXT_HEADING, MARKER, SENTENCE, st.just(""))
LAW = st.lists(LAW_LINE, min_size=1, max_size=30).map("\n\n".join).filter(lambda s: s.strip())
# words that cannot start a Markdown block when a re-wrap puts them at a line start ("#", "-",
# "(a)", "1." after a full stop would: Markdown itself reads those as structure)
PLAIN = st.lists(st.sampled_from(["law", "Mayor", "shall", "5", "des", "налог", "статья",
                                  "article", "Abs.", "2-1401.02", "qo'llaniladi", "&amp;",
                                  "**bold**", "—", "(see", "p.)"]), min_size=1, max_size=30).map(" ".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(DOC, st.sampled_from(["md", "text"]))
def test_nothing_is_lost(src, fmt):
    try:
        doc = parse(src, fmt)
    except ParseError:  # only markup ("---", "* * *"): no words to lose
        assert words(src) == []
        return
    assert words(src) == document_words(doc)
    assert document_words(doc) == clause_words(doc, doc.clauses())


@FAST
@given(DOC, st.sampled_from(["md", "text"]))
def test_eids_are_unique_and_clause_keys_equal_eids(src, fmt):
    doc = parse(src, fmt)
    eids = [p.eid for p in doc.walk()]
    assert len(eids) == len(set(eids)) and all(eids)
    assert all(c.key == c.eid for c in doc.clauses())


@FAST
@given(LAW)
def test_markdown_export_reads_back_to_the_same_clauses(src):
    doc = parse(src)
    # Markdown has six heading levels: a tree that needs more is the known case below
    assume(max(_Levels(doc).levels.values(), default=0) <= 6)
    assert parse(to_markdown(doc)).clauses() == doc.clauses()


@pytest.mark.xfail(strict=True, reason="a tree whose headings need more than Markdown's six levels: the "
                                       "exporter writes the seventh as a sixth, and it reads back one level up")
def test_markdown_export_of_headings_deeper_than_six_levels():
    src = ("### Article 1. law\n\n#### § 1 law\n\n# § 1 law\n\n## § 1 law\n\n## Article 1. law\n\n### § 1 law\n\n"
           "Статья 1. Purpose\n\n§ 1. Purpose\n\n# Article 1. law")  # found by the property above
    doc = parse(src)
    assert parse(to_markdown(doc)).clauses() == doc.clauses()


@FAST
@given(DOC)
def test_akn_export_reads_back_to_the_same_clauses(src):
    doc = parse(src)
    assert read_xml(to_akn(doc).encode(), expect="akn").clauses() == doc.clauses()


@FAST
@given(DOC)
def test_html_export_escapes_everything(src):
    out = to_html(parse(src + "\n\n<script>alert(1)</script>"))
    assert "<script>" not in out and "&lt;script&gt;" in out


@FAST
@given(st.lists(PLAIN, min_size=1, max_size=5), st.integers(20, 90))
def test_rewrapping_does_not_change_clauses(paragraphs, width):
    body = "\n\n".join(f"({i}) {p}" for i, p in enumerate(paragraphs, 1))
    wrapped = "\n\n".join(textwrap.fill(f"({i}) {p}", width, break_on_hyphens=False,
                                        break_long_words=False)
                          for i, p in enumerate(paragraphs, 1))
    head = "# Law\n\n## Article 1. Scope\n\n"
    assert parse(head + wrapped).clauses() == parse(head + body).clauses()
