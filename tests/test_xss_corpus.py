"""An XSS corpus of 500+ payloads through the text people write (comment bodies, display names,
proposal texts and rationales, moderators' public reasons, search queries), rendered by the app and
checked in headless chromium: no dialog opens, no payload script runs, and no element carries an
event handler or a javascript: link. The Content Security Policy is taken off for this test, so the
escaping and the Markdown sanitiser are what is tested, not only the second line of defence."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from conftest import SAMPLE_MD
from sqlalchemy import select
from test_browser import ARGS, chromium_path  # noqa: F401 - fixture

from app import clusters
from app.extensions import db
from app.models import Comment, Proposal
from app.services import accounts, comments, moderation, proposals, revisions

pytestmark = pytest.mark.browser
RUN = "window.__xss=1;alert(1)"
VECTORS = [
    f"<script>{RUN}</script>", f"<img src=x onerror=\"{RUN}\">", f"<svg onload={RUN}>", f"<svg><script>{RUN}</script>",
    f"[click](javascript:{RUN})", f"![x](javascript:{RUN})", f"<a href=\"javascript:{RUN}\">a</a>",
    f"\"><script>{RUN}</script>", f"'><img src=x onerror={RUN}>", f"<iframe srcdoc=\"<script>{RUN}</script>\">",
    f"<details open ontoggle=\"{RUN}\">", f"<body onload={RUN}>", f"<input autofocus onfocus={RUN}>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>", f"<object data=\"javascript:{RUN}\">",
    f"<a href=\"&#106;avascript:{RUN}\">x</a>", f"[x](&#x6A;avascript:{RUN})", f"<scr<script>ipt>{RUN}</script>",
    f"<video><source onerror=\"{RUN}\"></video>", f"<marquee onstart={RUN}>x</marquee>",
    f"<style>*{{background:url(javascript:{RUN})}}</style>", f"<div style=\"x:expression({RUN})\">",
    f"<form action=javascript:{RUN}><button>x</button></form>", f"<base href=\"javascript:{RUN}//\">",
    f"<a href=\"  javascript:{RUN}\">x</a>", f"[x](JaVaScRiPt:{RUN})",
]
CONTEXTS = ["{}", "text {}", "**{}**", "> {}", "- {}", "`x` {}", "# {}", "{} trailing", "</textarea>{}",
            "</title>{}", "-->{}", "<!--{}", "\"{}", "'{}", "</p>{}", "| a |\n|---|\n| {} |", "1. {}", "_{}_",
            "[{}](https://example.org)", "\u202e{}"]
PAYLOADS = [context.format(vector) for vector in VECTORS for context in CONTEXTS]


def _without_csp(wsgi):
    def app(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [(k, v) for k, v in headers if k.lower() != "content-security-policy"],
                                  exc_info)
        return wsgi(environ, start)
    return app


@pytest.fixture
def xss_server(app_factory):
    from werkzeug.serving import make_server
    app = app_factory(COMMENTS_PER_PAGE=100)
    now = datetime.now(UTC)
    with app.app_context():
        draft = revisions.import_draft(SAMPLE_MD.encode(), fmt="md", title="Law on Public Libraries",
                                       agency_name="Ministry of Culture", lang="en", author=None,
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30))
        mod = accounts.create_user(email="mod@example.org", password="x" * 10, display_name="Mod", role="moderator",
                                   confirmed=True)
        authors = [accounts.create_user(email=f"a{i}@example.org", password="x" * 10, display_name=p[:80],
                                        confirmed=True) for i, p in enumerate(PAYLOADS[::10])]
        clause = next(c for c in draft.revisions[0].clauses if c.text)
        for i, payload in enumerate(PAYLOADS):
            comments.add_comment(authors[i % len(authors)], draft, body=payload)
        for i, payload in enumerate(PAYLOADS[::12]):
            proposals.propose(authors[i % len(authors)], draft, clause.key, action="replace",
                              proposed_text=payload, rationale=payload)
        for comment in db.session.scalars(select(Comment).order_by(Comment.id).limit(25)):
            moderation.hide(mod, comment, reason="abuse", explanation=PAYLOADS[comment.id % len(PAYLOADS)])
        db.session.commit()
        slug, eid = draft.slug, clause.eid
        proposal_ids = list(db.session.scalars(select(Proposal.id)))
        # lists show near-identical payloads once: their cluster pages render the rest
        groups = {g for g in clusters.draft_campaigns(draft).groups.values()}
        similar = [f"/drafts/{slug}/comments/{g[0]}/similar?page={n}" for g in groups
                   for n in range(1, len(g) // 100 + 2)]
        every = {f"c{i}" for i in db.session.scalars(select(Comment.id))}
    server = make_server("127.0.0.1", 0, _without_csp(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", slug, eid, proposal_ids, similar, every
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
      if (a.name.startsWith('on') || ((a.name === 'href' || a.name === 'src' || a.name === 'action' ||
          a.name === 'data' || a.name === 'srcdoc') && (v.startsWith('javascript:') || a.name === 'srcdoc')))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value.slice(0, 60));
    }
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'BASE', 'STYLE'].includes(el.tagName) && el.closest('main'))
      bad.push(el.tagName + ' in main');
  }
  return {ran: window.__xss === 1, bad};
}"""


def test_no_payload_runs_in_a_real_browser(xss_server, chromium_path):  # noqa: F811
    from playwright.sync_api import sync_playwright
    base, slug, eid, proposal_ids, similar, every = xss_server
    shown: set[str] = set()
    pages = [f"/drafts/{slug}/comments?page={n}" for n in range(1, len(PAYLOADS) // 100 + 2)]
    pages += [f"/drafts/{slug}/proposals", f"/drafts/{slug}/clauses/{eid}", f"/drafts/{slug}", "/moderation/summary"]
    pages += [f"/drafts/{slug}/proposals/{pid}" for pid in proposal_ids[:10]]
    pages += similar + [f"/search?q={quote(p)}" for p in PAYLOADS[::25]] + [f"/api/v1/drafts/{slug}/comments?limit=50"]
    dialogs, problems = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for path in pages:
                page.goto(base + path, wait_until="load")
                result = page.evaluate(CHECK)
                shown |= set(page.evaluate("[...document.querySelectorAll('article.comment')].map(a => a.id)"))
                if result["ran"] or result["bad"]:
                    problems.append((path, result))
        finally:
            browser.close()
    assert len(PAYLOADS) >= 500
    assert every <= shown, f"{len(every - shown)} payload comments were never rendered"
    assert not dialogs and not problems, (dialogs, problems[:5])
