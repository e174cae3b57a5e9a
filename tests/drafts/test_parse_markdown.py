"""Parsing Markdown and plain text: the eids, labels and texts a reader of the law sees."""
from __future__ import annotations

import pytest

from drafts import ParseError, parse
from drafts.clauses import clause_words, document_words
from drafts.text import words

DC = """# Chapter 14. Human Rights.

### § 2-1401.02. Definitions.

When used in this chapter, and unless otherwise specified:

- **(a)** The term:
  - **(5)** “Employee” means any individual employed by an employer.
  - **(5A)** “Gender identity or expression” means a gender-related identity.
- **(b)** The term “person” means any individual.
"""


def outline(text: str, fmt: str = "md") -> list[tuple[str, str, str]]:
    return [(c.eid, c.label, c.text) for c in parse(text, fmt).clauses()]


def test_dc_code_sections_nest_bold_list_items():
    assert outline(DC) == [
        ("chp_14", "Chapter 14", ""),
        ("chp_14__sec_2-1401.02", "§ 2-1401.02", ("When used in this chapter, and unless otherwise "
         "specified:\n(a) The term:\n(5) “Employee” means any individual employed by an employer.\n"
         "(5A) “Gender identity or expression” means a gender-related identity.\n"
         "(b) The term “person” means any individual.")),
    ]


def test_long_dc_section_is_split_into_subsections_and_labels_run_together():
    long = DC.replace("any individual employed", "any individual employed " + "and so on " * 200)
    got = outline(long)
    assert [(eid, label) for eid, label, _ in got] == [
        ("chp_14", "Chapter 14"),
        ("chp_14__sec_2-1401.02", "§ 2-1401.02"),
        ("chp_14__sec_2-1401.02__para_a", "§ 2-1401.02 (a)"),
        ("chp_14__sec_2-1401.02__para_a__point_5", "§ 2-1401.02 (a)(5)"),
        ("chp_14__sec_2-1401.02__para_a__point_5a", "§ 2-1401.02 (a)(5A)"),
        ("chp_14__sec_2-1401.02__para_b", "§ 2-1401.02 (b)"),
    ]
    assert got[1][2] == "When used in this chapter, and unless otherwise specified:"
    assert got[2][2] == "The term:"


RUSSIAN = """Глава 1. Общие положения

Статья 1. Законодательство о налогах

1. Законодательство состоит из настоящего Кодекса.
2. Настоящий Кодекс устанавливает:
1) виды налогов;
2) основания возникновения:
а) обязанностей;
б) прав.

Статья 2. Отношения
Законодательство регулирует властные отношения.
"""


def test_russian_articles_points_and_cyrillic_letters_in_plain_text():
    doc = parse(RUSSIAN, "text")
    assert [(c.eid, c.label, c.heading) for c in doc.clauses()] == [
        ("chp_1", "Глава 1", "Общие положения"),
        ("chp_1__art_1", "Статья 1", "Законодательство о налогах"),
        ("chp_1__art_2", "Статья 2", "Отношения"),
    ]
    art1 = doc.clauses()[1]
    assert art1.text == ("1. Законодательство состоит из настоящего Кодекса.\n"
                         "2. Настоящий Кодекс устанавливает:\n1) виды налогов;\n"
                         "2) основания возникновения:\nа) обязанностей;\nб) прав.")
    eids = [p.eid for p in doc.walk()]
    assert "chp_1__art_1__para_2__point_2__point_b" in eids  # "б)" transliterated for the eid


UZBEK = """1-bob. Umumiy qoidalar
1-modda. Qonunning maqsadi
Ushbu Qonunning maqsadi quyidagilardan iborat:
1) fuqarolarning huquqlarini himoya qilish;
2) ochiqlikni ta'minlash.
2-modda. Asosiy tushunchalar
Ushbu Qonunda asosiy tushunchalar qo'llaniladi.
"""


def test_uzbek_bob_and_modda():
    assert outline(UZBEK, "text") == [
        ("chp_1", "1-bob", ""),
        ("chp_1__art_1", "1-modda", ("Ushbu Qonunning maqsadi quyidagilardan iborat:\n"
         "1) fuqarolarning huquqlarini himoya qilish;\n2) ochiqlikni ta'minlash.")),
        ("chp_1__art_2", "2-modda", "Ushbu Qonunda asosiy tushunchalar qo'llaniladi."),
    ]
    assert [c.heading for c in parse(UZBEK, "text").clauses()] == [
        "Umumiy qoidalar", "Qonunning maqsadi", "Asosiy tushunchalar"]


GERMAN = """## Buch 2 - Recht der Schuldverhältnisse

###### Kapitel 1 - Allgemeine Vorschriften

###### § 433 Vertragstypische Pflichten beim Kaufvertrag

(1) Durch den Kaufvertrag wird der Verkäufer einer Sache verpflichtet, dem
Käufer die Sache zu übergeben. Der Verkäufer hat dem Käufer die Sache frei
von Sach- und Rechtsmängeln zu verschaffen, wenn

1.  der Käufer es
    verlangt, oder

    a)  die Sache fehlt,

2.  nach
§ 129 des Strafgesetzbuches

erforderlich ist.

(2) Der Käufer ist verpflichtet, dem Verkäufer den vereinbarten Kaufpreis zu zahlen.
"""


