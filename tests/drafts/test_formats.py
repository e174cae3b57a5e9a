"""Importers (Akoma Ntoso, USLM, D.C. Code XML, .docx), exporters, and hostile input."""
from __future__ import annotations

import io

import docx
import pytest

from drafts import ParseError, load, parse, to_akn, to_html, to_markdown

AKN = b"""<?xml version="1.0" encoding="UTF-8"?>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">
 <act name="act">
  <meta><identification source="#x"><FRBRWork><FRBRname value="Test Act"/></FRBRWork></identification></meta>
  <preamble><p>Be it enacted.</p></preamble>
  <body>
   <chapter eId="chp_1"><num>Chapter 1</num><heading>General</heading>
    <article eId="art_1"><num>Article 1</num><heading>Scope</heading>
     <paragraph eId="art_1__para_1"><num>(1)</num>
      <list><intro><p>This Act applies to:</p></intro>
       <point><num>(a)</num><content><p>persons <i>in</i> <ref href="#x">Uzbekistan</ref>;</p></content></point>
       <point><num>(b)</num><content><p>things.</p></content></point>
       <wrapUp><p>unless stated otherwise.</p></wrapUp></list>
     </paragraph>
    </article>
   </chapter>
  </body>
 </act>
</akomaNtoso>"""

USLM = b"""<?xml version="1.0"?><bill xmlns="http://schemas.gpo.gov/xml/uslm">
<meta><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">116 HR 1: A bill</dc:title></meta>
<main><section identifier="/s1"><num value="1">SECTION 1. </num><heading>Short title.</heading>
<content>This Act may be cited as the <quotedText>Test Act</quotedText>.</content></section>
<section><num value="2">SEC. 2. </num><heading>Rules.</heading>
<subsection><num value="a">(a)</num><content>First.</content></subsection>
<subsection><num value="b">(b)</num><chapeau>Second:</chapeau>
<paragraph><num value="1">(1)</num><content>one.</content></paragraph></subsection></section></main></bill>"""

DC = """<container xmlns="https://code.dccouncil.us/schemas/dc-library"><prefix>Chapter</prefix>
<num>5</num><heading>Administrative Procedure.</heading>
<section><num>2-501</num><heading>Effect.</heading><text>This subchapter applies.</text>
<annotations><annotation type="History">Oct. 21, 1968</annotation></annotations></section>
<section><num>2-502</num><heading>Definitions.</heading><para><num>(a)</num><text>The term
<cite path="x">§ 1-204</cite>, means.</text></para></section></container>""".encode()


def rows(doc):
    return [(c.eid, c.label, c.heading, c.text) for c in doc.clauses()]


def test_akoma_ntoso_import_keeps_intro_points_and_wrap_up_in_order():
    doc = load(AKN)
    assert doc.title == "Test Act"
    assert rows(doc) == [
        ("preamble", "Preamble", "", "Be it enacted."),
        ("chp_1", "Chapter 1", "General", ""),
        ("chp_1__art_1", "Article 1", "Scope", ("(1) This Act applies to:\n(a) persons in Uzbekistan;"
         "\n(b) things.\nunless stated otherwise.")),
    ]


def test_uslm_import():
    doc = load(USLM, filename="bill.xml")
    assert doc.title == "116 HR 1: A bill"
    assert rows(doc) == [
        ("sec_1", "SECTION 1", "Short title.", "This Act may be cited as the Test Act."),
        ("sec_2", "SEC. 2", "Rules.", "(a) First.\n(b) Second:\n(1) one."),
    ]


def test_dc_code_xml_import_skips_annotations_and_keeps_inline_citations_tight():
    doc = load(DC, fmt="uslm")
    assert rows(doc) == [
        ("chp_5", "Chapter 5", "Administrative Procedure.", ""),
        ("chp_5__sec_2-501", "§ 2-501", "Effect.", "This subchapter applies."),
        ("chp_5__sec_2-502", "§ 2-502", "Definitions.", "(a) The term § 1-204, means."),
    ]


@pytest.mark.parametrize("data, fmt, message", [
    (b"<a><b></a>", None, "invalid XML"),
    (b"<html><body>hi</body></html>", None, "neither Akoma Ntoso"),
    (USLM, "akn", "expected Akoma Ntoso"),
    (AKN, "uslm", "expected USLM"),
    # external entity (XXE) and entity expansion ("billion laughs") are refused outright
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
     None, "declares entities"),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><a>&b;</a>',
     None, "declares entities"),
    (b"PK\x03\x04garbage", None, "not a valid .docx"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary"),
    (b"caf\xe9 au lait", None, "not valid UTF-8"),
    (b"  \n ", "md", "empty"),
    (b"text", "pdf", "unknown format"),
])
def test_bad_input_gives_one_line_parse_error(data, fmt, message):
    with pytest.raises(ParseError, match=message) as info:
        load(data, fmt=fmt)
    assert "\n" not in str(info.value)


