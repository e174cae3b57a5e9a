"""Structure guards for the web layer."""
import re

from conftest import REPO


def test_every_post_form_in_templates_carries_a_csrf_token():
    for path in (REPO / "templates").rglob("*.html"):
        html = path.read_text()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.DOTALL | re.IGNORECASE):
            assert "csrf_token" in form or "hidden_tag()" in form, f"{path.name}: a POST form without CSRF token"


def test_pages_carry_security_headers(client):
    r = client.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert client.get("/drafts/missing").headers["X-Frame-Options"] == "DENY"