def test_german_paragraphs_points_and_a_wrapped_line_starting_with_a_section_sign():
    doc = parse(GERMAN)
    assert [(c.eid, c.label, c.heading) for c in doc.clauses()] == [
        ("book_2", "Buch 2", "Recht der Schuldverhältnisse"),
        ("book_2__chp_1", "Kapitel 1", "Allgemeine Vorschriften"),  # same "######" as the §
        ("book_2__chp_1__sec_433", "§ 433", "Vertragstypische Pflichten beim Kaufvertrag"),
    ]
    assert doc.clauses()[2].text == (
        "(1) Durch den Kaufvertrag wird der Verkäufer einer Sache verpflichtet, dem Käufer die "
        "Sache zu übergeben. Der Verkäufer hat dem Käufer die Sache frei von Sach- und "
        "Rechtsmängeln zu verschaffen, wenn\n1. der Käufer es verlangt, oder\na) die Sache fehlt,\n"
        "2. nach § 129 des Strafgesetzbuches\nerforderlich ist.\n"
        "(2) Der Käufer ist verpflichtet, dem Verkäufer den vereinbarten Kaufpreis zu zahlen.")
    para1 = doc.find("book_2__chp_1__sec_433__para_1")
    assert para1 is not None and [c.kind for c in para1.children] == ["point", "point", "text"]


@pytest.mark.parametrize("heading, kind, num, label", [
    ("§ 5 Title", "section", "5", "§ 5"),
    ("§ 2-1401.02. Definitions.", "section", "2-1401.02", "§ 2-1401.02"),
    ("Article 5 – Scope", "article", "5", "Article 5"),
    ("Art. 12a Ausnahmen", "article", "12a", "Art. 12a"),
    ("Section 5. Short title", "section", "5", "Section 5"),
    ("SEC. 101.", "section", "101", "SEC. 101"),
    ("Статья 5. Сфера", "article", "5", "Статья 5"),
    ("Глава 2. Налоги", "chapter", "2", "Глава 2"),
    ("Раздел I. ОБЩИЕ ПОЛОЖЕНИЯ", "division", "I", "Раздел I"),
    ("ЧАСТЬ ПЕРВАЯ", "part", "ПЕРВАЯ", "ЧАСТЬ ПЕРВАЯ"),  # ordinal word, eid part_1
    ("Erster Abschnitt - Begriffe", "division", "Erster", "Erster Abschnitt"),
    ("Kapitel 3 - Verträge", "chapter", "3", "Kapitel 3"),
    ("Titel 1 - Kauf", "title", "1", "Titel 1"),
    ("Buch 1 - Allgemeiner Teil", "book", "1", "Buch 1"),
    ("5-modda. Maqsad", "article", "5", "5-modda"),
    ("2-bob. Umumiy qoidalar", "chapter", "2", "2-bob"),
    ("Part D-i. Attorney General", "part", "D-i", "Part D-i"),  # not "Part D" + "-i."
])
def test_heading_conventions(heading, kind, num, label):
    doc = parse(f"# {heading}\n\nText.\n")
    p = doc.provisions[0]
    assert (p.kind, p.num) == (kind, num)
    assert doc.clauses()[0].label == label


@pytest.mark.parametrize("line", [
    "§ 129 des Strafgesetzbuches gilt auch dann.",  # cross-reference, lower case word follows
    "§ 280 Abs. 1 Schadensersatz statt der Leistung",  # "Abs." follows: a reference
    "Article 5 shall apply mutatis mutandis.",
    "Статья 5 настоящего Кодекса применяется.",
])
def test_sentences_that_start_with_a_reference_are_not_headings(line):
    doc = parse(f"# Law\n\n{line}\n")
    assert [c.text for c in doc.clauses()] == [line]


def test_front_matter_preamble_setext_and_title():
    doc = parse("---\ntitle: \"Draft law\"\nlang: en\n---\nWe the people\nenact:\n\n"
                "Article 1\n=========\n\nText one.\n")
    assert doc.title == "Draft law"
    assert [(c.eid, c.kind, c.label, c.text) for c in doc.clauses()] == [
        ("preface", "frontmatter", "Front matter", 'title: "Draft law"\nlang: en'),
        ("preamble", "preamble", "Preamble", "We the people enact:"),
        ("art_1", "article", "Article 1", "Text one."),
    ]


def test_reflowing_does_not_change_clause_text():
    one = "# Law\n\n## Article 1\n\n(1) The quick brown fox jumps over the lazy dog and runs.\n"
    two = "# Law\n\n## Article 1\n\n(1) The quick brown\n  fox jumps over the\nlazy dog and runs.\n"
    assert parse(one).clauses() == parse(two).clauses()


def test_markdown_markup_is_removed_and_escapes_resolved():
    doc = parse("# Law\n\n## Article 1\n\nThe **Mayor** shall act on 13\\. June, *not* snake_case.\n")
    assert doc.clauses()[1].text == "The Mayor shall act on 13. June, not snake_case."


def test_duplicate_numbers_get_unique_eids():
    doc = parse("## Article 1\n\nA.\n\n## Article 1\n\nB.\n")
    assert [c.eid for c in doc.clauses()] == ["art_1", "art_1_2"]


def test_words_of_source_tree_and_clauses_agree_on_a_messy_snippet():
    src = GERMAN + "\n| a | b |\n\n---\n\n* * *\n\n> quoted **bold** &amp; more\n\n- bullet\n"
    doc = parse(src)
    assert words(src) == document_words(doc) == clause_words(doc, doc.clauses())


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\t\n", "empty"),
    ("abc\x00def", "binary"),
])
def test_bad_text_raises_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_unknown_text_format_is_refused():
    with pytest.raises(ParseError, match="unknown text format"):
        parse("x", "rtf")
