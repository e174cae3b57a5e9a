"""Automated accessibility checks (axe-core, bundled offline) of the pages people use most, in
Debian chromium at a phone's width. Many of our readers are older people on small screens."""
from __future__ import annotations

import threading

import pytest
from test_browser import ARGS, chromium_path  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

PAGES = ["/", "/drafts", "/drafts/{slug}", "/drafts/{slug}/clauses/{eid}", "/drafts/{slug}/comments",
         "/drafts/{slug}/diff?from=1&to=2", "/drafts/{slug}/diff?from=1&to=2&view=side",
         "/drafts/{slug}/proposals", "/drafts/{slug}/dispositions", "/search?q=water", "/login", "/register",
         "/budget", "/budget/initiative-budget-2026-first-season", "/budget/initiative-budget-2026-second-season",
         "/budget/initiative-budget-2026-first-season/projects/1"]
# the same with forms, as a staff member (who sees every form a citizen sees, and more)
STAFF_PAGES = ["/drafts/{slug}/clauses/{eid}", "/drafts/{slug}/clauses/{eid}/propose", "/drafts/{slug}/proposals/1",
               "/staff/drafts/new", "/staff/drafts/{slug}/review", "/staff/drafts/{slug}/review?kind=comments",
               "/staff/drafts/{slug}/merge", "/staff/drafts/{slug}/deadline", "/staff/drafts/{slug}/revise",
               "/notifications", "/account", "/budget/phone", "/budget/initiative-budget-2026-second-season",
               "/budget/initiative-budget-2026-second-season/complaint",
               "/budget/initiative-budget-2026-first-season/projects/1"]


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


def test_main_pages_have_no_accessibility_violations(demo_server, chromium_path):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Clause, Draft

    app, base = demo_server
    with app.app_context():
        draft = db.session.scalar(select(Draft))
        eid = db.session.scalar(select(Clause.eid).where(Clause.text.contains("mahalla office")))
        slug = draft.slug
    axe = Axe()
    problems = []

    def check(page, paths):
        for path in paths:
            url = base + path.format(slug=slug, eid=eid)
            assert page.goto(url).status == 200, url
            for violation in axe.run(page).response["violations"]:
                targets = [n["target"] for n in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            check(page, PAGES)
            from app import demo
            page.goto(base + "/login")
            page.get_by_label("Email address").fill(demo.STAFF_EMAIL)
            page.get_by_label("Password").fill(demo.PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(base + "/")
            check(page, STAFF_PAGES)
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
