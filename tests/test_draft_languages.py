"""A draft's own language is any ISO 639 code (Karakalpak, Kazakh, Tajik...); search stems where it
has an analyser for the language and matches plain words otherwise."""
from __future__ import annotations

import pytest
from test_staff import form, staff  # noqa: F401 - fixture

from app.search.analysis import detect_language
from app.services.revisions import valid_language

KAA = """# Suw paydalanıw haqqında nızam

### 1-statya. Maqset

Awıl xojalıǵı suwların ádil bóliw tártibi belgilenedi.
"""


@pytest.mark.parametrize("code, ok", [("uz", True), ("kaa", True), ("kk", True), ("tg", True), ("ru", True),
                                      ("xx", False), ("", False), ("uz_Cyrl", False), ("english", False)])
def test_any_iso_639_code_babel_knows(code, ok):
    assert valid_language(code) is ok


def test_staff_publish_a_karakalpak_draft_and_a_bad_code_is_refused(app, client, staff):  # noqa: F811
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft

    page = client.get("/staff/drafts/new").get_data(as_text=True)
    assert 'value="kaa"' in page
    r = client.post("/staff/drafts/new", data=form(text=KAA, fmt="md", publish="1", language="uz",
                                                   other_language="kaa", title="Suw nızamı"))
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Draft.language).where(Draft.title == "Suw nızamı")) == "kaa"
    bad = client.post("/staff/drafts/new", data=form(text=KAA, fmt="md", publish="1", other_language="xx",
                                                     title="Bad"))
    assert bad.status_code == 400 and "ISO 639" in bad.get_data(as_text=True)


def test_cli_imports_a_draft_in_any_language(app, tmp_path):
    path = tmp_path / "kk.md"
    path.write_text(KAA)
    result = app.test_cli_runner().invoke(args=["drafts", "import", str(path), "--title", "Заң", "--agency", "A",
                                                "--lang", "kk"])
    assert result.exit_code == 0, result.output
    bad = app.test_cli_runner().invoke(args=["drafts", "import", str(path), "--title", "X", "--agency", "A",
                                             "--lang", "klingon"])
    assert bad.exit_code != 0 and "ISO 639" in bad.output


def test_a_language_without_a_stemmer_is_matched_word_for_word(client, make_draft):
    assert detect_language("Awıl xojalıǵı suwların", "kaa", own=True) == "plain"
    assert detect_language("Awıl xojalıǵı suwların", "uz", own=True) != "plain"
    slug = make_draft(KAA, lang="kaa", title="Suw nızamı")
    found = client.get("/api/v1/search", query_string={"q": "suwların"}).get_json()
    assert [h["draft"] for h in found["groups"].get("clause", [])] == [slug]
    lang_counts = found["counts"]["lang"]
    assert "plain" in lang_counts
    # no stemmer: another form of the word is not the same word
    other = client.get("/api/v1/search", query_string={"q": "suwlar"}).get_json()
    assert other["groups"].get("clause", []) == []


def test_an_index_made_before_plain_languages_gains_their_fields(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.fields import Schema

    from app.search import whoosh_backend

    old = Schema(**{name: field for name, field in whoosh_backend._schema().items() if not name.endswith("_plain")})
    whoosh_index.create_in(str(tmp_path), old)
    backend = whoosh_backend.WhooshBackend(str(tmp_path))
    assert {"x_plain", "t_plain"} <= set(backend._index().schema.names())
