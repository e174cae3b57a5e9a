"""Automated accessibility checks (axe-core, bundled offline) of the pages people use most, in
Debian chromium at a phone's width. Many of our readers are older people on small screens."""
from __future__ import annotations

import threading

import pytest
from test_browser import ARGS, chromium_path  # noqa: F401 - fixture
from test_parallel_versions import add_demo_version

pytestmark = pytest.mark.browser

PAGES = ["/", "/drafts", "/drafts/{slug}", "/drafts/{slug}/revisions/1", "/drafts/{slug}/contents", "/drafts/{slug}/notice",
         "/drafts/{slug}/clauses/{eid}", "/drafts/{slug}/comments", "/drafts/{slug}/comments/{comment}",
         "/drafts/{slug}/comments/{comment}/similar",
         "/drafts/{slug}/positions", "/drafts/{slug}/positions/1",
         "/drafts/{slug}/diff?from=1&to=2", "/drafts/{slug}/diff?from=1&to=2&view=side",
         "/drafts/{slug}/proposals", "/drafts/{slug}/proposals/1", "/drafts/{slug}/dispositions",
         "/drafts/{slug}/verify", "/search?q=water", "/login", "/register", "/password/forgot", "/confirm/again",
         "/password/reset/bad-token", "/drafts/no-such-draft",
         "/budget", "/budget/initiative-budget-2026-first-season", "/budget/initiative-budget-2026-second-season",
         "/budget/initiative-budget-2026-first-season/projects/1",
         "/budget/initiative-budget-2026-first-season/receipt?receipt=no-such-code",
         "/drafts/{slug}/report", "/agencies/{agency}", "/receipts", "/moderation/summary",
         "/drafts/{russian}", "/drafts/{russian}/clauses/{eid}"]  # the law's Russian text, linked
# the same with forms, as a staff member (who sees every form a citizen sees, and more)
STAFF_PAGES = ["/drafts/{slug}/clauses/{eid}", "/drafts/{slug}/clauses/{eid}/propose", "/drafts/{slug}/proposals/1",
               "/staff/drafts/new", "/staff/drafts/{slug}/review", "/staff/drafts/{slug}/review?kind=comments",
               "/staff/drafts/{slug}/merge", "/staff/drafts/{slug}/deadline", "/staff/drafts/{slug}/revise",
               "/staff/comments/{comment}", "/staff/drafts/{slug}/assisted", "/staff/drafts/{slug}/import-comments",
               "/notifications", "/account",
               "/staff/drafts/{slug}/versions",
               "/account/delete", "/drafts/{slug}/positions/new",
               "/budget/phone", "/budget/initiative-budget-2026-second-season",
               "/budget/initiative-budget-2026-second-season/complaint",
               "/budget/initiative-budget-2026-first-season/projects/1",
               "/budget/initiative-budget-2026-second-season/propose",
               "/account/email", "/staff/imports/{job}", "/report/comment/{comment}"]
# the staff desk, as the staff of the budget's district
DISTRICT_PAGES = ["/staff/budget/new", "/staff/budget/initiative-budget-2026-first-season",
                  "/staff/budget/initiative-budget-2026-second-season"]
# the moderators' pages, as an admin (who may also read the audit log), with a report in the queue
ADMIN_PAGES = ["/moderation", "/moderation/people/{author}", "/moderation/audit"]
ADMIN_EMAIL = "admin@example.org"


