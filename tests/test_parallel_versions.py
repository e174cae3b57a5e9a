"""Parallel-language versions of one law: the Uzbek and the Russian text, linked by staff (web form or
command line), aligned by clause number, each with its own revisions; comments made on one text are
shown, marked, on the same-numbered clause of the other."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import demo, queries
from app.extensions import db
from app.models import Comment, Draft, User
from app.services import accounts, comments, moderation, revisions
from drafts.parallel import counterparts

UZ = """# Suvdan foydalanish toʻgʻrisida

## 1-bob. Umumiy qoidalar

### 1-modda. Maqsad

Ushbu qonunning maqsadi suvdan foydalanishni tartibga solishdir.

### 2-modda. Tushunchalar

Ushbu qonunda quyidagi tushunchalar qoʻllaniladi.

## 2-bob. Suvdan foydalanish

### 12-modda. Huquqlar

Har kim suvdan foydalanish huquqiga ega.
"""

RU = """# О водопользовании

## Глава 1. Общие положения

### Статья 1. Цель

Целью настоящего закона является регулирование водопользования.

### Статья 2. Понятия

В настоящем законе применяются следующие понятия.

## Глава 2. Водопользование

### Статья 12. Права

Каждый имеет право на водопользование.

### Статья 13. Обязанности

Каждый обязан беречь воду.
"""

AGENCY = "Ministry of Water"

#: the Russian text of the demo's law (articles 1 to 4 only, so some clauses have no counterpart)
DEMO_RU = """# Закон об общинном водопользовании

## Глава 1. Общие положения

### Статья 1. Цель

Настоящий Закон определяет, как сёла и города делят воду каналов, колодцев и родников.

## Глава 2. Водные комитеты

### Статья 3. Выборы комитета

Водопользователи населённого пункта избирают водный комитет.

### Статья 4. Обязанности комитета

