"""The moderation cycle in a real browser, in each interface language: a reader reports a comment
through its form, it is hidden pending review, a moderator (made with `flask users create --role
moderator`) hides it from the queue with a public reason, restores it, and blocks its author, whose
next comment is refused with the reason. One server, one browser; each language reads its own words."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from test_accessibility import demo_server, log_in  # noqa: F401 - fixture
from test_browser import ARGS, chromium_path  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

LANGS = ["en", "ru", "uz", "uz_Cyrl"]
MODERATOR = "moderator@example.org"
#: what the moderator types, in the language of the page (so the test sees it, not a translation)
HIDE_REASON = {"en": "It names a private person.", "ru": "Здесь названо частное лицо.",
               "uz": "Unda xususiy shaxs nomi bor.", "uz_Cyrl": "Унда хусусий шахс номи бор."}
BLOCK_REASON = {"en": "Repeated personal data.", "ru": "Повторная публикация личных данных.",
                "uz": "Shaxsiy maʼlumotlar takror eʼlon qilindi.", "uz_Cyrl": "Шахсий маълумотлар такрор эълон қилинди."}


def words(app, lang: str, msgid: str) -> list[str]:
    """The catalogue's text for ``msgid`` in ``lang``, as the fixed pieces around its placeholders."""
    from flask_babel import force_locale, gettext
    with app.test_request_context(), force_locale(lang):
        text = gettext(msgid)
    return [piece.strip() for piece in re.split(r"%\(\w+\)s", text) if piece.strip()]


def moment(app, lang: str, value) -> str:
    """A date as the pages write it for a reader in Tashkent (the server's zone and the browser's)."""
    from flask_babel import force_locale

    from app.templating import format_moment
    with app.test_request_context(), force_locale(lang):
        return format_moment(value)


def assert_words(text: str, app, lang: str, msgid: str) -> None:
    """``text`` holds the catalogue's words for ``msgid``, and, outside English, not English ones."""
    pieces = words(app, lang, msgid)
    if lang != "en":
        assert pieces != words(app, "en", msgid), f"{msgid!r} is not translated into {lang}"
    for piece in pieces:
        assert piece in text, f"{lang}: {piece!r} not in {text!r}"


