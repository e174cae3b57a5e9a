"""Every interface string in Russian, Uzbek Latin and Uzbek Cyrillic: complete catalogues, and no
English left on any page type when a reader chose another language."""
from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from conftest import REPO, login
from test_parallel_versions import demo_russian

LANGS = ("ru", "uz", "uz_Cyrl")
CATALOGUES = REPO / "app" / "translations"


def _catalogue(lang: str):
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open(encoding="utf-8") as f:
        return read_po(f)


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(lang):
    catalogue = _catalogue(lang)
    bad = [m.id for m in catalogue if m.id and (m.fuzzy or not (
        all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert bad == [], f"{lang}: {len(bad)} untranslated or fuzzy: {bad[:10]}"


def test_catalogues_hold_every_string_of_the_code(tmp_path):
    """A string wrapped in the code but missing from the catalogues (make messages not run) fails."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "from babel.messages.frontend import main; main()", "--quiet", "extract",
                    "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."], cwd=REPO, check=True)
    with pot.open(encoding="utf-8") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for lang in LANGS:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(lang) if m.id}
        assert wanted - have == set(), f"{lang} lacks: {sorted(wanted - have)[:10]}"


def test_uzbek_latin_uses_the_official_letters():
    """oʻ gʻ with U+02BB, never an ASCII apostrophe or U+2018."""
    bad = [m.string for m in _catalogue("uz") if m.id and re.search(r"[og]['‘’`]", " ".join(
        m.string if isinstance(m.string, tuple) else [m.string]), re.IGNORECASE)]
    assert bad == []


# --- pages ----------------------------------------------------------------------------------------

#: English words that never occur in Russian or Uzbek interface text (after user content is removed)
ENGLISH = re.compile(r"\b(the|and|your|this|with|from|you|are|was|not|has|have|will|can|please|there|"
                     r"which|been|here|yet|into|only|comment|comments|draft|drafts|proposal|vote|votes|"
                     r"clause|revision|search|log|sign|password|email|account|notifications?)\b", re.IGNORECASE)
SKIP_TAGS = {"script", "style"}
SHOWN_ATTRS = ("aria-label", "placeholder", "title", "alt")


class VisibleText(HTMLParser):
    """Text a person sees or hears, leaving out parts marked as another language (the switcher's
    language names, a draft's own text) and the list of world time zones (place names)."""

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = tag in SKIP_TAGS or (a.get("lang") not in (None, self.page_lang)) or a.get("name") == "timezone"
        if tag not in ("input", "br", "meta", "link", "img", "hr", "option"):
            self.stack.append((tag, hidden))
        if not (hidden or self._hidden()):
            self.chunks += [a[n] for n in SHOWN_ATTRS if a.get(n)]
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.chunks.append(a["value"])

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str, page_lang: str) -> str:
    parser = VisibleText(page_lang)
    parser.feed(html)
    return " | ".join(parser.chunks)


def english_found(text: str, translated_msgids: list[str]) -> list[str]:
    found = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    for msgid in translated_msgids:
        for chunk in re.split(r"%\(\w+\)[sdr]|%\(\w+\)\.\d?f", msgid):
            chunk = chunk.strip(" .,:;·()“”")
            if len(chunk.split()) >= 3 and chunk in text:
                found.append(chunk)
    return found


def _uzbek_content(app) -> dict:
    """The sample consultation with all of its people's text replaced by Uzbek, so any English left on
    a page is the interface's."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import (
        Agency,
        AuditLog,
        BudgetComplaint,
        BudgetMahalla,
        BudgetPhoto,
        BudgetProject,
        BudgetRound,
        BudgetUpdate,
        Clause,
        Comment,
        CommentVersion,
        DeadlineChange,
        Disposition,
        Draft,
        Notification,
        Position,
        Proposal,
        Revision,
        User,
    )
    with app.app_context():
        db.session.execute(update(Draft).values(title="Suvdan foydalanish toʻgʻrisida", summary="Qisqa mazmun"))
        db.session.execute(update(Revision).values(title="Suvdan foydalanish toʻgʻrisida", change_note="Tuzatishlar"))
        db.session.execute(update(Clause).values(text="Mahalla suv qoʻmitasi " + Clause.id.cast(db.String),
                                                 heading="Umumiy qoidalar", label="Modda " + Clause.id.cast(db.String)))
        db.session.execute(update(Comment).values(body="Yaxshi fikr", quote_exact=None, quote_prefix=None,
                                                  quote_suffix=None))
        db.session.execute(update(CommentVersion).values(body="Yaxshi fikr"))
        db.session.execute(update(Proposal).values(rationale="Asos", proposed_text="Yangi matn", base_text="Eski matn",
                                                   decision_reason="Sabab"))
        db.session.execute(update(Disposition).values(reason="Sabab"))
        db.session.execute(update(Position).values(title="Yozma javob", body="Matn", organisation="Uyushma"))
        db.session.execute(update(DeadlineChange).values(reason="Sabab"))
        db.session.execute(update(Agency).values(name="Vazirlik " + Agency.id.cast(db.String)))
        db.session.execute(update(User).values(display_name="Dilnoza"))
        # stored in the language of an account made by `flask demo` (none: English); see the test below
        db.session.execute(update(Notification).values(message="Xabar"))
        db.session.execute(update(BudgetRound).values(title="Tashabbusli budjet " + BudgetRound.id.cast(db.String),
                                                      district="Bogʻbon tumani"))
        db.session.execute(update(BudgetProject).values(title="Maktab tomi " + BudgetProject.id.cast(db.String),
                                                        description="Loyiha", mahalla="Navroʻz", reason="Sabab",
                                                        contractor="Qurilish MChJ"))
        db.session.execute(update(BudgetUpdate).values(body="Ish bosqichi"))
        db.session.execute(update(BudgetPhoto).values(caption="Surat"))
        db.session.execute(update(BudgetComplaint).values(body="Shikoyat"))
        db.session.execute(update(BudgetMahalla).values(name="Navroʻz " + BudgetMahalla.id.cast(db.String)))
        # the audit log keeps copies of people's words (titles, reasons); what the code wrote stays
        db.session.execute(update(AuditLog).where(AuditLog.action.in_(
            ("draft.import", "budget.paper", "budget.vet", "budget.disqualify", "budget.residence")))
            .values(detail="Sabab"))
        db.session.execute(update(AuditLog).where(AuditLog.action == "disposition").values(detail="accepted: Sabab"))
        db.session.commit()
        draft = db.session.scalar(select(Draft).order_by(Draft.id))
        clause = db.session.scalar(select(Clause).where(Clause.revision_id == db.session.scalar(
            select(Revision.id).where(Revision.draft_id == draft.id).order_by(Revision.number.desc()).limit(1))))
        comment = db.session.scalar(select(Comment).where(Comment.clause_key.is_not(None)).order_by(Comment.id))
        proposal = db.session.scalar(select(Proposal))
        finished = db.session.scalar(select(BudgetRound).where(BudgetRound.results_at.is_not(None)))
        live = db.session.scalar(select(BudgetRound).where(BudgetRound.results_at.is_(None)))
        funded = db.session.scalar(select(BudgetProject.id).where(BudgetProject.funded.is_(True)))
        return {"agency": db.session.get(Agency, draft.agency_id).slug, "slug": draft.slug, "eid": clause.eid, "comment": comment.id, "proposal": proposal.id,
                "author": comment.author_id, "round": finished.slug, "live": live.slug, "project": funded,
                "position": db.session.scalar(select(Position.id))}


PUBLIC = ["/", "/drafts", "/drafts?status=open", "/drafts/{slug}", "/drafts/{slug}/revisions/1",
          "/drafts/{slug}/clauses/{eid}", "/drafts/{slug}/revisions/1/clauses/{eid}", "/drafts/{slug}/comments",
          "/drafts/{slug}/comments/{comment}", "/drafts/{slug}/comments/{comment}/similar",
          "/drafts/{slug}/diff?from=1&to=2", "/drafts/{slug}/contents", "/drafts/{slug}/notice",
          "/drafts/{slug}/goto?to=Modda+999", "/drafts/{slug}/goto?to=", "/drafts/{slug}/positions",
          "/drafts/{slug}/positions/{position}",
          "/drafts/{slug}/diff?from=1&to=2&view=side", "/drafts/{slug}/proposals",
          "/drafts/{slug}/proposals/{proposal}", "/drafts/{slug}/dispositions", "/drafts/{slug}/verify",
          "/search?q=suv", "/search?q=zzzqqq", "/search", "/login", "/register", "/password/forgot",
          "/confirm/again", "/confirm/bad-token", "/password/reset/bad-token",
          "/drafts/no-such-draft", "/drafts?status=nonsense", "/search?page=x&q=suv", "/drafts/{slug}/report",
          "/agencies/{agency}", "/receipts", "/email/unsubscribe/bad-token", "/moderation/summary",
          "/budget", "/budget/{round}", "/budget/{live}", "/budget/{round}/projects/{project}",
          "/budget/{round}/receipt?receipt=NOSUCHCODE", "/budget/{round}/receipt", "/budget/no-such-round",
          # the law's Russian text: switchers, and a comment made on it shown on the other text
          "/drafts/{russian}", "/drafts/{russian}/clauses/chp_2__art_4", "/drafts/{slug}/clauses/chp_2__art_4"]
STAFF = ["/drafts/{slug}/clauses/{eid}", "/drafts/{slug}/clauses/{eid}/propose", "/staff/drafts/new",
         "/staff/drafts/{slug}/review", "/staff/drafts/{slug}/review?kind=comments",
         "/staff/drafts/{slug}/review?kind=proposals", "/staff/comments/{comment}", "/staff/drafts/{slug}/merge",
         "/staff/drafts/{slug}/deadline", "/staff/drafts/{slug}/revise", "/staff/drafts/{slug}/assisted", "/staff/drafts/{slug}/import-comments",
         "/notifications", "/account", "/account/email", "/staff/imports/999",
         "/staff/drafts/{slug}/versions", "/report/comment/{comment}", "/report/proposal/{proposal}",
         "/budget/phone", "/budget/{live}/complaint", "/budget/{live}/propose", "/budget/{round}/projects/{project}"]
#: as the staff of the budget's district
DISTRICT = ["/staff/budget/new", "/staff/budget/{round}", "/staff/budget/{live}", "/budget/{live}"]
AUTHOR = ["/comments/{comment}/edit", "/notifications", "/account", "/account/delete",
          "/drafts/{slug}/positions/new"]
#: as an admin (a moderator who may also read the audit log), with a report waiting in the queue
MODERATOR = ["/moderation", "/moderation/people/{author}", "/moderation/audit", "/moderation/summary"]
#: GET pages that are not HTML for people: data, redirects, static files
NOT_PAGES = {"static", "privacy.download", "reading.set_language", "reading.short", "feeds.agency", "feeds.export", "feeds.draft",
             "feeds.all_drafts", "history.register_csv", "site.robots", "site.favicon", "budget.photo",
             "attachments.download"}


def test_every_page_type_covered(app):
    """The list above names every HTML page: a new page type must join the English check."""
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(path.split("?")[0].format(slug="s", eid="e", comment=1, proposal=1, agency="a",
                                                       author=1, russian="r", round="r", live="l",
                                                       project=1, position=1))[0]
               for path in PUBLIC + STAFF + AUTHOR + MODERATOR + DISTRICT}
    pages = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods
             and not r.endpoint.startswith("api.")}
    assert pages - covered - NOT_PAGES == set()


@pytest.mark.parametrize("lang", LANGS)
def test_no_english_interface_string_on_any_page_type(app_factory, lang):
    from app import budget_demo, demo
    from app.i18n import html_lang

    app = app_factory()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    russian = demo_russian(app)
    ids = {**_uzbek_content(app), "russian": russian}
    translated = [m.id for m in _catalogue(lang) if isinstance(m.id, str) and m.id and m.string != m.id]
    problems = []

    def check(client, paths):
        for path in paths:
            url = path.format(**ids)
            response = client.get(url)
            assert response.status_code in (200, 400, 404, 410), (url, response.status_code)
            html = response.get_data(as_text=True)
            tag = html_lang(lang)
            assert f'<html lang="{tag}">' in html, url
            found = english_found(visible_text(html, tag), translated)
            if found:
                problems.append(f"{lang} {url}: {found[:8]}")

    anonymous = app.test_client()
    anonymous.set_cookie("lang", lang)
    check(anonymous, PUBLIC)
    staff = app.test_client()
    staff.set_cookie("lang", lang)
    assert login(staff, demo.STAFF_EMAIL, demo.PASSWORD).status_code == 302
    check(staff, STAFF)
    author = app.test_client()
    author.set_cookie("lang", lang)
    with app.app_context():
        from app.extensions import db
        from app.models import User
        email = db.session.get(User, ids["author"]).email
    assert login(author, email, demo.PASSWORD).status_code == 302
    check(author, AUTHOR)
    district = app.test_client()
    district.set_cookie("lang", lang)
    assert login(district, budget_demo.DISTRICT_STAFF_EMAIL, demo.PASSWORD).status_code == 302
    check(district, DISTRICT)
    _report_and_admin(app, ids)
    admin = app.test_client()
    admin.set_cookie("lang", lang)
    assert login(admin, "admin@example.org", demo.PASSWORD).status_code == 302
    check(admin, MODERATOR)
    assert problems == [], "\n".join(problems)


def _report_and_admin(app, ids: dict) -> None:
    """An admin to see the moderation pages, and a reader's report for their queue."""
    from sqlalchemy import select

    from app.demo import PASSWORD
    from app.extensions import db
    from app.models import Comment, User
    from app.services import accounts, moderation
    with app.app_context():
        accounts.create_user(email="admin@example.org", password=PASSWORD, display_name="Dilnoza", role="admin",
                             confirmed=True)
        comment = db.session.get(Comment, ids["comment"])
        reporter = db.session.scalar(select(User).where(User.id != comment.author_id, User.role == "citizen"))
        moderation.report(reporter, comment, reason="off_topic", note="Mavzuga aloqasi yoʻq")
        db.session.commit()


def test_the_english_check_finds_english():
    assert english_found(visible_text('<html lang="ru"><p>Please log in</p></html>', "ru"), []) == ["Please", "log"]
    assert english_found(visible_text('<p>Войти</p><a lang="en">English</a>', "ru"), []) == []
    assert "Nothing was found at this address" in english_found("Ответ: Nothing was found at this address",
                                                                ["Nothing was found at this address."])


def test_notifications_are_shown_in_the_language_the_reader_reads_now(app, client, make_user, make_draft, login_as):
    """Staff working in English decide on a comment of a reader who then read in English; the reader
    switches to Russian and reads the notice, with its outcome, in Russian."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Draft, User
    from app.services import comments, decisions

    reader_id, clerk_id = make_user(), make_user(role="staff", agency="Ministry of Culture")
    make_draft()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        reader = db.session.get(User, reader_id)
        reader.language = "en"
        draft = db.session.scalar(select(Draft))
        comment = comments.add_comment(reader, draft, body="Please open on Sundays.")
        decisions.dispose_comment(db.session.get(User, clerk_id), comment, "accepted", "Done in revision 2.")
        answer = decisions.official_answer(db.session.get(User, clerk_id), comment, "Thank you.")
        comments.add_comment(db.session.get(User, clerk_id), draft, body="See above.", parent=comment)
        assert answer.id
        db.session.commit()
    login_as(client, reader_id)
    english = client.get("/notifications").get_data(as_text=True)
    assert "Staff marked your comment as accepted: Done in revision 2." in english
    client.get("/lang/ru")
    russian = client.get("/notifications").get_data(as_text=True)
    assert "На ваш комментарий дан официальный ответ." in russian
    assert "Staff marked your comment" not in russian and "Done in revision 2." in russian  # the reason is data
    assert "принят" in russian  # the outcome as a label in Russian
    assert "replied to your comment" not in russian and "ответил" in russian


# --- choosing the language ------------------------------------------------------------------------

@pytest.mark.parametrize("header, tag", [("uz-Cyrl-UZ,uz;q=0.8", "uz-Cyrl"), ("uz-UZ", "uz"), ("ru-RU,ru;q=0.9", "ru"),
                                         ("kk, ru;q=0.5", "ru"), ("de", "en"), ("", "en")])
def test_first_guess_comes_from_the_browser(client, header, tag):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{tag}">' in html


def test_the_switcher_is_on_every_page_and_remembers_the_choice(client, make_user):
    html = client.get("/login").get_data(as_text=True)
    for code, name in [("en", "English"), ("ru", "Русский"), ("uz", "Oʻzbekcha"), ("uz_Cyrl", "Ўзбекча")]:
        assert f"/lang/{code}" in html and name in html
    response = client.get("/lang/uz_Cyrl?next=/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "lang=uz_Cyrl" in response.headers["Set-Cookie"]
    html = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="uz-Cyrl">' in html and "Кириш" in html
    assert client.get("/lang/xx").status_code == 404


def test_a_signed_in_persons_choice_follows_them_to_another_device(app, make_user):
    from app.extensions import db
    from app.models import User

    user_id = make_user("nodira@example.org")
    phone = app.test_client()
    login(phone, "nodira@example.org")
    phone.get("/lang/uz")
    with app.app_context():
        assert db.session.get(User, user_id).language == "uz"
    office_computer = app.test_client()
    login(office_computer, "nodira@example.org")
    html = office_computer.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="uz">' in html


def test_registering_keeps_the_language_the_person_was_reading_in(client, app):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User

    client.set_cookie("lang", "ru")
    client.post("/register", data={"email": "olga@example.org", "display_name": "Ольга",
                                   "password": "correct horse battery", "confirm": "correct horse battery"})
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.email == "olga@example.org")) == "ru"


def test_the_cli_speaks_the_staff_members_language(app, monkeypatch):
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = app.test_cli_runner().invoke(args=["drafts", "verify", "no-such-draft"])
    assert "проекта 'no-such-draft' нет" in result.output
    monkeypatch.setenv("LANG", "uz_UZ.UTF-8@cyrillic")
    result = app.test_cli_runner().invoke(args=["drafts", "verify", "no-such-draft"])
    assert "лойиҳаси йўқ" in result.output


def test_the_cli_help_and_messages_follow_muhokama_lang(app_factory, monkeypatch):
    """Help texts are read before any app context: they are translated when the app starts, from the
    English originals, so the next app (in another language) gets its own."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.setenv("MUHOKAMA_LANG", "ru")
    runner = app_factory().test_cli_runner()
    helped = runner.invoke(args=["drafts", "import", "--help"]).output
    assert "Создать проект и его редакцию 1 из файла FILE" in helped and "Язык текста: код ISO 639" in helped
    assert "Пересоздать поисковый индекс" in runner.invoke(args=["search", "--help"]).output
    failed = runner.invoke(args=["drafts", "link", "nope", "other"])
    assert failed.exit_code == 2 and "проекта 'nope' нет" in failed.output
    monkeypatch.setenv("MUHOKAMA_LANG", "uz-Cyrl")
    assert "Қидирув индексини" in app_factory().test_cli_runner().invoke(args=["search", "--help"]).output
    monkeypatch.delenv("MUHOKAMA_LANG")
    assert "Rebuild the search index" in app_factory().test_cli_runner().invoke(args=["search", "--help"]).output


def test_the_budget_commands_help_follows_muhokama_lang(app_factory, monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.setenv("MUHOKAMA_LANG", "uz")
    runner = app_factory().test_cli_runner()
    assert "Tashabbusli budjet mavsumlarini" in runner.invoke(args=["budget", "--help"]).output
    helped = runner.invoke(args=["budget", "create-round", "--help"]).output
    assert "Mavsumni ochish" in helped and "butun soʻmda" in helped and "whole so'm" not in helped
    monkeypatch.setenv("MUHOKAMA_LANG", "ru")
    assert "Пересчитать раунд по журналу" in app_factory().test_cli_runner().invoke(
        args=["budget", "verify", "--help"]).output


def test_the_audit_log_shows_what_the_code_wrote_in_the_readers_language(app):
    """The stored record is never rewritten (its hashes chain it); what it means is translated."""
    from flask_babel import force_locale

    from app.labels import audit_action, audit_detail
    with app.test_request_context(), force_locale("ru"):
        assert audit_action("draft.revise") == "Опубликована редакция"
        assert audit_detail("draft.revise", "revision 3") == "редакция 3"
        assert audit_detail("report.create", "off_topic") == "Не по теме проекта"
        assert audit_detail("draft.import", "Law on Water") == "Law on Water"  # people's words stay
        assert audit_action("something.new") == "something.new"