def page_ids(app) -> dict:
    """What the page addresses name: the demo's draft, a clause, a comment and its author, the agency,
    a big import queued by staff; made once, with an admin and a reader's report."""
    from datetime import timedelta

    from sqlalchemy import select

    from app import demo
    from app.clock import utcnow
    from app.extensions import db
    from app.models import Agency, Clause, Comment, Draft, Job, User
    from app.services import accounts, imports, moderation

    with app.app_context():
        draft = db.session.scalar(select(Draft).order_by(Draft.id))
        comment = db.session.scalar(select(Comment).where(Comment.clause_key.is_not(None)).order_by(Comment.id))
        job = db.session.scalar(select(Job.id).where(Job.kind == imports.KIND))
        russian = db.session.scalar(select(Draft.slug).where(Draft.version_of_id == draft.id))
        if job is None:
            staff = db.session.scalar(select(User).where(User.email == demo.STAFF_EMAIL))
            job = imports.queue_import(b"# Qonun\n\n## 1-modda\n\nMatn.\n", filename="law.md", fmt="md", title="Qonun",
                                       agency_name=staff.agency.name, lang="uz", summary="", opens_at=utcnow(),
                                       closes_at=utcnow() + timedelta(days=30), author=staff).id
            accounts.create_user(email=ADMIN_EMAIL, password=demo.PASSWORD, display_name="Admin", role="admin",
                                 confirmed=True)
            reporter = db.session.scalar(select(User).where(User.id != comment.author_id, User.role == "citizen"))
            moderation.report(reporter, comment, reason="off_topic", note="")
            db.session.commit()
            russian = add_demo_version(app)
        return {"russian": russian, "slug": draft.slug, "comment": comment.id, "author": comment.author_id, "job": job,
                "agency": db.session.get(Agency, draft.agency_id).slug,
                "eid": db.session.scalar(select(Clause.eid).where(Clause.text.contains("mahalla office")))}


def log_in(page, base: str, email: str) -> None:
    from app import demo
    page.goto(base + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(demo.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/")


@pytest.fixture
def demo_server(app_factory, runner):
    from werkzeug.serving import make_server

    app = app_factory(WTF_CSRF_ENABLED=True)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.mark.parametrize("lang", ["en", "ru", "uz", "uz_Cyrl"])
def test_every_page_type_has_no_accessibility_violations(demo_server, chromium_path, lang):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from app import budget_demo, demo

    app, base = demo_server
    ids = page_ids(app)
    axe = Axe()
    problems = []

    def check(page, paths):
        for path in paths:
            url = base + path.format(**ids)
            expected = 404 if "no-such" in path else 400 if "bad-token" in path else 200
            assert page.goto(url).status == expected, url
            for violation in axe.run(page).response["violations"]:
                targets = [n["target"] for n in violation["nodes"]][:3]
                problems.append(f"{lang} {path}: {violation['id']} ({violation['impact']}) {targets}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        try:
            for email, paths in ((None, PAGES), (demo.STAFF_EMAIL, STAFF_PAGES), (ADMIN_EMAIL, ADMIN_PAGES),
                                (budget_demo.DISTRICT_STAFF_EMAIL, DISTRICT_PAGES)):
                context = browser.new_context(viewport={"width": 390, "height": 844})
                context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                page = context.new_page()
                if email:
                    log_in(page, base, email)
                check(page, paths)
                context.close()
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", ["ru", "uz"])
def test_pages_fit_a_320_pixel_screen_and_200_percent_zoom(demo_server, chromium_path, lang):  # noqa: F811
    """Nothing wider than the screen (WCAG reflow): a 320 px phone, or a 640 px window zoomed to 200%."""
    from playwright.sync_api import sync_playwright

    from app import budget_demo

    app, base = demo_server
    ids = page_ids(app)
    too_wide = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        try:
            for viewport, scale in (({"width": 320, "height": 640}, 1), ({"width": 640, "height": 800}, 2)):
                context = browser.new_context(viewport=viewport, device_scale_factor=scale)
                context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                page = context.new_page()
                for path in [*PAGES, "login-as-district", *DISTRICT_PAGES]:
                    if path == "login-as-district":
                        log_in(page, base, budget_demo.DISTRICT_STAFF_EMAIL)
                        continue
                    page.goto(base + path.format(**ids))
                    if scale == 2:
                        page.evaluate("document.body.style.zoom = '200%'")
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > page.evaluate("document.documentElement.clientWidth"):
                        too_wide.append(f"{lang} {path} at {viewport['width']} px x{scale}: {width} px wide")
                context.close()
        finally:
            browser.close()
    assert too_wide == [], "\n".join(too_wide)
