"""The engine-free language rules both search backends share (no app, no database)."""
import pytest

from app.search.analysis import (
    Clause,
    detect_language,
    index_text,
    make_snippet,
    marks_to_html,
    parse_query,
    same_chars,
    to_latin,
    uz_analyze,
)


@pytest.mark.parametrize("forms", [
    ["qonun", "qonunlar", "qonunning", "qonunlarning", "qonuni", "qonunni"],
    ["modda", "moddasi", "moddaga", "moddalari", "moddani"],
    ["soliq", "soliqlar", "solig'i", "soligʻi", "soliqni"],
    ["tadbirkor", "tadbirkorlar", "tadbirkorlarga", "tadbirkorning"],
    ["qonun", "қонун", "Қонунлар", "ҚОНУННИНГ"],       # either script
    ["oʻzbekiston", "o'zbekiston", "o‘zbekiston", "Ўзбекистон"],  # every way of writing oʻ
])
def test_forms_of_an_uzbek_word_share_one_stem(forms):
    assert len({tuple(uz_analyze(f)) for f in forms}) == 1, {f: uz_analyze(f) for f in forms}


@pytest.mark.parametrize("cyrillic, latin", [
    ("Ўзбекистон Республикаси", "Oʻzbekiston Respublikasi"),
    ("ер", "yer"),              # е at the start of a word is "ye"
    ("маъно", "maʼno"),
    ("шаҳар", "shahar"),
    ("ғалаба", "gʻalaba"),
])
def test_cyrillic_uzbek_is_transliterated(cyrillic, latin):
    assert to_latin(cyrillic) == latin


@pytest.mark.parametrize("text, hint, lang", [
    ("Граждане комментируют статьи законопроекта", None, "ru"),
    ("Ўзбекистон Республикасининг қонуни", None, "uz"),
    ("Ушбу қонун расмий эълон қилинган кундан кучга киради", None, "uz"),
    ("Oʻzbekiston Respublikasi qonuni va uchun", "uz", "uz"),
    ("Die Steuern für Selbständige sind nicht zu hoch", "en", "de"),
    ("The tax on self-employed people is too high", "en", "en"),
])
def test_language_is_guessed_from_letters_and_common_words(text, hint, lang):
    assert detect_language(text, hint) == lang


@pytest.mark.parametrize("raw, must, must_not", [
    ('tax "self employed" -vat librar*',
     [Clause("term", "tax"), Clause("phrase", "self employed"), Clause("prefix", "librar")], [Clause("term", "vat")]),
    ('"unclosed phrase', [Clause("term", "unclosed"), Clause("term", "phrase")], []),  # the quote is dropped
    ("tax NOT vat", [Clause("term", "tax")], [Clause("term", "vat")]),
    ("what does the tax code say about self-employed?",                          # question words go
     [Clause("term", "the"), Clause("term", "tax"), Clause("term", "code"), Clause("term", "self-employed")], []),
    ("- * + OR", [], []),                                                        # operators alone
    ("tax\x00\x1b\u200b code", [Clause("term", "tax"), Clause("term", "code")], []),  # control characters
])
def test_queries_are_read_forgivingly(raw, must, must_not):
    parsed = parse_query(raw)
    assert (parsed.must, parsed.must_not) == (must, must_not)


def test_overlong_queries_are_cut_with_a_notice():
    parsed = parse_query("word " * 3000)
    assert len(parsed.text) <= 500 and parsed.notices


def test_snippets_escape_html_and_mark_matches():
    snippet = make_snippet("<b>Tax</b> on the income of <i>everyone</i>", lambda w: w.lower() == "tax")
    assert marks_to_html(snippet) == "&lt;b&gt;<mark>Tax</mark>&lt;/b&gt; on the income of &lt;i&gt;everyone&lt;/i&gt;"


@pytest.mark.parametrize("raw, same", [
    ("employer’s", "employer's"), ("employer‘s", "employer's"), ("self‐employed", "self-employed"),
    ("self–employed", "self-employed"), ("self\u00ademployed", "selfemployed"), ("Ōzbekiston", "O'zbekiston"),
    ("oʻzbek", "o'zbek"), ("“tax”", '"tax"'),
])
def test_look_alike_characters_are_one_character(raw, same):
    assert same_chars(raw) == same


def test_list_markers_at_line_starts_are_not_indexed_as_words():
    assert index_text("provided, that:\n(i) The contents\n- **(A)** the term\n2. last") == \
        "provided, that:\n The contents\n the term\n last"
    assert index_text("see (a) of § 201") == "see (a) of § 201"  # only at the start of a line