def test_external_dtd_is_not_fetched():
    data = (b'<?xml version="1.0"?><!DOCTYPE akomaNtoso SYSTEM "http://127.0.0.1:9/x.dtd">'
            + AKN.split(b"?>", 1)[1])
    assert load(data).clauses()[0].text == "Be it enacted."


def make_docx() -> bytes:
    d = docx.Document()
    d.core_properties.title = "Law on Testing"
    d.add_paragraph("Law on Testing", style="Title")
    d.add_paragraph("Chapter 1. General", style="Heading 1")
    d.add_paragraph("Article 1. Purpose", style="Heading 2")
    d.add_paragraph("This law sets rules:")
    d.add_paragraph("first rule;", style="List Number")
    d.add_paragraph("second rule.", style="List Number")
    d.add_paragraph("a bullet", style="List Bullet")
    d.add_paragraph("Статья 2. Сфера")  # typed in Normal style: still an article
    d.add_paragraph("(1) Применяется ко *всем*.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_headings_numbered_lists_and_typed_articles():
    doc = load(make_docx(), filename="law.docx")
    assert doc.title == "Law on Testing"
    assert rows(doc) == [
        ("hcontainer_1", "Law on Testing", "Law on Testing", ""),
        ("chp_1", "Chapter 1", "General", ""),
        ("chp_1__art_1", "Article 1", "Purpose",
         "This law sets rules:\n1. first rule;\n2. second rule.\n- a bullet"),
        ("chp_1__art_2", "Статья 2", "Сфера", "(1) Применяется ко *всем*."),
    ]


def test_markdown_export_round_trip_keeps_clauses():
    src = ("# Law\n\n## Глава 1. Общие\n\n### Статья 1. Цель\n\n1. Текст 13\\. мая.\n\n"
           "2. Пункт:\n\n    а) подпункт;\n\nАбзац после.\n")
    doc = parse(src)
    md = to_markdown(doc)
    assert "13\\. мая" in md or "13. мая" in md
    assert parse(md).clauses() == doc.clauses()


def test_html_export_escapes_source_markup():
    doc = parse("# Law <b>x</b>\n\n## Article 1\n\n<script>alert('x')</script> & more\n")
    out = to_html(doc)
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in out
    assert 'id="hcontainer_1__art_1"' in out or 'id="art_1"' in out


def test_akn_export_is_reimportable():
    doc = load(make_docx(), filename="law.docx")
    again = load(to_akn(doc).encode(), fmt="akn")
    assert again.clauses() == doc.clauses()
    assert again.title == doc.title


def many_paragraphs_docx(n: int) -> bytes:
    """A .docx of ``n`` paragraphs, written straight into document.xml (python-docx adds slowly)."""
    import zipfile
    d = docx.Document()
    buffer = io.BytesIO()
    d.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    xml = source.read("word/document.xml").decode()
    start = xml.index("<w:body>") + len("<w:body>")
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="{"ListNumber" if i % 3 == 0 else "Normal"}"/></w:pPr>'
                   f"<w:r><w:t>Article {i + 1}. Text {i}.</w:t></w:r></w:p>" for i in range(n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            z.writestr(item, xml[:start] + body + xml[start:] if item.filename == "word/document.xml"
                       else source.read(item.filename))
    return out.getvalue()


def test_docx_paragraphs_are_capped(monkeypatch):
    from drafts.formats import docx as docx_format
    monkeypatch.setattr(docx_format, "MAX_PARAGRAPHS", 300)
    assert len(load(many_paragraphs_docx(300), filename="law.docx").clauses()) >= 100
    with pytest.raises(ParseError, match="more than 300 paragraphs"):
        load(many_paragraphs_docx(301), filename="law.docx")


def test_docx_reading_gives_up_after_its_time(monkeypatch):
    from drafts.formats import docx as docx_format
    monkeypatch.setattr(docx_format, "MAX_SECONDS", 0.0)
    with pytest.raises(ParseError, match="too long"):
        load(many_paragraphs_docx(1200), filename="law.docx")