Комитет публикует график в махаллинском сходе и в интернете в течение трёх дней.
"""


def add_demo_version(app, comment_on: str = "chp_2__art_4") -> str:
    """Link a Russian text to the demo's draft, with a comment on its clause ``comment_on`` (by
    eid): pages of both texts then show the switchers and the comment from the other text."""
    with app.app_context():
        english = db.session.scalar(select(Draft).order_by(Draft.id))
        russian = revisions.import_draft(DEMO_RU.encode(), fmt="md", title="Закон об общинном водопользовании",
                                         agency_name=english.agency.name, lang="ru", opens_at=english.opens_at,
                                         closes_at=english.closes_at, author=None, version_of=english)
        author = db.session.scalar(select(User).where(User.email == demo.CITIZEN_EMAILS[1]))
        clause = queries.find_clause(queries.current_revision(russian), eid=comment_on)
        if clause is not None:
            comments.add_comment(author, russian, body="График нужен и на бумаге.", clause_key=clause.key)
        db.session.commit()
        return russian.slug


# -- the engine: aligned by number, never by words ---------------------------------------------

def test_clauses_are_aligned_by_number_and_a_missing_one_has_no_counterpart():
    ours = [{"eid": "chp_1__art_1", "kind": "article", "num": "1"},
            {"eid": "chp_2__art_12", "kind": "article", "num": "12"},
            {"eid": "chp_2__art_13", "kind": "article", "num": "13"}]
    theirs = [{"eid": "chp_1__art_1", "kind": "article", "num": "1"},
              {"eid": "art_12", "kind": "article", "num": "12"}]  # no chapters in this text
    found = counterparts(ours, theirs)
    assert found["chp_1__art_1"]["eid"] == "chp_1__art_1"
    assert found["chp_2__art_12"]["eid"] == "art_12"  # the structure differs, the number decides
    assert found["chp_2__art_13"] is None  # not in the other text: no wrong guess


def test_a_number_that_repeats_is_matched_only_by_its_full_path():
    ours = [{"eid": "chp_1__art_1", "kind": "article", "num": "1"}, {"eid": "chp_2__art_1", "kind": "article", "num": "1"}]
    theirs = [{"eid": "sec_1__art_1", "kind": "article", "num": "1"}]
    assert counterparts(ours, theirs) == {"chp_1__art_1": None, "chp_2__art_1": None}


# -- linking ----------------------------------------------------------------------------------

@pytest.fixture
def pair(app, make_draft, runner):
    uz = make_draft(UZ, title="Suvdan foydalanish toʻgʻrisida", agency=AGENCY, lang="uz", slug="suv")
    ru = make_draft(RU, title="О водопользовании", agency=AGENCY, lang="ru", slug="voda")
    result = runner.invoke(args=["drafts", "link", "voda", "suv"])
    assert result.exit_code == 0, result.output
    return uz, ru


def _comment(app, slug: str, eid: str, body: str, email: str = "nodira@example.org") -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email)) or accounts.create_user(
            email=email, password="correct horse battery", display_name="Nodira", confirmed=True)
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        clause = queries.find_clause(queries.current_revision(draft), eid=eid)
        comment = comments.add_comment(user, draft, body=body, clause_key=clause.key)
        db.session.commit()
        return comment.id


def test_the_draft_page_switches_the_text_language_and_the_api_lists_versions(client, pair):
    page = client.get("/drafts/suv").get_data(as_text=True)
    assert 'href="/drafts/voda"' in page and 'hreflang="ru"' in page
    data = client.get("/api/v1/drafts/voda").get_json()
    assert {(v["slug"], v["language"]) for v in data["versions"]} == {("suv", "uz"), ("voda", "ru")}
    assert client.get("/api/v1/drafts/suv").get_json()["versions"] == data["versions"]


def test_the_clause_page_links_the_same_numbered_clause_or_says_it_is_missing(client, pair):
    page = client.get("/drafts/suv/clauses/chp_2__art_12").get_data(as_text=True)
    assert 'href="/drafts/voda/clauses/chp_2__art_12"' in page
    back = client.get("/drafts/voda/clauses/chp_2__art_12").get_data(as_text=True)
    assert 'href="/drafts/suv/clauses/chp_2__art_12"' in back
    missing = client.get("/drafts/voda/clauses/chp_2__art_13").get_data(as_text=True)
    assert "the text has no such clause" in missing and "/drafts/suv/clauses/" not in missing


def test_a_comment_on_the_russian_text_shows_marked_and_read_only_on_the_uzbek(app, client, pair):
    cid = _comment(app, "voda", "chp_2__art_12", "Право на воду должно быть бесплатным.")
    page = client.get("/drafts/suv/clauses/chp_2__art_12").get_data(as_text=True)
    shown = page.split('id="other-languages"')[1]
    assert "Право на воду должно быть бесплатным." in shown
    assert "On the text in: Russian" in shown  # marked with the language of the text it was made on
    assert f'href="/drafts/voda/comments/{cid}#c{cid}"' in shown  # where it was made, to reply there
    assert f"/comments/{cid}/edit" not in shown and "reply=" not in shown
    # it is not counted as the Uzbek text's own, nor on another article
    assert "0 comments" in page.split('id="comments"')[1][:40]
    assert "Право на воду" not in client.get("/drafts/suv/clauses/chp_1__art_1").get_data(as_text=True)


def test_hidden_comments_are_not_shown_on_the_other_version(app, client, pair, make_user):
    cid = _comment(app, "voda", "chp_2__art_12", "Скрытый комментарий модератором.")
    moderator_id = make_user(role="moderator")
    with app.app_context():
        moderation.hide(db.session.get(User, moderator_id), db.session.get(Comment, cid), reason="spam",
                        explanation="Реклама")
        db.session.commit()
    page = client.get("/drafts/suv/clauses/chp_2__art_12").get_data(as_text=True)
    assert "Скрытый комментарий" not in page and 'id="other-languages"' not in page


def test_each_version_keeps_its_own_revisions(app, client, pair, runner, tmp_path):
    revised = tmp_path / "ru2.md"
    revised.write_text(RU.replace("беречь воду", "беречь и экономить воду"), encoding="utf-8")
    assert runner.invoke(args=["drafts", "revise", "voda", str(revised), "--note", "Уточнение"]).exit_code == 0
    with app.app_context():
        numbers = dict(db.session.execute(select(Draft.slug, Draft.current_revision_number)).all())
    assert numbers == {"suv": 1, "voda": 2}
    assert client.get("/drafts/voda/diff?from=1&to=2").status_code == 200
    assert client.get("/drafts/suv/diff?from=1&to=2").status_code == 404


def test_import_with_version_of_and_refusals(app, runner, tmp_path, make_draft):
    make_draft(UZ, title="Suv", agency=AGENCY, lang="uz", slug="suv")
    text = tmp_path / "ru.md"
    text.write_text(RU, encoding="utf-8")
    ok = runner.invoke(args=["drafts", "import", str(text), "--title", "О воде", "--agency", AGENCY,
                             "--lang", "ru", "--version-of", "suv"])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        assert db.session.scalar(select(Draft.version_of_id).where(Draft.slug == ok.output.strip())) is not None
    again = runner.invoke(args=["drafts", "import", str(text), "--title", "О воде 2", "--agency", AGENCY,
                                "--lang", "ru", "--version-of", "suv"])
    assert again.exit_code == 2 and "already has a text" in again.output
    assert runner.invoke(args=["drafts", "import", str(text), "--title", "X", "--agency", AGENCY,
                               "--version-of", "nope"]).exit_code == 2
    assert runner.invoke(args=["drafts", "link", "suv", "suv"]).exit_code == 2


def test_staff_link_and_unlink_on_the_web_and_others_cannot(app, client, make_draft, make_user, login_as):
    make_draft(UZ, title="Suv", agency=AGENCY, lang="uz", slug="suv")
    make_draft(RU, title="Вода", agency=AGENCY, lang="ru", slug="voda")
    make_draft(RU, title="Чужой", agency="Other agency", lang="ru", slug="chuzhoy")
    login_as(client, make_user(role="staff", agency=AGENCY))
    assert client.get("/staff/drafts/voda/versions").status_code == 200
    r = client.post("/staff/drafts/voda/versions", data={"other": "http://localhost/drafts/suv/clauses/x"})
    assert r.status_code == 302
    assert 'href="/drafts/voda"' in client.get("/drafts/suv").get_data(as_text=True)
    refused = client.post("/staff/drafts/chuzhoy/versions", data={"other": "suv"})
    assert refused.status_code == 403
    missing = client.post("/staff/drafts/voda/versions", data={"other": "no-such-draft"})
    assert missing.status_code == 400 and "There is no draft" in missing.get_data(as_text=True)
    assert client.post("/staff/drafts/voda/versions", data={"unlink": "1"}).status_code == 302
    assert 'href="/drafts/voda"' not in client.get("/drafts/suv").get_data(as_text=True)
    citizen = app.test_client()
    login_as(citizen, make_user())
    assert citizen.post("/staff/drafts/voda/versions", data={"other": "suv"}).status_code == 403
