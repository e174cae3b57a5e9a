"""Every version of every act in the shared corpus (../shared/corpus from the repository root):
nothing lost, unique eids, sensible clauses. Each file is parsed once per session (``loaded``);
without the corpus the tests skip with the reason."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from drafts import load
from drafts.clauses import clause_words, document_words
from drafts.formats.xml import dialect_of, parse_xml, source_text
from drafts.text import words

pytestmark = pytest.mark.corpus
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_files(pattern: str) -> list[Path]:
    return sorted(CORPUS.glob(pattern)) if CORPUS.is_dir() else []


def need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")


@cache
def read(path: Path) -> bytes:
    return path.read_bytes()


@cache
def loaded(path: Path):
    """(document, clauses) for one corpus file, parsed once per session."""
    doc = load(read(path), filename=path.name)
    return doc, doc.clauses()


MARKDOWN = corpus_files("*/v*.md")
XML = corpus_files("*/v*.xml") + corpus_files("akn/*.akn.xml")


def _ids(paths):
    return [str(p.relative_to(CORPUS)) for p in paths]


def test_corpus_is_present_or_skipped():
    need_corpus()
    assert len(MARKDOWN) >= 30 and len(XML) >= 9


@pytest.mark.parametrize("path", MARKDOWN, ids=_ids(MARKDOWN))
def test_markdown_versions_lose_no_words(path):
    doc, clauses = loaded(path)
    src = words(read(path).decode("utf-8"))
    assert src == document_words(doc)
    assert src == clause_words(doc, clauses)


@pytest.mark.parametrize("path", XML, ids=_ids(XML))
def test_xml_versions_lose_no_words(path):
    doc, clauses = loaded(path)
    root = parse_xml(read(path))
    src = words(source_text(root, dialect_of(root)))
    assert src == document_words(doc) == clause_words(doc, clauses)


@pytest.mark.parametrize("path", MARKDOWN + XML, ids=_ids(MARKDOWN + XML))
def test_eids_unique_and_clauses_labelled(path):
    doc, clauses = loaded(path)
    eids = [p.eid for p in doc.walk()]
    assert len(eids) == len(set(eids))
    assert all(c.label and c.key == c.eid for c in clauses)


@pytest.mark.parametrize("act, eid, label, heading", [
    ("de-bgb/v6.md", "book_2__dvs_8__title_1__subtitle_1__sec_433", "§ 433",
     "Vertragstypische Pflichten beim Kaufvertrag"),
    ("us-dc-code-t2-ch5/v7.md", "chp_5__subchp_i__sec_2-505", "§ 2-505",
     "Public notice and participation in rulemaking; emergency rules."),
    ("ru-nk-part1/v2.md", "part_1__dvs_i__chp_1__art_2", "Статья 2",
     "Отношения, регулируемые законодательством о налогах и сборах"),
    ("us-bill-116-hr2157/v2.md", "title_i__sec_101", "Sec. 101", ""),
    ("us-dc-code-t2-ch5/v7.xml", "chp_5__subchp_i__sec_2-505", "§ 2-505",
     "Public notice and participation in rulemaking; emergency rules."),
])
def test_known_clauses(act, eid, label, heading):
    need_corpus()
    _, clauses = loaded(CORPUS / act)
    found = {c.eid: c for c in clauses}
    assert (found[eid].label, found[eid].heading) == (label, heading)


def test_markdown_and_xml_of_the_dc_code_give_the_same_section_texts():
    need_corpus()
    md = {c.eid: c.text for c in loaded(CORPUS / "us-dc-code-t2-ch5/v7.md")[1]}
    xml = {c.eid: c.text for c in loaded(CORPUS / "us-dc-code-t2-ch5/v7.xml")[1]}
    shared = [e for e in md if e in xml and "__sec_" in e]
    assert len(shared) > 40
    assert sum(md[e] == xml[e] for e in shared) / len(shared) > 0.9