def test_the_moderation_cycle_in_every_language(demo_server, chromium_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import select

    from app import demo
    from app.clock import utcnow
    from app.extensions import db
    from app.models import Clause, Comment, Draft
    from app.services import accounts

    app, base = demo_server
    app.config["REPORT_THRESHOLD"] = 1  # one reader's report is enough to hide pending review
    made = app.test_cli_runner().invoke(args=["users", "create", MODERATOR, "--role", "moderator", "--name", "Moderator",
                                              "--password-stdin"], input=demo.PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    with app.app_context():
        slug = db.session.scalar(select(Draft.slug).where(Draft.version_of_id.is_(None)).order_by(Draft.id))
        eid = db.session.scalar(select(Clause.eid).where(Clause.text.contains("mahalla office")))
        for lang in LANGS:  # a new author each time: the last step blocks them
            accounts.create_user(email=f"author-{lang.lower()}@example.org", password=demo.PASSWORD,
                                 display_name=f"Author {lang}", confirmed=True)
        db.session.commit()
    clause_url = f"{base}/drafts/{slug}/clauses/{eid}"
    ends_on = utcnow() + timedelta(days=30)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)

        def person(lang: str, email: str):
            context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="Asia/Tashkent")
            context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page, base, email)
            expect(page.locator("html")).to_have_attribute("lang", lang.replace("_", "-"))
            return page

        try:
            for lang in LANGS:
                body = f"Comment {lang}: the schedule belongs at the mahalla office."
                author = person(lang, f"author-{lang.lower()}@example.org")
                author.goto(clause_url)
                author.locator("#comment-form textarea[name=body]").fill(body)
                author.locator("#comment-form button[type=submit]").click()
                assert_words(author.locator("p.flash").first.inner_text(), app, lang, "Your comment was published.")
                with app.app_context():
                    cid = db.session.scalar(select(Comment.id).where(Comment.body == body))
                comment_url = f"{base}/drafts/{slug}/comments/{cid}"

                # a reader reports it through the page's link and form, with a reason
                reader = person(lang, demo.CITIZEN_EMAILS[0])
                reader.goto(comment_url)
                reader.locator(f"#c{cid} a[href='/report/comment/{cid}']").click()
                assert_words(reader.locator("h1").inner_text(), app, lang, "Report to the moderators")
                reader.locator("select[name=reason]").select_option("personal_data")
                reader.locator("textarea[name=note]").fill("+998 90 123 45 67")
                reader.locator("main form button[type=submit]").click()
                reader.wait_for_url(re.compile(rf".*/comments/{cid}\b.*"))
                assert_words(reader.locator("p.flash").first.inner_text(), app, lang,
                             "Thank you. Moderators will look at it.")
                tomb = reader.locator(f"#c{cid} .tombstone")
                assert_words(tomb.inner_text(), app, lang, "Hidden pending review since %(date)s, after reports from readers.")
                expect(reader.locator(f"#c{cid}")).not_to_contain_text(body)

                # the moderator opens the queue from the header and hides it with a public reason
                moderator = person(lang, MODERATOR)
                link = moderator.locator("header a[href='/moderation']")
                assert_words(link.inner_text(), app, lang, "Moderation")
                link.click()
                row = moderator.locator(f"#comment-{cid}")
                expect(row).to_contain_text(body)
                assert_words(row.inner_text(), app, lang, "Someone's personal data")  # reports by reason
                row.locator("select[name=reason]").select_option("personal_data")
                row.locator("textarea[name=explanation]").fill(HIDE_REASON[lang])
                row.locator("form:has(textarea) button[type=submit]").click()
                assert_words(moderator.locator("p.flash").first.inner_text(), app, lang,
                             "Hidden. Its place shows your public reason.")

                # the public page (anyone, signed out) shows the tombstone with the reason and the date
                reader.context.clear_cookies()
                reader.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                reader.goto(comment_url)
                expect(reader.locator("html")).to_have_attribute("lang", lang.replace("_", "-"))
                tomb = reader.locator(f"#c{cid} .tombstone").inner_text()
                with app.app_context():
                    hidden_at = db.session.get(Comment, cid).hidden_at
                assert HIDE_REASON[lang] in tomb
                assert moment(app, lang, hidden_at) in tomb
                assert_words(tomb, app, lang, "Hidden by a moderator on %(date)s.")
                assert_words(tomb, app, lang, "Reason:")
                expect(reader.locator(f"#c{cid}")).not_to_contain_text(body)

                # the moderator restores it from the queue's recently hidden list: the text is back
                moderator.goto(base + "/moderation")
                row = moderator.locator(f"#comment-{cid}")
                expect(row).to_contain_text(HIDE_REASON[lang])
                row.locator("form.inline button[type=submit]").click()
                assert_words(moderator.locator("p.flash").first.inner_text(), app, lang, "Restored.")
                reader.goto(comment_url)
                expect(reader.locator(f"#c{cid} .body")).to_contain_text(body)
                expect(reader.locator(f"#c{cid} .tombstone")).to_have_count(0)

                # the moderator blocks the author with a reason and an end date
                with app.app_context():  # the restored comment left the queue: open its author's page
                    author_id = db.session.get(Comment, cid).author_id
                moderator.goto(f"{base}/moderation/people/{author_id}")
                moderator.locator("textarea[name=reason]").fill(BLOCK_REASON[lang])
                moderator.locator("input[name=ends_on]").fill(f"{ends_on:%Y-%m-%d}")
                moderator.locator("main form button[type=submit]").click()
                assert_words(moderator.locator("p.flash").first.inner_text(), app, lang,
                             "%(name)s is blocked until %(date)s.")
                assert_words(moderator.locator("main").inner_text(), app, lang, "Blocked people")
                expect(moderator.locator("main")).to_contain_text(BLOCK_REASON[lang])

                # the author's next comment is refused, and they read why and until when
                author.goto(clause_url)
                author.locator("#comment-form textarea[name=body]").fill(f"Another comment {lang}.")
                author.locator("#comment-form button[type=submit]").click()
                refusal = author.locator("main").inner_text()
                assert BLOCK_REASON[lang] in refusal and f"{ends_on:%Y-%m-%d}" in refusal
                assert_words(refusal, app, lang, "A moderator blocked you from taking part until %(date)s: %(reason)s")
                expect(author.locator("html")).to_have_attribute("lang", lang.replace("_", "-"))
                with app.app_context():
                    assert db.session.scalar(select(Comment.id).where(Comment.body == f"Another comment {lang}.")) is None
                for page in (author, reader, moderator):
                    page.context.close()
        finally:
            browser.close()
