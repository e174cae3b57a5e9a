"""Keyboard only, in a real browser: sign in, reach a clause, quote a phrase in a comment, vote.
No mouse and no element is clicked; only Tab, the arrow keys, typing, Space and Enter."""
from __future__ import annotations

import pytest
from test_accessibility import demo_server  # noqa: F401 - fixture
from test_browser import ARGS, chromium_path  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

#: the clause text from its start to the keyboard's caret (observed, never changed, by the test)
_BEFORE_CARET = """() => {
  const s = getSelection(), r = document.createRange();
  r.setStart(document.getElementById("clause-text"), 0);
  r.setEnd(s.focusNode, s.focusOffset);
  return r.toString();
}"""

_FOCUSED = """([selector, text]) => {
  const a = document.activeElement;
  if (!a || (selector && !a.matches(selector))) return false;
  return !text || (a.textContent || a.value || "").replace(/\\s+/g, " ").includes(text);
}"""


def tab_to(page, selector: str | None = None, text: str | None = None, limit: int = 250) -> None:
    """Press Tab until the focused element matches, as a keyboard user would."""
    page.wait_for_load_state()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(_FOCUSED, [selector, text]):
            return
    raise AssertionError(f"Tab never reached {selector or ''} {text or ''}")


def enter_and_wait(page) -> None:
    """Enter on a link or a form's button: wait for the page it opens."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_alone_reaches_a_clause_quotes_comments_and_votes(demo_server, chromium_path):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from app import demo

    app, base = demo_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.set_default_timeout(10_000)
            page.goto(base + "/")

            tab_to(page, "a", "Log in")
            enter_and_wait(page)
            page.wait_for_url("**/login**")
            tab_to(page, "input[name=email]")
            page.keyboard.type(demo.CITIZEN_EMAILS[0])
            tab_to(page, "input[name=password]")
            page.keyboard.type(demo.PASSWORD)
            enter_and_wait(page)
            page.wait_for_url(base + "/")

            tab_to(page, "a", "Law on Community Water Use")
            enter_and_wait(page)
            tab_to(page, "a", "Article 4")
            enter_and_wait(page)
            page.wait_for_url("**/clauses/**")
            expect(page.locator("h1")).to_contain_text("Article 4")

            # quote by selecting in the clause: the arrows go word by word, Shift+arrow selects
            tab_to(page, "#clause-text")
            for _ in range(80):
                if page.evaluate(_BEFORE_CARET).rstrip().endswith("publishes the schedule"):
                    break
                page.keyboard.press("ArrowRight")
            else:
                raise AssertionError("the arrow keys never reached the phrase")
            for _ in range(4):
                page.keyboard.press("Shift+ArrowRight")
            expect(page.locator("input[name=quote]")).to_have_value("at the mahalla office")
            tab_to(page, "textarea[name=body]")
            page.keyboard.type("A notice board in every mahalla, please.")
            tab_to(page, "button", "Publish comment")
            enter_and_wait(page)
            expect(page.get_by_text("Your comment was published.")).to_be_visible()
            mine = page.locator("article.comment", has_text="A notice board in every mahalla, please.")
            expect(mine.locator("blockquote")).to_contain_text("at the mahalla office")

            tab_to(page, "input[type=radio][name=value]")
            page.keyboard.press("Space")
            assert page.evaluate("document.activeElement.checked")
            tab_to(page, "button", "Vote")
            enter_and_wait(page)
            expect(page.get_by_text("Your vote was recorded.")).to_be_visible()
        finally:
            browser.close()
