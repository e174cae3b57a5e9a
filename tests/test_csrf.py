"""Every form that changes something refuses a request without a CSRF token."""
import re

import pytest


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


#: POSTs a signed token in the URL authorises instead of a session and a CSRF token
TOKEN_POSTS = {"alerts.unsubscribe": "RFC 8058 one-click unsubscribe: mail programs POST without a form"}


def test_every_post_endpoint_refuses_a_missing_csrf_token(csrf_app, make_user):
    client = csrf_app.test_client()
    rules = [r for r in csrf_app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")
             and r.endpoint not in TOKEN_POSTS]
    assert len(rules) >= 5
    for rule in rules:
        url = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", rule.rule)  # the first choice of an any() part
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        r = client.post(url, data={"body": "hi", "email": "a@example.org", "password": "x" * 10})
        assert r.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        assert "expired or was not sent from this site" in r.get_data(as_text=True)


PUBLIC_POSTS = {"accounts.confirm", "accounts.forgot", "accounts.login", "accounts.register", "accounts.resend",
                "accounts.reset", "accounts.logout"}


def test_every_other_post_endpoint_needs_a_login_and_changes_nothing(app, client, make_draft):
    """Authorisation is checked on the server for every action, not only by hiding buttons."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditLog, Comment, Proposal, Revision
    slug = make_draft()

    def counts():
        with app.app_context():
            return [db.session.scalar(select(func.count()).select_from(m)) for m in (Comment, Proposal, Revision, AuditLog)]

    before = counts()
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in PUBLIC_POSTS
             and r.endpoint not in TOKEN_POSTS and not r.rule.startswith("/api/")]
    assert len(rules) >= 15
    for rule in rules:
        url = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", rule.rule).replace("<slug>", slug)
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "art_1")
        r = client.post(url, data={"body": "x", "value": "1", "outcome": "accepted", "reason": "x", "step": "publish",
                                   "proposal": "1", "note": "x", "text": "# X\n\nY", "closes": "2099-01-01T00:00"})
        assert r.status_code == 302 and "/login" in r.headers["Location"], f"{rule.rule}: {r.status_code}"
    assert counts() == before


def test_token_posts_refuse_a_forged_token(csrf_app):
    """The endpoints without a CSRF token answer 400 to a token not signed here."""
    client = csrf_app.test_client()
    assert client.post("/email/unsubscribe/forged.token").status_code == 400
