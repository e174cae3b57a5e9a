"""The citizen's journey in a real browser (Debian chromium driven by Playwright), against a real
server with CSRF on and a real SMTP server: register, confirm from the email, log in, read a
draft, comment on a clause, reply, vote. One test, a few seconds."""
from __future__ import annotations

import os
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import SAMPLE_MD
from smtp_sink import smtp  # noqa: F401 - fixture

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium_path() -> str:
    """Skip without Debian's chromium, unless CI demands every service (then it is a failure)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium); Playwright cannot download browsers here"
        if os.environ.get("MUHOKAMA_REQUIRE_SERVICES"):
            pytest.fail(reason)
        pytest.skip(reason)
    return str(CHROMIUM)


@pytest.fixture
def live_server(app_factory, smtp):  # noqa: F811
    """The app on a migrated SQLite file, served by werkzeug in a thread, mailing to ``smtp``."""
    from werkzeug.serving import make_server

    from app.extensions import db
    from app.services import revisions
    app = app_factory(WTF_CSRF_ENABLED=True, **smtp.config)
    now = datetime.now(UTC)
    with app.app_context():
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Law on Public Libraries",
                                      agency_name="Ministry of Culture", lang="en", author=None,
                                      opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30))
        db.session.commit()
        assert draft.slug
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in emails
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stop = threading.Event()  # `flask worker` beside the web server sends the emails

    def worker():
        from app.cli import WORKER_HANDLERS
        from app.services import jobs
        with app.app_context():
            jobs.work(WORKER_HANDLERS, poll_seconds=0.1, stop=stop)

    mailer = threading.Thread(target=worker, daemon=True)
    mailer.start()
    yield f"http://127.0.0.1:{server.server_port}"
    stop.set()
    mailer.join(timeout=5)
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_citizen_registers_confirms_comments_replies_and_votes(live_server, smtp, chromium_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        try:
            page = browser.new_page(locale="en-GB")
            page.set_default_timeout(10_000)
            expect.set_options(timeout=10_000)

            # Register.
            page.goto(live_server + "/")
            page.get_by_role("link", name="Register").first.click()
            page.get_by_label("Your name, as others will see it").fill("Zarina Karimova")
            page.get_by_label("Email address").fill("zarina@example.org")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Register").click()
            expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
            expect(page.get_by_text("We have sent an email to zarina@example.org")).to_be_visible()

            # Confirm from the email that really went through SMTP.
            email = smtp.wait_for("zarina@example.org")
            assert email.subject == "Confirm your email address for Muhokama"
            [link] = email.links()
            assert link.startswith(live_server + "/confirm/")
            page.goto(link)
            page.get_by_role("button", name="Confirm my email address").click()
            expect(page.get_by_text("your email address is confirmed")).to_be_visible()

            # Confirming signed her in and brought her back to where she was (the home page).
            expect(page.get_by_role("button", name="Log out")).to_be_visible()
            assert page.url == live_server + "/"

            # Open the draft and a clause.
            page.get_by_role("link", name="Law on Public Libraries").first.click()
            expect(page.get_by_role("heading", name="Law on Public Libraries", level=1)).to_be_visible()
            page.get_by_role("link", name="Article 3", exact=True).click()
            expect(page.get_by_text("Everyone may read in a public library free of charge.")).to_be_visible()
            expect(page.get_by_text("No comments yet.")).to_be_visible()

            # Comment on the clause.
            page.get_by_label("Your comment").fill("Free access should include Sundays.")
            page.get_by_role("button", name="Publish comment").click()
            expect(page.get_by_text("Your comment was published.")).to_be_visible()
            comment = page.locator("article.comment", has_text="Free access should include Sundays.")
            expect(comment).to_contain_text("Zarina Karimova")
            expect(page.get_by_role("heading", name="1 comment")).to_be_visible()

            # Reply to that comment.
            comment.get_by_role("link", name="Reply").click()
            expect(page.get_by_role("heading", name="Discussion")).to_be_visible()
            page.get_by_label("Your comment").fill("And public holidays, please.")
            page.get_by_role("button", name="Publish reply").click()
            expect(page.get_by_text("Your comment was published.")).to_be_visible()
            reply = page.locator(".replies article.comment", has_text="And public holidays, please.")
            expect(reply).to_be_visible()

            # Vote for the clause.
            page.get_by_role("link", name="Article 3").first.click()
            expect(page.get_by_text("0 for")).to_be_visible()
            page.get_by_role("radio", name="For").check()
            page.get_by_role("button", name="Vote").click()
            expect(page.get_by_text("Your vote was recorded.")).to_be_visible()
            expect(page.get_by_text("1 for")).to_be_visible()
            expect(page.get_by_text("You voted for.")).to_be_visible()

            # Log out.
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_text("You are logged out.")).to_be_visible()
            assert re.search(r"/$", page.url)
        finally:
            browser.close()
